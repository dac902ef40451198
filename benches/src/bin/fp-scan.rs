//! The false-positive scan of the public-key validator: fresh RSA keys from
//! keygen-core and from the system's OpenSSL, and every `ok_` test vector,
//! each judged by the API's policy; any refusal is a false positive.
//!
//! ```sh
//! cargo run --release -p keygen-bench --bin fp-scan -- --keys 20 --bits 2048,3072,4096
//! ```
//!
//! keygen-core generates RSA-4096 only, so it contributes to that size
//! alone; OpenSSL (`openssl genpkey`, converted to an OpenSSH line by
//! `ssh-keygen -i -m PKCS8`) makes every size asked for. Only the public key
//! crosses a pipe; the private key never leaves the `openssl` processes'
//! memory. The 512-character minimum of the API is a rule about the line,
//! not the key, so generated (comment-less) lines are judged without it;
//! the test vectors with it. Exit code 1 on any refusal, 2 when a generator
//! cannot run.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use clap::Parser;
use keygen_core::{PublicKeyLine, PublicKeyOptions, RsaKeyPair};

#[derive(Debug, Parser)]
#[command(
    name = "fp-scan",
    about = "Judge fresh keys and the ok_ vectors with the public-key validator; any refusal fails"
)]
struct Args {
    /// Keys per source and size.
    #[arg(long, default_value_t = 20)]
    keys: usize,
    /// RSA modulus sizes for OpenSSL (keygen-core makes 4096 only).
    #[arg(long, value_delimiter = ',', default_values_t = [2048, 3072, 4096])]
    bits: Vec<u32>,
    /// The `openssl` binary.
    #[arg(long, default_value = "openssl")]
    openssl: PathBuf,
    /// The `ssh-keygen` binary (for the PKCS#8 to OpenSSH conversion).
    #[arg(long, default_value = "ssh-keygen")]
    ssh_keygen: PathBuf,
}

/// Accepted keys, refusals and warnings of one source and size.
#[derive(Default)]
struct Tally {
    accepted: usize,
    refused: Vec<String>,
    warnings: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn judge(&mut self, line: &str, options: &PublicKeyOptions<'_>) {
        match PublicKeyLine::with_options(line, options) {
            Ok(key) => {
                self.accepted += 1;
                for w in key.warnings() {
                    *self.warnings.entry(w.name()).or_default() += 1;
                }
            }
            Err(e) => self.refused.push(format!("{} ({})", e.message(), e.name())),
        }
    }
}

/// Runs `program args`, feeding `input` on standard input, and returns its
/// standard output.
fn pipe(program: &PathBuf, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(input)
        .map_err(|e| format!("{}: {e}", program.display()))?;
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {}: {}: {}",
            program.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// One RSA public key line from OpenSSL: genpkey, then the public half
/// (PKCS#8 SubjectPublicKeyInfo PEM) converted by ssh-keygen.
fn openssl_key(args: &Args, bits: u32) -> Result<String, String> {
    let bits_opt = format!("rsa_keygen_bits:{bits}");
    let private = pipe(
        &args.openssl,
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", &bits_opt],
        b"",
    )?;
    let public = pipe(&args.openssl, &["pkey", "-pubout"], &private)?;
    drop(private);
    let line = pipe(
        &args.ssh_keygen,
        &["-i", "-m", "PKCS8", "-f", "/dev/stdin"],
        &public,
    )?;
    String::from_utf8(line).map_err(|_| "ssh-keygen printed non-UTF-8".to_owned())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let generated = PublicKeyOptions::api().without_min_length();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();

    for i in 0..args.keys {
        match RsaKeyPair::generate_os() {
            Ok(key) => tallies
                .entry(("keygen-core".to_owned(), "rsa-4096".to_owned()))
                .or_default()
                .judge(&key.public_key().to_openssh(), &generated),
            Err(e) => {
                eprintln!("keygen-core: key {i}: {e}");
                return ExitCode::from(2);
            }
        }
        for &bits in &args.bits {
            match openssl_key(&args, bits) {
                Ok(line) => tallies
                    .entry(("openssl".to_owned(), format!("rsa-{bits}")))
                    .or_default()
                    .judge(&line, &generated),
                Err(e) => {
                    eprintln!("openssl: key {i} of {bits} bits: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }

    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/keygen-core/tests/examples");
    let mut vectors: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "pub")
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("ok_"))
            })
            .collect(),
        Err(e) => {
            eprintln!("{}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    vectors.sort();
    for path in &vectors {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(path) {
            Ok(text) => tallies
                .entry(("ok-vector".to_owned(), name))
                .or_default()
                .judge(&text, &PublicKeyOptions::api()),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }

    println!("| source | key | accepted | refused | warnings |");
    println!("|---|---|---|---|---|");
    let mut refusals = 0;
    for ((source, kind), tally) in &tallies {
        let warnings: Vec<String> = tally
            .warnings
            .iter()
            .map(|(name, n)| format!("{name}: {n}"))
            .collect();
        println!(
            "| {source} | {kind} | {} | {} | {} |",
            tally.accepted,
            tally.refused.len(),
            warnings.join(", ")
        );
        refusals += tally.refused.len();
    }
    for ((source, kind), tally) in &tallies {
        for r in &tally.refused {
            println!("refused: {source} {kind}: {r}");
        }
    }
    if refusals == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
