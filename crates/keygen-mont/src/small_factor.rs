//! The scalar small-prime kernel: the smallest prime of a table dividing a
//! number, in 64-bit words, on any CPU (the AVX-512F kernel's counterpart;
//! `dispatch` picks one).
//!
//! The primes are grouped in 64-bit leaves (consecutive primes) and the
//! leaves in blocks below 2^448, as `blocks` groups them for the vector
//! kernel. The number is reduced modulo each block word by word by
//! Montgomery's reduction ([`reduce_block`]), each block residue modulo
//! each of its leaves by two-word folds ([`fold_leaves`]) and one more
//! Montgomery step to one word, and each prime costs one multiplication
//! (Granlund and Montgomery's divisibility test). All of it is variable
//! time, for public numbers.

use crate::words::mul_word;

/// Words of a block's Montgomery-friendly multiple `D' = D·u` (see
/// [`reduce_block`]): each block is a product `D < 2^(64·(BLOCK_WORDS − 1))`
/// of primes, and a number is reduced to `BLOCK_WORDS + 1` words per block.
/// The reduction of `n` costs about one word multiplication per word of `n`
/// per word of the whole product, whatever the block size (schoolbook
/// arithmetic); the leaf step costs about `BLOCK_WORDS` per leaf. Measured
/// on RSA-4096, 8 is faster than 6, 12 and 16; the vector kernel's blocks
/// have the same bound, so both kernels share one grouping.
pub(crate) const BLOCK_WORDS: usize = 8;
/// Words of a block residue from [`reduce_block`].
pub(crate) const BLOCK_STATE: usize = BLOCK_WORDS + 1;

/// `D' = D·(−D⁻¹ mod 2^64)` as [`BLOCK_WORDS`] words, for an odd `d`
/// (little-endian words) below `2^(64·(BLOCK_WORDS − 1))`; `None` for an
/// even or larger `d`.
#[must_use]
pub(crate) fn montgomery_friendly(d: &[u64]) -> Option<[u64; BLOCK_WORDS]> {
    let width = d.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    if d.first().is_none_or(|w| w & 1 == 0) || width > BLOCK_WORDS - 1 {
        return None;
    }
    let mut words = [0u64; BLOCK_WORDS];
    words[..width].copy_from_slice(&d[..width]);
    // D < 2^448 and u < 2^64: the product fits the eight words.
    mul_word(&mut words, inverse_mod_2_64(d[0]).wrapping_neg());
    Some(words)
}

