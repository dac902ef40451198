//! A deep sieve: the odd numbers base, base + 2, base + 4, … with every one
//! divisible by an odd prime below 2^20 (searches in AVX-512 lanes) or 2^22
//! (searches one candidate at a time) struck out.
//!
//! crypto-primes' sieve stops at the 2047th prime (17,863) and leaves
//! about 11.5 % of odd numbers to the exponentiations; sieving to 2^20
//! (82,024 odd primes) leaves about 8.1 % (Mertens: 2e^−γ / ln B), so each
//! prime costs about 30 % fewer exponentiations, and to 2^22 (295,946)
//! about 7.4 %. The sieve must stay cheap per candidate: the base's
//! residues are computed once per search, in constant time — 64 primes at a
//! time in AVX-512 lanes (keygen-mont's `sieve_offsets`), or else in 64-bit
//! integers, the base reduced modulo products of two to four primes
//! (`sieve_offsets_scalar`) — and then each window of 4,096 odd numbers is
//! struck out with one step per prime, as in a segmented sieve of
//! Eratosthenes. Where an exponentiation is cheap (the lanes) the deeper
//! bound does not pay: its residues and strikes cost more than the
//! exponentiations they spare.
//!
//! Secrets: the base and its residues are as secret as the prime that will
//! be found near it; they live in wiped buffers. The striking out reads and
//! writes memory at places that depend on the residues — see the crate's
//! SECURITY.md, "What the search leaks".

use std::sync::OnceLock;

use crypto_bigint::BoxedUint;
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use super::PRIME_BITS;
use crate::{Error, Result};

/// Odd primes below this bound strike out the candidates of the lane
/// searches, whose exponentiations are cheap.
pub(crate) const SIEVE_LIMIT: u32 = 1 << 20;
/// Odd primes below this bound strike out the candidates of the searches
/// that test one candidate at a time, whose exponentiations cost several
/// times as much: 213,000 more primes cost about 3 ms a base and spare
/// about 9 % of the exponentiations (Mertens: ln 2^20 / ln 2^22).
pub(crate) const DEEP_SIEVE_LIMIT: u32 = 1 << 22;
/// Odd numbers per window (a multiple of 64).
const WINDOW: u32 = 4096;
/// Windows per base before a fresh base is drawn (bounds the offsets, so
/// that they fit in 32 bits with room for the largest prime).
const MAX_WINDOWS: u32 = 1 << 16;

/// The sieving primes, and their constants for the scalar residue pass.
struct Tables {
    /// The odd primes 3 ≤ p < [`DEEP_SIEVE_LIMIT`], ascending.
    primes: Vec<u32>,
    /// How many of them are below [`SIEVE_LIMIT`].
    lane_primes: usize,
    /// The same primes, for keygen-mont's scalar offsets.
    offsets: keygen_mont::OffsetTable,
}

impl Tables {
    /// The primes of a search in lanes (`lanes`) or of one at a time.
    fn primes(&self, lanes: bool) -> &[u32] {
        if lanes {
            &self.primes[..self.lane_primes]
        } else {
            &self.primes
        }
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // Sieve of Eratosthenes over the odd numbers below the limit: public
        // data, computed once per process.
        let half = (DEEP_SIEVE_LIMIT / 2) as usize;
        let mut composite = vec![false; half];
        let mut primes = Vec::with_capacity(296_000);
        for i in 1..half {
            if composite[i] {
                continue;
            }
            let p = 2 * i + 1;
            primes.push(p as u32);
            let mut j = (p * p) / 2;
            while j < half {
                composite[j] = true;
                j += p;
            }
        }
        let lane_primes = primes.partition_point(|&p| p < SIEVE_LIMIT);
        let offsets = keygen_mont::OffsetTable::new(&primes);
        Tables {
            primes,
            lane_primes,
            offsets,
        }
    })
}

