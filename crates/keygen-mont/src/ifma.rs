//! The AVX-512 IFMA kernel: eight 2048-bit moduli at once in 52-bit digits,
//! written against the lane operations of `lanes`.
//!
//! # Arithmetic
//!
//! A number is 40 digits of 52 bits (2080 bits), R = 2^2080. VPMADD52LUQ
//! and VPMADD52HUQ multiply the low 52 bits of two lanes and add the low or
//! the high 52 bits of the 104-bit product to a 64-bit accumulator, so a
//! digit product costs two instructions where the AVX-512F kernel's 28-bit
//! digits (`avx512`) need 74² products of one `vpmuludq` and one add each:
//! 40² = 1600 digit products instead of 5476 per half of a Montgomery
//! product.
//!
//! Montgomery multiplication goes column by column (product scanning, the
//! "finely integrated" order of Koç, Acar and Kaliski, "Analyzing and
//! comparing Montgomery multiplication algorithms", IEEE Micro 1996), with
//! the digits taken four at a time: m = −a·b·N⁻¹ mod R is found in blocks
//! of four digits, (the low 208 bits of a column chunk)·(−N⁻¹) mod 2^208,
//! and each column's sum of halves of products stays in a register until
//! the column is done (see [`montgomery`]). A column gathers at most 80
//! halves of a·b's products and 80 of m·N's, each below 2^52, so its sum
//! (with the carry from below, under 2^9) stays below 161·2^52 < 2^60, and
//! below 2^61 where the Fermat test doubles it: it never overflows its
//! 64-bit lane; the columns are
//! carried as they finish, into digits below 2^52 — the multiplications
//! read only the low 52 bits of their operands, so every input must be
//! carried.
//!
//! # Bounds: no final subtraction
//!
//! The result of a product is T = (a·b + m·N)/R with m < R, so T < a·b/R + N.
//! N < 2^2048 and R = 2^2080 = 2^32·2^2048: for a, b < 4·N,
//! T < 16·N·(N/R) + N < (1 + 2^−28)·N < 2·N. So values are kept below 2·N,
//! a doubling takes one below 4·N, which is still a valid input, and no step
//! needs the conditional subtraction of textbook Montgomery multiplication
//! (the "almost Montgomery multiplication" of Gueron, "Efficient software
//! implementations of modular exponentiation", J. Cryptogr. Eng. 2012; the
//! bound for R > 4·N is Walter's, "Montgomery exponentiation needs no final
//! subtractions", Electronics Letters 1999). Values below 4·N < 2^2050 fit
//! the 40 digits. Only the conversion out of Montgomery form reduces fully:
//! a product by 1 gives T < 4·N/R + N, so T ≤ N, and one masked subtraction
//! of N finishes.
//!
//! A squaring sums each symmetric product a_i·a_j once and doubles each
//! column's sum of them (2·a_j would be a 53-bit operand, which the 52-bit
//! multipliers cannot take), then adds the squares a_i²: 1,640
//! multiplications for a² instead of 3,200 for a·b, and the same 3,360 for
//! the reduction, 5,000 in all against 6,560. The doubling of the base-2
//! Fermat test is folded into the squaring: the result's columns doubled,
//! in the lanes that want it, before they are carried.
//!
//! # Constant time
//!
//! As in the other kernels: every lane runs the same instructions whatever
//! its values. Loop bounds are constants, the doubling is a masked add in
//! every lane, the Miller–Rabin window table is read in full with masked
//! blends, comparisons with ±1 are lane masks collected without a branch.
//! Moduli are checked (odd, 2048 bits) before any arithmetic, which refuses
//! them. The emulation of the lanes (`lanes::emulated`) is for tests only:
//! dispatch never selects it, and it makes no constant-time promise.

use zeroize::Zeroize;

use crate::lanes::Lanes8;
use crate::lanes::emulated::Emulated;
use crate::{
    BITS, LANES, ONE, TAIL_BITS, WINDOW_BITS, WORDS, Words, digit_of_width, eq_small,
    is_valid_modulus, le_small, minus_one, neg_inverse_bits, put_digit_of_width,
};

pub(crate) mod blocks;
#[cfg(test)]
mod tests;

/// Bits of one digit.
pub(crate) const DIGIT_BITS: u32 = 52;
/// Digits of a number: 40 × 52 = 2080 bits, so R = 2^2080.
pub(crate) const DIGITS: usize = 40;
/// The bits of a digit.
pub(crate) const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;
/// How far R = 2^2080 is above 2^2048.
const R_ABOVE_BITS: u32 = DIGITS as u32 * DIGIT_BITS - BITS;

// R must exceed 4·N for the bounds above (N < 2^2048), and the digits must
// hold 4·N.
const _: () = assert!(R_ABOVE_BITS >= 2 && DIGIT_BITS < 64);

/// A number as 40 digits of 52 bits, least significant first.
pub(crate) type Digits = [u64; DIGITS];

/// Little-endian words to 52-bit digits.
pub(crate) fn to_digits(w: &Words) -> Digits {
    core::array::from_fn(|i| digit_of_width(w, i, DIGIT_BITS))
}