/// Reduces `n` (little-endian words) to `BLOCK_WORDS + 1` words congruent
/// to `n·2^(−64k)` modulo a block's `D'` from [`montgomery_friendly`] (so
/// modulo every prime of the block; the power of two is a unit modulo odd
/// primes and changes no divisibility), where `k = n.len() − BLOCK_WORDS`
/// when `n` has more than `BLOCK_WORDS + 1` words and 0 otherwise.
///
/// Montgomery's reduction, one word at a time from the bottom: adding
/// `m·D'·2^(64i)` with `m` the current low word clears it. Because
/// `D' ≡ −1 (mod 2^64)`, `m` is the low word itself (no multiplication by
/// an inverse) and the lowest product is `m·2^64` (no multiplication at
/// all). The next step needs only the next low word, which this step's
/// carry chain produces first, so consecutive steps overlap in the
/// processor; a top-down fold instead waits for each step's whole carry
/// chain before it can start the next. After `k` steps, the window holds
/// `(n + Σ mᵢ·D'·2^(64i)) / 2^(64k) < 2^(64·BLOCK_WORDS) + D' <
/// 2^(64·BLOCK_WORDS + 1)`.
#[must_use]
pub(crate) fn reduce_block(n: &[u64], d: &[u64; BLOCK_WORDS]) -> [u64; BLOCK_STATE] {
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
/// congruent to it modulo a leaf product `m < 2^64`, given `c = 2^128 mod m`
/// (`2^128 mod m`).
///
/// Horner's rule from the top word down, without any division: the state
/// `x` (two words) becomes `x·2^64 + w`, and the word pushed out at the
/// top, worth `t·2^128`, is folded back in as `t·c` (reduction with a
/// precomputed `2^k mod m`, "Handbook of Applied Cryptography" 14.3.4, one
/// word at a time). The result is congruent but not reduced below `m`. When
/// the sum overflows 2^128, the lost 2^128 is worth `c` again, added back
/// under a mask rather than a branch (the overflow is as likely as not, so
/// a branch would be mispredicted often). One correction suffices: the
/// value is then below `2^64·c + c < 2^128`, as `c ≤ m − 1 ≤ 2^64 − 2`.
#[must_use]
pub fn fold_leaf(words: &[u64], c: u64) -> [u64; 2] {
    let [low @ .., x0, x1] = words else {
        let mut r = [0u64; 2];
        r[..words.len()].copy_from_slice(words);
        return r;
    };
    low.iter()
        .rev()
        .fold([*x0, *x1], |x, &w| fold_step(x, w, c))
}

/// `2^128 mod m`, the constant of [`fold_leaf`] for a modulus `m`.
///
/// # Panics
///
/// If `m` is 0.
#[must_use]
pub(crate) fn fold_constant(m: u64) -> u64 {
    let m = u128::from(m);
    let b = (1u128 << 64) % m;
    (b * b % m) as u64
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

/// Leaves folded side by side by [`fold_leaves`].
pub const FOLD_LANES: usize = 4;

/// [`fold_leaf`] for [`FOLD_LANES`] moduli at once (given their `c`): one
/// fold is a chain of dependent multiplications, and independent chains
/// side by side keep the multiplier busy.
#[must_use]
pub fn fold_leaves(words: &[u64], cs: &[u64; FOLD_LANES]) -> [[u64; 2]; FOLD_LANES] {
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

/// Words (little-endian, `n`'s length plus one) of a number congruent to
/// `x·2^(−64k)` modulo an odd `n`, where `k = x.len() − n.len()` (0 when
/// `x` is no longer than `n`, and then `x` itself comes back); `None` when
/// `n` is even or zero. Neither input needs to be minimal; the result is
/// not reduced below `n`, only below `2^(64·n.len()) + n`.
///
/// For odd `n` the power of two is a unit modulo `n`, so the result shares
/// with `n` exactly the factors `x` does: `gcd(n, x)` is
/// `gcd(n, montgomery_remainder(x, n))`. That is what the known-shared-prime
/// check of RSA moduli needs of a product far longer than `n`, at one word
/// multiplication per word of `x` per word of `n`. (num-bigint's and
/// dashu's divisions, which also produce the quotient, took about 1.4
/// times as long on a 9,870-word product and a 32-word `n` on Zen 3:
/// 730–890 µs against about 530 µs.)
///
/// Montgomery's reduction, as in `reduce_block` but for any odd modulus:
/// adding `q·n·2^(64i)`, with `q = t_i·(−n⁻¹) mod 2^64`, clears word `i`.
#[must_use]
pub fn montgomery_remainder(x: &[u64], n: &[u64]) -> Option<Vec<u64>> {
    let m = n.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    let n = &n[..m];
    if n.first().is_none_or(|w| w & 1 == 0) {
        return None;
    }
    let mut t = x.to_vec();
    if t.len() <= m {
        t.resize(m + 1, 0);
        return Some(t);
    }
    let neg_inverse = inverse_mod_2_64(n[0]).wrapping_neg();
    let owed = remainder_rows_adx(&mut t, n, neg_inverse)
        .unwrap_or_else(|| remainder_rows(&mut t, n, neg_inverse));
    let mut r = t.split_off(t.len() - m);
    r.push(owed);
    Some(r)
}

/// The widths, in words, of the moduli whose [`montgomery_remainder`] has
/// rows in assembly (RSA keys of 1024, 1536, 2048, 3072, 4096, 6144 and
/// 8192 bits).
const ADX_REMAINDER_WIDTHS: [usize; 7] = [16, 24, 32, 48, 64, 96, 128];

/// Whether [`montgomery_remainder`] modulo `n` (little-endian words,
/// leading zero words ignored) runs in the ADX assembly on this CPU: about
/// three times as fast as without, which decides whether a product's
/// remainder is the cheaper way to screen `n` for many factors at once.
#[must_use]
pub fn fast_remainder(n: &[u64]) -> bool {
    let width = n.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    crate::adx_available() && ADX_REMAINDER_WIDTHS.contains(&width)
}

/// The rows of [`montgomery_remainder`] in the ADX assembly (`mulx` with
/// the two carry chains), for `n` of one of [`ADX_REMAINDER_WIDTHS`] words
/// when the CPU has BMI2 and ADX; `None` otherwise. [`remainder_rows`]
/// keeps one carry chain, which waits on each word's `add` and `adc`.
fn remainder_rows_adx(t: &mut [u64], n: &[u64], neg_inverse: u64) -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    if let Some(adx) = crate::adx::Adx::new() {
        use crate::adx::remainder_rows;
        return match n.len() {
            16 => Some(remainder_rows::<16>(adx, t, n, neg_inverse)),
            24 => Some(remainder_rows::<24>(adx, t, n, neg_inverse)),
            32 => Some(remainder_rows::<32>(adx, t, n, neg_inverse)),
            48 => Some(remainder_rows::<48>(adx, t, n, neg_inverse)),
            64 => Some(remainder_rows::<64>(adx, t, n, neg_inverse)),
            96 => Some(remainder_rows::<96>(adx, t, n, neg_inverse)),
            128 => Some(remainder_rows::<128>(adx, t, n, neg_inverse)),
            _ => None,
        };
    }
    let _ = (t, n, neg_inverse);
    None
}

/// The rows of [`montgomery_remainder`] in plain Rust, for any width of
/// `n`; returns the carry above `t`.
fn remainder_rows(t: &mut [u64], n: &[u64], neg_inverse: u64) -> u64 {
    let m = n.len();
    // The carry owed to word `i + m` by the step before `i`.
    let mut owed = 0u64;
    for i in 0..t.len() - m {
        let q = t[i].wrapping_mul(neg_inverse);
        let mut carry = 0u64;
        for (t, &n) in t[i..i + m].iter_mut().zip(n) {
            // At most (2^64 − 1)² + 2(2^64 − 1) = 2^128 − 1.
            let s = u128::from(q) * u128::from(n) + u128::from(*t) + u128::from(carry);
            *t = s as u64;
            carry = (s >> 64) as u64;
        }
        let s = u128::from(t[i + m]) + u128::from(carry) + u128::from(owed);
        t[i + m] = s as u64;
        owed = (s >> 64) as u64;
    }
    owed
}

/// `x⁻¹ mod 2^64` for odd `x`: Newton's iteration, from `x·x ≡ 1 mod 8`;
/// each step doubles the correct low bits (3, 6, 12, 24, 48, 96).
#[must_use]
pub(crate) const fn inverse_mod_2_64(x: u64) -> u64 {
    let mut inverse = x;
    let mut i = 0;
    while i < 5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inverse)));
        i += 1;
    }
    inverse
}

