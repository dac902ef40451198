//! RSA-4096 key generation per FIPS 186-5 appendix A.1.3 (random probable primes).
//!
//! The `rsa` crate's own generator is not used: it reduces `d` modulo φ(n)
//! rather than λ(n), and checks neither |p − q| nor the size of `d`. We search
//! the primes here — our own sieve ([`sieve`]), base-2 Fermat and
//! Miller–Rabin tests eight at a time in keygen-mont's AVX-512 lanes after a
//! sieve to 2^20, or on other CPUs one candidate at a time in keygen-mont's
//! scalar kernel after a sieve to 2^22 (a base-2 strong test by squarings,
//! then the random-base rounds) — and
//! assemble the key. crypto-primes' Miller–Rabin on crypto-bigint remains
//! as [`PrimeSearch::Portable`], an independent path for tests.

use crypto_bigint::{BoxedUint, ConcatenatingMul, Lcm, Limb, NonZero, Odd};
use crypto_primes::hazmat::MillerRabin;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::Zeroizing;

use keygen_mont::{LANES, LaneKernel, Words};

use crate::keypair::RsaKeyPair;
use crate::num::{distance_above, widened};
use crate::{Error, Result};

mod parallel;
mod sieve;

pub(crate) use crate::params::{MIN_PRIME_DISTANCE_LOG2, PRIME_BITS};
pub use crate::params::{MODULUS_BITS, PUBLIC_EXPONENT};

/// Rounds of Miller–Rabin with random bases, besides the one to base 2.
///
/// FIPS 186-5 table B.1 asks for 4 rounds on 2048-bit primes p and q for an
/// error probability of 2^-144 (2 for 2^-128). Each prime that passes the
/// sieve and the base-2 Fermat test gets one batch of eight rounds in the
/// vector lanes, which costs the same whether it carries 5 rounds or 8: base
/// 2 and seven random bases, three more than the table asks.
pub(crate) const MR_RANDOM_ROUNDS: usize = 7;

/// The random streams of one prime's search, two ChaCha20 streams of one
/// seed drawn from the key's generator: `sieve` draws the sieve's base (and
/// a fresh one should its windows run out), `bases` the random bases of the
/// final rounds. A search thus tests the same candidates with the same
/// bases whichever thread tests them, and in whatever order the key's
/// searches run. Their states decide the primes: they live on the heap, so
/// that handing a search from one place to another moves a pointer and
/// leaves no copy behind, and are wiped when dropped (chacha20's `zeroize`
/// feature, checked below).
pub(crate) struct SearchRngs {
    pub(crate) sieve: Box<chacha20::ChaCha20Rng>,
    pub(crate) bases: Box<chacha20::ChaCha20Rng>,
}

const _: fn() = || {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<chacha20::ChaCha20Rng>();
};

impl SearchRngs {
    /// The streams of a search whose seed is drawn from `rng`.
    pub(crate) fn draw<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        let sieve = Box::new(chacha20::ChaCha20Rng::from_seed(*seed));
        let mut bases = Box::new(chacha20::ChaCha20Rng::from_seed(*seed));
        bases.set_stream(1);
        Self { sieve, bases }
    }
}

/// How much work one generation did: the deterministic measure of its cost
/// (each count is of 2048-bit modular exponentiations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerationStats {
    pub(crate) candidates: u64,
    pub(crate) fermat_lanes: u64,
    pub(crate) mr_base_two: u64,
    pub(crate) mr_random: u64,
    pub(crate) rejected_pairs: u64,
}

impl GenerationStats {
    /// Candidates that survived the sieve and reached the primality tests.
    #[must_use]
    pub fn candidates(&self) -> u64 {
        self.candidates
    }

    /// Base-2 Fermat tests run eight at a time in vector lanes (counting the
    /// lanes of a batch after the one that found a prime: their work is done
    /// either way). Zero on the scalar and portable searches.
    #[must_use]
    pub fn fermat_lanes(&self) -> u64 {
        self.fermat_lanes
    }

    /// Miller–Rabin rounds with base 2.
    #[must_use]
    pub fn mr_base_two(&self) -> u64 {
        self.mr_base_two
    }