/// For each sieving prime p, the first k ≥ 0 with p | base + 2k, from
/// keygen-mont in constant time: in AVX-512 lanes (`sieve_offsets`) when
/// `lanes` is set and the CPU has AVX-512F, else in 64-bit integers
/// (`sieve_offsets_scalar`), as on a CPU without AVX-512. Only the lane
/// searches take the lanes here, so that a scalar search forced on an
/// AVX-512 CPU costs what it costs elsewhere.
fn first_hits(base: &BoxedUint, lanes: bool) -> Zeroizing<Vec<u32>> {
    let t = tables();
    let base_words = Zeroizing::new(super::words(base));
    if let Some(offsets) = lanes
        .then(|| keygen_mont::sieve_offsets(&base_words, t.primes(true)))
        .flatten()
    {
        return Zeroizing::new(offsets);
    }
    let mut offsets = Zeroizing::new(keygen_mont::sieve_offsets_scalar(&base_words, &t.offsets));
    offsets.truncate(t.primes(lanes).len());
    offsets
}

/// The state of one search.
pub(crate) struct DeepSieve {
    /// The random odd start, with its two top bits set.
    base: Zeroizing<BoxedUint>,
    /// For each prime, the next offset k (in odd steps from the base, at or
    /// after the current window) with p | base + 2k.
    next_hit: Zeroizing<Vec<u32>>,
    /// Bit i set: base + 2·(start + i) has a small factor.
    window: Zeroizing<[u64; (WINDOW / 64) as usize]>,
    /// Offset of the window's first number.
    start: u32,
    /// Next position in the window to look at.
    pos: u32,
    /// Windows done with this base.
    windows: u32,
    /// Whether the residue pass may use vector lanes.
    lanes: bool,
}

impl DeepSieve {
    /// A search from a fresh random base; `lanes`: the search tests its
    /// candidates in vector lanes, and the residue pass may use them too.
    pub(crate) fn new<R: CryptoRng + ?Sized>(rng: &mut R, lanes: bool) -> Result<Self> {
        let mut sieve = Self {
            lanes,
            base: Zeroizing::new(BoxedUint::zero_with_precision(PRIME_BITS)),
            next_hit: Zeroizing::new(Vec::new()),
            window: Zeroizing::new([0; (WINDOW / 64) as usize]),
            start: 0,
            pos: WINDOW,
            windows: 0,
        };
        sieve.reseed(rng)?;
        Ok(sieve)
    }

    /// Draws a new base and computes its residues.
    fn reseed<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<()> {
        let mut bytes = Zeroizing::new([0u8; (PRIME_BITS / 8) as usize]);
        rng.fill_bytes(bytes.as_mut());
        // FIPS 186-5 A.1.3 step 4.4: p ≥ √2·2^2047 holds for every number
        // with its two top bits set (1.5 > √2). The candidates keep them
        // unless the base lies within 2^33 of 2^2048, which the candidates'
        // own size check refuses.
        bytes[0] |= 0xc0;
        let last = bytes.len() - 1;
        bytes[last] |= 1;
        self.base = Zeroizing::new(
            BoxedUint::from_be_slice(bytes.as_ref(), PRIME_BITS)
                .map_err(|_| Error::Arithmetic("sieve base"))?,
        );
        let next_hit = first_hits(&self.base, self.lanes);
        self.next_hit = next_hit;
        self.start = 0;
        self.pos = WINDOW;
        self.windows = 0;
        self.window.zeroize();
        Ok(())
    }

    /// Strikes out the window starting at `self.start`.
    fn fill_window(&mut self) {
        self.window.zeroize();
        let end = self.start + WINDOW;
        for (hit, &p) in self.next_hit.iter_mut().zip(tables().primes(self.lanes)) {
            let mut k = *hit;
            while k < end {
                let i = k - self.start;
                self.window[(i / 64) as usize] |= 1 << (i % 64);
                k += p;
            }
            *hit = k;
        }
        self.pos = 0;
    }

