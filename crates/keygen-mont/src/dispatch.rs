//! Choosing a kernel: the calls into the AVX-512 kernels, `unsafe` because
//! of the CPU check they rely on. (The crate's other `unsafe` code is the
//! IFMA intrinsics in `lanes/ifma.rs` and the ADX assembly in `adx.rs`,
//! each behind a token only its CPU check makes.)

use zeroize::{Zeroize, Zeroizing};

use crate::blocks::LeafTable;
use crate::{DIGITS, Digits, LANES, Lane, MrContext, ONE, Words, minus_one, to_digits};

/// Does this CPU run the AVX-512 kernel? (Detected once, then cached by
/// the standard library.)
#[must_use]
pub fn avx512_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// 2^e mod n for up to eight moduli at once (`exponents[i]` goes with
/// `moduli[i]`), on the fastest kernel this CPU has (AVX-512 IFMA, else
/// AVX-512F, else the scalar kernel). A lane whose modulus is not odd and 2048 bits long gives
/// `None`.
///
/// # Panics
///
/// If more than [`LANES`] moduli are given, or fewer exponents than moduli.
#[must_use]
pub fn pow2_mod(moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
    pow2_mod_on(LaneKernel::Fastest, moduli, exponents)
}

/// Which vector kernel the lane functions ([`fermat_base_two_on`],
/// [`miller_rabin_on`]) use. The answers are the same on every kernel; only
/// the time differs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LaneKernel {
    /// The fastest this CPU has: AVX-512 IFMA (52-bit multiply-accumulate),
    /// else AVX-512F (32-bit multiplies), else the scalar kernel one
    /// number after another.
    #[default]
    Fastest,
    /// AVX-512F even where the CPU has IFMA, else the scalar kernel: to
    /// measure or test the AVX-512F kernel on any AVX-512 CPU.
    Avx512F,
}

