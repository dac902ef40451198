#![doc = include_str!("../README.md")]
//!
//! # Exit codes
//!
//! 0 success (key sound / accepted), 1 the key failed a check, 2 the input
//! could not be read (unreadable file, a format keygen does not read, a
//! wrong passphrase) or the command line was wrong.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use keygen_core::{DecryptError, GenerateOptions, PrivateKeyReport, RsaKeyPair};
use serde_json::json;
use zeroize::Zeroizing;

mod check_public_key;
mod files;
mod fingerprint;
mod passphrase;

use files::{Destination, Format};
use passphrase::Passphrase;

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
    /// ({"publicKey", "privateKey", "fingerprint"}), or a key file and its
    /// `.pub` with -f FILE or --out DIR.
    ///
    /// A private key file is encrypted with the passphrase of
    /// --passphrase-file, or with one asked twice on the terminal when
    /// standard input is a terminal (unless --no-passphrase). Files are
    /// created with mode 0600 (the .pub 0644) and never overwritten.
    Generate {
        /// How many key pairs to generate (JSON output only).
        #[arg(long, short = 'n', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
        /// Write `id_rsa` and `id_rsa.pub` into this directory (created,
        /// mode 0700, if missing).
        #[arg(long, value_name = "DIR", group = "destination")]
        out: Option<PathBuf>,
        /// Write the private key to FILE and the public key to FILE.pub, as
        /// `ssh-keygen -f FILE` does.
        #[arg(short = 'f', long = "file", value_name = "FILE", group = "destination")]
        file: Option<PathBuf>,
        /// Encoding of the private key file (default openssh).
        #[arg(long, value_enum, requires = "destination")]
        format: Option<Format>,
        /// Comment for the key files: in the .pub line, and inside OpenSSH
        /// and PPK private keys.
        #[arg(long, short = 'C', requires = "destination")]
        comment: Option<String>,
        /// Read the passphrase from the first line of this file.
        #[arg(
            long,
            value_name = "FILE",
            requires = "destination",
            conflicts_with = "no_passphrase"
        )]
        passphrase_file: Option<PathBuf>,
        /// Write the private key unencrypted without asking.
        #[arg(long, requires = "destination")]
        no_passphrase: bool,
        /// Threads searching for each key's primes together (default: one
        /// per CPU; 1 for a single thread).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
        threads: Option<u32>,
    },
    /// Check a private key (the API's base64 line, PKCS#8 PEM, encrypted
    /// PKCS#8 PEM, PKCS#1 PEM, OpenSSH private key, PuTTY PPK v3, or DER):
    /// exit 0 with a JSON report when sound, 1 listing failed checks, 2 when
    /// it cannot be read or opened.
    CheckPrivateKey {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// Passphrase of an encrypted key, from the first line of this file
        /// (otherwise asked on the terminal when standard input is one).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Validate OpenSSH public key lines as the API does on import: one
    /// JSON verdict per key line (blank lines and # comments skipped); exit
    /// 0 when every key is accepted, 1 with the reasons when not.
    CheckPublicKey {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// Judge the key alone: drop the API's 512-character minimum, which
        /// refuses bare Ed25519 and ECDSA lines.
        #[arg(long)]
        any_length: bool,
    },
    /// Print the SHA256 and MD5 fingerprints of every key in a file, as
    /// `ssh-keygen -l -f` reads it: public key lines, authorized_keys lines
    /// with options, known_hosts lines. One JSON line per key.
    Fingerprint {
        /// File to read, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: CompletionShell,
    },
    /// Print the man page (roff), e.g. `keygen man > keygen.1`.
    Man,
}

/// Shells with completion scripts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate {
            count,
            out,
            file,
            format,
            comment,
            passphrase_file,
            no_passphrase,
            threads,
        } => {
            let options = generate_options(threads);
            let dest = match (out, file) {
                (Some(dir), _) => Some(Destination::in_dir(&dir)),
                (None, Some(file)) => Some(Ok(Destination::file(&file))),
                (None, None) => None,
            };
            match dest {
                Some(dest) => dest.and_then(|dest| {
                    let request = FileRequest {
                        count,
                        format: format.unwrap_or(Format::Openssh),
                        comment: comment.unwrap_or_default(),
                        passphrase_file,
                        no_passphrase,
                    };
                    generate_files(&dest, &request, &options)
                }),
                None => generate_json(count, &options),
            }
        }
        Command::CheckPrivateKey {
            file,
            passphrase_file,
        } => check_private(&file, passphrase_file.as_deref()),
        Command::CheckPublicKey { file, any_length } => read_text(&file).and_then(|text| {
            let (code, lines) = check_public_key::run_lines(&text, any_length);
            print_lines(&lines).map(|()| code)
        }),
        Command::Fingerprint { file } => read_text(&file).and_then(|text| {
            let (code, lines) = fingerprint::run(&text);
            print_lines(&lines).map(|()| code)
        }),
        Command::Completions { shell } => {
            let shell = match shell {
                CompletionShell::Bash => clap_complete::Shell::Bash,
                CompletionShell::Zsh => clap_complete::Shell::Zsh,
                CompletionShell::Fish => clap_complete::Shell::Fish,
            };
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "keygen", &mut script);
            io::stdout()
                .write_all(&script)
                .map(|()| 0)
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut io::stdout())
            .map(|()| 0)
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("keygen: {message}");
            ExitCode::from(2)
        }
    }
}

/// Prints JSON values one per line; a closed standard output is an error
/// (exit 2), not a panic.
pub(crate) fn print_lines(lines: &[serde_json::Value]) -> Result<(), String> {
    let mut out = io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(|e| format!("cannot write to standard output: {e}"))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write to standard output: {e}"))
}

