//! Small prime factors: every prime up to [`SMALL_PRIME_BOUND`] (badkeys'
//! bound), by residues instead of badkeys' gcd with their product.
//!
//! The primes are grouped in 64-bit leaves (consecutive primes) and the
//! leaves in blocks below 2^448 (up to eight leaves); `n` is reduced modulo
//! each block by Montgomery's reduction, each block residue modulo each of
//! its leaves, and each leaf residue is tested against its primes. With
//! AVX-512F, keygen-mont does it all in lanes: eight blocks at a time, then a
//! block's leaves side by side, then the prime tests as double-precision
//! remainders. Otherwise the blocks are reduced word by word, the leaves by
//! two-word folds and each prime costs one multiplication.

use std::sync::OnceLock;

use num_bigint::BigUint;

use super::{RsaKey, SMALL_PRIME_BOUND, reject};
use crate::validate::reason::{Reason, Rejection};

/// Refuses a modulus with a prime factor up to [`SMALL_PRIME_BOUND`].
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    match small_prime_factor(&key.words) {
        Some(p) => Err(reject(
            Reason::RsaSmallPrimeFactor,
            format!("the rsa modulus is divisible by the small prime {p}"),
        )),
        None => Ok(()),
    }
}

/// The primes up to [`SMALL_PRIME_BOUND`], by a sieve of Eratosthenes.
pub(super) fn small_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let bound = SMALL_PRIME_BOUND as usize;
        let mut composite = vec![false; bound + 1];
        let mut primes = Vec::new();
        for i in 2..=bound {
            if !composite[i] {
                primes.push(i as u32);
                let mut j = i * i;
                while j <= bound {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        primes
    })
}

/// Words of a block's Montgomery-friendly multiple `D' = D·u` (see
/// [`reduce_block`]): each block is a product `D < 2^(64·(BLOCK_WORDS − 1))`
/// of primes, and a modulus is reduced to `BLOCK_WORDS + 1` words per block.
/// The reduction of `n` costs about one word multiplication per word of `n`
/// per word of the whole product, whatever the block size (schoolbook
/// arithmetic); the leaf step costs about `BLOCK_WORDS` per leaf. Measured
/// on RSA-4096, 8 is faster than 6, 12 and 16; keygen-mont's blocks have the
/// same bound, so both paths share one grouping.
const BLOCK_WORDS: usize = 8;
const BLOCK_STATE: usize = BLOCK_WORDS + 1;

/// `D' = D·(−D⁻¹ mod 2^64)` as [`BLOCK_WORDS`] words, for an odd `D` below
/// `2^(64·(BLOCK_WORDS − 1))`.
fn montgomery_friendly(d: &BigUint) -> [u64; BLOCK_WORDS] {
    let inverse = inverse_mod_2_64(d.iter_u64_digits().next().unwrap_or(1));
    let mut words = [0u64; BLOCK_WORDS];
    for (w, x) in words
        .iter_mut()
        .zip((d * inverse.wrapping_neg()).iter_u64_digits())
    {
        *w = x;
    }
    words
}