/// Divisibility of a word by one odd number `p`, without a division: for
/// odd `p`, `p | y ⇔ y·p⁻¹ mod 2^64 ≤ ⌊(2^64 − 1)/p⌋` (Granlund and
/// Montgomery, "Division by invariant integers using multiplication",
/// 1994, section 9; Hacker's Delight 10-17).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PrimeTest {
    inverse: u64,
    limit: u64,
    p: u32,
    /// The index of the prime's leaf in [`ScalarTable::leaves`].
    leaf: u32,
}

impl PrimeTest {
    /// The test for an odd `p` (3 or more), in leaf `leaf`.
    #[must_use]
    pub(crate) fn new(p: u32, leaf: u32) -> Self {
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
    #[must_use]
    pub(crate) fn divides(&self, y: u64) -> bool {
        y.wrapping_mul(self.inverse) <= self.limit
    }
}

/// A leaf of the tables: a product `m < 2^64` of consecutive odd primes,
/// `2^128 mod m` for [`fold_leaf`] and `−m⁻¹ mod 2^64` for [`Leaf::word`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leaf {
    m: u64,
    c: u64,
    neg_inverse: u64,
}

impl Leaf {
    /// The leaf of an odd `m`.
    #[must_use]
    pub(crate) fn new(m: u64) -> Self {
        debug_assert!(m % 2 == 1);
        Self {
            m,
            c: fold_constant(m),
            neg_inverse: inverse_mod_2_64(m).wrapping_neg(),
        }
    }