/// Carried digits of a number below 2^2048 to words.
pub(crate) fn from_digits(d: &Digits) -> Words {
    let mut w = [0u64; WORDS];
    for (i, &digit) in d.iter().enumerate() {
        put_digit_of_width(&mut w, i, DIGIT_BITS, digit);
    }
    w
}

/// a + b, carried (the sum must fit the 40 digits).
fn add_digits(a: &Digits, b: &Digits) -> Digits {
    let mut out = [0u64; DIGITS];
    let mut carry = 0;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let t = x + y + carry;
        *o = t & DIGIT_MASK;
        carry = t >> DIGIT_BITS;
    }
    out
}

/// a − b, carried, and 1 if it borrowed (a < b), else 0.
fn sub_digits(a: &Digits, b: &Digits) -> (Digits, u64) {
    let mut out = [0u64; DIGITS];
    let mut borrow = 0u64;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let v = x.wrapping_sub(y).wrapping_sub(borrow);
        *o = v & DIGIT_MASK;
        borrow = v >> 63;
    }
    (out, borrow)
}

/// 2^(2048 + k) mod N in 52-bit digits, in constant time: 2^2048 − N (below
/// N, as N > 2^2047), then k doublings, each followed by a subtraction of N
/// kept only when it does not borrow.
fn pow2_mod_by_doubling(n: &Words, n_digits: &Digits, k: u32) -> Digits {
    let mut neg = [0u64; WORDS];
    let mut carry = 1u64;
    for (o, &w) in neg.iter_mut().zip(n) {
        let (s, c) = (!w).overflowing_add(carry);
        *o = s;
        carry = u64::from(c);
    }
    let mut x = to_digits(&neg);
    neg.zeroize();
    for _ in 0..k {
        // x < N < 2^2048, so 2·x fits the digits.
        let mut doubled = add_digits(&x, &x);
        let (mut t, borrow) = sub_digits(&doubled, n_digits);
        let keep = borrow.wrapping_neg();
        for ((o, &d), &s) in x.iter_mut().zip(&doubled).zip(&t) {
            *o = (d & keep) | (s & !keep);
        }
        t.zeroize();
        doubled.zeroize();
    }
    x
}

/// A value at most N (a conversion out of Montgomery form), fully reduced,
/// as words.
fn finish(r: &Digits, n: &Digits) -> Words {
    let (mut t, borrow) = sub_digits(r, n);
    let keep_r = borrow.wrapping_neg();
    let mut out: Digits = core::array::from_fn(|i| (r[i] & keep_r) | (t[i] & !keep_r));
    let words = from_digits(&out);
    t.zeroize();
    out.zeroize();
    words
}

/// −N⁻¹ mod 2^208 in four 52-bit digits: N⁻¹ mod 2^64 by Newton's
/// iteration on the low word, lifted to 2^256 by two more steps
/// (y ← y·(2 − N·y) doubles the bits that are right), then negated.
fn neg_inverse_digits(n: &Words) -> [u64; ROWS] {
    const W: usize = 4;
    const _: () = assert!(ROWS as u32 * DIGIT_BITS <= 64 * W as u32);
    /// a·b mod 2^256.
    fn mul_low(a: &[u64; W], b: &[u64; W]) -> [u64; W] {
        let mut out = [0u64; W];
        for i in 0..W {
            let mut carry = 0u128;
            for j in 0..W - i {
                let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
        }
        out
    }
    let mut low: [u64; W] = core::array::from_fn(|i| n[i]);
    let mut y = [0u64; W];
    // −(−N⁻¹) mod 2^64.
    y[0] = neg_inverse_bits(n[0], 64).wrapping_neg();
    for _ in 0..2 {
        let mut ny = mul_low(&low, &y);
        // 2 − N·y mod 2^256.
        let mut borrow = false;
        for (k, w) in ny.iter_mut().enumerate() {
            let (v, b1) = (u64::from(k == 0) * 2).overflowing_sub(*w);
            let (v, b2) = v.overflowing_sub(u64::from(borrow));
            *w = v;
            borrow = b1 || b2;
        }
        y = mul_low(&y, &ny);
        ny.zeroize();
    }
    // −y mod 2^256.
    let mut neg = [0u64; W];
    let mut carry = 1u64;
    for (o, &w) in neg.iter_mut().zip(&y) {
        let (v, c) = (!w).overflowing_add(carry);
        *o = v;
        carry = u64::from(c);
    }
    let digits = core::array::from_fn(|k| digit_of_width(&neg, k, DIGIT_BITS));
    y.zeroize();
    neg.zeroize();
    low.zeroize();
    digits
}

/// One modulus of a [`pow2`] batch.
#[derive(Clone)]
pub(crate) struct Lane {
    /// The modulus N.
    n: Digits,
    /// −N⁻¹ mod 2^208, in four digits (the first is −N⁻¹ mod 2^52).
    n_primes: [u64; ROWS],
    /// R mod N: 1 in Montgomery form.
    one: Digits,
    /// The exponent.
    exponent: Words,
}

impl Lane {
    /// Precomputes a lane, or `None` if `n` is not odd and 2048 bits long.
    pub(crate) fn new(n: &Words, exponent: &Words) -> Option<Self> {
        if !is_valid_modulus(n) {
            return None;
        }
        let mut lane = Self {
            n: to_digits(n),
            n_primes: neg_inverse_digits(n),
            one: [0; DIGITS],
            exponent: *exponent,
        };
        lane.one = pow2_mod_by_doubling(n, &lane.n, R_ABOVE_BITS);
        Some(lane)
    }

    /// A valid stand-in for an absent lane, whose result is thrown away.
    fn filler() -> Self {
        Self::new(&[u64::MAX; WORDS], &[0; WORDS])
            .unwrap_or_else(|| unreachable!("2^2048 − 1 is valid"))
    }

    /// Bit `i` of the exponent, as 0 or 1.
    fn exponent_bit(&self, i: u32) -> u8 {
        ((self.exponent[(i / 64) as usize] >> (i % 64)) & 1) as u8
    }

    /// Overwrites everything with zeros.
    fn wipe(&mut self) {
        self.n.zeroize();
        self.n_primes.zeroize();
        self.one.zeroize();
        self.exponent.zeroize();
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        // The moduli are candidates for a secret prime: wipe them all.
        self.wipe();
    }
}

impl core::fmt::Debug for Lane {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The modulus may become a secret prime: print nothing of it.
        f.write_str("Lane { .. }")
    }
}

