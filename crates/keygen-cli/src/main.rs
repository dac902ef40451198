//! `keygen`: the key-pair engine offline — generate RSA-4096 key pairs in
//! the API's format, check private and public keys, print fingerprints.
//!
//! Exit codes: 0 success (key sound / accepted), 1 the key failed a check,
//! 2 the input could not be read or the command line was wrong.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keygen_core::{GenerateOptions, PrivateKeyReport, RsaKeyPair};
use serde_json::json;
use zeroize::Zeroizing;

mod check_public_key;

/// Generate and check SSH key pairs in a cloud key-pair API's exact format.
#[derive(Debug, Parser)]
#[command(name = "keygen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate RSA-4096 key pairs: one JSON object per line on stdout
    /// ({"publicKey", "privateKey", "fingerprint"}), or files with --out.
    Generate {
        /// How many key pairs to generate.
        #[arg(long, short = 'n', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
        /// Write `id_rsa` (OpenSSH private key, mode 0600) and `id_rsa.pub`
        /// into this directory instead of printing JSON. Existing files are
        /// never overwritten.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Comment for the files written with --out.
        #[arg(long, default_value = "", requires = "out")]
        comment: String,
        /// Threads searching for each key's primes together (default: one
        /// per CPU; 1 for a single thread).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
        threads: Option<u32>,
    },
    /// Check a private key (the API's base64 line, PKCS#8 or PKCS#1 PEM, or
    /// DER): exit 0 with a JSON report when sound, 1 listing failed checks.
    CheckPrivateKey {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Validate an OpenSSH public key line as the API would on import (the
    /// 512-character minimum aside): exit 0 with a JSON report when
    /// accepted, 1 with the reason when not.
    CheckPublicKey {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print the SHA256 and MD5 fingerprints of an OpenSSH public key line.
    Fingerprint {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate {
            count,
            out,
            comment,
            threads,
        } => {
            let options = generate_options(threads);
            match out {
                Some(dir) => generate_files(count, &dir, &comment, &options),
                None => generate_json(count, &options),
            }
        }
        Command::CheckPrivateKey { file } => check_private(&file),
        Command::CheckPublicKey { file } => read_text(&file).map(|text| {
            let (code, report) = check_public_key::run(&text);
            println!("{report}");
            u8::try_from(code).unwrap_or(2)
        }),
        Command::Fingerprint { file } => read_text(&file).map(|text| fingerprint(&text)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("keygen: {message}");
            ExitCode::from(2)
        }
    }
}

/// Reads a file or standard input, zeroized when dropped (it may hold a
/// private key).
fn read_input(file: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut stdin;
    let mut f;
    let reader: &mut dyn Read = if file == "-" {
        stdin = io::stdin().lock();
        &mut stdin
    } else {
        f = fs::File::open(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        &mut f
    };
    read_zeroizing(reader).map_err(|e| {
        let name = if file == "-" { "standard input" } else { file };
        format!("cannot read {name}: {e}")
    })
}

/// Largest input read: far above any key, far below a mistake's size.
const MAX_INPUT: usize = 1 << 20;

/// Reads everything into a buffer that is zeroized when dropped. It grows
/// by copying into a new zeroizing buffer, so no reallocation leaves an
/// unwiped copy of a private key behind.
fn read_zeroizing(reader: &mut dyn Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; 8192]);
    let mut len = 0;
    loop {
        if len == buf.len() {
            if buf.len() >= MAX_INPUT {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "input larger than 1 MiB",
                ));
            }
            let mut bigger = Zeroizing::new(vec![0u8; buf.len() * 2]);
            bigger[..len].copy_from_slice(&buf[..len]);
            buf = bigger;
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(&buf[..len]);
    Ok(out)
}

fn read_text(file: &str) -> Result<Zeroizing<String>, String> {
    let bytes = read_input(file)?;
    match std::str::from_utf8(&bytes) {
        Ok(s) => {
            let mut text = Zeroizing::new(String::with_capacity(s.len()));
            text.push_str(s);
            Ok(text)
        }
        Err(_) => Err(format!("{file} is not UTF-8 text")),
    }
}

/// How `keygen generate` searches: `threads` threads, or one per CPU.
fn generate_options(threads: Option<u32>) -> GenerateOptions {
    let threads = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        |t| t as usize,
    );
    GenerateOptions {
        threads,
        ..GenerateOptions::default()
    }
}