    /// A word `y ≡ (x1·2^64 + x0)·2^(−64) (mod m)`: one step of
    /// Montgomery's reduction, so each prime of the leaf is then tested on
    /// one word. `q = x0·(−m⁻¹)` makes `q·m + x0` a multiple of 2^64, and
    /// `y = x1 + (q·m + x0)/2^64 ≤ x1 + m`; a `y` past 2^64 loses `m`,
    /// under a mask (it is then below 2^64).
    #[must_use]
    pub(crate) fn word(&self, x0: u64, x1: u64) -> u64 {
        let q = x0.wrapping_mul(self.neg_inverse);
        let s = u128::from(q) * u128::from(self.m) + u128::from(x0);
        let t = u128::from(x1) + (s >> 64);
        let over = (t >> 64) as u64;
        (t as u64).wrapping_sub(self.m & over.wrapping_neg())
    }
}

/// A block: `D' = D·u` from [`montgomery_friendly`], where `D` is a product
/// of consecutive leaves; and the end of its leaves in
/// [`ScalarTable::leaves`].
#[derive(Debug, Clone, PartialEq)]
struct Block {
    d: [u64; BLOCK_WORDS],
    leaves_end: usize,
}

/// Four divisibility tests ([`PrimeTest`]: inverse and limit) on one leaf's
/// word; a leaf's last group repeats one of its primes to fill the four.
#[derive(Debug, Clone, PartialEq)]
struct PrimeQuad {
    tests: [(u64, u64); 4],
    leaf: u32,
}

/// A table's blocks, leaves and primes as the scalar kernel takes them, in
/// increasing order: blocks of leaves of primes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScalarTable {
    blocks: Vec<Block>,
    leaves: Vec<Leaf>,
    primes: Vec<PrimeTest>,
    /// The primes' tests by leaf, four at a time.
    quads: Vec<PrimeQuad>,
}