    /// Miller–Rabin rounds with random bases.
    #[must_use]
    pub fn mr_random(&self) -> u64 {
        self.mr_random
    }

    /// Prime pairs discarded because p and q were too close or d too small.
    #[must_use]
    pub fn rejected_pairs(&self) -> u64 {
        self.rejected_pairs
    }

    /// All modular exponentiations (Fermat tests and Miller–Rabin rounds)
    /// performed.
    #[must_use]
    pub fn modexps(&self) -> u64 {
        self.fermat_lanes + self.mr_base_two + self.mr_random
    }

    fn add(&mut self, other: &Self) {
        self.candidates += other.candidates;
        self.fermat_lanes += other.fermat_lanes;
        self.mr_base_two += other.mr_base_two;
        self.mr_random += other.mr_random;
        self.rejected_pairs += other.rejected_pairs;
    }
}

/// How the prime search tests its candidates. Every search draws its
/// candidates from the same sieve: trial division by the odd primes below
/// 2^20 for the searches in lanes, below 2^22 for those that test one
/// candidate at a time ([`GenerateOptions::sieve_limit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrimeSearch {
    /// [`PrimeSearch::Avx512`] when the CPU has AVX-512F, otherwise
    /// [`PrimeSearch::Scalar`].
    Auto,
    /// Eight candidates at a time through a base-2 Fermat test in AVX-512
    /// lanes: the IFMA kernel (52-bit multiply-accumulate) where the CPU
    /// has AVX-512 IFMA, else the AVX-512F kernel (32-bit multiplies).
    /// Generation fails with [`Error::Unsupported`] on a CPU without
    /// AVX-512F.
    Avx512,
    /// [`PrimeSearch::Avx512`] on the AVX-512F kernel even where the CPU
    /// has IFMA: the same candidates and key for the same random numbers
    /// (and on one thread the same counts), in more time; for measuring and
    /// testing that kernel on IFMA
    /// machines. Fails with [`Error::Unsupported`] on a CPU without
    /// AVX-512F.
    Avx512F,
    /// One candidate at a time in keygen-mont's constant-time scalar
    /// kernel (64-bit words; its products in `mulx`/`adcx`/`adox` assembly
    /// where the CPU has BMI2 and ADX, as every x86-64 server since 2015
    /// has, in plain Rust elsewhere): a strong test to base 2 by squarings
    /// and doublings, then the random-base rounds. Any CPU.
    Scalar,
    /// One candidate at a time, Miller–Rabin to base 2 in crypto-bigint's
    /// constant-time arithmetic (crypto-primes), on any CPU: an
    /// implementation independent of keygen-mont, slower.
    Portable,
}

/// The search that runs, once the CPU is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    /// Eight candidates at a time, in vector lanes of this kernel.
    Lanes(LaneKernel),
    Scalar,
    Portable,
}