fn generate_json(count: u32, options: &GenerateOptions) -> Result<u8, String> {
    let progress = (count > 1 && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(u64::from(count));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} keys, {elapsed} elapsed, eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let stdout = io::stdout();
    for _ in 0..count {
        let key = RsaKeyPair::generate_os_with(options).map_err(|e| e.to_string())?;
        let enc = key.to_encoded().map_err(|e| e.to_string())?;
        // Serialised into a buffer sized for the whole line, so it never
        // reallocates and leaves no unwiped copy of the private key.
        let fields = GeneratedLine {
            public_key: &enc.public_key,
            private_key: &enc.private_key,
            fingerprint: &enc.fingerprint,
        };
        let capacity = 128 + enc.public_key.len() + enc.private_key.len() + enc.fingerprint.len();
        let mut line = Zeroizing::new(Vec::with_capacity(capacity));
        serde_json::to_writer(&mut *line, &fields).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let mut out = stdout.lock();
        out.write_all(&line)
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to standard output: {e}"))?;
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(0)
}

/// One line of `keygen generate`.
#[derive(serde::Serialize)]
struct GeneratedLine<'a> {
    #[serde(rename = "publicKey")]
    public_key: &'a str,
    #[serde(rename = "privateKey")]
    private_key: &'a str,
    fingerprint: &'a str,
}

fn generate_files(
    count: u32,
    dir: &Path,
    comment: &str,
    options: &GenerateOptions,
) -> Result<u8, String> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if count != 1 {
        return Err("--out writes one key pair (id_rsa, id_rsa.pub); leave out --count".into());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let private_path = dir.join("id_rsa");
    let public_path = dir.join("id_rsa.pub");
    for path in [&private_path, &public_path] {
        if path.exists() {
            return Err(format!("{} exists; not overwriting it", path.display()));
        }
    }
    let key = RsaKeyPair::generate_os_with(options).map_err(|e| e.to_string())?;
    let openssh = key.to_openssh(comment).map_err(|e| e.to_string())?;
    let public = key.public_key();
    let public_line = if comment.is_empty() {
        format!("{}\n", public.to_openssh())
    } else {
        format!("{} {comment}\n", public.to_openssh())
    };
    // create_new: never clobber a file that appeared since the check above;
    // mode 0600 from the start, so the key is never readable by others.
    let write = |path: &Path, mode: u32, bytes: &[u8]| -> Result<(), String> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(&private_path, 0o600, openssh.as_bytes())?;
    write(&public_path, 0o644, public_line.as_bytes())?;
    println!(
        "{}",
        json!({
            "privateKeyFile": private_path.display().to_string(),
            "publicKeyFile": public_path.display().to_string(),
            "publicKey": public.to_openssh(),
            "fingerprint": public.sha256_fingerprint(),
        })
    );
    Ok(0)
}

fn check_private(file: &str) -> Result<u8, String> {
    let bytes = read_input(file)?;
    let report = match std::str::from_utf8(&bytes) {
        Ok(text) => keygen_core::check_private_key(text),
        Err(_) => keygen_core::check_private_key_der(&bytes),
    };
    println!("{}", private_report_json(&report));
    Ok(if report.is_sound() { 0 } else { 1 })
}

fn private_report_json(report: &PrivateKeyReport) -> serde_json::Value {
    let checks: Vec<_> = report
        .checks
        .iter()
        .map(|c| json!({"name": c.name, "passed": c.passed, "fatal": c.fatal, "detail": c.detail}))
        .collect();
    let failed: Vec<_> = report
        .failed()
        .filter(|c| c.fatal)
        .map(|c| c.name)
        .collect();
    let warnings: Vec<_> = report
        .failed()
        .filter(|c| !c.fatal)
        .map(|c| c.name)
        .collect();
    json!({
        "sound": report.is_sound(),
        "format": report.format.map(|f| format!("{f:?}")),
        "bits": report.bits,
        "publicKey": report.public_key.as_ref().map(keygen_core::RsaPublicKey::to_openssh),
        "fingerprint": report.public_key.as_ref().map(keygen_core::RsaPublicKey::sha256_fingerprint),
        "failed": failed,
        "warnings": warnings,
        "checks": checks,
    })
}

/// Fingerprints any `type base64 [comment]` line, as `ssh-keygen -l` does;
/// `check-public-key` is the command that judges the key itself.
fn fingerprint(text: &str) -> u8 {
    use base64ct::{Base64, Encoding};
    let mut fields = text.split_ascii_whitespace();
    let (Some(kind), Some(b64)) = (fields.next(), fields.next()) else {
        println!(
            "{}",
            json!({"error": "expected an OpenSSH public key line: type base64 [comment]"})
        );
        return 1;
    };
    let Ok(blob) = Base64::decode_vec(b64) else {
        println!("{}", json!({"error": "the key's base64 is malformed"}));
        return 1;
    };
    // The blob starts with its own type name (RFC 4253 §6.6); it must match.
    let inner = blob
        .get(..4)
        .and_then(|len| usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]])).ok())
        .and_then(|len| blob.get(4..4 + len));
    if inner != Some(kind.as_bytes()) {
        println!(
            "{}",
            json!({"error": "the key blob's type does not match the line's type"})
        );
        return 1;
    }
    println!(
        "{}",
        json!({
            "type": kind,
            "sha256": keygen_core::sha256_fingerprint(&blob),
            "md5": keygen_core::md5_fingerprint(&blob),
        })
    );
    0
}
