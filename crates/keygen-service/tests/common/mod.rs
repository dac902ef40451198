//! A real `keygen-service` process on 127.0.0.1 and an ephemeral port, with
//! its own data directory and captured logs; it is killed when dropped.
//!
//! Tests written once run against every store: [`on_every_store!`] makes a
//! SQLite variant (always) and a PostgreSQL variant of each. The PostgreSQL
//! variants need `KEYGEN_TEST_DATABASE_URL`, the URL of a PostgreSQL server
//! and a user allowed to create databases (such as
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets a database
//! of its own, dropped when it ends. Without the variable they are skipped
//! with a note, except under `CI=true`, where they fail; a server the
//! variable names but that cannot be reached is always a failure.

#![allow(dead_code, unreachable_pub, missing_debug_implementations)]

pub mod tls;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub const ADMIN: &str = "admin-token-for-tests-0123456789";

/// The variable naming the PostgreSQL server the tests may use.
pub const DATABASE_URL_VAR: &str = "KEYGEN_TEST_DATABASE_URL";

/// A running server.
pub struct Server {
    child: Child,
    pub base: String,
    /// What the server printed on standard output before it listened
    /// (such as a generated admin token).
    pub preamble: Vec<String>,
    pub dir: PathBuf,
    pub log: PathBuf,
}

/// Starts a SQLite server on `dir` (data in `dir/data`, logs in
/// `dir/log-N.txt`).
pub fn start(dir: &Path, config: Option<&str>, pool: usize) -> Server {
    start_with(dir, None, config, pool)
}

/// Starts the server on `dir`: with `database_url` (passed in
/// `KEYGEN_DATABASE_URL`) on PostgreSQL, else on SQLite in `dir/data`.
pub fn start_with(
    dir: &Path,
    database_url: Option<&str>,
    config: Option<&str>,
    pool: usize,
) -> Server {
    let (mut cmd, log) = command(dir, config, pool);
    match database_url {
        Some(url) => cmd.env("KEYGEN_DATABASE_URL", url),
        None => cmd.env_remove("KEYGEN_DATABASE_URL"),
    };
    spawn(cmd, dir, log)
}

/// The command that starts a server on `dir`, and the file its log goes to,
/// with no store chosen yet (`KEYGEN_DATABASE_URL` is inherited unless the
/// caller sets or removes it), for tests that pass their own flags.
pub fn command(dir: &Path, config: Option<&str>, pool: usize) -> (Command, PathBuf) {
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
    (cmd, log)
}