/// Options of [`RsaKeyPair::generate_with`](crate::RsaKeyPair::generate_with).
///
/// Built from [`GenerateOptions::new`] (the default: [`PrimeSearch::Auto`]
/// on the calling thread) with the `with_` setters:
///
/// ```
/// use keygen_core::{GenerateOptions, PrimeSearch};
///
/// let options = GenerateOptions::new()
///     .with_search(PrimeSearch::Scalar)
///     .with_threads(4);
/// assert_eq!(options.threads(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GenerateOptions {
    pub(crate) search: PrimeSearch,
    pub(crate) threads: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl GenerateOptions {
    /// The default options: [`PrimeSearch::Auto`], one thread.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            search: PrimeSearch::Auto,
            threads: 1,
        }
    }

    /// Chooses how candidates are tested.
    #[must_use]
    pub const fn with_search(mut self, search: PrimeSearch) -> Self {
        self.search = search;
        self
    }

    /// Threads finding the key's two primes together: both searches run at
    /// once, and a thread whose search has ended joins the other. 1
    /// searches on the calling thread; 0 is taken as 1. The vector and
    /// scalar searches use them; the portable search runs on the calling
    /// thread. The thread count changes the time, not the key: each search
    /// tests its candidates in the same order and keeps the first that
    /// passes, whichever thread tests it (see [`RsaKeyPair::generate_with`]).
    #[must_use]
    pub const fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// How candidates are tested.
    #[must_use]
    pub const fn search(&self) -> PrimeSearch {
        self.search
    }

    /// Threads finding the primes together, as set (0 runs as 1).
    #[must_use]
    pub const fn threads(&self) -> usize {
        self.threads
    }

    /// Whether the vector lanes will be used on this CPU.
    #[must_use]
    pub fn uses_lanes(&self) -> bool {
        matches!(self.path(), Ok(Path::Lanes(_)))
    }

    /// The sieve's bound on this CPU: a candidate divisible by an odd prime
    /// below it is struck out before any exponentiation — 2^20 where the
    /// lanes test the candidates, 2^22 where they are tested one at a time
    /// (each exponentiation costing several times as much there, a deeper
    /// sieve pays).
    #[must_use]
    pub fn sieve_limit(&self) -> u32 {
        if self.uses_lanes() {
            sieve::SIEVE_LIMIT
        } else {
            sieve::DEEP_SIEVE_LIMIT
        }
    }

    /// What tests the candidates on this CPU, in words (for reports):
    /// "AVX-512 IFMA lanes" (52-bit multiply-accumulate), "AVX-512 lanes"
    /// (the AVX-512F kernel: 32-bit multiplies; "AVX-512F lanes, IFMA not
    /// used" where [`PrimeSearch::Avx512F`] keeps an IFMA CPU off it),
    /// "scalar kernel (ADX)" (its products in
    /// `mulx`/`adcx`/`adox` assembly), "scalar kernel" or "crypto-bigint",
    /// or why the requested search cannot run.
    #[must_use]
    pub fn kernel(&self) -> &'static str {
        match self.path() {
            Ok(Path::Lanes(LaneKernel::Fastest)) if keygen_mont::ifma_available() => {
                "AVX-512 IFMA lanes"
            }
            Ok(Path::Lanes(_)) if keygen_mont::ifma_available() => "AVX-512F lanes, IFMA not used",
            Ok(Path::Lanes(_)) => "AVX-512 lanes",
            Ok(Path::Scalar) if keygen_mont::adx_available() => "scalar kernel (ADX)",
            Ok(Path::Scalar) => "scalar kernel",
            Ok(Path::Portable) => "crypto-bigint",
            Err(_) => "AVX-512 lanes requested, but this CPU lacks AVX-512F",
        }
    }

    /// The search these options run on this CPU.
    pub(crate) fn path(&self) -> Result<Path> {
        let avx512 = keygen_mont::avx512_available();
        match self.search {
            PrimeSearch::Auto | PrimeSearch::Avx512 if avx512 => {
                Ok(Path::Lanes(LaneKernel::Fastest))
            }
            PrimeSearch::Auto | PrimeSearch::Scalar => Ok(Path::Scalar),
            PrimeSearch::Avx512F if avx512 => Ok(Path::Lanes(LaneKernel::Avx512F)),
            PrimeSearch::Avx512 | PrimeSearch::Avx512F => Err(Error::Unsupported(
                "the avx-512 prime search needs a cpu with avx-512f",
            )),
            PrimeSearch::Portable => Ok(Path::Portable),
        }
    }
}

/// The checks every candidate gets before any exponentiation: the size
/// conditions of FIPS 186-5 A.1.3 and gcd(e, p − 1) = 1.
fn precheck(candidate: &BoxedUint) -> bool {
    // A.1.3 step 4.4 / 5.5: p ≥ √2·2^(nlen/2 − 1). The two top bits set by the
    // sieve put every candidate at or above 1.5·2^2047; check rather than trust.
    if !(candidate.bit_vartime(PRIME_BITS - 1) && candidate.bit_vartime(PRIME_BITS - 2))
        || candidate.bit_width_vartime() != PRIME_BITS
        || !candidate.bit_vartime(0)
    {
        return false;
    }
    let Some(e) = NonZero::new(crypto_bigint::Limb::from(PUBLIC_EXPONENT)).into_option() else {
        return false;
    };
    candidate.rem_limb(e).0 != 1
}

