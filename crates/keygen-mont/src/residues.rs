//! Residues of a 2048-bit number modulo many small primes (below 2^20), for
//! the prime search's sieve: 64 primes at a time in AVX-512 lanes, eight
//! vectors of eight side by side.
//!
//! Horner's rule on the number's 32-bit digits from the top, r ← (r·2^32 + d)
//! mod p, in double precision: with p < 2^20 every value is an integer below
//! 2^53, so r·2^32 + d and q·p are exact. The quotient q = ⌊x·c⌋ uses
//! c = 1/p rounded and then lowered by two units in the last place, so that
//! c < (1/p)(1 − 2^−53) and the rounded product x·c stays below x/p; its
//! error the other way is below (x/p)·6·2^−53 < 2^−17, as x/p < 2^33. So q
//! is the true quotient or one less, x − q·p lies in [0, 2p), and one masked
//! subtraction of p finishes. The same operations run whatever the number:
//! it is the sieve's secret base.
//!
//! Without AVX-512, [`OffsetTable`] and [`sieve_offsets_scalar`] give the
//! sieve's offsets in 64-bit integers, also in constant time, for primes
//! below 2^24: the number is reduced modulo products of two to four
//! consecutive primes ("leaves", below 2^62) by Montgomery's reduction one
//! word at a time, eight leaves side by side, and each leaf residue modulo
//! each of its primes by
//! Barrett's reduction (a multiplication by ⌊2^64/p⌋ for the quotient).
//! Per prime this is about a third of the 32 word steps that reducing by
//! each prime alone would take, and no step divides: a division's time may
//! depend on its operands.

use zeroize::Zeroize;

/// The largest prime this takes (exclusive bound).
pub const RESIDUE_PRIME_LIMIT: u32 = 1 << 20;

/// The 32-bit digits of a 2048-bit number, most significant first.
pub(crate) fn digits32(n: &crate::Words) -> [u32; 64] {
    core::array::from_fn(|i| {
        let w = n[crate::WORDS - 1 - i / 2];
        if i % 2 == 0 {
            (w >> 32) as u32
        } else {
            w as u32
        }
    })
}

/// n mod p for each odd prime p below 2^20, one at a time in 64-bit
/// integers: the reference the AVX-512 kernel is tested against.
#[must_use]
pub fn small_residues_portable(n: &crate::Words, primes: &[u32]) -> Vec<u32> {
    let digits = digits32(n);
    primes
        .iter()
        .map(|&p| {
            let p = u64::from(p);
            digits
                .iter()
                .fold(0u64, |r, &d| ((r << 32) | u64::from(d)) % p) as u32
        })
        .collect()
}

/// The largest prime an [`OffsetTable`] takes (exclusive bound). The
/// arithmetic holds up to 2^31 (a residue times a constant, both below p,
/// stays below 2^62); the bound keeps the table to what a sieve uses.
pub const OFFSET_PRIME_LIMIT: u32 = 1 << 24;

/// Primes whose product makes one leaf at most (four small ones, three
/// below 2^20, two below 2^24: the product stays below 2^62).
const LEAF_PRIMES: usize = 4;
/// Leaves reduced side by side, so that their independent chains overlap.
const LEAF_CHAINS: usize = 8;

/// One leaf: a product `m < 2^62` of consecutive primes of the table.
#[derive(Clone, Copy, Debug)]
struct OffsetLeaf {
    /// The product.
    m: u64,
    /// −m⁻¹ mod 2^64.
    m_prime: u64,
}

/// One prime of the table, with its constants.
#[derive(Clone, Copy, Debug)]
struct OffsetPrime {
    p: u64,
    /// ⌊2^64 / p⌋: Barrett's reciprocal.
    reciprocal: u64,
    /// 2^(64·WORDS − 1) mod p: undoes the leaf reduction's factor
    /// 2^(−64·WORDS) and halves (k ≡ −n·2⁻¹ mod p).
    factor: u64,
}