/// Reduces `n` (little-endian words) to `BLOCK_WORDS + 1` words congruent
/// to `n·2^(−64k)` modulo a block's `D'` (so modulo every prime of the
/// block; the power of two is a unit modulo odd primes and changes no
/// divisibility).
///
/// Montgomery's reduction, one word at a time from the bottom: adding
/// `m·D'·2^(64i)` with `m` the current low word clears it. Because
/// `D' ≡ −1 (mod 2^64)`, `m` is the low word itself (no multiplication by
/// an inverse) and the lowest product is `m·2^64` (no multiplication at
/// all). The next step needs only the next low word, which this step's
/// carry chain produces first, so consecutive steps overlap in the
/// processor; a top-down fold instead waits for each step's whole carry
/// chain before it can start the next. After `k = len − BLOCK_WORDS` steps,
/// the window holds `(n + Σ mᵢ·D'·2^(64i)) / 2^(64k) < 2^(64·BLOCK_WORDS) +
/// D' < 2^(64·BLOCK_WORDS + 1)`.
fn reduce_block(n: &[u64], d: &[u64; BLOCK_WORDS]) -> [u64; BLOCK_STATE] {
    debug_assert_eq!(d[0], u64::MAX);
    let mut w = [0u64; BLOCK_STATE];
    if n.len() <= BLOCK_STATE {
        w[..n.len()].copy_from_slice(n);
        return w;
    }
    w.copy_from_slice(&n[..BLOCK_STATE]);
    // The carry owed to the window's top word, from the previous step.
    let mut owed = 0u64;
    for i in 0..n.len() - BLOCK_WORDS {
        let m = w[0];
        // m·(2^64 − 1) + m = m·2^64: nothing stays in the low word and m
        // carries into the next.
        let mut carry = m;
        let mut next = [0u64; BLOCK_STATE];
        for j in 1..BLOCK_WORDS {
            // At most (2^64 − 1)² + 2(2^64 − 1) = 2^128 − 1.
            let s = u128::from(m) * u128::from(d[j]) + u128::from(w[j]) + u128::from(carry);
            next[j - 1] = s as u64;
            carry = (s >> 64) as u64;
        }
        let s = u128::from(w[BLOCK_WORDS]) + u128::from(carry) + u128::from(owed);
        next[BLOCK_WORDS - 1] = s as u64;
        owed = (s >> 64) as u64;
        next[BLOCK_WORDS] = n.get(i + BLOCK_STATE).copied().unwrap_or(0);
        w = next;
    }
    // The last word taken in was the zero above `n`: it holds the carry.
    w[BLOCK_WORDS] = owed;
    w
}

/// Reduces the number whose little-endian words are `words` to two words
/// congruent to it modulo a leaf product `m < 2^64`, given `c = 2^128 mod m`.
///
/// Horner's rule from the top word down, without any division: the state
/// `x` (two words) becomes `x·2^64 + w`, and the word pushed out at the
/// top, worth `t·2^128`, is folded back in as `t·c` (reduction with a
/// precomputed `2^k mod m`, "Handbook of Applied Cryptography" 14.3.4, one
/// word at a time). The result is congruent but not reduced below `m`. When
/// the sum
/// overflows 2^128, the lost 2^128 is worth `c` again, added back under a
/// mask rather than a branch (the overflow is as likely as not, so a branch
/// would be mispredicted often). One correction suffices: the value is then
/// below `2^64·c + c < 2^128`, as `c ≤ m − 1 ≤ 2^64 − 2`.
pub(super) fn fold_leaf(words: &[u64], c: u64) -> [u64; 2] {
    let [low @ .., x0, x1] = words else {
        let mut r = [0u64; 2];
        r[..words.len()].copy_from_slice(words);
        return r;
    };
    low.iter()
        .rev()
        .fold([*x0, *x1], |x, &w| fold_step(x, w, c))
}

/// One step of [`fold_leaf`]: `x·2^64 + w` folded back to two words.
#[inline(always)]
fn fold_step([x0, x1]: [u64; 2], w: u64, c: u64) -> [u64; 2] {
    // At most (2^64 − 1)² + 2^64 − 1 < 2^128.
    let s = u128::from(x1) * u128::from(c) + u128::from(w);
    let (high, overflow) = x0.overflowing_add((s >> 64) as u64);
    let fixed = u128::from(s as u64) + u128::from(c & u64::from(overflow).wrapping_neg());
    [fixed as u64, high + (fixed >> 64) as u64]
}

/// `x⁻¹ mod 2^64` for odd `x`: Newton's iteration, from `x·x ≡ 1 mod 8`;
/// each step doubles the correct low bits (3, 6, 12, 24, 48, 96).
const fn inverse_mod_2_64(x: u64) -> u64 {
    let mut inverse = x;
    let mut i = 0;
    while i < 5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inverse)));
        i += 1;
    }
    inverse
}

/// Divisibility of a word by one odd prime `p`, without a division: for
/// odd `p`, `p | y ⇔ y·p⁻¹ mod 2^64 ≤ ⌊(2^64 − 1)/p⌋` (Granlund and
/// Montgomery, "Division by invariant integers using multiplication",
/// 1994, section 9; Hacker's Delight 10-17).
#[derive(Debug, Clone, Copy)]
struct PrimeTest {
    inverse: u64,
    limit: u64,
    p: u32,
    /// The index of the prime's leaf in [`SmallPrimeTables::leaves`].
    leaf: u32,
}

