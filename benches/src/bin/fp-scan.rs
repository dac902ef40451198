//! The false-positive scan of the public-key validator: fresh RSA keys from
//! keygen-core and from OpenSSL, and every `ok_` test vector, each judged
//! with every check (the API's policy plus the opt-in prime-modulus test);
//! any refusal is a false positive.
//!
//! ```sh
//! cargo run --release -p keygen-bench --bin fp-scan -- --keys 20 --bits 2048,3072,4096
//! # OpenSSL in process (the newest, built from source) instead of `openssl genpkey`:
//! cargo run --release -p keygen-bench --features openssl-vendored --bin fp-scan -- --keys 10000
//! ```
//!
//! keygen-core generates RSA-4096 only, so it contributes to that size
//! alone; OpenSSL makes every size asked for. Built with the
//! `openssl-vendored` feature, OpenSSL runs in process; otherwise the
//! system's `openssl genpkey` does, converted to an OpenSSH line by
//! `ssh-keygen -i -m PKCS8`, and only the public key crosses a pipe (the
//! private key never leaves the `openssl` processes' memory). Keys are
//! judged as they are made, on `--jobs` threads, and never stored. The
//! 512-character minimum of the API is a rule about the line, not the key,
//! so generated (comment-less) lines are judged without it; the test
//! vectors with it. The running tally goes to standard error every
//! `--progress` keys, so a long run that is stopped still reports. Exit
//! code 1 on any refusal, 2 when a generator cannot run.

use std::collections::BTreeMap;
#[cfg(not(feature = "openssl-vendored"))]
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
#[cfg(not(feature = "openssl-vendored"))]
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clap::Parser;
use keygen_core::{PublicKeyLine, PublicKeyOptions, RsaKeyPair};