/// Odd primes below [`OFFSET_PRIME_LIMIT`] grouped in leaves, with the constants of
/// [`sieve_offsets_scalar`]. Public data, built once.
#[derive(Clone, Debug)]
pub struct OffsetTable {
    leaves: Vec<OffsetLeaf>,
    /// Primes in table order, with the leaf each belongs to.
    primes: Vec<(OffsetPrime, u32)>,
}

impl OffsetTable {
    /// The table of `primes`, in their order.
    ///
    /// # Panics
    ///
    /// If a prime is not odd, not above 1, or not below
    /// [`OFFSET_PRIME_LIMIT`].
    #[must_use]
    pub fn new(primes: &[u32]) -> Self {
        assert!(
            primes
                .iter()
                .all(|&p| p % 2 == 1 && p > 1 && p < OFFSET_PRIME_LIMIT),
            "odd numbers above 1 and below 2^24"
        );
        let mut leaves = Vec::with_capacity(primes.len() / 3 + 1);
        let mut out = Vec::with_capacity(primes.len());
        let mut m = 1u64;
        let mut count = 0;
        for &p in primes {
            let p = u64::from(p);
            if count == LEAF_PRIMES || u128::from(m) * u128::from(p) >= 1 << 62 {
                leaves.push(OffsetLeaf::new(m));
                m = 1;
                count = 0;
            }
            m *= p;
            count += 1;
            let leaf = u32::try_from(leaves.len()).expect("fewer than 2^32 leaves");
            out.push((OffsetPrime::new(p), leaf));
        }
        if count > 0 {
            leaves.push(OffsetLeaf::new(m));
        }
        Self {
            leaves,
            primes: out,
        }
    }

    /// Primes in the table.
    #[must_use]
    pub fn len(&self) -> usize {
        self.primes.len()
    }

    /// Whether the table has no prime.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.primes.is_empty()
    }
}

impl OffsetLeaf {
    fn new(m: u64) -> Self {
        debug_assert!(m % 2 == 1 && m < 1 << 62);
        Self {
            m,
            m_prime: crate::small_factor::inverse_mod_2_64(m).wrapping_neg(),
        }
    }
}

impl OffsetPrime {
    fn new(p: u64) -> Self {
        // 2^(64·WORDS − 1) mod p by squaring and multiplying (public).
        let mut factor = 1u64;
        let mut base = 2 % p;
        let mut e = 64 * crate::WORDS as u64 - 1;
        while e > 0 {
            if e & 1 == 1 {
                factor = factor * base % p;
            }
            base = base * base % p;
            e >>= 1;
        }
        Self {
            p,
            // p is odd and above 1, so 2^64/p is not an integer and
            // ⌊(2^64 − 1)/p⌋ = ⌊2^64/p⌋.
            reciprocal: u64::MAX / p,
            factor,
        }
    }

    /// x mod p for any 64-bit x, without a division or a branch. The
    /// quotient estimate q = ⌊x·⌊2^64/p⌋/2^64⌋ is at most x/p, and as
    /// ⌊2^64/p⌋ > 2^64/p − 1 it is at least ⌊x/p − x/2^64⌋ ≥ ⌊x/p⌋ − 1; so
    /// x − q·p lies in [0, 2p) and one masked subtraction ends.
    #[inline(always)]
    fn reduce(&self, x: u64) -> u64 {
        let q = ((u128::from(x) * u128::from(self.reciprocal)) >> 64) as u64;
        let r = x - q * self.p;
        // r ≥ p exactly when r − p does not borrow.
        let (d, borrow) = r.overflowing_sub(self.p);
        let keep = u64::from(borrow).wrapping_neg();
        (r & keep) | (d & !keep)
    }

    /// The least k ≥ 0 with p | n + 2k, from a leaf residue `s` ≡
    /// n·2^(−64·WORDS) (mod p).
    #[inline(always)]
    fn offset(&self, s: u64) -> u32 {
        // t ≡ n·2⁻¹ (mod p), below p; then k = (p − t) mod p.
        let t = self.reduce(self.reduce(s) * self.factor);
        let k = self.p - t;
        let zero = crate::eq_small(k, self.p).wrapping_neg();
        (k & !zero) as u32
    }
}