impl PrimeTest {
    fn new(p: u32, leaf: u32) -> Self {
        debug_assert!(p % 2 == 1);
        let p64 = u64::from(p);
        Self {
            inverse: inverse_mod_2_64(p64),
            limit: u64::MAX / p64,
            p,
            leaf,
        }
    }

    /// Whether `p` divides `y`.
    fn divides(&self, y: u64) -> bool {
        y.wrapping_mul(self.inverse) <= self.limit
    }
}

/// A leaf of the small-prime tables: a product `m < 2^64` of consecutive
/// odd primes, `2^128 mod m` for [`fold_leaf`] and `−m⁻¹ mod 2^64` for
/// [`Leaf::word`].
#[derive(Debug)]
struct Leaf {
    m: u64,
    c: u64,
    neg_inverse: u64,
}

impl Leaf {
    /// A word `y ≡ (x1·2^64 + x0)·2^(−64) (mod m)`: one step of
    /// Montgomery's reduction, so each prime of the leaf is then tested on
    /// one word. `q = x0·(−m⁻¹)` makes `q·m + x0` a multiple of 2^64, and
    /// `y = x1 + (q·m + x0)/2^64 ≤ x1 + m`; a `y` past 2^64 loses `m`,
    /// under a mask (it is then below 2^64).
    fn word(&self, x0: u64, x1: u64) -> u64 {
        let q = x0.wrapping_mul(self.neg_inverse);
        let s = u128::from(q) * u128::from(self.m) + u128::from(x0);
        let t = u128::from(x1) + (s >> 64);
        let over = (t >> 64) as u64;
        (t as u64).wrapping_sub(self.m & over.wrapping_neg())
    }
}

/// A block: `D' = D·u`, where `D < 2^(64·(BLOCK_WORDS − 1))` is a product
/// of consecutive leaves and `u = −D⁻¹ mod 2^64`, so that `D' ≡ −1 (mod
/// 2^64)` (its low word is all ones); and the end of its leaves in
/// [`SmallPrimeTables::leaves`].
#[derive(Debug)]
struct Block {
    d: [u64; BLOCK_WORDS],
    leaves_end: usize,
}

/// The odd primes up to [`SMALL_PRIME_BOUND`] in two levels of products, in
/// increasing order: blocks of leaves of primes.
#[derive(Debug)]
struct SmallPrimeTables {
    blocks: Vec<Block>,
    /// The same blocks and leaves as keygen-mont's vector kernel takes them.
    lane_blocks: keygen_mont::LeafTable,
    leaves: Vec<Leaf>,
    primes: Vec<PrimeTest>,
    /// The primes' tests by leaf, four at a time.
    quads: Vec<PrimeQuad>,
}

/// Four divisibility tests ([`PrimeTest`]: inverse and limit) on one leaf's
/// word; a leaf's last group repeats one of its primes to fill the four.
#[derive(Debug)]
struct PrimeQuad {
    tests: [(u64, u64); 4],
    leaf: u32,
}

/// The most leaves a block holds: the vector kernel reduces a block's
/// leaves side by side, one per lane (blocks are also below 2^448, the
/// bound of both kernels).
const MAX_LEAVES_PER_BLOCK: usize = keygen_mont::LANES;

