//! A real `keygen-service` process on 127.0.0.1 and an ephemeral port, with
//! its own data directory and captured logs; it is killed when dropped.

#![allow(dead_code, unreachable_pub, missing_debug_implementations)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub const ADMIN: &str = "admin-token-for-tests-0123456789";

/// A running server.
pub struct Server {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub log: PathBuf,
}

/// Starts the server on `dir` (data in `dir/data`, logs in `dir/log-N.txt`).
pub fn start(dir: &Path, config: Option<&str>, pool: usize) -> Server {
    let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    let log = dir.join(format!("log-{n}.txt"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keygen-service"));
    cmd.arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--pool-size")
        .arg(pool.to_string())
        .env("KEYGEN_ADMIN_TOKEN", ADMIN)
        .env("KEYGEN_LOG", "debug")
        .env_remove("KEYGEN_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    if let Some(text) = config {
        let path = dir.join(format!("config-{n}.toml"));
        std::fs::write(&path, text).unwrap();
        cmd.arg("--config").arg(path);
    }
    let mut child = cmd.spawn().expect("start keygen-service");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        dir: dir.to_path_buf(),
        log,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a signal and waits for the process to end.
    pub fn signal(mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-s", signal, &pid])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// A valid 724-character public key line (RSA-4096), generated once.
pub fn public_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        keygen_core::RsaKeyPair::generate_os()
            .unwrap()
            .public_key()
            .to_openssh()
    })
}

pub fn keypairs(project: &str, zone: &str) -> String {
    format!("/v1/projects/{project}/zones/{zone}/keypairs")
}