/// `n·2^(−64·WORDS)` modulo each of up to [`LEAF_CHAINS`] leaves (below
/// twice each leaf): Montgomery's reduction from the lowest word up, each
/// step s ← (s + w + q·m)/2^64 with q = (s + w)·(−m⁻¹) mod 2^64. With
/// s ≤ m + 1 < 2^62 + 2, s + w stays below 2^65, and the step leaves
/// s ≤ m + 1 again. The low word of s + w + q·m is zero, so its carry
/// into the high word is 1 exactly when the low word of s + w is not zero.
#[inline(always)]
fn leaf_residues(n: &crate::Words, leaves: &[OffsetLeaf]) -> [u64; LEAF_CHAINS] {
    let mut s = [0u64; LEAF_CHAINS];
    let mut m = [1u64; LEAF_CHAINS];
    let mut m_prime = [1u64; LEAF_CHAINS];
    for (i, leaf) in leaves.iter().enumerate() {
        m[i] = leaf.m;
        m_prime[i] = leaf.m_prime;
    }
    for &w in n {
        for c in 0..LEAF_CHAINS {
            let (lo, hi) = s[c].overflowing_add(w);
            let q = lo.wrapping_mul(m_prime[c]);
            let high = ((u128::from(q) * u128::from(m[c])) >> 64) as u64;
            let nonzero = (lo | lo.wrapping_neg()) >> 63;
            s[c] = high + u64::from(hi) + nonzero;
        }
    }
    s
}

/// For each prime of `table`, the least k ≥ 0 such that p divides n + 2k
/// (2048-bit n): [`crate::sieve_offsets`]'s result on any CPU, in 64-bit
/// integers, in the same time whatever n is (see the module).
#[must_use]
pub fn sieve_offsets_scalar(n: &crate::Words, table: &OffsetTable) -> Vec<u32> {
    let mut residues = vec![0u64; table.leaves.len()];
    for (chunk, out) in table
        .leaves
        .chunks(LEAF_CHAINS)
        .zip(residues.chunks_mut(LEAF_CHAINS))
    {
        let mut s = leaf_residues(n, chunk);
        out.copy_from_slice(&s[..out.len()]);
        s.zeroize();
    }
    let offsets = table
        .primes
        .iter()
        .map(|(prime, leaf)| prime.offset(residues[*leaf as usize]))
        .collect();
    residues.zeroize();
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The least k ≥ 0 with p | n + 2k, from n mod p by division.
    fn offset_by_division(p: u32, r: u32) -> u32 {
        let p = u64::from(p);
        ((p - u64::from(r)) % p * p.div_ceil(2) % p) as u32
    }

    /// A few primes from each end of the range (small enough for Miri),
    /// against the division-based residues; the integration tests take
    /// every prime below 2^20.
    #[test]
    fn scalar_offsets_match_division() {
        let primes: Vec<u32> = [3u32, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 65_537, 65_539]
            .into_iter()
            .chain([
                1_048_391, 1_048_423, 1_048_433, 1_048_447, 1_048_507, 1_048_571, 1_048_573,
            ])
            .collect();
        let table = OffsetTable::new(&primes);
        assert_eq!(table.len(), primes.len());
        // Leaves of four primes (3…11, 13…23, 29…65,537), then of three
        // while the product stays below 2^62, and the last two alone.
        assert_eq!(table.leaves.len(), 6);
        let mut samples = vec![[0u64; crate::WORDS], [u64::MAX; crate::WORDS]];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..4 {
            samples.push(core::array::from_fn(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            }));
        }
        for n in &samples {
            let residues = small_residues_portable(n, &primes);
            let offsets = sieve_offsets_scalar(n, &table);
            for ((&p, &r), &k) in primes.iter().zip(&residues).zip(&offsets) {
                assert_eq!(k, offset_by_division(p, r), "p = {p}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "odd numbers above 1 and below 2^24")]
    fn the_table_refuses_an_even_number() {
        let _ = OffsetTable::new(&[3, 4, 5]);
    }
}