/// Builds the tables once per process (a few milliseconds).
fn small_prime_tables() -> &'static SmallPrimeTables {
    static TABLES: OnceLock<SmallPrimeTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // Leaves: greedy products of consecutive odd primes below 2^64.
        let mut primes = Vec::new();
        let mut leaf_products: Vec<u64> = Vec::new();
        let mut m = 1u64;
        for &p in &small_primes()[1..] {
            match m.checked_mul(u64::from(p)) {
                Some(v) => m = v,
                None => {
                    leaf_products.push(m);
                    m = u64::from(p);
                }
            }
            // Fewer than 6,542 leaves: the index fits a u32.
            primes.push(PrimeTest::new(p, leaf_products.len() as u32));
        }
        leaf_products.push(m);

        let leaves = leaf_products
            .iter()
            .map(|&m| {
                let m = u128::from(m);
                let b = (1u128 << 64) % m;
                Leaf {
                    m: m as u64,
                    c: (b * b % m) as u64,
                    neg_inverse: inverse_mod_2_64(m as u64).wrapping_neg(),
                }
            })
            .collect();

        // Blocks: greedy groups of consecutive leaves, built by keygen-mont
        // for its kernel; for the word-by-word reduction, the same groups,
        // each product multiplied by u = −D⁻¹ mod 2^64.
        let lane_blocks =
            keygen_mont::LeafTable::from_primes(&small_primes()[1..], MAX_LEAVES_PER_BLOCK)
                .expect("increasing odd primes below 2^20");
        let mut blocks = Vec::new();
        let mut leaves_end = 0;
        for block in lane_blocks.blocks() {
            let group = &leaf_products[leaves_end..leaves_end + block.len()];
            leaves_end += block.len();
            let d = group
                .iter()
                .fold(BigUint::from(1u32), |d, &m| d * BigUint::from(m));
            blocks.push(Block {
                d: montgomery_friendly(&d),
                leaves_end,
            });
        }
        let quads = primes
            .chunk_by(|a, b| a.leaf == b.leaf)
            .flat_map(|of_leaf| of_leaf.chunks(4))
            .map(|group| PrimeQuad {
                tests: core::array::from_fn(|i| {
                    let t = group.get(i).unwrap_or(&group[0]);
                    (t.inverse, t.limit)
                }),
                leaf: group[0].leaf,
            })
            .collect();
        SmallPrimeTables {
            blocks,
            lane_blocks,
            leaves,
            primes,
            quads,
        }
    })
}

/// The smallest prime up to [`SMALL_PRIME_BOUND`] dividing `n` (little-endian
/// words), if any.
///
/// badkeys checks small factors with one gcd against the product of the
/// primes; a gcd of 4096 bits against 94,000 bits is slow, so we compute
/// residues instead: `n` is reduced modulo each block (221 blocks below
/// 2^448), each block residue modulo each of its leaves (1,577 leaves of 64
/// bits, seven or eight a block), and each leaf residue is tested against
/// its primes (four for most leaves). All of it is variable time, which is
/// fine for a public key. Blocks, leaves and primes are in increasing order,
/// so the first prime found is the smallest.
fn small_prime_factor(n: &[u64]) -> Option<u32> {
    small_prime_factor_on(n, keygen_mont::avx512_available())
}

/// [`small_prime_factor`] on keygen-mont's vector kernel (`lanes`: leaf
/// residues and prime tests eight lanes at a time) or with the leaf
/// residues from [`reduce_block`] and [`fold_leaves`] and the tests of
/// [`first_factor`].
fn small_prime_factor_on(n: &[u64], lanes: bool) -> Option<u32> {
    if n.first().is_none_or(|w| w & 1 == 0) {
        return Some(2);
    }
    let tables = small_prime_tables();
    if lanes {
        keygen_mont::smallest_factor(n, &tables.lane_blocks)
    } else {
        let mut leaf_start = 0;
        first_factor(
            tables,
            tables.blocks.iter().flat_map(|block| {
                let r = reduce_block(n, &block.d);
                let leaves = &tables.leaves[leaf_start..block.leaves_end];
                leaf_start = block.leaves_end;
                leaves.chunks(FOLD_LANES).flat_map(move |chunk| {
                    let cs = core::array::from_fn(|i| chunk.get(i).map_or(chunk[0].c, |l| l.c));
                    let folded = fold_leaves(&r, &cs);
                    folded.into_iter().take(chunk.len())
                })
            }),
        )
    }
}

/// The smallest prime of the tables dividing the number whose residues
/// modulo the leaves (in order, as two words each, not necessarily reduced)
/// are `residues`.
///
/// The primes are tested in one pass over groups of four without a branch
/// (a loop over each leaf's primes would mispredict its exit about once a
/// leaf); only when some prime divides is the first one looked for.
fn first_factor(
    tables: &SmallPrimeTables,
    residues: impl Iterator<Item = [u64; 2]>,
) -> Option<u32> {
    let words: Vec<u64> = tables
        .leaves
        .iter()
        .zip(residues)
        .map(|(leaf, [x0, x1])| leaf.word(x0, x1))
        .collect();
    let any = tables.quads.iter().fold(false, |any, quad| {
        let y = words.get(quad.leaf as usize).copied().unwrap_or(1);
        quad.tests.iter().fold(any, |any, &(inverse, limit)| {
            any | (y.wrapping_mul(inverse) <= limit)
        })
    });
    if !any {
        return None;
    }
    tables
        .primes
        .iter()
        .find(|test| {
            words
                .get(test.leaf as usize)
                .is_some_and(|&y| test.divides(y))
        })
        .map(|test| test.p)
}

