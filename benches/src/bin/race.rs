//! The key-generation race: RSA-4096 key pairs from keygen-core, the rsa
//! crate, the newest OpenSSL (vendored), the system's OpenSSL (as a whole
//! process) and aws-lc-rs, timed in one process and one run, interleaved.
//!
//! ```sh
//! cargo run --release -p keygen-bench --features openssl-vendored,aws-lc --bin race -- --keys 50
//! # steadier numbers: one core, nothing else running
//! taskset -c 0 target/release/race --keys 100 --seed 1 --json race.json
//! ```
//!
//! The race pins nothing itself: pin it from outside (`taskset -c 0`) when
//! the machine allows. Each round generates one key with every generator,
//! starting with a different one each round, so drift of the machine (heat,
//! other load) hits all of them alike. RSA key generation time has a long
//! geometric tail (the prime search stops at the first prime it finds), so
//! the table reports mean, median and p90 over at least 50 keys by default,
//! and the ratio of means to the newest OpenSSL with a 95 % bootstrap
//! interval. Seconds are noisy; keygen-core's operation counts are not: with
//! `--seed` they are exact, and the race checks they repeat. Seeded,
//! keygen-core's rows that differ only in threads or AVX-512 kernel make the
//! same keys, so the race also pairs them key by key: their ratio is then
//! free of the luck of the draw, which dominates an unpaired one.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use chacha20::ChaCha20Rng;
use clap::Parser;
use keygen_core::{GenerateOptions, GenerationStats, PrimeSearch, RsaKeyPair};
use rand_core::SeedableRng;
use serde_json::{Value, json};

/// Resamples of the bootstrap interval of each ratio of means.
const BOOTSTRAP_RESAMPLES: usize = 2000;

/// Rows that make the same keys from the same seed, compared key by key:
/// (row, against, what the ratio measures).
const PAIRS: [(&str, &str, &str); 3] = [
    ("keygen-core-2t", "keygen-core", "two threads against one"),
    (
        "keygen-core-portable-2t",
        "keygen-core-portable",
        "two threads against one, scalar kernel",
    ),
    (
        "keygen-core-avx512f",
        "keygen-core",
        "AVX-512F kernel against IFMA",
    ),
];

/// What keygen-core reports of one key: its work, and which key it was.
#[derive(Debug)]
struct CoreKey {
    stats: GenerationStats,
    /// The public key's SHA-256 fingerprint.
    fingerprint: String,
}

#[derive(Debug, Parser)]
#[command(
    name = "race",
    about = "Race RSA-4096 key generators, interleaved, in one process",
    after_help = "Pin it from outside for steadier numbers: taskset -c 0 target/release/race"
)]
struct Args {
    /// Keys per generator (RSA generation time has a long tail: keep it ≥ 50).
    #[arg(long, default_value_t = 50)]
    keys: usize,
    /// Seed keygen-core's and the rsa crate's ChaCha20 generators (key i of
    /// a generator uses the seed and i), making keygen-core's operation
    /// counts exact and repeatable; without it both read the OS for each key.
    #[arg(long)]
    seed: Option<u64>,
    /// Untimed keys per generator before the race (loads code and caches).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Race only these generators (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also write the table as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The `openssl` binary of the system generator.
    #[arg(long, default_value = "openssl")]
    openssl: PathBuf,
}

/// One contestant.
#[derive(Debug)]
enum Generator {
    /// keygen-core on `threads` threads (one key at a time), with the prime
    /// search this CPU picks (`Auto`), the one without AVX-512 forced
    /// (`Scalar`), or the AVX-512F kernel forced on an IFMA CPU
    /// (`Avx512F`).
    KeygenCore {
        seed: Option<u64>,
        threads: usize,
        search: PrimeSearch,
    },
    /// The rsa crate's `PrivateKey::new(rng, 4096)`.
    RsaCrate { seed: Option<u64> },
    /// The newest OpenSSL, built by openssl-src, in process.
    #[cfg(feature = "openssl-vendored")]
    OpensslVendored,
    /// The system's OpenSSL as a whole process (`openssl genpkey`).
    OpensslSystem { binary: PathBuf },
    /// AWS-LC through aws-lc-rs.
    #[cfg(feature = "aws-lc")]
    AwsLc,
}