/// [`pow2_mod`] on `kernel`.
fn pow2_mod_on(kernel: LaneKernel, moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
    assert!(moduli.len() <= LANES, "at most {LANES} moduli at once");
    assert!(
        exponents.len() >= moduli.len(),
        "an exponent for each modulus"
    );
    if kernel == LaneKernel::Fastest
        && let Some(out) = crate::ifma::pow2_mod_native(moduli, exponents)
    {
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    if avx512_available() {
        let lanes: Vec<Option<Lane>> = moduli
            .iter()
            .zip(exponents)
            .map(|(n, e)| Lane::new(n, e))
            .collect();
        // One batch costs the same for one valid lane as for eight, and less
        // than one exponentiation on another kernel.
        if lanes.iter().any(Option::is_some) {
            let full: [Lane; LANES] = core::array::from_fn(|i| {
                lanes
                    .get(i)
                    .and_then(Clone::clone)
                    .unwrap_or_else(Lane::filler)
            });
            // SAFETY: `pow2` is a safe function whose only precondition is the
            // AVX-512F target feature it is compiled with; the CPU was found to
            // support AVX-512F at run time above.
            #[allow(unsafe_code)]
            let mut out = unsafe { crate::avx512::pow2(&full) };
            let result = lanes
                .iter()
                .zip(&out)
                .map(|(l, r)| l.as_ref().map(|_| *r))
                .collect();
            // Powers modulo candidates that may be kept as primes.
            out.zeroize();
            return result;
        }
    }
    crate::pow2_mod_scalar(moduli, exponents)
}

/// The base-2 Fermat test, 2^(n−1) ≡ 1 (mod n), on up to eight candidates
/// at once: bit i of the answer is set when `candidates[i]` passes. A
/// candidate that is not odd and 2048 bits long fails.
///
/// # Panics
///
/// If more than [`LANES`] candidates are given.
#[must_use]
pub fn fermat_base_two(candidates: &[Words]) -> u8 {
    // n − 1 of a candidate that may be the prime kept: wiped when dropped.
    let exponents: Zeroizing<Vec<Words>> =
        Zeroizing::new(candidates.iter().map(minus_one).collect());
    pow2_mod(candidates, &exponents)
        .iter()
        .enumerate()
        .fold(0u8, |acc, (i, r)| {
            acc | (u8::from(r.as_ref() == Some(&ONE)) << i)
        })
}

/// [`fermat_base_two`], given up when `stop` returns true: `None` then.
/// The IFMA kernel asks `stop` every 128 squarings (16 times a batch); the
/// other kernels run each batch to its end. For a search on several threads
/// that no longer needs a batch once another thread has found its prime;
/// `stop` should answer from something that depends on nothing secret.
///
/// # Panics
///
/// If more than [`LANES`] candidates are given.
#[must_use]
pub fn fermat_base_two_or_stop(candidates: &[Words], stop: &dyn Fn() -> bool) -> Option<u8> {
    fermat_base_two_on(LaneKernel::Fastest, candidates, stop)
}

/// [`fermat_base_two_or_stop`] on `kernel` (only the IFMA kernel stops
/// early).
///
/// # Panics
///
/// If more than [`LANES`] candidates are given.
#[must_use]
pub fn fermat_base_two_on(
    kernel: LaneKernel,
    candidates: &[Words],
    stop: &dyn Fn() -> bool,
) -> Option<u8> {
    let exponents: Zeroizing<Vec<Words>> =
        Zeroizing::new(candidates.iter().map(minus_one).collect());
    let native = match kernel {
        LaneKernel::Fastest => crate::ifma::pow2_mod_native_or_stop(candidates, &exponents, stop),
        LaneKernel::Avx512F => None,
    };
    let results = match native {
        Some(stopped_or_not) => Zeroizing::new(stopped_or_not?),
        None => Zeroizing::new(pow2_mod_on(kernel, candidates, &exponents)),
    };
    Some(results.iter().enumerate().fold(0u8, |acc, (i, r)| {
        acc | (u8::from(r.as_ref() == Some(&ONE)) << i)
    }))
}

/// Miller–Rabin to up to eight bases at once for one 2048-bit odd `n`
/// (FIPS 186-5 B.3.1, each base one round), on the fastest kernel this CPU
/// has: bit i of the answer is set when n is a strong probable prime to
/// `bases[i]` (read as a number below 2^2048, reduced modulo n). The
/// arithmetic takes the same time whatever n and the bases are.
///
/// `None` when n is not odd and 2048 bits long, or when 2^64 divides n − 1
/// (probability 2^−63 for a random odd n; the caller should treat such an n
/// as refused).
///
/// # Panics
///
/// If more than [`LANES`] bases are given.
#[must_use]
pub fn miller_rabin(n: &Words, bases: &[Words]) -> Option<u8> {
    miller_rabin_on(LaneKernel::Fastest, n, bases)
}

/// [`miller_rabin`] on `kernel`.
///
/// # Panics
///
/// If more than [`LANES`] bases are given.
#[must_use]
pub fn miller_rabin_on(kernel: LaneKernel, n: &Words, bases: &[Words]) -> Option<u8> {
    assert!(bases.len() <= LANES, "at most {LANES} bases at once");
    if kernel == LaneKernel::Fastest
        && let Some(out) = crate::ifma::miller_rabin_native(n, bases)
    {
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    if avx512_available() {
        let ctx = MrContext::new(n)?;
        let used = u8::try_from((1u16 << bases.len()) - 1).unwrap_or(u8::MAX);
        let mut digits: [Digits; LANES] =
            core::array::from_fn(|i| bases.get(i).map_or([0; DIGITS], to_digits));
        // SAFETY: `strong_test` is a safe function whose only precondition is
        // the AVX-512F target feature it is compiled with; the CPU was found
        // to support AVX-512F at run time on the line above.
        #[allow(unsafe_code)]
        let passed = unsafe { crate::avx512::strong_test(&ctx, &digits) };
        digits.zeroize();
        return Some(passed & used);
    }
    crate::miller_rabin_scalar(n, bases)
}

/// Residues of `n` (little-endian words, any length) modulo the leaves of
/// `table` on the AVX-512F kernel (eight blocks at a time, then a block's
/// leaves side by side), or `None` when the CPU lacks AVX-512F: for each
/// leaf in order, a number below 2^95 congruent to
/// n·2^(−30·(k + LEAF_STEPS)) modulo the leaf, k the number of 30-bit
/// digits of n beyond 17. A power of two is a unit modulo an odd leaf, so
/// the residue is divisible by a prime of the leaf exactly when `n` is.
/// Variable time: for public numbers.
#[must_use]
pub fn reduce_leaves(n: &[u64], table: &LeafTable) -> Option<Vec<u128>> {
    let mut out = Vec::with_capacity(table.leaves());
    leaves_on_avx512(n, table, Some(&mut out)).map(|_| out)
}

/// Residues of `n` (little-endian words, any length) modulo the leaves of
/// `table` on the scalar kernel, on any CPU: for each leaf in order, a word
/// congruent to n·2^(−64·(k + 1)) modulo the leaf, k the number of words of
/// n beyond 8 when n has more than 9 words, else 0. Variable time: for
/// public numbers.
#[must_use]
pub fn reduce_leaves_scalar(n: &[u64], table: &LeafTable) -> Vec<u64> {
    table.scalar.leaf_words(n)
}

/// The smallest prime of `table` dividing `n` (little-endian words, any
/// length), for a table whose blocks were made by
/// [`LeafBlock::with_primes`](crate::LeafBlock::with_primes) (a block made
/// without primes tests none), on the fastest kernel this CPU has: with
/// AVX-512F, the residues of eight blocks at a time (in 52-bit digits with
/// AVX-512 IFMA, else in 30-bit digits), then each block's leaf residues and
/// each leaf's primes, eight leaves at a time in double precision;
/// otherwise the scalar kernel (residues in 64-bit words, one
/// multiplication a prime). All give the same answer. Variable time: for
/// public numbers.
#[must_use]
pub fn smallest_factor(n: &[u64], table: &LeafTable) -> Option<u32> {
    smallest_factor_on(LaneKernel::Fastest, n, table)
}

/// [`smallest_factor`] on `kernel`: with [`LaneKernel::Avx512F`], the first
/// level in 30-bit digits even where the CPU has IFMA.
#[must_use]
pub fn smallest_factor_on(kernel: LaneKernel, n: &[u64], table: &LeafTable) -> Option<u32> {
    if kernel == LaneKernel::Fastest
        && let Some(found) = smallest_factor_ifma_native(n, table)
    {
        return found;
    }
    match leaves_on_avx512(n, table, None) {
        Some(found) => found,
        None => smallest_factor_scalar(n, table),
    }
}

/// [`smallest_factor`] with the IFMA kernel's first level, or `None` when
/// the CPU lacks AVX-512 IFMA.
fn smallest_factor_ifma_native(n: &[u64], table: &LeafTable) -> Option<Option<u32>> {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = crate::lanes::ifma::Ifma::detect() {
        use crate::lanes::Lanes8 as _;
        let digits = crate::ifma::blocks::digits_of(n);
        for (blocks, multiples) in table.blocks.chunks(LANES).zip(&table.batches52) {
            let residues = s.vectorize(
                #[inline(always)]
                || crate::ifma::blocks::block_residues(s, &digits, multiples),
            );
            // SAFETY: `leaf_level` is a safe function whose only
            // precondition is the AVX-512F target feature it is compiled
            // with; the token `s` exists only on a CPU found to have
            // AVX-512F and AVX-512 IFMA at run time.
            #[allow(unsafe_code)]
            let found = unsafe { crate::avx512::leaf_level(&residues, blocks, None) };
            if found.is_some() {
                return Some(found);
            }
        }
        return Some(None);
    }
    let _ = (n, table);
    None
}

/// [`smallest_factor`] on the scalar kernel, whatever the CPU has.
#[must_use]
pub fn smallest_factor_scalar(n: &[u64], table: &LeafTable) -> Option<u32> {
    table.scalar.smallest_factor(n)
}

/// The leaf level on the AVX-512 kernel: `None` when the CPU lacks it;
/// otherwise, with `out`, the residues appended to it (and `Some(None)`),
/// and without, `Some` of the smallest prime dividing `n`.
fn leaves_on_avx512(
    n: &[u64],
    table: &LeafTable,
    mut out: Option<&mut Vec<u128>>,
) -> Option<Option<u32>> {
    #[cfg(target_arch = "x86_64")]
    if avx512_available() {
        let digits = crate::blocks::digits_of(n);
        for (blocks, multiples) in table.blocks.chunks(LANES).zip(&table.batches) {
            // SAFETY: `leaves` is a safe function whose only precondition is
            // the AVX-512F target feature it is compiled with; the CPU was
            // found to support AVX-512F at run time above.
            #[allow(unsafe_code)]
            let found =
                unsafe { crate::avx512::leaves(&digits, multiples, blocks, out.as_deref_mut()) };
            if found.is_some() {
                return Some(found);
            }
        }
        return Some(None);
    }
    let _ = (n, table, &mut out);
    None
}

/// n mod p for each odd prime p below 2^20 (2048-bit n), 64 primes at a
/// time, in the same time whatever n is — or `None` when the CPU has no
/// AVX-512F (the caller then uses a constant-time reduction of its own).
///
/// # Panics
///
/// If a prime is not odd or not below 2^20.
#[must_use]
pub fn small_residues(n: &Words, primes: &[u32]) -> Option<Vec<u32>> {
    residues_in_lanes::<false>(n, primes)
}

/// For each odd prime p below 2^20, the least k ≥ 0 such that p divides
/// n + 2k (2048-bit odd or even n): where a sieve of n, n + 2, n + 4, …
/// first strikes p out. As [`small_residues`], in the same time whatever n
/// is, or `None` without AVX-512F.
///
/// # Panics
///
/// If a prime is not odd or not below 2^20.
#[must_use]
pub fn sieve_offsets(n: &Words, primes: &[u32]) -> Option<Vec<u32>> {
    residues_in_lanes::<true>(n, primes)
}

/// [`small_residues`], or with `OFFSETS` [`sieve_offsets`].
fn residues_in_lanes<const OFFSETS: bool>(n: &Words, primes: &[u32]) -> Option<Vec<u32>> {
    assert!(
        primes
            .iter()
            .all(|&p| p % 2 == 1 && p < crate::residues::RESIDUE_PRIME_LIMIT),
        "odd primes below 2^20"
    );
    #[cfg(target_arch = "x86_64")]
    if avx512_available() {
        let mut words = crate::residues::digits32(n);
        let mut digits = words.map(f64::from);
        words.zeroize();
        let mut out = Vec::with_capacity(primes.len());
        for chunk in primes.chunks(crate::avx512::RESIDUE_BLOCK) {
            let lanes: [u32; crate::avx512::RESIDUE_BLOCK] =
                core::array::from_fn(|i| chunk.get(i).copied().unwrap_or(3));
            // SAFETY: `small_residues` is a safe function whose only
            // precondition is the AVX-512F target feature it is compiled
            // with; the CPU was found to support AVX-512F at run time above.
            #[allow(unsafe_code)]
            let mut residues = unsafe { crate::avx512::small_residues::<OFFSETS>(&digits, &lanes) };
            out.extend_from_slice(&residues[..chunk.len()]);
            residues.zeroize();
        }
        digits.zeroize();
        return Some(out);
    }
    let _ = n;
    None
}