/// Runs `cmd` (from [`command`]) and waits until it listens.
pub fn spawn(mut cmd: Command, dir: &Path, log: PathBuf) -> Server {
    let mut child = cmd.spawn().expect("start keygen-service");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut preamble = Vec::new();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    break addr.to_owned();
                }
                preamble.push(line);
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "server exited before listening; its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        preamble,
        dir: dir.to_path_buf(),
        log,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal, leaving the process running.
    pub fn kill_with(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
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

/// Makes ring the process's rustls provider (the tests' HTTP client has
/// none of its own).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client for plain-HTTP servers. Its TLS configuration (which trusts
/// nothing) is made once: loading the platform's roots for every client
/// would slow each test's first request by a noticeable fraction of a
/// second.
pub fn client() -> reqwest::Client {
    static NO_ROOTS: OnceLock<rustls::ClientConfig> = OnceLock::new();
    install_crypto_provider();
    let tls = NO_ROOTS.get_or_init(|| {
        rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    });
    reqwest::Client::builder()
        .use_preconfigured_tls(tls.clone())
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

/// Key pairs created and acknowledged (201) so far, by id.
pub type Acknowledged = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Starts `writers` tasks importing key pairs into `url` one after another
/// (names `w{writer}-{i}`, at most `per_writer` each), with the given
/// `Authorization` header; each stops at its first answer that is not a
/// 201 (the server gone, say). Returns the ids acknowledged so far and the
/// tasks.
pub fn create_stream(
    url: &str,
    authorization: &str,
    writers: usize,
    per_writer: usize,
) -> (Acknowledged, Vec<tokio::task::JoinHandle<()>>) {
    let acked = Acknowledged::default();
    let tasks = (0..writers)
        .map(|w| {
            let (url, authorization) = (url.to_owned(), authorization.to_owned());
            let acked = std::sync::Arc::clone(&acked);
            tokio::spawn(async move {
                let c = client();
                for i in 0..per_writer {
                    let r = c
                        .post(&url)
                        .header("authorization", &authorization)
                        .json(&serde_json::json!({"name": format!("w{w}-{i}"), "publicKey": public_key()}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                            let body: serde_json::Value = r.json().await.unwrap();
                            let id = body["id"].as_str().unwrap().to_owned();
                            acked.lock().unwrap().push(id);
                        }
                        _ => break,
                    }
                }
            })
        })
        .collect();
    (acked, tasks)
}

/// The store a test's servers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's world: a temporary directory (data, logs, config files) and,
/// on PostgreSQL, a database of its own that is dropped with it.
pub struct TestEnv {
    pub backend: Backend,
    // Declared first so it is dropped first: the database goes before the
    // directory, whatever the test left running.
    pub database: Option<TestDatabase>,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn sqlite() -> Self {
        Self {
            backend: Backend::Sqlite,
            database: None,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A fresh database on the server of `KEYGEN_TEST_DATABASE_URL`; `None`
    /// (with a note on standard error) when the variable is not set.
    pub fn postgres(test: &str) -> Option<Self> {
        let admin_url = admin_url(test)?;
        Some(Self {
            backend: Backend::Postgres,
            database: Some(TestDatabase::create(&admin_url)),
            dir: tempfile::tempdir().unwrap(),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The database URL the servers use, on PostgreSQL.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(|d| d.url.as_str())
    }

    /// Starts a server on this test's store.
    pub fn start(&self, config: Option<&str>, pool: usize) -> Server {
        start_with(self.path(), self.database_url(), config, pool)
    }
}

/// `KEYGEN_TEST_DATABASE_URL`, or `None` after a note (written past the test
/// harness's capture, once per test binary) that PostgreSQL tests are
/// skipped.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        // Under CI a PostgreSQL variant that cannot run is a failure, not
        // a skip: a CI run that silently tests one store is a hole.
        _ if on_ci() => panic!(
            "{test}: {DATABASE_URL_VAR} is not set and CI=true: the PostgreSQL variants must \
             run in CI (.ci/postgres.sh run cargo test …)"
        ),
        _ => {
            static NOTE: std::sync::Once = std::sync::Once::new();
            NOTE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {DATABASE_URL_VAR} is not set: skipping the PostgreSQL tests \
                     (set it to postgres://user@host:port/postgres to run them)"
                );
            });
            let _ = test;
            None
        }
    }
}

/// Whether the tests run in CI (`CI=true`, as CI services set it): then
/// tests that need a service they cannot reach fail instead of skipping.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `url` with its database name replaced by `dbname`.
pub fn with_database(url: &str, dbname: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[authority_end..]
        .find('?')
        .map_or("", |q| &rest[authority_end + q..]);
    format!(
        "{}{}/{dbname}{query}",
        &url[..scheme_end],
        &rest[..authority_end]
    )
}

/// Runs `f` with a PostgreSQL client on a thread of its own: the
/// synchronous client must not run on an async runtime's thread.
pub fn with_client<T: Send + 'static>(
    url: &str,
    f: impl FnOnce(&mut postgres::Client) -> T + Send + 'static,
) -> T {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test database server: {e}"));
        f(&mut client)
    })
    .join()
    .unwrap()
}

/// A database created for one test, dropped (with any connection still
/// open to it) when this value is.
pub struct TestDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// # Panics
    ///
    /// When the server cannot be reached or refuses: an unreachable
    /// database is a failure (under CI and off it), never a skip, once
    /// `KEYGEN_TEST_DATABASE_URL` names one.
    pub fn create(admin_url: &str) -> Self {
        let name = format!("keygen_test_{}", uuid::Uuid::new_v4().simple());
        let sql = format!("CREATE DATABASE \"{name}\"");
        with_client(admin_url, move |c| c.batch_execute(&sql).unwrap());
        Self {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let url = self.admin_url.clone();
        let dropped = std::thread::spawn(move || {
            postgres::Client::connect(&url, postgres::NoTls).and_then(|mut c| c.batch_execute(&sql))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: could not drop the test database {}",
                self.name
            );
        }
    }
}

/// Defines, for each named `async fn test(env: TestEnv)` of the file, a test
/// `sqlite::test` and a test `postgresql::test` (which returns at once, after a
/// note, when `KEYGEN_TEST_DATABASE_URL` is not set).
#[allow(unused_macros)]
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::common::TestEnv::sqlite()).await;
                }
            )*
        }
        mod postgresql {
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(env) = $crate::common::TestEnv::postgres(stringify!($test)) {
                        super::$test(env).await;
                    }
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_every_store;