/// Squarings from 2^65 to 2^2080 = R (in Montgomery form: from R·2^65 to
/// R·R).
const R2_SQUARINGS: u32 = 5;
const R2_ROOT_BITS: u32 = (DIGITS as u32 * DIGIT_BITS) >> R2_SQUARINGS;
const _: () = assert!(R2_ROOT_BITS << R2_SQUARINGS == DIGITS as u32 * DIGIT_BITS);

/// What a Miller–Rabin batch needs to know about its one modulus N.
pub(crate) struct MrContext {
    /// N.
    n: Digits,
    /// −N⁻¹ mod 2^208, in four digits (the first is −N⁻¹ mod 2^52).
    n_primes: [u64; ROWS],
    /// R·2^65 mod N, 2^65 in Montgomery form: five Montgomery squarings
    /// make it R·2^2080 = R² mod N, which brings bases into Montgomery form
    /// (2,112 doublings would find R² mod N directly, at a hundred times the
    /// cost of those squarings).
    r2_root: Digits,
    /// The two values below 2·N that stand for 1 in Montgomery form
    /// (R mod N and R mod N + N), then the two for −1.
    ones: [Digits; 2],
    minus_ones: [Digits; 2],
    /// N − 1 = d·2^s.
    exponent: Words,
    /// s, between 1 and 63.
    s: u64,
}

impl MrContext {
    /// The context of `n`, or `None` if `n` is not odd and 2048 bits long,
    /// or if 2^64 divides n − 1 (refused rather than tested, as by the other
    /// kernels).
    pub(crate) fn new(n: &Words) -> Option<Self> {
        if !is_valid_modulus(n) {
            return None;
        }
        let low = n[0] & !1;
        if low == 0 {
            return None;
        }
        let mut ctx = Self {
            n: to_digits(n),
            n_primes: neg_inverse_digits(n),
            r2_root: [0; DIGITS],
            ones: [[0; DIGITS]; 2],
            minus_ones: [[0; DIGITS]; 2],
            exponent: minus_one(n),
            s: u64::from(low.trailing_zeros()),
        };
        // Built in place, so that no unwiped copy is left behind.
        ctx.r2_root = pow2_mod_by_doubling(n, &ctx.n, R_ABOVE_BITS + R2_ROOT_BITS);
        ctx.ones[0] = pow2_mod_by_doubling(n, &ctx.n, R_ABOVE_BITS);
        ctx.ones[1] = add_digits(&ctx.ones[0], &ctx.n);
        ctx.minus_ones[0] = sub_digits(&ctx.n, &ctx.ones[0]).0;
        ctx.minus_ones[1] = add_digits(&ctx.minus_ones[0], &ctx.n);
        Some(ctx)
    }

    /// The `WINDOW_BITS` bits of the exponent starting at bit `4·w`.
    fn window(&self, w: u32) -> u64 {
        let bit = w * WINDOW_BITS;
        (self.exponent[(bit / 64) as usize] >> (bit % 64)) & ((1 << WINDOW_BITS) - 1)
    }

    /// Bit `j` of the exponent, for j below 64.
    fn tail_bit(&self, j: u32) -> u64 {
        (self.exponent[0] >> j) & 1
    }

    /// Whether position `j` of the chain decides the test when it is 1
    /// (j = s), and when it is −1 (1 ≤ j ≤ s); without a branch on s.
    fn tail_rules(&self, j: u32) -> (u64, u64) {
        let j = u64::from(j);
        (eq_small(j, self.s), le_small(1, j) & le_small(j, self.s))
    }

    /// Overwrites everything with zeros.
    fn wipe(&mut self) {
        self.n.zeroize();
        self.n_primes.zeroize();
        self.r2_root.zeroize();
        self.ones.zeroize();
        self.minus_ones.zeroize();
        self.exponent.zeroize();
        self.s.zeroize();
    }
}

impl Drop for MrContext {
    fn drop(&mut self) {
        // N is a candidate for a secret prime: wipe everything derived from it.
        self.wipe();
    }
}