/// Names of every generator, in table order.
const NAMES: &[&str] = &[
    "keygen-core",
    "keygen-core-2t",
    "keygen-core-portable",
    "keygen-core-portable-2t",
    "keygen-core-avx512f",
    "rsa-crate",
    "openssl-vendored",
    "openssl-system",
    "aws-lc-rs",
];

/// The reference of the ratios, and the fallback when it is not built.
const REFERENCE: &str = "openssl-vendored";
const FALLBACK_REFERENCE: &str = "openssl-system";

impl Generator {
    fn name(&self) -> &'static str {
        match self {
            Self::KeygenCore {
                threads: 1,
                search: PrimeSearch::Scalar,
                ..
            } => "keygen-core-portable",
            Self::KeygenCore {
                search: PrimeSearch::Scalar,
                ..
            } => "keygen-core-portable-2t",
            Self::KeygenCore {
                search: PrimeSearch::Avx512F,
                ..
            } => "keygen-core-avx512f",
            Self::KeygenCore { threads: 1, .. } => "keygen-core",
            Self::KeygenCore { .. } => "keygen-core-2t",
            Self::RsaCrate { .. } => "rsa-crate",
            #[cfg(feature = "openssl-vendored")]
            Self::OpensslVendored => "openssl-vendored",
            Self::OpensslSystem { .. } => "openssl-system",
            #[cfg(feature = "aws-lc")]
            Self::AwsLc => "aws-lc-rs",
        }
    }

    /// Generates key `index` (`None`: a warm-up key, from the OS) and
    /// returns the seconds it took, and keygen-core's counts and key.
    fn run(&self, index: Option<usize>) -> Result<(f64, Option<CoreKey>), String> {
        match self {
            Self::KeygenCore {
                seed,
                threads,
                search,
            } => {
                let mut rng = rng_for(*seed, 0, index)?;
                let options = GenerateOptions::new()
                    .with_threads(*threads)
                    .with_search(*search);
                let start = Instant::now();
                let (key, stats) = RsaKeyPair::generate_with(&mut rng, &options)
                    .map_err(|e| format!("keygen-core: {e}"))?;
                let elapsed = start.elapsed().as_secs_f64();
                let fingerprint = key.public_key().sha256_fingerprint();
                drop(key);
                Ok((elapsed, Some(CoreKey { stats, fingerprint })))
            }
            Self::RsaCrate { seed } => {
                let mut rng = rng_for(*seed, 1, index)?;
                let start = Instant::now();
                let key =
                    rsa::PrivateKey::new(&mut rng, 4096).map_err(|e| format!("rsa crate: {e}"))?;
                let elapsed = start.elapsed().as_secs_f64();
                drop(key);
                Ok((elapsed, None))
            }
            #[cfg(feature = "openssl-vendored")]
            Self::OpensslVendored => {
                let start = Instant::now();
                // RSA_F4: e = 65537.
                let key = openssl::rsa::Rsa::generate(4096)
                    .map_err(|e| format!("vendored openssl: {e}"))?;
                let elapsed = start.elapsed().as_secs_f64();
                drop(key);
                Ok((elapsed, None))
            }
            Self::OpensslSystem { binary } => {
                let start = Instant::now();
                // The whole process, as a user who runs it pays: start-up,
                // generation (e = 65537 by default), PEM output.
                let out = Command::new(binary)
                    .args([
                        "genpkey",
                        "-algorithm",
                        "RSA",
                        "-pkeyopt",
                        "rsa_keygen_bits:4096",
                    ])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .output()
                    .map_err(|e| format!("{}: {e}", binary.display()))?;
                let elapsed = start.elapsed().as_secs_f64();
                if !out.status.success() {
                    return Err(format!(
                        "openssl genpkey: {}: {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
                Ok((elapsed, None))
            }
            #[cfg(feature = "aws-lc")]
            Self::AwsLc => {
                let start = Instant::now();
                let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa4096)
                    .map_err(|e| format!("aws-lc-rs: {e}"))?;
                let elapsed = start.elapsed().as_secs_f64();
                drop(key);
                Ok((elapsed, None))
            }
        }
    }

    /// What exactly runs, for the report.
    fn detail(&self) -> String {
        match self {
            Self::KeygenCore {
                seed,
                threads,
                search,
            } => {
                let options = GenerateOptions::new()
                    .with_search(*search)
                    .with_threads(*threads);
                let lanes = options.kernel();
                let seed = seed.map_or_else(
                    || "ChaCha20 from the OS".to_owned(),
                    |s| format!("ChaCha20 seed {s}"),
                );
                format!(
                    "keygen-core {}, {threads} thread{}, {lanes}, sieve to 2^{}, {seed}",
                    env!("CARGO_PKG_VERSION"),
                    if *threads == 1 { "" } else { "s" },
                    options.sieve_limit().ilog2()
                )
            }
            Self::RsaCrate { .. } => "rsa 0.10 PrivateKey::new(rng, 4096)".to_owned(),
            #[cfg(feature = "openssl-vendored")]
            Self::OpensslVendored => format!(
                "{} (openssl-src), RSA_generate_key_ex",
                openssl::version::version()
            ),
            Self::OpensslSystem { binary } => format!(
                "{} genpkey, whole process",
                system_openssl_version(binary).unwrap_or_else(|| binary.display().to_string())
            ),
            #[cfg(feature = "aws-lc")]
            Self::AwsLc => "aws-lc-rs 1 rsa::KeyPair::generate(Rsa4096)".to_owned(),
        }
    }
}

/// Key `index`'s generator: ChaCha20 from (seed, stream, index) when
/// seeded, so that each key is reproducible on its own; else from the OS.
fn rng_for(seed: Option<u64>, stream: u64, index: Option<usize>) -> Result<ChaCha20Rng, String> {
    let mut bytes = [0u8; 32];
    match (seed, index) {
        (Some(seed), Some(index)) => {
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            bytes[8..16].copy_from_slice(&stream.to_le_bytes());
            bytes[16..24].copy_from_slice(&(index as u64).to_le_bytes());
        }
        _ => getrandom::fill(&mut bytes).map_err(|e| format!("OS random: {e}"))?,
    }
    Ok(ChaCha20Rng::from_seed(bytes))
}

fn system_openssl_version(binary: &PathBuf) -> Option<String> {
    let out = Command::new(binary)
        .arg("version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The generators this build has and `--only` asks for; says why others
/// are missing.
fn contestants(args: &Args) -> Result<Vec<Generator>, String> {
    for name in &args.only {
        if !NAMES.contains(&name.as_str()) {
            return Err(format!(
                "unknown generator {name:?}; known: {}",
                NAMES.join(", ")
            ));
        }
    }
    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|n| n == name);
    let mut out = Vec::new();
    for (name, threads, search) in [
        ("keygen-core", 1, PrimeSearch::Auto),
        ("keygen-core-2t", 2, PrimeSearch::Auto),
        ("keygen-core-portable", 1, PrimeSearch::Scalar),
        ("keygen-core-portable-2t", 2, PrimeSearch::Scalar),
        ("keygen-core-avx512f", 1, PrimeSearch::Avx512F),
    ] {
        let runs = GenerateOptions::new()
            .with_search(search)
            .with_threads(threads)
            .kernel();
        if wanted(name) && search == PrimeSearch::Avx512F && !runs.starts_with("AVX-512F lanes") {
            // Without AVX-512F it cannot run; without IFMA it is keygen-core.
            eprintln!("{name}: skipped: {runs} (the AVX-512F kernel is forced on IFMA CPUs only)");
        } else if wanted(name) {
            out.push(Generator::KeygenCore {
                seed: args.seed,
                threads,
                search,
            });
        }
    }
    if wanted("rsa-crate") {
        out.push(Generator::RsaCrate { seed: args.seed });
    }
    if wanted("openssl-vendored") {
        #[cfg(feature = "openssl-vendored")]
        out.push(Generator::OpensslVendored);
        #[cfg(not(feature = "openssl-vendored"))]
        eprintln!(
            "openssl-vendored: not built; enable the feature: --features openssl-vendored (needs perl, make)"
        );
    }
    if wanted("openssl-system") {
        if system_openssl_version(&args.openssl).is_some() {
            out.push(Generator::OpensslSystem {
                binary: args.openssl.clone(),
            });
        } else {
            eprintln!(
                "openssl-system: skipped: `{} version` did not run (is OpenSSL installed?)",
                args.openssl.display()
            );
        }
    }
    if wanted("aws-lc-rs") {
        #[cfg(feature = "aws-lc")]
        out.push(Generator::AwsLc);
        #[cfg(not(feature = "aws-lc"))]
        eprintln!("aws-lc-rs: not built; enable the feature: --features aws-lc");
    }
    if out.is_empty() {
        return Err("no generator to race".to_owned());
    }
    Ok(out)
}

/// A small deterministic PRNG (SplitMix64) for the bootstrap, so that the
/// same samples always give the same interval.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; its bias is < n/2^64).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The `q` quantile of sorted `xs`, linearly interpolated (R's type 7).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The 95 % percentile-bootstrap interval of mean(a) / mean(b), resampling
/// each independently (the generators' keys are independent draws).
fn bootstrap_ratio(a: &[f64], b: &[f64], rng: &mut SplitMix64) -> (f64, f64) {
    let resample_mean = |xs: &[f64], rng: &mut SplitMix64| {
        (0..xs.len()).map(|_| xs[rng.below(xs.len())]).sum::<f64>() / xs.len() as f64
    };
    let mut ratios: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| resample_mean(a, rng) / resample_mean(b, rng))
        .collect();
    ratios.sort_by(f64::total_cmp);
    (quantile(&ratios, 0.025), quantile(&ratios, 0.975))
}

/// The 95 % percentile-bootstrap interval of mean(a) / mean(b) for paired
/// samples (`a[i]` and `b[i]` from the same seed, nearly always the same key), resampling pairs: the luck of
/// each key's draw, common to both, cancels.
fn bootstrap_paired_ratio(a: &[f64], b: &[f64], rng: &mut SplitMix64) -> (f64, f64) {
    let n = a.len().min(b.len());
    let mut ratios: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let (mut sa, mut sb) = (0.0, 0.0);
            for _ in 0..n {
                let i = rng.below(n);
                sa += a[i];
                sb += b[i];
            }
            sa / sb
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    (quantile(&ratios, 0.025), quantile(&ratios, 0.975))
}

/// Two rows compared key by key.
#[derive(Debug)]
struct Paired {
    row: &'static str,
    against: &'static str,
    measures: &'static str,
    n: usize,
    /// Keys both rows made alike (all of them, but for a candidate refused
    /// by its random-base rounds).
    same_keys: usize,
    ratio: f64,
    low: f64,
    high: f64,
}

/// The [`PAIRS`] both raced.
fn pairs(
    generators: &[Generator],
    rows: &[Row],
    keys: &[Vec<Option<String>>],
    rng: &mut SplitMix64,
) -> Vec<Paired> {
    let at = |name: &str| generators.iter().position(|g| g.name() == name);
    PAIRS
        .iter()
        .filter_map(|&(row, against, measures)| {
            let (i, j) = (at(row)?, at(against)?);
            let (a, b) = (&rows[i].samples, &rows[j].samples);
            let same_keys = keys[i]
                .iter()
                .zip(&keys[j])
                .filter(|(x, y)| x.is_some() && x == y)
                .count();
            let (low, high) = bootstrap_paired_ratio(a, b, rng);
            Some(Paired {
                row,
                against,
                measures,
                n: a.len().min(b.len()),
                same_keys,
                ratio: a.iter().sum::<f64>() / b.iter().sum::<f64>(),
                low,
                high,
            })
        })
        .collect()
}

/// One generator's results.
#[derive(Debug)]
struct Row {
    name: &'static str,
    detail: String,
    /// Threads one key uses: keys/s/core divides by it.
    threads: u32,
    samples: Vec<f64>,
    mean: f64,
    median: f64,
    p90: f64,
    ratio: Option<(f64, f64, f64)>,
}

impl Row {
    fn keys_per_second_per_core(&self) -> f64 {
        1.0 / (self.mean * f64::from(self.threads))
    }
}

/// Per-key mean and total of keygen-core's counts.
#[derive(Debug, Default)]
struct OpCounts {
    keys: u64,
    candidates: u64,
    fermat_lanes: u64,
    mr_base_two: u64,
    mr_random: u64,
    rejected_pairs: u64,
    modexps: u64,
}

impl OpCounts {
    fn add(&mut self, s: &GenerationStats) {
        self.keys += 1;
        self.candidates += s.candidates();
        self.fermat_lanes += s.fermat_lanes();
        self.mr_base_two += s.mr_base_two();
        self.mr_random += s.mr_random();
        self.rejected_pairs += s.rejected_pairs();
        self.modexps += s.modexps();
    }

    fn fields(&self) -> [(&'static str, u64); 6] {
        [
            ("candidates", self.candidates),
            ("fermat_lanes", self.fermat_lanes),
            ("mr_base_two", self.mr_base_two),
            ("mr_random", self.mr_random),
            ("modexps", self.modexps),
            ("rejected_pairs", self.rejected_pairs),
        ]
    }
}

fn now_rfc3339() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn run(args: &Args) -> Result<(), String> {
    if args.keys == 0 {
        return Err("--keys must be at least 1".to_owned());
    }
    let generators = contestants(args)?;
    let date = now_rfc3339();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    eprintln!(
        "race: {} keys each from {} generators, interleaved; {date}; {cores} cores visible (pin with taskset -c 0)",
        args.keys,
        generators.len()
    );

    for g in &generators {
        for _ in 0..args.warmup {
            g.run(None)?;
        }
    }

    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(args.keys); generators.len()];
    // Each keygen-core key's fingerprint, for the pairs.
    let mut keys: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(args.keys); generators.len()];
    let mut core_stats: Vec<GenerationStats> = Vec::with_capacity(args.keys);
    // The counts of one thread are exact for a seed (two threads' depend on
    // which finishes first, though the key does not): those of keygen-core,
    // or of the forced scalar search when keygen-core is not raced.
    let counted = ["keygen-core", "keygen-core-portable"]
        .into_iter()
        .find_map(|name| generators.iter().find(|g| g.name() == name));
    let started = Instant::now();
    for round in 0..args.keys {
        // Round-robin with a rotating start: no generator always runs first,
        // or always right after another.
        for k in 0..generators.len() {
            let i = (round + k) % generators.len();
            let (seconds, core) = generators[i].run(Some(round))?;
            samples[i].push(seconds);
            keys[i].push(core.as_ref().map(|c| c.fingerprint.clone()));
            if let Some(core) = core
                && counted.is_some_and(|c| c.name() == generators[i].name())
            {
                core_stats.push(core.stats);
            }
        }
        eprint!(
            "\rround {}/{} ({:.0} s)",
            round + 1,
            args.keys,
            started.elapsed().as_secs_f64()
        );
    }
    eprintln!();

    let mut rows: Vec<Row> = generators
        .iter()
        .zip(samples)
        .map(|(g, samples)| {
            let mut sorted = samples.clone();
            sorted.sort_by(f64::total_cmp);
            Row {
                name: g.name(),
                detail: g.detail(),
                threads: match g {
                    Generator::KeygenCore { threads, .. } => *threads as u32,
                    _ => 1,
                },
                mean: mean(&samples),
                median: quantile(&sorted, 0.5),
                p90: quantile(&sorted, 0.9),
                samples,
                ratio: None,
            }
        })
        .collect();
    let reference = [REFERENCE, FALLBACK_REFERENCE]
        .into_iter()
        .find(|name| rows.iter().any(|r| r.name == *name));
    if let Some(reference) = reference {
        let ref_samples = rows
            .iter()
            .find(|r| r.name == reference)
            .map(|r| r.samples.clone())
            .unwrap_or_default();
        let mut rng = SplitMix64(args.seed.unwrap_or(0x6b65_7967_656e));
        for row in &mut rows {
            let point = row.mean / mean(&ref_samples);
            let (lo, hi) = if row.name == reference {
                (1.0, 1.0)
            } else {
                bootstrap_ratio(&row.samples, &ref_samples, &mut rng)
            };
            row.ratio = Some((point, lo, hi));
        }
    }

    let mut table = String::new();
    let ratio_header = reference.map_or_else(
        || "ratio (no OpenSSL raced)".to_owned(),
        |r| format!("mean / {r} [95% CI]"),
    );
    let _ = writeln!(
        table,
        "{:<23} {:>4} {:>9} {:>9} {:>9} {:>12}  {}",
        "generator", "N", "mean s", "median s", "p90 s", "keys/s/core", ratio_header
    );
    for row in &rows {
        let ratio = match row.ratio {
            Some((p, _, _)) if reference == Some(row.name) => format!("{p:.2} (reference)"),
            Some((p, lo, hi)) => format!("{p:.2} [{lo:.2}, {hi:.2}]"),
            None => "-".to_owned(),
        };
        let _ = writeln!(
            table,
            "{:<23} {:>4} {:>9.3} {:>9.3} {:>9.3} {:>12.3}  {}",
            row.name,
            row.samples.len(),
            row.mean,
            row.median,
            row.p90,
            row.keys_per_second_per_core(),
            ratio
        );
    }
    println!("{table}");
    for row in &rows {
        println!("  {:<23} {}", row.name, row.detail);
    }

    let paired = if let Some(seed) = args.seed {
        let mut rng = SplitMix64(seed ^ 0x7061_6972);
        pairs(&generators, &rows, &keys, &mut rng)
    } else {
        Vec::new()
    };
    if !paired.is_empty() {
        println!(
            "\nPaired rows (the same seeded keys; mean / mean of the other row, 95% CI resampling pairs):"
        );
        for p in &paired {
            println!(
                "  {:<48} same keys {:>3}/{:<3}  {:.3} [{:.3}, {:.3}]  {:.2} x as fast  ({})",
                format!("{} / {}", p.row, p.against),
                p.same_keys,
                p.n,
                p.ratio,
                p.low,
                p.high,
                1.0 / p.ratio,
                p.measures
            );
        }
    }

    // keygen-core's work per key: a count, not a time.
    let mut ops = OpCounts::default();
    for s in &core_stats {
        ops.add(s);
    }
    let mut deterministic = None;
    if ops.keys > 0 {
        println!(
            "\n{} operations per key (mean of {} keys; each count of 2048-bit modular exponentiations):",
            counted.map_or("keygen-core", Generator::name),
            ops.keys
        );
        for (name, total) in ops.fields() {
            println!(
                "  {name:<15} {:>10.1}   (total {total})",
                total as f64 / ops.keys as f64
            );
        }
        if let (Some(seed), Some(counted)) = (args.seed, counted) {
            // Regenerate key 0 from the same seed: the same counts (and the
            // same key) must come out.
            let (_, again) = counted.run(Some(0))?;
            let first_key = generators
                .iter()
                .position(|g| g.name() == counted.name())
                .and_then(|i| keys[i].first().cloned().flatten());
            let same = again.is_some_and(|c| {
                Some(&c.stats) == core_stats.first() && Some(c.fingerprint) == first_key
            });
            deterministic = Some(same);
            println!(
                "  deterministic: {} (key 0 regenerated from seed {seed}: {})",
                if same { "yes" } else { "NO" },
                if same {
                    "same counts, same key"
                } else {
                    "different counts or key"
                }
            );
            if !same {
                return Err("keygen-core's counts or key differ for the same seed".to_owned());
            }
        } else {
            println!("  (from OS randomness; pass --seed N for exact, repeatable counts)");
        }
    }

    if let Some(path) = &args.json {
        let generators_json: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "detail": r.detail,
                    "threads": r.threads,
                    "n": r.samples.len(),
                    "mean_s": r.mean,
                    "median_s": r.median,
                    "p90_s": r.p90,
                    "keys_per_s_per_core": r.keys_per_second_per_core(),
                    "ratio_of_means": r.ratio.map(|(p, _, _)| p),
                    "ratio_ci95": r.ratio.map(|(_, lo, hi)| [lo, hi]),
                    "samples_s": r.samples,
                })
            })
            .collect();
        let per_key: serde_json::Map<String, Value> = ops
            .fields()
            .iter()
            .map(|(name, total)| {
                let per = if ops.keys == 0 {
                    0.0
                } else {
                    *total as f64 / ops.keys as f64
                };
                ((*name).to_owned(), json!(per))
            })
            .collect();
        let totals: serde_json::Map<String, Value> = ops
            .fields()
            .iter()
            .map(|(name, total)| ((*name).to_owned(), json!(total)))
            .collect();
        let doc = json!({
            "date": date,
            "keys": args.keys,
            "seed": args.seed,
            "cores_visible": cores,
            "reference": reference,
            "bootstrap_resamples": BOOTSTRAP_RESAMPLES,
            "generators": generators_json,
            "paired": paired.iter().map(|p| json!({
                "row": p.row,
                "against": p.against,
                "measures": p.measures,
                "n": p.n,
                "same_keys": p.same_keys,
                "ratio_of_means": p.ratio,
                "ratio_ci95": [p.low, p.high],
            })).collect::<Vec<_>>(),
            "keygen_core_ops": {
                "keys": ops.keys,
                "per_key_mean": per_key,
                "total": totals,
                "deterministic": deterministic,
            },
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("race: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((quantile(&xs, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile(&xs, 0.9) - 4.6).abs() < 1e-12);
        assert!((quantile(&[7.0], 0.9) - 7.0).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_the_ratio() {
        let a: Vec<f64> = (1..=50).map(|i| 2.0 + f64::from(i % 7)).collect();
        let b: Vec<f64> = (1..=50).map(|i| 1.0 + f64::from(i % 5)).collect();
        let first = bootstrap_ratio(&a, &b, &mut SplitMix64(1));
        let again = bootstrap_ratio(&a, &b, &mut SplitMix64(1));
        assert_eq!(first, again);
        let point = mean(&a) / mean(&b);
        assert!(
            first.0 < point && point < first.1,
            "{first:?} around {point}"
        );
    }

    #[test]
    fn pairing_narrows_the_interval_of_correlated_samples() {
        // Times that vary a hundredfold from key to key, one row always
        // 0.55 of the other: paired, the interval is tight around 0.55;
        // unpaired, the spread of the keys swamps it.
        let b: Vec<f64> = (1..=60).map(|i| f64::from((i * 37) % 100 + 1)).collect();
        let a: Vec<f64> = b.iter().map(|x| 0.55 * x).collect();
        let (lo, hi) = bootstrap_paired_ratio(&a, &b, &mut SplitMix64(3));
        assert!(
            (lo - 0.55).abs() < 1e-9 && (hi - 0.55).abs() < 1e-9,
            "{lo} {hi}"
        );
        let (ulo, uhi) = bootstrap_ratio(&a, &b, &mut SplitMix64(3));
        assert!(uhi - ulo > 0.1, "{ulo} {uhi}");
    }

    #[test]
    fn dates_are_rfc3339() {
        let d = now_rfc3339();
        assert_eq!(d.len(), 20, "{d}");
        assert!(d.starts_with("20") && d.ends_with('Z'), "{d}");
    }

    #[test]
    fn seeded_rngs_differ_by_stream_and_index() {
        use rand_core::Rng;
        let mut a = rng_for(Some(1), 0, Some(0)).unwrap();
        let mut b = rng_for(Some(1), 1, Some(0)).unwrap();
        let mut c = rng_for(Some(1), 0, Some(1)).unwrap();
        let mut a2 = rng_for(Some(1), 0, Some(0)).unwrap();
        let (x, y, z, x2) = (a.next_u64(), b.next_u64(), c.next_u64(), a2.next_u64());
        assert_eq!(x, x2);
        assert_ne!(x, y);
        assert_ne!(x, z);
    }
}