/// FIPS 186-5 B.3.1 for a candidate that passed the base-2 Fermat test
/// (lanes) or nothing yet (portable): Miller–Rabin to base 2, then to
/// [`MR_RANDOM_ROUNDS`] random bases. On the scalar path the candidate has
/// passed the strong test to base 2 ([`scalar_base_two`]): only the random
/// bases are left.
fn final_tests<R: CryptoRng + ?Sized>(
    rng: &mut R,
    candidate: &BoxedUint,
    path: Path,
    stats: &mut GenerationStats,
) -> Result<bool> {
    if path == Path::Scalar {
        let bases = Zeroizing::new(
            (0..MR_RANDOM_ROUNDS)
                .map(|_| random_base(rng, candidate).map(|b| words(&b)))
                .collect::<Result<Vec<_>>>()?,
        );
        stats.mr_random += MR_RANDOM_ROUNDS as u64;
        let n = Zeroizing::new(words(candidate));
        let all = u8::try_from((1u16 << bases.len()) - 1).unwrap_or(u8::MAX);
        return Ok(keygen_mont::miller_rabin_scalar(&n, &bases) == Some(all));
    }
    stats.mr_base_two += 1;
    if let Path::Lanes(kernel) = path {
        let mut bases = Zeroizing::new(Vec::with_capacity(1 + MR_RANDOM_ROUNDS));
        let mut two = [0u64; keygen_mont::WORDS];
        two[0] = 2;
        bases.push(two);
        for _ in 0..MR_RANDOM_ROUNDS {
            bases.push(words(&random_base(rng, candidate)?));
        }
        stats.mr_random += MR_RANDOM_ROUNDS as u64;
        let n = Zeroizing::new(words(candidate));
        let all = u8::try_from((1u16 << bases.len()) - 1).unwrap_or(u8::MAX);
        // None: 2^64 divides n − 1, a candidate refused rather than tested.
        return Ok(keygen_mont::miller_rabin_on(kernel, &n, &bases) == Some(all));
    }
    let Some(odd) = Odd::new(candidate.clone()).into_option() else {
        return Ok(false);
    };
    let mr = MillerRabin::new(odd);
    if mr.test_base_two().is_composite() {
        return Ok(false);
    }
    for _ in 0..MR_RANDOM_ROUNDS {
        stats.mr_random += 1;
        if mr.test_random_base(rng).is_composite() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A random Miller–Rabin base in [2, n − 2] (FIPS 186-5 B.3.1 step 4.1):
/// 2 + (r mod (n − 3)) for r of 2112 random bits, in constant time; its
/// distance from uniform is below 2^−64.
fn random_base<R: CryptoRng + ?Sized>(rng: &mut R, n: &BoxedUint) -> Result<BoxedUint> {
    const WIDE: u32 = PRIME_BITS + 64;
    let mut bytes = Zeroizing::new([0u8; (WIDE / 8) as usize]);
    rng.fill_bytes(bytes.as_mut());
    let r = BoxedUint::from_be_slice(bytes.as_ref(), WIDE)
        .map_err(|_| Error::Arithmetic("random base"))?;
    let three = widened(&BoxedUint::from(3u64), PRIME_BITS);
    let modulus = NonZero::new(BoxedUint::clone(&widened(&n.wrapping_sub(&three), WIDE)))
        .into_option()
        .ok_or(Error::Arithmetic("random base modulus"))?;
    let reduced = r.rem(&modulus);
    let mut base = BoxedUint::zero_with_precision(PRIME_BITS);
    let limbs = base.nlimbs();
    base.as_mut_limbs()
        .copy_from_slice(&reduced.as_limbs()[..limbs]);
    Ok(base.wrapping_add(widened(&BoxedUint::from(2u64), PRIME_BITS)))
}

/// The sieved candidates of one prime search, in order (see [`sieve`]),
/// less those [`precheck`] refuses.
struct Candidates {
    sieve: sieve::DeepSieve,
}

impl Candidates {
    /// `lanes`: the candidates go to vector lanes (see [`sieve`]).
    fn new<R: CryptoRng + ?Sized>(rng: &mut R, lanes: bool) -> Result<Self> {
        Ok(Self {
            sieve: sieve::DeepSieve::new(rng, lanes)?,
        })
    }

    fn next<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<Zeroizing<BoxedUint>> {
        loop {
            let candidate = Zeroizing::new(self.sieve.next(rng)?);
            if precheck(&candidate) {
                return Ok(candidate);
            }
        }
    }
}

/// One random 2048-bit probable prime, one candidate at a time.
fn random_prime_portable(rngs: &mut SearchRngs, stats: &mut GenerationStats) -> Result<BoxedUint> {
    let mut candidates = Candidates::new(&mut *rngs.sieve, false)?;
    loop {
        let candidate = candidates.next(&mut *rngs.sieve)?;
        stats.candidates += 1;
        if final_tests(&mut *rngs.bases, &candidate, Path::Portable, stats)? {
            return Ok(BoxedUint::clone(&candidate));
        }
    }
}

/// The strong test to base 2 of one candidate on the scalar kernel, counted
/// in `stats` (a candidate and a base-2 round).
fn scalar_base_two(candidate: &BoxedUint, stats: &mut GenerationStats) -> bool {
    stats.candidates += 1;
    stats.mr_base_two += 1;
    let n = Zeroizing::new(words(candidate));
    // None: 2^64 divides n − 1, a candidate refused rather than tested.
    keygen_mont::strong_base_two_scalar(&n) == Some(true)
}

/// One random 2048-bit probable prime, one candidate at a time on the
/// scalar kernel.
fn random_prime_scalar(rngs: &mut SearchRngs, stats: &mut GenerationStats) -> Result<BoxedUint> {
    let mut candidates = Candidates::new(&mut *rngs.sieve, false)?;
    loop {
        let candidate = candidates.next(&mut *rngs.sieve)?;
        if scalar_base_two(&candidate, stats)
            && final_tests(&mut *rngs.bases, &candidate, Path::Scalar, stats)?
        {
            return Ok(BoxedUint::clone(&candidate));
        }
    }
}

/// The words of a 2048-bit candidate, as keygen-mont takes them.
fn words(candidate: &BoxedUint) -> Words {
    let mut w = [0u64; keygen_mont::WORDS];
    for (o, limb) in w.iter_mut().zip(candidate.as_limbs()) {
        *o = limb.0;
    }
    w
}

/// The base-2 Fermat test on a batch in vector lanes of `kernel`, counted
/// in `stats`: bit i is set when `batch[i]` passes.
fn fermat_batch(
    batch: &[Zeroizing<BoxedUint>],
    stats: &mut GenerationStats,
    kernel: LaneKernel,
) -> u8 {
    fermat_batch_or_stop(batch, stats, kernel, &|| false)
        .unwrap_or_else(|| unreachable!("never stopped"))
}

/// [`fermat_batch`], given up (`None`) when `stop` says the batch is no
/// longer needed; the candidates are counted only for a batch that ran to
/// its end.
fn fermat_batch_or_stop(
    batch: &[Zeroizing<BoxedUint>],
    stats: &mut GenerationStats,
    kernel: LaneKernel,
    stop: &dyn Fn() -> bool,
) -> Option<u8> {
    let lanes: Zeroizing<Vec<Words>> = Zeroizing::new(batch.iter().map(|c| words(c)).collect());
    let passed = keygen_mont::fermat_base_two_on(kernel, &lanes, stop)?;
    stats.candidates += batch.len() as u64;
    stats.fermat_lanes += batch.len() as u64;
    Some(passed)
}

/// Tests a batch with the base-2 Fermat test in vector lanes and returns the
/// first candidate (in sieve order) that passes it and the final tests.
fn test_batch<R: CryptoRng + ?Sized>(
    rng: &mut R,
    batch: &[Zeroizing<BoxedUint>],
    stats: &mut GenerationStats,
    kernel: LaneKernel,
) -> Result<Option<BoxedUint>> {
    let passed = fermat_batch(batch, stats, kernel);
    for (i, candidate) in batch.iter().enumerate() {
        if passed >> i & 1 == 1 && final_tests(rng, candidate, Path::Lanes(kernel), stats)? {
            return Ok(Some(BoxedUint::clone(candidate)));
        }
    }
    Ok(None)
}

/// One random 2048-bit probable prime, eight candidates at a time in lanes
/// of `kernel`.
fn random_prime_lanes(
    rngs: &mut SearchRngs,
    stats: &mut GenerationStats,
    kernel: LaneKernel,
) -> Result<BoxedUint> {
    let mut candidates = Candidates::new(&mut *rngs.sieve, true)?;
    loop {
        let batch = (0..LANES)
            .map(|_| candidates.next(&mut *rngs.sieve))
            .collect::<Result<Vec<_>>>()?;
        if let Some(prime) = test_batch(&mut *rngs.bases, &batch, stats, kernel)? {
            return Ok(prime);
        }
    }
}

// The generating constructors of the key pair live here, beside the search
// they drive, so that the key pair's module needs nothing of generation.
impl RsaKeyPair {
    /// Generates an RSA-4096 key pair (e = 65537) from `rng`, meeting FIPS
    /// 186-5 appendix A.1.3; `d` is reduced modulo λ(n) and p > q.
    ///
    /// # Errors
    ///
    /// Only on an internal arithmetic failure, which valid primes rule out.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Ok(generate_with_stats(rng, &GenerateOptions::default())?.0)
    }

    /// Like [`RsaKeyPair::generate`], and also reports how many primality
    /// tests the search ran: with a seeded `rng` this count is exact and
    /// repeatable, a measure of cost that machine noise does not blur.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::generate`].
    pub fn generate_with_stats<R: CryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Result<(Self, GenerationStats)> {
        generate_with_stats(rng, &GenerateOptions::default())
    }

    /// Like [`RsaKeyPair::generate_with_stats`], choosing how the primes are
    /// searched: on several threads at once, or on a forced path whatever
    /// the CPU has.
    ///
    /// A seeded `rng` gives the same key on any number of threads and on
    /// either AVX-512 kernel (the scalar search, with its deeper sieve, has
    /// other candidates, and so has the portable one). The one exception is
    /// a candidate that passes the first test and is then refused by the
    /// final rounds: one thread goes on with the same search, several
    /// replace it with a new one. That takes a composite that fools the
    /// test to base 2 (far below 2^−100 for a random candidate) or, in
    /// vector lanes, a prime p with 2^64 | p − 1, which the lanes'
    /// Miller–Rabin refuses rather than tests (about 2^−63 a prime). The work
    /// counted differs: threads give up batches that turn out to follow the
    /// prime.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::generate`].
    pub fn generate_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        options: &GenerateOptions,
    ) -> Result<(Self, GenerationStats)> {
        generate_with_stats(rng, options)
    }

    /// Generates a key pair from the operating system's CSPRNG.
    ///
    /// 32 bytes are read from the OS (`getrandom`) for each key and expanded
    /// with ChaCha20, whose state is zeroized afterwards; a failure of the
    /// OS source is reported rather than ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply randomness.
    pub fn generate_os() -> Result<Self> {
        Self::generate_os_with(&GenerateOptions::default())
    }

    /// [`RsaKeyPair::generate_os`] with a choice of search (threads, or the
    /// portable search).
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply randomness.
    pub fn generate_os_with(options: &GenerateOptions) -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(Error::rng)?;
        let mut rng = chacha20::ChaCha20Rng::from_seed(*seed);
        Ok(Self::generate_with(&mut rng, options)?.0)
    }
}