/// What `keygen generate` writes into files.
struct FileRequest {
    count: u32,
    format: Format,
    comment: String,
    passphrase_file: Option<PathBuf>,
    no_passphrase: bool,
}

fn generate_files(
    dest: &Destination,
    request: &FileRequest,
    options: &GenerateOptions,
) -> Result<u8, String> {
    if request.count != 1 {
        return Err("-f and --out write one key pair; leave out --count".into());
    }
    if request.comment.contains(['\n', '\r']) {
        return Err("the comment cannot hold a line break".into());
    }
    // Before asking anything: a file already there ends the run.
    dest.check_free()?;
    let format = request.format;
    let passphrase = match &request.passphrase_file {
        Some(_) if !format.encrypts() => {
            return Err(format!(
                "--format {} cannot be encrypted; use --format openssh, pkcs8 or ppk, or --no-passphrase",
                format.name()
            ));
        }
        Some(path) => Some(Passphrase::from_file(path)?),
        None if request.no_passphrase || !format.encrypts() => None,
        None if io::stdin().is_terminal() => Passphrase::prompt_new()?,
        None => None,
    };
    files::generate(dest, format, &request.comment, passphrase.as_ref(), options)
}

/// Reads a file or standard input, zeroized when dropped (it may hold a
/// private key).
pub(crate) fn read_input(file: &str) -> Result<Zeroizing<Vec<u8>>, String> {
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
    GenerateOptions::new().with_threads(threads)
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
            public_key: enc.public_key(),
            private_key: enc.private_key(),
            fingerprint: enc.fingerprint(),
        };
        let capacity =
            128 + enc.public_key().len() + enc.private_key().len() + enc.fingerprint().len();
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

/// One line of `keygen generate`, and the content of an api-json file.
#[derive(serde::Serialize)]
pub(crate) struct GeneratedLine<'a> {
    #[serde(rename = "publicKey")]
    pub(crate) public_key: &'a str,
    #[serde(rename = "privateKey")]
    pub(crate) private_key: &'a str,
    pub(crate) fingerprint: &'a str,
}

/// The formats `check-private-key` reads, for its error message.
const PRIVATE_FORMATS: &str = "the api's base64 line, pkcs#8 pem (plain or encrypted), pkcs#1 pem, openssh private key, putty ppk v3, der";

fn check_private(file: &str, passphrase_file: Option<&std::path::Path>) -> Result<u8, String> {
    let bytes = read_input(file)?;
    let name = if file == "-" { "standard input" } else { file };
    let report = match std::str::from_utf8(&bytes) {
        Ok(text) if keygen_core::private_key_is_encrypted(text) => {
            let passphrase = match passphrase_file {
                Some(path) => Passphrase::from_file(path)?,
                None if io::stdin().is_terminal() => Passphrase::prompt_existing(name)?,
                None => {
                    return Err(format!(
                        "{name} is encrypted: give --passphrase-file FILE, or run on a terminal to be asked"
                    ));
                }
            };
            keygen_core::check_private_key_with_passphrase(text, passphrase.as_bytes()).map_err(
                |e| match e {
                    DecryptError::WrongPassphrase => {
                        format!("{name}: wrong passphrase (the key does not open with it)")
                    }
                    other => format!("{name}: {other}"),
                },
            )?
        }
        Ok(text) => keygen_core::check_private_key(text),
        Err(_) => keygen_core::check_private_key_der(&bytes),
    };
    if let Some(why) = unreadable(&report) {
        return Err(format!(
            "{name} is not a private key keygen reads ({why}); formats read: {PRIVATE_FORMATS}"
        ));
    }
    print_lines(&[private_report_json(&report)])?;
    Ok(if report.is_sound() { 0 } else { 1 })
}

/// Why the input is not a private key at all, if it is not: its encoding
/// was not recognised or did not decode (the `encoding` check failed), or
/// it decoded to bytes that are neither a PKCS#8 `PrivateKeyInfo` nor a
/// PKCS#1 `RSAPrivateKey`. Such input gets exit 2 and a message, not a
/// report of failed checks.
fn unreadable(report: &PrivateKeyReport) -> Option<String> {
    let first_failure = report.failed().find(|c| c.fatal())?;
    let passed_beyond_encoding = report
        .checks()
        .iter()
        .any(|c| c.passed() && c.name() != "encoding");
    let not_a_structure = first_failure.name() == "der_canonical"
        && first_failure.detail().starts_with("not a pkcs#")
        && !passed_beyond_encoding;
    let not_recognised = report.format().is_none() || first_failure.name() == "encoding";
    (not_recognised || not_a_structure).then(|| first_failure.detail().to_owned())
}

fn private_report_json(report: &PrivateKeyReport) -> serde_json::Value {
    let checks: Vec<_> = report
        .checks()
        .iter()
        .map(|c| json!({"name": c.name().as_str(), "passed": c.passed(), "fatal": c.fatal(), "detail": c.detail()}))
        .collect();
    let failed: Vec<_> = report
        .failed()
        .filter(|c| c.fatal())
        .map(|c| c.name().as_str())
        .collect();
    let warnings: Vec<_> = report
        .failed()
        .filter(|c| !c.fatal())
        .map(|c| c.name().as_str())
        .collect();
    json!({
        "sound": report.is_sound(),
        "format": report.format().map(|f| format!("{f:?}")),
        "bits": report.bits(),
        "publicKey": report.public_key().map(keygen_core::RsaPublicKey::to_openssh),
        "fingerprint": report.public_key().map(keygen_core::RsaPublicKey::sha256_fingerprint),
        "failed": failed,
        "warnings": warnings,
        "checks": checks,
    })
}