impl core::fmt::Debug for MrContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MrContext { .. }")
    }
}

/// A number in eight lanes: digit k of each in `[k]`.
type Vecs<S> = [<S as Lanes8>::V; DIGITS];

/// Wipes vectors of any lane implementation (`__m512i` has no `Zeroize`):
/// through their lanes, with a volatile write per lane.
fn wipe<S: Lanes8>(s: S, v: &mut [S::V]) {
    for x in v.iter_mut() {
        let mut lanes = s.store(*x);
        lanes.zeroize();
        *x = s.load(lanes);
    }
}

/// Montgomery multiplication out = a·b·R⁻¹ mod N in eight lanes (see
/// [`montgomery`]), as one function with the lanes' CPU features: the unit
/// the exponentiations call and whose instructions are counted. `m` is
/// scratch, left for the caller to wipe.
#[inline(never)]
pub(crate) fn mul<S: Lanes8>(
    s: S,
    a: &Vecs<S>,
    b: &Vecs<S>,
    n: &Vecs<S>,
    n_primes: &[S::V; ROWS],
    m: &mut Vecs<S>,
    out: &mut Vecs<S>,
) {
    s.vectorize(
        #[inline(always)]
        || {
            *out = *a;
            montgomery(s, out, Some(b), n, n_primes, m, 0);
        },
    );
}

/// Digits per block of [`montgomery`]: the 16 products of two blocks are
/// summed in registers, and m is found four digits (208 bits) at a time.
pub(crate) const ROWS: usize = 4;
const BLOCKS: usize = DIGITS / ROWS;
const _: () = assert!(DIGITS.is_multiple_of(ROWS));