/// Generates a key pair, returning the work counters too.
pub(crate) fn generate_with_stats<R: CryptoRng + ?Sized>(
    rng: &mut R,
    options: &GenerateOptions,
) -> Result<(RsaKeyPair, GenerationStats)> {
    let mut stats = GenerationStats::default();
    let path = options.path()?;
    loop {
        let (a, b) = if options.threads > 1 && path != Path::Portable {
            parallel::two_primes(rng, options.threads, path, &mut stats)?
        } else {
            let one = |rng: &mut R, stats: &mut GenerationStats| {
                let mut rngs = SearchRngs::draw(rng);
                match path {
                    Path::Lanes(kernel) => random_prime_lanes(&mut rngs, stats, kernel),
                    Path::Scalar => random_prime_scalar(&mut rngs, stats),
                    Path::Portable => random_prime_portable(&mut rngs, stats),
                }
            };
            let a = Zeroizing::new(one(rng, &mut stats)?);
            let b = Zeroizing::new(one(rng, &mut stats)?);
            (a, b)
        };
        if !distance_above(&a, &b, MIN_PRIME_DISTANCE_LOG2) {
            stats.rejected_pairs += 1;
            continue;
        }
        // The API's keys have p > q, so that qInv = q⁻¹ mod p.
        let (p, q) = if *a > *b { (&a, &b) } else { (&b, &a) };
        match assemble(p, q)? {
            Some(key) => return Ok((key, stats)),
            None => stats.rejected_pairs += 1,
        }
    }
}