    /// The next odd number of the search with no odd prime factor below its
    /// bound, [`SIEVE_LIMIT`] or [`DEEP_SIEVE_LIMIT`] (a fresh base is drawn
    /// every 2^28 numbers).
    pub(crate) fn next<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<BoxedUint> {
        loop {
            while self.pos < WINDOW {
                let i = self.pos;
                self.pos += 1;
                if self.window[(i / 64) as usize] >> (i % 64) & 1 == 0 {
                    let offset = 2 * u64::from(self.start + i);
                    let step = super::widened(&BoxedUint::from(offset), PRIME_BITS);
                    return Ok(self.base.wrapping_add(&step));
                }
            }
            if self.windows > 0 {
                self.start += WINDOW;
            }
            self.windows += 1;
            if self.windows > MAX_WINDOWS {
                self.reseed(rng)?;
                self.windows = 1;
            }
            self.fill_window();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{Limb, NonZero};
    use rand_core::SeedableRng;

    #[test]
    fn tables_hold_the_odd_primes_below_the_limit() {
        let t = tables();
        assert_eq!(t.primes.len(), 295_946);
        assert_eq!(&t.primes[..5], &[3, 5, 7, 11, 13]);
        assert_eq!(t.primes.last(), Some(&4_194_301));
        let lanes = t.primes(true);
        assert_eq!(lanes.len(), 82_024);
        assert_eq!(lanes.last(), Some(&1_048_573));
        assert_eq!(t.primes(false).len(), 295_946);
    }

    #[test]
    fn both_residue_passes_agree() {
        let mut rng = chacha20::ChaCha20Rng::from_seed([8; 32]);
        for _ in 0..3 {
            let sieve = DeepSieve::new(&mut rng, false).unwrap();
            let lanes = first_hits(&sieve.base, true);
            let scalar = first_hits(&sieve.base, false);
            // The lanes' offsets (or, on a CPU without AVX-512, the integer
            // pass's cut to the lanes' primes) begin the deep sieve's.
            assert_eq!(lanes.len(), tables().primes(true).len());
            assert_eq!(scalar.len(), tables().primes.len());
            assert_eq!(*lanes, scalar[..lanes.len()]);
            // Each is the first k with p | base + 2k (crypto-bigint's
            // remainders, an arithmetic of their own).
            for (&p, &k) in tables().primes.iter().zip(scalar.iter()).step_by(811) {
                let x = sieve.base.wrapping_add(&*super::super::widened(
                    &BoxedUint::from(2 * u64::from(k)),
                    PRIME_BITS,
                ));
                assert_eq!(x.rem_limb(NonZero::new(Limb(u64::from(p))).unwrap()).0, 0);
                assert!(k < p);
            }
        }
    }

    #[test]
    fn candidates_have_no_small_factor_and_none_is_skipped() {
        let mut rng = chacha20::ChaCha20Rng::from_seed([7; 32]);
        let mut sieve = DeepSieve::new(&mut rng, false).unwrap();
        let base = BoxedUint::clone(&sieve.base);
        let mut last =
            base.wrapping_sub(&*super::super::widened(&BoxedUint::from(2u64), PRIME_BITS));
        let primes = &tables().primes;
        // Across several windows: each candidate is odd, free of the sieving
        // primes, and every odd number skipped between two candidates has
        // one of them as a factor.
        for _ in 0..700 {
            let c = sieve.next(&mut rng).unwrap();
            assert!(c.bit_vartime(0));
            let mut x =
                last.wrapping_add(&*super::super::widened(&BoxedUint::from(2u64), PRIME_BITS));
            while x != c {
                assert!(
                    primes
                        .iter()
                        .any(|&p| x.rem_limb(NonZero::new(Limb(u64::from(p))).unwrap()).0 == 0),
                    "a number without a small factor was skipped"
                );
                x = x.wrapping_add(&*super::super::widened(&BoxedUint::from(2u64), PRIME_BITS));
            }
            for &p in primes.iter().take(2000) {
                assert_ne!(c.rem_limb(NonZero::new(Limb(u64::from(p))).unwrap()).0, 0);
            }
            last = c;
        }
        assert!(sieve.start >= WINDOW, "the test crossed a window");
    }
}