/// The body of [`sqr`] and [`mul`]: a ← a·b·R⁻¹ mod N in eight lanes
/// (a·a·R⁻¹ when `b` is `None`), carried, below 2·N for a and b below 4·N
/// with carried digits, and then doubled (below 4·N) in the lanes `double`
/// selects; `n_primes` are the four digits of −N⁻¹ mod 2^208; `m` is
/// scratch (m's digits), left for the caller to wipe.
///
/// Column by column in chunks of four (product scanning, as in Koç, Acar
/// and Kaliski's "finely integrated" Montgomery multiplication, with blocks
/// of four digits for single digits). The digits of a, of N and of
/// m = −a²·N⁻¹ mod R are taken in blocks of four; the 16 products of two
/// blocks p and q land in columns 4(p + q) … 4(p + q) + 7, so chunk c of
/// the 80 columns gathers the low four columns of the block products with
/// p + q = c and the high four of those with p + q = c − 1 (carried over in
/// registers from the chunk before). For chunk c:
///
/// 1. the products of a's block p and b's block c − p; or for a square,
///    the symmetric products a_i·a_j, i < j, of the block pairs p < q with
///    p + q = c (and of the diagonal block c/2), doubled, plus the squares
///    a_i² of the diagonal block;
/// 2. the products of m's blocks b < c (b ≥ c − 9) with N's block c − b;
/// 3. below column 40 (c < 10): m's block c, from the chunk's four digits
///    carried: (those 208 bits)·(−N⁻¹) mod 2^208, so that adding its
///    products with N's block 0 leaves a multiple of 2^208, which is carried
///    into the next chunk; from column 40 on (c ≥ 10), the chunk is carried
///    into the result's digits 4(c − 10) …, which overwrite a's block
///    c − 10, read for the last time by chunk c − 1. Doubling the result
///    is doubling each of these columns and the carry into column 40
///    before they are carried.
///
/// Each column gathers the same halves of products as in a row-by-row
/// Montgomery product (below 161·2^52 < 2^60 with the carry from below,
/// and below 2^61 when doubled: no overflow), and m is the same
/// −a·b·N⁻¹ mod R however it is found, so the result is the
/// product's digit for digit, with the same bound (see the module's
/// documentation). Nothing of the product is stored: the accumulators are
/// registers, and only m's digits go to memory. 3,200 multiplications for
/// a product (1,640 for a square) and 3,360 for the reduction.
#[inline(always)]
fn montgomery<S: Lanes8>(
    s: S,
    a: &mut Vecs<S>,
    b: Option<&Vecs<S>>,
    n: &Vecs<S>,
    n_primes: &[S::V; ROWS],
    m: &mut Vecs<S>,
    double: u8,
) {
    let zero = s.zero();
    let mask = s.splat(DIGIT_MASK);
    let block =
        |v: &[S::V], p: usize| -> [S::V; ROWS] { core::array::from_fn(|r| v[ROWS * p + r]) };
    // The high halves of the previous chunk's block products, and the
    // carry out of its columns.
    let mut carried_over = [zero; ROWS];
    let mut carry = zero;
    for c in 0..2 * BLOCKS {
        // 1. The product's share, or the square's.
        let (mut lo, mut hi) = ([zero; 2 * ROWS], [zero; 2 * ROWS]);
        if let Some(b) = b {
            for p in c.saturating_sub(BLOCKS - 1)..=c.min(BLOCKS - 1) {
                block_product(s, &block(a, p), &block(b, c - p), &mut lo, &mut hi);
            }
        } else {
            for p in c.saturating_sub(BLOCKS - 1)..c.div_ceil(2) {
                block_product(s, &block(a, p), &block(a, c - p), &mut lo, &mut hi);
            }
        }
        let diagonal = b.is_none() && c % 2 == 0 && c / 2 < BLOCKS;
        if diagonal {
            let x = block(a, c / 2);
            for r in 0..ROWS {
                for t in r + 1..ROWS {
                    lo[r + t] = s.madd52lo(lo[r + t], x[r], x[t]);
                    hi[r + t + 1] = s.madd52hi(hi[r + t + 1], x[r], x[t]);
                }
            }
        }
        let mut sum: [S::V; 2 * ROWS] = core::array::from_fn(|k| {
            let v = s.add(lo[k], hi[k]);
            if b.is_some() { v } else { s.add(v, v) }
        });
        if diagonal {
            let x = block(a, c / 2);
            for r in 0..ROWS {
                sum[2 * r] = s.madd52lo(sum[2 * r], x[r], x[r]);
                sum[2 * r + 1] = s.madd52hi(sum[2 * r + 1], x[r], x[r]);
            }
        }
        let mut column: [S::V; ROWS] = core::array::from_fn(|k| s.add(carried_over[k], sum[k]));
        let mut next: [S::V; ROWS] = core::array::from_fn(|k| sum[ROWS + k]);
        // 2. m·N's share, from the blocks of m already known.
        let (mut lo, mut hi) = ([zero; 2 * ROWS], [zero; 2 * ROWS]);
        for q in c.saturating_sub(BLOCKS - 1)..c.min(BLOCKS) {
            block_product(s, &block(m, q), &block(n, c - q), &mut lo, &mut hi);
        }
        if c < BLOCKS {
            // 3. m's block c, from the chunk's digits carried.
            let mut low = [zero; ROWS];
            let mut low_carry = carry;
            for (k, l) in low.iter_mut().enumerate() {
                let v = s.add(s.add(column[k], s.add(lo[k], hi[k])), low_carry);
                *l = s.and(v, mask);
                low_carry = s.shr::<DIGIT_BITS>(v);
            }
            let mut sums = [zero; ROWS];
            for r in 0..ROWS {
                for t in 0..ROWS - r {
                    sums[r + t] = s.madd52lo(sums[r + t], low[r], n_primes[t]);
                    if r + t + 1 < ROWS {
                        sums[r + t + 1] = s.madd52hi(sums[r + t + 1], low[r], n_primes[t]);
                    }
                }
            }
            let mut m_carry = zero;
            for (k, &v) in sums.iter().enumerate() {
                let v = s.add(v, m_carry);
                m[ROWS * c + k] = s.and(v, mask);
                m_carry = s.shr::<DIGIT_BITS>(v);
            }
            block_product(s, &block(m, c), &block(n, 0), &mut lo, &mut hi);
        }
        for k in 0..ROWS {
            column[k] = s.add(column[k], s.add(lo[k], hi[k]));
            next[k] = s.add(next[k], s.add(lo[ROWS + k], hi[ROWS + k]));
        }
        // The chunk carried: below column 40 a multiple of 2^208 (m was
        // chosen so: each step's low 52 bits are zero), above it the
        // result's digits.
        if c >= BLOCKS {
            // The result, doubled in the lanes `double` selects: every
            // column and the carry into column 40 twice over, in every lane
            // alike (masked adds).
            if c == BLOCKS {
                carry = s.mask_add(carry, double, carry, carry);
            }
            for v in &mut column {
                *v = s.mask_add(*v, double, *v, *v);
            }
        }
        for (k, &v) in column.iter().enumerate() {
            let v = s.add(v, carry);
            if c >= BLOCKS {
                // a's block c − 10 was last read in chunk c − 1.
                a[ROWS * (c - BLOCKS) + k] = s.and(v, mask);
            }
            carry = s.shr::<DIGIT_BITS>(v);
        }
        carried_over = next;
    }
}

/// Adds the 16 products of the blocks x and y (four digits each) to the
/// columns of `lo` and `hi`: the low half of x_r·y_t to `lo[r + t]`, the
/// high half to `hi[r + t + 1]`. Low and high halves are summed apart so
/// that each accumulator takes one multiply-accumulate per digit of y,
/// which the multipliers' latency allows at full rate.
#[inline(always)]
fn block_product<S: Lanes8>(
    s: S,
    x: &[S::V; ROWS],
    y: &[S::V; ROWS],
    lo: &mut [S::V; 2 * ROWS],
    hi: &mut [S::V; 2 * ROWS],
) {
    for (t, &yt) in y.iter().enumerate() {
        for (r, &xr) in x.iter().enumerate() {
            lo[r + t] = s.madd52lo(lo[r + t], xr, yt);
            hi[r + t + 1] = s.madd52hi(hi[r + t + 1], xr, yt);
        }
    }
}

/// Montgomery squaring a·a·R⁻¹ mod N in eight lanes (see [`montgomery`]), as
/// one function with the lanes' CPU features, like [`mul`].
#[inline(never)]
pub(crate) fn sqr<S: Lanes8>(
    s: S,
    a: &mut Vecs<S>,
    n: &Vecs<S>,
    n_primes: &[S::V; ROWS],
    m: &mut Vecs<S>,
    double: u8,
) {
    s.vectorize(
        #[inline(always)]
        || montgomery(s, a, None, n, n_primes, m, double),
    );
}