/// Leaves folded side by side by [`fold_leaves`].
pub(super) const FOLD_LANES: usize = 4;

/// [`fold_leaf`] for [`FOLD_LANES`] leaves at once (given their `c`): one
/// leaf's fold is a chain of dependent multiplications, and independent
/// chains side by side keep the multiplier busy.
pub(super) fn fold_leaves(words: &[u64], cs: &[u64; FOLD_LANES]) -> [[u64; 2]; FOLD_LANES] {
    let [low @ .., x0, x1] = words else {
        return cs.map(|c| fold_leaf(words, c));
    };
    let mut x = [[*x0, *x1]; FOLD_LANES];
    for &w in low.iter().rev() {
        for (x, &c) in x.iter_mut().zip(cs) {
            *x = fold_step(*x, w, c);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::words_to_u32;
    use crate::validate::rsa::test_util::{Rng, naive_small_factor, words_of};

    #[test]
    fn primes_and_tables() {
        let primes = small_primes();
        assert_eq!(primes.len(), 6543);
        assert_eq!(primes.last(), Some(&65537));
        let t = small_prime_tables();
        assert_eq!(t.primes.len(), 6542);
        assert_eq!(t.primes.last().map(|p| p.p), Some(65537));
        assert_eq!(t.blocks.last().map(|b| b.leaves_end), Some(t.leaves.len()));
        assert_eq!(t.lane_blocks.blocks().len(), t.blocks.len());
        // Primes in increasing order, each in a leaf that it divides, the
        // leaves in order too, and every leaf holding at least one prime.
        for pair in t.primes.windows(2) {
            assert!(pair[0].p < pair[1].p && pair[0].leaf <= pair[1].leaf);
            assert!(pair[1].leaf <= pair[0].leaf + 1);
        }
        assert_eq!(t.primes.first().map(|p| p.leaf), Some(0));
        assert_eq!(
            t.primes.last().map(|p| p.leaf as usize),
            Some(t.leaves.len() - 1)
        );
        for test in &t.primes {
            let leaf = &t.leaves[test.leaf as usize];
            assert_eq!(leaf.m % u64::from(test.p), 0);
        }
        // Every block multiple is −1 modulo 2^64, and a multiple of the
        // leaves it holds (at most eight).
        let mut first_leaf = 0;
        for (b, lanes) in t.blocks.iter().zip(t.lane_blocks.blocks()) {
            assert_eq!(b.d[0], u64::MAX);
            let d = BigUint::from_slice(&words_to_u32(&b.d));
            for leaf in &t.leaves[first_leaf..b.leaves_end] {
                assert_eq!(&d % leaf.m, BigUint::from(0u32));
            }
            assert!(b.leaves_end > first_leaf && b.leaves_end - first_leaf <= MAX_LEAVES_PER_BLOCK);
            assert_eq!(lanes.len(), b.leaves_end - first_leaf);
            first_leaf = b.leaves_end;
        }
    }

    #[test]
    fn prime_test_matches_remainder() {
        let mut rng = Rng(1);
        for &p in &small_primes()[1..] {
            let t = PrimeTest::new(p, 0);
            assert_eq!(t.inverse.wrapping_mul(u64::from(p)), 1);
            for _ in 0..4 {
                let y = rng.next();
                let want = y % u64::from(p);
                assert_eq!(t.divides(y), want == 0);
                // And with a planted factor.
                assert!(t.divides(y - want));
            }
            assert!(t.divides(0));
            assert!(t.divides(u64::MAX - u64::MAX % u64::from(p)));
        }
    }

    #[test]
    fn leaf_word_is_congruent() {
        let mut rng = Rng(6);
        let tables = small_prime_tables();
        for leaf in &tables.leaves {
            assert_eq!(leaf.m.wrapping_mul(leaf.neg_inverse), u64::MAX);
            let m = u128::from(leaf.m);
            for (x0, x1) in [
                (rng.next(), rng.next()),
                (u64::MAX, u64::MAX),
                (0, u64::MAX),
                (0, 0),
            ] {
                let x = u128::from(x1) << 64 | u128::from(x0);
                let y = leaf.word(x0, x1);
                // y·2^64 ≡ x (mod m).
                let y_shifted = (u128::from(y) % m) * ((1u128 << 64) % m) % m;
                assert_eq!(y_shifted, x % m);
            }
        }
    }

    #[test]
    fn fold_leaf_is_congruent() {
        let mut rng = Rng(2);
        for len in [0usize, 1, 2, 3, 9, 10, 33, 64, 130] {
            for _ in 0..32 {
                let x = rng.big(len);
                let m = rng.next() | 1;
                let b = (1u128 << 64) % u128::from(m);
                let [x0, x1] = fold_leaf(&words_of(&x), (b * b % u128::from(m)) as u64);
                let r = (u128::from(x1) << 64 | u128::from(x0)) % u128::from(m);
                assert_eq!(BigUint::from(r), &x % m, "len {len}");
            }
        }
        // Words of all ones push the masked correction, with the largest
        // moduli.
        let x = BigUint::from_slice(&[u32::MAX; 200]);
        for m in [u64::MAX, u64::MAX - 2, (1 << 63) + 1, 3] {
            let b = (1u128 << 64) % u128::from(m);
            let [x0, x1] = fold_leaf(&words_of(&x), (b * b % u128::from(m)) as u64);
            let r = (u128::from(x1) << 64 | u128::from(x0)) % u128::from(m);
            assert_eq!(BigUint::from(r), &x % m, "modulo {m}");
        }
    }

    #[test]
    fn reduce_block_is_congruent() {
        let mut rng = Rng(4);
        let tables = small_prime_tables();
        let check = |x: &BigUint, d: &[u64; BLOCK_WORDS]| {
            let words = words_of(x);
            let r = BigUint::from_slice(&words_to_u32(&reduce_block(&words, d)));
            if words.len() > BLOCK_STATE {
                assert!(r.bits() <= 64 * BLOCK_WORDS as u64 + 1);
            }
            let d = BigUint::from_slice(&words_to_u32(d));
            // r·2^(64k) ≡ x (mod D'), k the number of steps.
            let k = words.len().saturating_sub(BLOCK_WORDS);
            let k = if words.len() <= BLOCK_STATE { 0 } else { k };
            assert_eq!((r << (64 * k)) % &d, x % &d, "{} words", words.len());
        };
        for len in [0usize, 1, 8, 9, 10, 11, 32, 64, 130, 256] {
            for round in 0..8 {
                let x = rng.big(len);
                check(&x, &tables.blocks[round * 13 % tables.blocks.len()].d);
                let odd = rng.big(BLOCK_WORDS - 1) | BigUint::from(1u32);
                check(&x, &montgomery_friendly(&odd));
            }
        }
        // Words of all ones push every carry, the owed one included.
        let ones = BigUint::from_slice(&[u32::MAX; 2 * 200]);
        let big_d = BigUint::from_slice(&[u32::MAX; 2 * (BLOCK_WORDS - 1)]);
        check(&ones, &montgomery_friendly(&big_d));
        check(&ones, &tables.blocks[0].d);
    }

    #[test]
    fn small_prime_factor_matches_naive() {
        let mut rng = Rng(3);
        let planted = [3u32, 5, 7, 65_537, 65_521, 65_519, 32_771, 257];
        for words in [4usize, 32, 48, 64, 128, 256] {
            for round in 0..12 {
                let mut n = rng.big(words) | BigUint::from(1u32);
                if round % 2 == 0 {
                    // Plant a factor: n − (n mod p) + p is odd times p
                    // when it is odd; otherwise add p once more.
                    let p = planted[(round / 2) % planted.len()];
                    n = &n - (&n % p) + p;
                    if !n.bit(0) {
                        n += p;
                    }
                }
                for lanes in [false, keygen_mont::avx512_available()] {
                    assert_eq!(
                        small_prime_factor_on(&words_of(&n), lanes),
                        naive_small_factor(&n),
                        "{words} words, round {round}, lanes {lanes}"
                    );
                }
            }
        }
        // A product of two primes above the bound has no small factor.
        let n = BigUint::from(65_539u32) * BigUint::from(65_543u32);
        assert_eq!(small_prime_factor(&words_of(&n)), None);
        assert_eq!(
            small_prime_factor(&words_of(&(n * 65_537u32))),
            Some(65_537)
        );
        assert_eq!(small_prime_factor(&[6]), Some(2));
    }
}