impl ScalarTable {
    /// The table of `blocks`, each a list of leaves: an odd product below
    /// 2^64 and its primes (odd, from 3, or none when the leaf tests no
    /// prime), the products of a block's leaves below 2^448; `None` for a
    /// block out of these bounds. The caller (`blocks`) checks the primes.
    pub(crate) fn new<'a>(
        blocks: impl IntoIterator<Item = &'a [(u64, &'a [u32])]>,
    ) -> Option<Self> {
        let (mut table_blocks, mut leaves, mut primes) = (Vec::new(), Vec::new(), Vec::new());
        for block in blocks {
            let mut product = [1, 0, 0, 0, 0, 0, 0, 0];
            for &(m, of_leaf) in block {
                if m % 2 == 0 {
                    return None;
                }
                mul_word(&mut product, m);
                let leaf = u32::try_from(leaves.len()).ok()?;
                primes.extend(of_leaf.iter().map(|&p| PrimeTest::new(p, leaf)));
                leaves.push(Leaf::new(m));
            }
            table_blocks.push(Block {
                d: montgomery_friendly(&product)?,
                leaves_end: leaves.len(),
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
        Some(Self {
            blocks: table_blocks,
            leaves,
            primes,
            quads,
        })
    }

    /// Residues of `n` (little-endian words) modulo the leaves, in order:
    /// for each, a word congruent to `n·2^(−64(k + 1))` modulo the leaf,
    /// `k` as in [`reduce_block`].
    pub(crate) fn leaf_words(&self, n: &[u64]) -> Vec<u64> {
        // Plain loops: the same walk as nested iterator adapters spent a
        // fifth of an RSA-4096 check moving their state around.
        let mut words = Vec::with_capacity(self.leaves.len());
        let mut leaf_start = 0;
        for block in &self.blocks {
            let r = reduce_block(n, &block.d);
            let leaves = &self.leaves[leaf_start..block.leaves_end];
            leaf_start = block.leaves_end;
            let mut chunks = leaves.chunks_exact(FOLD_LANES);
            for chunk in &mut chunks {
                let cs = core::array::from_fn(|i| chunk[i].c);
                for (leaf, [x0, x1]) in chunk.iter().zip(fold_leaves(&r, &cs)) {
                    words.push(leaf.word(x0, x1));
                }
            }
            for leaf in chunks.remainder() {
                let [x0, x1] = fold_leaf(&r, leaf.c);
                words.push(leaf.word(x0, x1));
            }
        }
        words
    }

    /// The smallest prime of the table dividing `n` (little-endian words,
    /// any length), if any.
    ///
    /// The primes are tested in one pass over groups of four without a
    /// branch (a loop over each leaf's primes would mispredict its exit
    /// about once a leaf); only when some prime divides is the first one
    /// looked for.
    pub(crate) fn smallest_factor(&self, n: &[u64]) -> Option<u32> {
        let words = self.leaf_words(n);
        let any = self.quads.iter().fold(false, |any, quad| {
            let y = words.get(quad.leaf as usize).copied().unwrap_or(1);
            quad.tests.iter().fold(any, |any, &(inverse, limit)| {
                any | (y.wrapping_mul(inverse) <= limit)
            })
        });
        if !any {
            return None;
        }
        self.primes
            .iter()
            .find(|test| {
                words
                    .get(test.leaf as usize)
                    .is_some_and(|&y| test.divides(y))
            })
            .map(|test| test.p)
    }
}

#[cfg(test)]
mod tests {
    //! The word arithmetic against num-bigint; few values under Miri
    //! (`cargo +nightly miri test -p keygen-mont --lib small_factor`).

    use num_bigint::BigUint;

    use super::*;

    /// A xorshift generator: reproducible values without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A number of `words` random words.
        fn big(&mut self, words: usize) -> BigUint {
            let w: Vec<u64> = (0..words).map(|_| self.next()).collect();
            BigUint::from_slice(&to_u32(&w))
        }
    }

    fn to_u32(words: &[u64]) -> Vec<u32> {
        words
            .iter()
            .flat_map(|&w| [w as u32, (w >> 32) as u32])
            .collect()
    }

    fn big(words: &[u64]) -> BigUint {
        BigUint::from_slice(&to_u32(words))
    }

    /// Repetitions: fewer under Miri, which interprets every step.
    fn rounds(native: usize) -> usize {
        if cfg!(miri) { 1 } else { native }
    }

    const SOME_PRIMES: [u32; 12] = [
        3, 5, 7, 11, 257, 32_771, 65_519, 65_521, 65_537, 65_539, 1_048_573, 1_048_571,
    ];

    #[test]
    fn prime_test_matches_remainder() {
        let mut rng = Rng(1);
        for p in SOME_PRIMES {
            let t = PrimeTest::new(p, 0);
            assert_eq!(t.inverse.wrapping_mul(u64::from(p)), 1);
            for _ in 0..rounds(16) {
                let y = rng.next();
                let want = y % u64::from(p);
                assert_eq!(t.divides(y), want == 0);
                // And with a planted factor.
                assert!(t.divides(y - want));
                assert!(!t.divides(y - want + 1));
            }
            assert!(t.divides(0));
            assert!(t.divides(u64::MAX - u64::MAX % u64::from(p)));
        }
    }

    #[test]
    fn leaf_word_is_congruent() {
        let mut rng = Rng(6);
        for m in [
            3u64,
            3 * 5 * 7,
            u64::MAX,
            u64::MAX - 2,
            (1 << 63) + 1,
            rng.next() | 1,
        ] {
            let leaf = Leaf::new(m);
            assert_eq!(m.wrapping_mul(leaf.neg_inverse), u64::MAX);
            let m = u128::from(m);
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
        let lengths: &[usize] = if cfg!(miri) {
            &[0, 1, 2, 3, 33]
        } else {
            &[0, 1, 2, 3, 9, 10, 33, 64, 130]
        };
        for &len in lengths {
            for _ in 0..rounds(32) {
                let x = rng.big(len);
                let m = rng.next() | 1;
                let [x0, x1] = fold_leaf(&x.to_u64_digits(), fold_constant(m));
                let r = (u128::from(x1) << 64 | u128::from(x0)) % u128::from(m);
                assert_eq!(BigUint::from(r), &x % m, "len {len}");
            }
        }
        // Words of all ones push the masked correction, with the largest
        // moduli; the side-by-side folds agree with the single one.
        let x = vec![u64::MAX; if cfg!(miri) { 20 } else { 100 }];
        let ms = [u64::MAX, u64::MAX - 2, (1 << 63) + 1, 3];
        let cs = ms.map(fold_constant);
        let side_by_side = fold_leaves(&x, &cs);
        for ((m, c), folded) in ms.into_iter().zip(cs).zip(side_by_side) {
            let [x0, x1] = fold_leaf(&x, c);
            assert_eq!([x0, x1], folded);
            let r = (u128::from(x1) << 64 | u128::from(x0)) % u128::from(m);
            assert_eq!(BigUint::from(r), big(&x) % m, "modulo {m}");
        }
    }

    #[test]
    fn reduce_block_is_congruent() {
        let mut rng = Rng(4);
        let check = |x: &BigUint, d: &[u64; BLOCK_WORDS]| {
            let words = x.to_u64_digits();
            let r = big(&reduce_block(&words, d));
            if words.len() > BLOCK_STATE {
                assert!(r.bits() <= 64 * BLOCK_WORDS as u64 + 1);
            }
            let d = big(d);
            // r·2^(64k) ≡ x (mod D'), k the number of steps.
            let k = if words.len() <= BLOCK_STATE {
                0
            } else {
                words.len() - BLOCK_WORDS
            };
            assert_eq!((r << (64 * k)) % &d, x % &d, "{} words", words.len());
        };
        let lengths: &[usize] = if cfg!(miri) {
            &[0, 9, 10, 32]
        } else {
            &[0, 1, 8, 9, 10, 11, 32, 64, 130, 256]
        };
        for &len in lengths {
            for _ in 0..rounds(8) {
                let x = rng.big(len);
                let odd = rng.big(BLOCK_WORDS - 1) | BigUint::from(1u32);
                let d = montgomery_friendly(&odd.to_u64_digits()).expect("odd, below 2^448");
                assert_eq!(d[0], u64::MAX);
                assert_eq!(big(&d) % &odd, BigUint::from(0u32));
                check(&x, &d);
            }
        }
        // Words of all ones push every carry, the owed one included.
        let ones = big(&[u64::MAX; 200]);
        let largest = montgomery_friendly(&[u64::MAX; BLOCK_WORDS - 1]).expect("odd, below 2^448");
        check(&ones, &largest);
        assert_eq!(montgomery_friendly(&[2]), None, "even");
        assert_eq!(montgomery_friendly(&[]), None, "empty");
        assert_eq!(
            montgomery_friendly(&[1, 0, 0, 0, 0, 0, 0, 1]),
            None,
            "2^448 or more"
        );
        assert!(montgomery_friendly(&[1, 0, 0, 0, 0, 0, 1, 0]).is_some());
    }

    #[test]
    fn montgomery_remainder_is_congruent() {
        let mut rng = Rng(9);
        let check = |x: &[u64], n: &[u64]| {
            let r = montgomery_remainder(x, n).expect("odd modulus");
            let width = n.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
            assert_eq!(r.len(), width + 1);
            let (r, nb) = (big(&r), big(n));
            assert!(
                r < (BigUint::from(1u32) << (64 * width)) + &nb,
                "not below 2^(64m) + n"
            );
            // r·2^(64k) ≡ x (mod n), k the number of steps.
            let k = x.len().saturating_sub(width);
            assert_eq!(
                (r << (64 * k)) % &nb,
                big(x) % &nb,
                "{} words mod {width}",
                x.len()
            );
        };
        let sizes: &[(usize, usize)] = if cfg!(miri) {
            &[(3, 2), (9, 4)]
        } else {
            &[
                (0, 1),
                (1, 1),
                (2, 1),
                (5, 5),
                (6, 5),
                (40, 5),
                (96, 64),
                (400, 32),
                (33, 32),
            ]
        };
        for &(len, width) in sizes {
            for _ in 0..rounds(8) {
                let x: Vec<u64> = (0..len).map(|_| rng.next()).collect();
                let mut n: Vec<u64> = (0..width).map(|_| rng.next()).collect();
                n[0] |= 1;
                check(&x, &n);
                // Leading zero words of n are ignored.
                n.push(0);
                check(&x, &n);
            }
        }
        // Words of all ones push every carry, the owed one included.
        check(&[u64::MAX; 50], &[u64::MAX; 7]);
        check(&[u64::MAX; 50], &[1]);
        assert_eq!(montgomery_remainder(&[5, 6], &[2, 1]), None, "even");
        assert_eq!(montgomery_remainder(&[5, 6], &[0, 0]), None, "zero");
        assert_eq!(montgomery_remainder(&[5, 6], &[]), None, "empty");
    }

    #[test]
    fn adx_remainder_rows_match_the_plain_ones() {
        if !crate::adx_available() {
            eprintln!("skipped: this CPU has no BMI2 and ADX (or this is Miri)");
            return;
        }
        let mut rng = Rng(10);
        for width in ADX_REMAINDER_WIDTHS {
            let mut n: Vec<u64> = (0..width).map(|_| rng.next()).collect();
            n[0] |= 1;
            let neg_inverse = inverse_mod_2_64(n[0]).wrapping_neg();
            let random: Vec<u64> = (0..3 * width + 5).map(|_| rng.next()).collect();
            // All ones, with the largest modulus of the width, push every
            // carry through both chains.
            for (x, n) in [
                (random, n),
                (vec![u64::MAX; 2 * width + 1], vec![u64::MAX; width]),
            ] {
                let neg_inverse = if n[0] == u64::MAX { 1 } else { neg_inverse };
                let (mut plain, mut fast) = (x.clone(), x);
                let owed = remainder_rows(&mut plain, &n, neg_inverse);
                assert_eq!(
                    remainder_rows_adx(&mut fast, &n, neg_inverse),
                    Some(owed),
                    "{width} words"
                );
                assert_eq!(plain, fast, "{width} words");
            }
        }
        let mut t = vec![1u64; 40];
        assert_eq!(
            remainder_rows_adx(&mut t, &[1; 20], 1),
            None,
            "no rows of 20 words"
        );
        assert!(
            fast_remainder(&[1; 32])
                && fast_remainder(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0])
        );
        assert!(!fast_remainder(&[1; 20]) && !fast_remainder(&[]));
    }

    /// The odd primes below `bound`.
    fn odd_primes(bound: u32) -> Vec<u32> {
        (3..bound)
            .step_by(2)
            .filter(|&p| {
                (3..)
                    .step_by(2)
                    .take_while(|d| d * d <= p)
                    .all(|d| p % d != 0)
            })
            .collect()
    }

    #[test]
    fn tables_of_a_leaf_table() {
        // The check's primes (to 65,537); fewer under Miri.
        let primes = odd_primes(if cfg!(miri) { 600 } else { 65_538 });
        let table = crate::blocks::LeafTable::from_primes(&primes, crate::LANES).expect("primes");
        let t = &table.scalar;
        assert_eq!(t.primes.len(), primes.len());
        assert_eq!(t.leaves.len(), table.leaves());
        assert_eq!(t.blocks.len(), table.blocks().len());
        assert_eq!(t.blocks.last().map(|b| b.leaves_end), Some(t.leaves.len()));
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
            assert_eq!(t.leaves[test.leaf as usize].m % u64::from(test.p), 0);
        }
        // Every block multiple is −1 modulo 2^64, and a multiple of the
        // leaves it holds (as many as the vector kernel's block).
        let mut first_leaf = 0;
        for (b, lanes) in t.blocks.iter().zip(table.blocks()) {
            assert_eq!(b.d[0], u64::MAX);
            let d = big(&b.d);
            for leaf in &t.leaves[first_leaf..b.leaves_end] {
                assert_eq!(&d % leaf.m, BigUint::from(0u32));
            }
            assert_eq!(lanes.len(), b.leaves_end - first_leaf);
            first_leaf = b.leaves_end;
        }
        if !cfg!(miri) {
            assert_eq!((t.leaves.len(), t.blocks.len()), (1577, 221));
        }
    }

    #[test]
    fn table_finds_the_smallest_prime() {
        // Two blocks: {3·5·7, 11·13}, {17·19·23}; a leaf without primes.
        let blocks: [&[(u64, &[u32])]; 2] = [
            &[(3 * 5 * 7, &[3, 5, 7]), (11 * 13, &[11, 13]), (29, &[])],
            &[(17 * 19 * 23, &[17, 19, 23])],
        ];
        let table = ScalarTable::new(blocks).expect("odd leaves");
        assert_eq!(table.leaves.len(), 4);
        assert_eq!(table.primes.len(), 8);
        for (n, want) in [
            (vec![1u64], None),
            (vec![23 * 19], Some(19)),
            (vec![29], None),
            (vec![13 * 1_000_003], Some(13)),
            (vec![0], Some(3)),
            (vec![u64::MAX; 40], Some(3)),
        ] {
            let naive = [3u32, 5, 7, 11, 13, 17, 19, 23]
                .into_iter()
                .find(|&p| big(&n) % p == BigUint::from(0u32));
            assert_eq!(naive, want);
            assert_eq!(table.smallest_factor(&n), want, "{n:?}");
        }
        assert_eq!(
            ScalarTable::new([&[(4u64, &[][..])][..]]),
            None,
            "even leaf"
        );
    }
}