/// The vector of digit k of each lane, from `f(lane, k)`.
#[inline(always)]
fn gather<S: Lanes8>(s: S, f: impl Fn(usize) -> u64) -> S::V {
    s.load(core::array::from_fn(f))
}

/// Digit k of lane j of `v`.
fn lane_digits<S: Lanes8>(s: S, v: &Vecs<S>, j: usize) -> Digits {
    core::array::from_fn(|k| s.store(v[k])[j])
}

/// Squarings between two looks at a batch's `stop`.
const STOP_EVERY: u32 = 128;

/// 2^e mod N in each of eight lanes: from R mod N, 2048 squarings, each
/// followed by a doubling in the lanes whose exponent bit is set; then a
/// product by 1 out of Montgomery form, and a full reduction. `None` if
/// `stop` said so (asked every 128 squarings; the stop depends on nothing
/// of the lanes).
pub(crate) fn pow2<S: Lanes8>(
    s: S,
    lanes: &[Lane; LANES],
    stop: &dyn Fn() -> bool,
) -> Option<[Words; LANES]> {
    // Inlined into the function with the lanes' features, so that the
    // operations it inlines are instructions.
    s.vectorize(
        #[inline(always)]
        || {
            let mut n: Vecs<S> = core::array::from_fn(|k| gather(s, |j| lanes[j].n[k]));
            let mut n_primes: [S::V; ROWS] =
                core::array::from_fn(|k| gather(s, |j| lanes[j].n_primes[k]));
            let mut x: Vecs<S> = core::array::from_fn(|k| gather(s, |j| lanes[j].one[k]));
            let mut t = [s.zero(); DIGITS];
            let mut scratch = [s.zero(); DIGITS];
            let mut stopped = false;
            for i in (0..BITS).rev() {
                if i % STOP_EVERY == 0 && stop() {
                    stopped = true;
                    break;
                }
                let select = lanes
                    .iter()
                    .enumerate()
                    .fold(0u8, |m, (j, l)| m | (l.exponent_bit(i) << j));
                sqr(s, &mut x, &n, &n_primes, &mut scratch, select);
            }
            if stopped {
                wipe(s, &mut x);
                wipe(s, &mut n);
                wipe(s, &mut n_primes);
                wipe(s, &mut scratch);
                return None;
            }
            let mut one = [s.zero(); DIGITS];
            one[0] = s.splat(1);
            mul(s, &x, &one, &n, &n_primes, &mut scratch, &mut t);
            let out = core::array::from_fn(|j| {
                let mut digits = lane_digits(s, &t, j);
                let words = finish(&digits, &lanes[j].n);
                digits.zeroize();
                words
            });
            wipe(s, &mut x);
            wipe(s, &mut t);
            wipe(s, &mut n);
            wipe(s, &mut n_primes);
            wipe(s, &mut scratch);
            Some(out)
        },
    )
}

/// `d` in every lane.
#[inline(always)]
fn broadcast<S: Lanes8>(s: S, d: &Digits) -> Vecs<S> {
    core::array::from_fn(|k| s.splat(d[k]))
}

/// Bit i set where lane i of `x` equals lane i of `c`.
#[inline(always)]
fn eq_mask<S: Lanes8>(s: S, x: &Vecs<S>, c: &Vecs<S>) -> u8 {
    x.iter().zip(c).fold(0xff, |m, (a, b)| m & s.eq(*a, *b))
}

/// `b` in the lanes selected by `mask`, `a` in the others.
#[inline(always)]
fn blend<S: Lanes8>(s: S, mask: u8, a: &mut Vecs<S>, b: &Vecs<S>) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = s.blend(mask, *x, *y);
    }
}

/// 0xff if `bit` is 1, 0 if it is 0.
fn lane_mask(bit: u64) -> u8 {
    (bit as u8).wrapping_neg()
}