/// d = e⁻¹ mod λ for the prime e = 65537, in constant time, or `None` when
/// e divides λ: with k = −λ⁻¹ mod e (from λ mod e, a one-limb remainder,
/// inverted by Fermat's little theorem in 64-bit words), k·λ + 1 is a
/// multiple of e, and d = (k·λ + 1)/e is below λ since k < e. A
/// multiplication and a division by one limb instead of a general modular
/// inversion (a tenth of the time; crypto-bigint's `invert_mod` cannot know
/// that the modulus is large and the number small).
fn invert_e_mod(lambda: &NonZero<BoxedUint>) -> Option<BoxedUint> {
    const E: u64 = PUBLIC_EXPONENT as u64;
    // x mod e for x < 2^34 without a division (whose time may depend on x):
    // e = 2^16 + 1, so x = h·2^16 + l ≡ l − h (mod e); two folds and one
    // masked correction.
    fn mod_e(x: u64) -> u64 {
        const _: () = assert!(E == (1 << 16) + 1);
        // x < 2^34: l − h + e·2^2 > 0, and below 2^19.
        let y = (x & 0xffff) + 4 * E - (x >> 16);
        // y < 2^19: again, now below 2·e.
        let z = (y & 0xffff) + E - (y >> 16);
        let over = u64::from(z >= E).wrapping_neg();
        z - (E & over)
    }
    let divisor = NonZero::new(Limb(E)).into_option()?;
    let r = Zeroizing::new(lambda.rem_limb(divisor).0);
    // r^(e − 2) mod e = r⁻¹ (e is prime); square and multiply over the
    // public exponent's bits, the same steps for every r.
    let mut inverse = Zeroizing::new(1u64);
    for bit in (0..u64::BITS - (E - 2).leading_zeros()).rev() {
        *inverse = mod_e(*inverse * *inverse);
        let times_r = Zeroizing::new(mod_e(*inverse * *r));
        let take = ((E - 2) >> bit & 1).wrapping_neg();
        *inverse = (*times_r & take) | (*inverse & !take);
    }
    // r = 0: e divides λ, and the product above is 0 too.
    if *r == 0 {
        return None;
    }
    let mut k = Zeroizing::new(BoxedUint::zero_with_precision(Limb::BITS));
    k.as_mut_limbs()[0] = Limb(E - *inverse);
    let wide = MODULUS_BITS + Limb::BITS;
    let mut t = Zeroizing::new(widened(lambda, wide).wrapping_mul(&*k));
    *t = t.wrapping_add(widened(&BoxedUint::one(), wide));
    let (quotient, rest) = t.div_rem_limb(divisor);
    let quotient = Zeroizing::new(quotient);
    debug_assert_eq!(rest.0, 0, "k·λ + 1 is a multiple of e");
    let mut d = BoxedUint::zero_with_precision(MODULUS_BITS);
    let limbs = d.nlimbs();
    d.as_mut_limbs()
        .copy_from_slice(&quotient.as_limbs()[..limbs]);
    Some(d)
}