#[derive(Debug, Parser)]
#[command(
    name = "fp-scan",
    about = "Judge fresh keys and the ok_ vectors with every public-key check; any refusal fails"
)]
struct Args {
    /// Keys per source and size.
    #[arg(long, default_value_t = 20)]
    keys: usize,
    /// RSA modulus sizes for OpenSSL (keygen-core makes 4096 only).
    #[arg(long, value_delimiter = ',', default_values_t = [2048, 3072, 4096])]
    bits: Vec<u32>,
    /// The key sources: keygen, openssl, vectors.
    #[arg(long, value_delimiter = ',', default_values_t = ["keygen".to_owned(), "openssl".to_owned(), "vectors".to_owned()])]
    sources: Vec<String>,
    /// Threads making and judging keys (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print the running tally to standard error every this many keys (0: never).
    #[arg(long, default_value_t = 1000)]
    progress: usize,
    /// The `openssl` binary (without the `openssl-vendored` feature).
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
        self.record(&PublicKeyLine::with_options(line, options));
    }

    fn record(&mut self, verdict: &Result<PublicKeyLine, keygen_core::Rejection>) {
        match verdict {
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

/// The tallies by source and key, in print order.
type Tallies = BTreeMap<(String, String), Tally>;

/// Runs `program args`, feeding `input` on standard input, and returns its
/// standard output.
#[cfg(not(feature = "openssl-vendored"))]
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

/// One RSA public key line from the newest OpenSSL, in process.
#[cfg(feature = "openssl-vendored")]
fn openssl_key(_args: &Args, bits: u32) -> Result<String, String> {
    let key = openssl::rsa::Rsa::generate(bits).map_err(|e| format!("openssl: {e}"))?;
    let public = keygen_core::RsaPublicKey::from_be_bytes(&key.n().to_vec(), &key.e().to_vec());
    Ok(public.to_openssh())
}

/// One RSA public key line from the system's OpenSSL: genpkey, then the
/// public half (PKCS#8 SubjectPublicKeyInfo PEM) converted by ssh-keygen.
#[cfg(not(feature = "openssl-vendored"))]
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

/// Which OpenSSL makes the keys, for the table's source column.
fn openssl_name() -> String {
    #[cfg(feature = "openssl-vendored")]
    return format!("openssl {}", openssl::version::version());
    #[cfg(not(feature = "openssl-vendored"))]
    "openssl (system)".to_owned()
}

/// One kind of fresh key: its source and size.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Keygen,
    Openssl(u32),
}

impl Kind {
    fn make(self, args: &Args) -> Result<String, String> {
        match self {
            Self::Keygen => RsaKeyPair::generate_os()
                .map(|key| key.public_key().to_openssh())
                .map_err(|e| format!("keygen-core: {e}")),
            Self::Openssl(bits) => openssl_key(args, bits),
        }
    }

    fn key(self) -> (String, String) {
        match self {
            Self::Keygen => ("keygen-core".to_owned(), "rsa-4096".to_owned()),
            Self::Openssl(bits) => (openssl_name(), format!("rsa-{bits}")),
        }
    }
}

/// The running table, as Markdown.
fn table(tallies: &Tallies) -> String {
    let mut out =
        String::from("| source | key | accepted | refused | warnings |\n|---|---|---|---|---|\n");
    for ((source, kind), tally) in tallies {
        let warnings: Vec<String> = tally
            .warnings
            .iter()
            .map(|(name, n)| format!("{name}: {n}"))
            .collect();
        out.push_str(&format!(
            "| {source} | {kind} | {} | {} | {} |\n",
            tally.accepted,
            tally.refused.len(),
            warnings.join(", ")
        ));
    }
    out
}

/// Makes and judges `args.keys` keys of each kind on `args.jobs` threads,
/// interleaving the kinds so a stopped run has covered each about equally.
/// `Err` with the first generator failure.
fn scan(args: &Args, kinds: &[Kind], options: &PublicKeyOptions<'_>) -> Result<Tallies, String> {
    let total = args.keys * kinds.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let tallies = Mutex::new(Tallies::new());
    let error = Mutex::new(None);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let kind = kinds[i % kinds.len()];
                    let line = match kind.make(args) {
                        Ok(line) => line,
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            error
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                            break;
                        }
                    };
                    // Judged outside the lock: the prime-modulus test alone
                    // takes a tenth of a second on RSA-4096.
                    let verdict = PublicKeyLine::with_options(&line, options);
                    let mut t = tallies.lock().unwrap_or_else(|p| p.into_inner());
                    t.entry(kind.key()).or_default().record(&verdict);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if args.progress > 0 && n.is_multiple_of(args.progress) {
                        eprint!("{n} of {total} keys\n{}", table(&t));
                    }
                }
            });
        }
    });
    match error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(tallies.into_inner().unwrap_or_else(|p| p.into_inner())),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    for source in &args.sources {
        if !["keygen", "openssl", "vectors"].contains(&source.as_str()) {
            eprintln!("--sources: unknown source {source:?} (keygen, openssl, vectors)");
            return ExitCode::from(2);
        }
    }
    let wanted = |name: &str| args.sources.iter().any(|s| s == name);
    // Every check: the API's policy and the opt-in prime-modulus test.
    let generated = PublicKeyOptions::api()
        .without_min_length()
        .prime_modulus_check(true);
    let mut kinds = Vec::new();
    if wanted("keygen") {
        kinds.push(Kind::Keygen);
    }
    if wanted("openssl") {
        kinds.extend(args.bits.iter().map(|&b| Kind::Openssl(b)));
    }
    let mut tallies = match scan(&args, &kinds, &generated) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };

    if wanted("vectors") {
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
        let options = PublicKeyOptions::api().prime_modulus_check(true);
        for path in &vectors {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match std::fs::read_to_string(path) {
                Ok(text) => tallies
                    .entry(("ok-vector".to_owned(), name))
                    .or_default()
                    .judge(&text, &options),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
    }

    print!("{}", table(&tallies));
    let mut refusals = 0;
    for ((source, kind), tally) in &tallies {
        for r in &tally.refused {
            println!("refused: {source} {kind}: {r}");
        }
        refusals += tally.refused.len();
    }
    if refusals == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