/// The strong probable-prime test of the context's modulus to eight bases
/// at once (one per lane), as `portable::strong_test` for one: fixed 4-bit
/// windows down to bit 64 of N − 1 (each window's entry found by blending
/// all sixteen), then bit by bit, multiplying always and keeping the product
/// where the bit is set, each value compared with ±1. Bit i of the answer is
/// set when N passes to `bases[i]` (a number below 2^2048).
pub(crate) fn strong_test<S: Lanes8>(s: S, ctx: &MrContext, bases: &[Digits; LANES]) -> u8 {
    // Inlined into the function with the lanes' features, so that the
    // operations it inlines are instructions.
    s.vectorize(
        #[inline(always)]
        || {
            let mut n = broadcast(s, &ctx.n);
            let mut nps: [S::V; ROWS] = core::array::from_fn(|k| s.splat(ctx.n_primes[k]));
            let mut scratch = [s.zero(); DIGITS];
            let mut t = [s.zero(); DIGITS];
            let mut b = [s.zero(); DIGITS];
            {
                // A base below 2^2048 < 2·N times R² mod N: below 2·N.
                let mut raw: Vecs<S> = core::array::from_fn(|k| gather(s, |i| bases[i][k]));
                // R² mod N (below 2·N) from 2^65 in Montgomery form.
                let mut r2 = broadcast(s, &ctx.r2_root);
                for _ in 0..R2_SQUARINGS {
                    sqr(s, &mut r2, &n, &nps, &mut scratch, 0);
                }
                mul(s, &raw, &r2, &n, &nps, &mut scratch, &mut b);
                wipe(s, &mut raw);
                wipe(s, &mut r2);
            }
            let mut one = broadcast(s, &ctx.ones[0]);
            let mut table = [one; 1 << WINDOW_BITS];
            table[1] = b;
            for k in 2..table.len() {
                let previous = table[k - 1];
                mul(s, &previous, &b, &n, &nps, &mut scratch, &mut table[k]);
            }
            let mut x = one;
            let mut entry = [s.zero(); DIGITS];
            for w in (TAIL_BITS / WINDOW_BITS..BITS / WINDOW_BITS).rev() {
                for _ in 0..WINDOW_BITS {
                    sqr(s, &mut x, &n, &nps, &mut scratch, 0);
                }
                let index = ctx.window(w);
                entry = [s.zero(); DIGITS];
                for (k, e) in table.iter().enumerate() {
                    blend(s, lane_mask(eq_small(k as u64, index)), &mut entry, e);
                }
                mul(s, &x, &entry, &n, &nps, &mut scratch, &mut t);
                x = t;
            }
            let mut ones = [broadcast(s, &ctx.ones[0]), broadcast(s, &ctx.ones[1])];
            let mut minus_ones = [
                broadcast(s, &ctx.minus_ones[0]),
                broadcast(s, &ctx.minus_ones[1]),
            ];
            let mut y = [s.zero(); DIGITS];
            let mut pass = 0u8;
            for j in (0..TAIL_BITS).rev() {
                sqr(s, &mut x, &n, &nps, &mut scratch, 0);
                mul(s, &x, &b, &n, &nps, &mut scratch, &mut y);
                blend(s, lane_mask(ctx.tail_bit(j)), &mut x, &y);
                let is_one = eq_mask(s, &x, &ones[0]) | eq_mask(s, &x, &ones[1]);
                let is_minus_one = eq_mask(s, &x, &minus_ones[0]) | eq_mask(s, &x, &minus_ones[1]);
                let (at_s, up_to_s) = ctx.tail_rules(j);
                pass |= (is_one & lane_mask(at_s)) | (is_minus_one & lane_mask(up_to_s));
            }
            for v in [
                &mut b,
                &mut x,
                &mut y,
                &mut t,
                &mut scratch,
                &mut n,
                &mut one,
            ] {
                wipe(s, v);
            }
            for v in [&mut entry].into_iter().chain(&mut table).chain(&mut ones) {
                wipe(s, v);
            }
            for v in &mut minus_ones {
                wipe(s, v);
            }
            wipe(s, &mut nps);
            pass
        },
    )
}

/// The implementation of the IFMA kernel's lane operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfmaLanes {
    /// The AVX-512 IFMA instructions: only on a CPU that has them.
    Native,
    /// Their emulation in plain Rust: any CPU, slow (tens of times the
    /// scalar kernel's time), not constant time; for tests.
    Emulated,
}

/// The IFMA kernel was asked for on a CPU without AVX-512 IFMA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfmaUnavailable;

impl core::fmt::Display for IfmaUnavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("this cpu has no avx512ifma (and avx512f)")
    }
}

impl std::error::Error for IfmaUnavailable {}

/// Does this CPU run the IFMA kernel natively (AVX-512F and AVX-512 IFMA,
/// detected at run time)? When it does, [`pow2_mod`](crate::pow2_mod),
/// [`fermat_base_two`](crate::fermat_base_two) and
/// [`miller_rabin`](crate::miller_rabin) use it.
#[must_use]
pub fn ifma_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::lanes::ifma::Ifma::detect().is_some()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A batch of `pow2` on lanes `s`: absent or invalid lanes filled, results
/// only for the valid ones; `None` if `stop` stopped it.
fn pow2_batch<S: Lanes8>(
    s: S,
    moduli: &[Words],
    exponents: &[Words],
    stop: &dyn Fn() -> bool,
) -> Option<Vec<Option<Words>>> {
    assert!(moduli.len() <= LANES, "at most {LANES} moduli at once");
    assert!(
        exponents.len() >= moduli.len(),
        "an exponent for each modulus"
    );
    let lanes: Vec<Option<Lane>> = moduli
        .iter()
        .zip(exponents)
        .map(|(n, e)| Lane::new(n, e))
        .collect();
    if lanes.iter().all(Option::is_none) {
        return Some(vec![None; moduli.len()]);
    }
    let full: [Lane; LANES] = core::array::from_fn(|i| {
        lanes
            .get(i)
            .and_then(Clone::clone)
            .unwrap_or_else(Lane::filler)
    });
    let mut out = pow2(s, &full, stop)?;
    let result = lanes
        .iter()
        .zip(&out)
        .map(|(l, r)| l.as_ref().map(|_| *r))
        .collect();
    out.zeroize();
    Some(result)
}