/// Builds the key from two primes p > q (each already tested), or `None`
/// when FIPS 186-5 A.1.1 step 3's d > 2^(nlen/2) fails (probability ≈ 2^-2048).
///
/// Every secret intermediate (p − 1, q − 1, λ) is zeroized on the way out.
/// Temporaries inside crypto-bigint's own operations are not ours to wipe.
pub(crate) fn assemble(p: &BoxedUint, q: &BoxedUint) -> Result<Option<RsaKeyPair>> {
    let one = BoxedUint::one_with_precision(PRIME_BITS);
    let n = p.concatenating_mul(q);
    let p1 = Zeroizing::new(p.wrapping_sub(&one));
    let q1 = Zeroizing::new(q.wrapping_sub(&one));
    // λ(n) = lcm(p − 1, q − 1): the gcd and the exact division at the
    // primes' precision, the product at twice that (crypto-bigint's `lcm`
    // widens), a third of the time of the whole computation at the
    // modulus' precision.
    let lcm = Zeroizing::new(p1.lcm(&q1));
    if lcm.bit_width_vartime() > MODULUS_BITS {
        return Err(Error::Arithmetic("lambda exceeds the modulus size"));
    }
    let mut lambda = Zeroizing::new(BoxedUint::zero_with_precision(MODULUS_BITS));
    let limbs = lambda.nlimbs();
    lambda
        .as_mut_limbs()
        .copy_from_slice(&lcm.as_limbs()[..limbs]);
    let lambda_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&lambda))
            .into_option()
            .ok_or(Error::Arithmetic("lambda is zero"))?,
    );
    let e = widened(&BoxedUint::from(u64::from(PUBLIC_EXPONENT)), MODULUS_BITS);
    let d = Zeroizing::new(
        invert_e_mod(&lambda_nz).ok_or(Error::Arithmetic("e is not invertible mod lambda"))?,
    );
    if d.bit_width() <= PRIME_BITS {
        return Ok(None);
    }
    let p1_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&p1))
            .into_option()
            .ok_or(Error::Arithmetic("p - 1 is zero"))?,
    );
    let q1_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&q1))
            .into_option()
            .ok_or(Error::Arithmetic("q - 1 is zero"))?,
    );
    let dp = d.rem(&p1_nz);
    let dq = d.rem(&q1_nz);
    let p_odd = Zeroizing::new(
        Odd::new(p.clone())
            .into_option()
            .ok_or(Error::Arithmetic("p is even"))?,
    );
    let qinv = q
        .invert_odd_mod(&p_odd)
        .into_option()
        .ok_or(Error::Arithmetic("q is not invertible mod p"))?;

    Ok(Some(RsaKeyPair::from_parts(
        n,
        BoxedUint::clone(&e),
        BoxedUint::clone(&d),
        p.clone(),
        q.clone(),
        dp,
        dq,
        qinv,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lambda_of(bytes: &[u8]) -> BoxedUint {
        let mut b = bytes.to_vec();
        // Even, and of the modulus' size, as λ(n) is.
        *b.last_mut().unwrap() &= !1;
        BoxedUint::from_be_slice(&b, MODULUS_BITS).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The small-exponent inverse is crypto-bigint's general one.
        #[test]
        fn e_inverse_matches_the_general_inversion(
            bytes in prop::collection::vec(any::<u8>(), (MODULUS_BITS / 8) as usize),
        ) {
            let lambda = NonZero::new(lambda_of(&bytes)).unwrap();
            let e = widened(&BoxedUint::from(u64::from(PUBLIC_EXPONENT)), MODULUS_BITS);
            let expected = e.invert_mod(&lambda).into_option();
            let got = invert_e_mod(&lambda);
            prop_assert_eq!(got.is_some(), expected.is_some());
            if let (Some(d), Some(want)) = (got, expected) {
                prop_assert_eq!(&d, &want);
                prop_assert!(d < *lambda);
            }
        }
    }

    #[test]
    fn e_dividing_lambda_is_refused() {
        let e = widened(&BoxedUint::from(u64::from(PUBLIC_EXPONENT)), MODULUS_BITS);
        let lambda = e.wrapping_mul(widened(&BoxedUint::from(2u64 << 40), MODULUS_BITS));
        assert!(invert_e_mod(&NonZero::new(lambda).unwrap()).is_none());
        // λ ≡ 1 (mod e): k = e − 1.
        let lambda = e.wrapping_mul(widened(&BoxedUint::from(6u64), MODULUS_BITS));
        let lambda =
            NonZero::new(lambda.wrapping_add(widened(&BoxedUint::one(), MODULUS_BITS))).unwrap();
        let d = invert_e_mod(&lambda).unwrap();
        assert_eq!(
            d.mul_mod(&e, &lambda),
            widened(&BoxedUint::one(), MODULUS_BITS).clone()
        );
    }
}