/// A Miller–Rabin batch on lanes `s`.
fn miller_rabin_batch<S: Lanes8>(s: S, n: &Words, bases: &[Words]) -> Option<u8> {
    assert!(bases.len() <= LANES, "at most {LANES} bases at once");
    let ctx = MrContext::new(n)?;
    let used = u8::try_from((1u16 << bases.len()) - 1).unwrap_or(u8::MAX);
    let mut digits: [Digits; LANES] =
        core::array::from_fn(|i| bases.get(i).map_or([0; DIGITS], to_digits));
    let passed = strong_test(s, &ctx, &digits);
    digits.zeroize();
    Some(passed & used)
}

/// [`pow2_mod`](crate::pow2_mod) on the native IFMA kernel, or `None` when
/// the CPU lacks it: what dispatch tries first.
pub(crate) fn pow2_mod_native(moduli: &[Words], exponents: &[Words]) -> Option<Vec<Option<Words>>> {
    pow2_mod_native_or_stop(moduli, exponents, &|| false)
        .map(|r| r.unwrap_or_else(|| unreachable!("never stopped")))
}

/// [`pow2_mod_native`], stopped early (the inner `None`) when `stop` says
/// so.
pub(crate) fn pow2_mod_native_or_stop(
    moduli: &[Words],
    exponents: &[Words],
    stop: &dyn Fn() -> bool,
) -> Option<Option<Vec<Option<Words>>>> {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = crate::lanes::ifma::Ifma::detect() {
        return Some(pow2_batch(s, moduli, exponents, stop));
    }
    let _ = (moduli, exponents, stop);
    None
}

/// [`miller_rabin`](crate::miller_rabin) on the native IFMA kernel, or
/// `None` when the CPU lacks it: what dispatch tries first.
pub(crate) fn miller_rabin_native(n: &Words, bases: &[Words]) -> Option<Option<u8>> {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = crate::lanes::ifma::Ifma::detect() {
        return Some(miller_rabin_batch(s, n, bases));
    }
    let _ = (n, bases);
    None
}

/// 2^e mod n for up to eight moduli at once on the IFMA kernel, with the
/// lane operations `lanes` whatever the CPU would choose: as
/// [`pow2_mod`](crate::pow2_mod), a lane whose modulus is not odd and 2048
/// bits long gives `None`.
///
/// # Errors
///
/// [`IfmaUnavailable`] when [`IfmaLanes::Native`] is asked for on a CPU
/// without AVX-512 IFMA.
///
/// # Panics
///
/// If more than [`LANES`] moduli are given, or fewer exponents than moduli.
pub fn pow2_mod_ifma(
    lanes: IfmaLanes,
    moduli: &[Words],
    exponents: &[Words],
) -> Result<Vec<Option<Words>>, IfmaUnavailable> {
    match lanes {
        IfmaLanes::Emulated => Ok(pow2_batch(Emulated, moduli, exponents, &|| false)
            .unwrap_or_else(|| unreachable!("never stopped"))),
        IfmaLanes::Native => pow2_mod_native(moduli, exponents).ok_or(IfmaUnavailable),
    }
}

/// The base-2 Fermat test on up to eight candidates at once on the IFMA
/// kernel with the lane operations `lanes`: as
/// [`fermat_base_two`](crate::fermat_base_two), bit i is set when
/// `candidates[i]` passes, and an invalid candidate fails.
///
/// # Errors
///
/// [`IfmaUnavailable`] when [`IfmaLanes::Native`] is asked for on a CPU
/// without AVX-512 IFMA.
///
/// # Panics
///
/// If more than [`LANES`] candidates are given.
pub fn fermat_base_two_ifma(lanes: IfmaLanes, candidates: &[Words]) -> Result<u8, IfmaUnavailable> {
    let exponents: zeroize::Zeroizing<Vec<Words>> =
        zeroize::Zeroizing::new(candidates.iter().map(minus_one).collect());
    let results = zeroize::Zeroizing::new(pow2_mod_ifma(lanes, candidates, &exponents)?);
    Ok(results.iter().enumerate().fold(0u8, |acc, (i, r)| {
        acc | (u8::from(r.as_ref() == Some(&ONE)) << i)
    }))
}

/// Miller–Rabin to up to eight bases at once for one 2048-bit odd `n` on
/// the IFMA kernel with the lane operations `lanes`: as
/// [`miller_rabin`](crate::miller_rabin), bit i is set when n is a strong
/// probable prime to `bases[i]`, and `None` when n is not odd and 2048 bits
/// long or 2^64 divides n − 1.
///
/// # Errors
///
/// [`IfmaUnavailable`] when [`IfmaLanes::Native`] is asked for on a CPU
/// without AVX-512 IFMA.
///
/// # Panics
///
/// If more than [`LANES`] bases are given.
pub fn miller_rabin_ifma(
    lanes: IfmaLanes,
    n: &Words,
    bases: &[Words],
) -> Result<Option<u8>, IfmaUnavailable> {
    match lanes {
        IfmaLanes::Emulated => Ok(miller_rabin_batch(Emulated, n, bases)),
        IfmaLanes::Native => miller_rabin_native(n, bases).ok_or(IfmaUnavailable),
    }
}
