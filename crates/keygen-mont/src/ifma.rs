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
//! Montgomery multiplication is row by row (operand scanning, as in Gueron
//! and Krasnov, "Accelerating big integer arithmetic using Intel IFMA
//! extensions", ARITH 2016, section 3): row i adds a_i·b and m_i·N to the
//! running sum t, m_i = t_0·(−N⁻¹) mod 2^52 so that t_0 becomes a multiple of
//! 2^52, and shifts t down one digit. The digits of t are not carried between
//! rows: each row adds at most four halves of products (each below 2^52) to a
//! digit, so after 40 rows a digit is below 160·2^52 + 2^12 < 2^60 and never
//! overflows its 64-bit lane. The result is carried once, at the end, into
//! digits below 2^52 — the multiplications read only the low 52 bits of their
//! operands, so every input must be carried.
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
//! A squaring sums each symmetric product a_i·a_j once and doubles the sum
//! (2·a_j would be a 53-bit operand, which the 52-bit multipliers cannot
//! take, so the doubling is of the 80-digit square), then reduces it in
//! blocks of four digits (m found 208 bits at a time) in a second pass:
//! 5,000 multiplications against 6,440 for a product. Both passes go four
//! rows at a time with the columns' accumulators in registers (see
//! [`rows_times`]).
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
    let low: [u64; W] = core::array::from_fn(|i| n[i]);
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

/// What a Miller–Rabin batch needs to know about its one modulus N.
pub(crate) struct MrContext {
    /// N.
    n: Digits,
    /// −N⁻¹ mod 2^208, in four digits (the first is −N⁻¹ mod 2^52).
    n_primes: [u64; ROWS],
    /// R² mod N, to bring bases into Montgomery form.
    r2: Digits,
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
            r2: [0; DIGITS],
            ones: [[0; DIGITS]; 2],
            minus_ones: [[0; DIGITS]; 2],
            exponent: minus_one(n),
            s: u64::from(low.trailing_zeros()),
        };
        // Built in place, so that no unwiped copy is left behind.
        ctx.r2 = pow2_mod_by_doubling(n, &ctx.n, R_ABOVE_BITS + DIGITS as u32 * DIGIT_BITS);
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
        self.r2.zeroize();
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
/// A square before its reduction, in eight lanes.
type Wide<S> = [<S as Lanes8>::V; 2 * DIGITS];

// The lists in `each_digit` are written for 40 digits.
const _: () = assert!(DIGITS == 40);

/// Runs `$step!([$arg] k)` for k = 0, …, 39 (`$arg` optional), written out so that each
/// index is a constant: the rows below are straight-line code, without loop
/// or bounds check (and their instructions can be counted from the
/// assembly; see docs/design/key-generation.md).
macro_rules! each_digit {
    ($step:ident $(, $arg:tt)?) => {
        each_digit!(@ $step [$($arg)?]; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22
            23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39)
    };
    (@ $step:ident $args:tt; $($k:tt)*) => {
        $($step!($args $k);)*
    };
}

/// Wipes vectors of any lane implementation (`__m512i` has no `Zeroize`):
/// through their lanes, with a volatile write per lane.
fn wipe<S: Lanes8>(s: S, v: &mut [S::V]) {
    for x in v.iter_mut() {
        let mut lanes = s.store(*x);
        lanes.zeroize();
        *x = s.load(lanes);
    }
}

/// The body of [`mul`]: a·b·R⁻¹ mod N in eight lanes, carried, below 2·N for
/// a, b below 4·N with carried digits. `t` is the running sum (scratch, left
/// for the caller to wipe). See the module's documentation for the bounds.
#[inline(always)]
fn mul_rows<S: Lanes8>(
    s: S,
    a: &Vecs<S>,
    b: &Vecs<S>,
    n: &Vecs<S>,
    n_prime: S::V,
    t: &mut Vecs<S>,
    out: &mut Vecs<S>,
) {
    let zero = s.zero();
    *t = [zero; DIGITS];
    for &ai in a {
        // Digit 0 of t + a_i·b, m_i from its low 52 bits, and what is left
        // of digit 0 once m_i·N is added: a multiple of 2^52, the carry.
        let u = s.madd52lo(t[0], ai, b[0]);
        let mi = s.madd52lo(zero, u, n_prime);
        let carry = s.shr::<DIGIT_BITS>(s.madd52lo(u, mi, n[0]));
        // Digit j of the sum is shifted down into t[j − 1]: the low halves
        // of the products at j, the high halves of those at j − 1.
        macro_rules! step {
            ([] 0) => {};
            ([] $j:literal) => {
                let mut x = s.madd52lo(t[$j], ai, b[$j]);
                x = s.madd52hi(x, ai, b[$j - 1]);
                x = s.madd52lo(x, mi, n[$j]);
                t[$j - 1] = s.madd52hi(x, mi, n[$j - 1]);
            };
        }
        each_digit!(step);
        t[DIGITS - 1] = s.madd52hi(s.madd52hi(zero, ai, b[DIGITS - 1]), mi, n[DIGITS - 1]);
        t[0] = s.add(t[0], carry);
    }
    carry_digits(s, t, out);
}

/// `t` carried into digits below 2^52 (the value must fit 40 digits).
#[inline(always)]
fn carry_digits<S: Lanes8>(s: S, t: &[S::V], out: &mut Vecs<S>) {
    let mask = s.splat(DIGIT_MASK);
    let mut carry = s.zero();
    for (o, &d) in out.iter_mut().zip(t) {
        let v = s.add(d, carry);
        *o = s.and(v, mask);
        carry = s.shr::<DIGIT_BITS>(v);
    }
}

/// Montgomery multiplication a·b·R⁻¹ mod N in eight lanes (see
/// [`mul_rows`]), as one function with the lanes' CPU features: the unit the
/// exponentiations call and whose instructions are counted.
#[inline(never)]
pub(crate) fn mul<S: Lanes8>(
    s: S,
    a: &Vecs<S>,
    b: &Vecs<S>,
    n: &Vecs<S>,
    n_prime: &S::V,
    t: &mut Vecs<S>,
    out: &mut Vecs<S>,
) {
    s.vectorize(
        #[inline(always)]
        || mul_rows(s, a, b, n, *n_prime, t, out),
    );
}

/// Rows of a squaring handled together: the digits of four rows stay in
/// registers while the other operand's digits stream past, so that each
/// digit loaded feeds eight multiplications, and the Montgomery reduction
/// works in blocks of four digits (m found 208 bits at a time).
pub(crate) const ROWS: usize = 4;
const BLOCKS: usize = DIGITS / ROWS;
const _: () = assert!(DIGITS.is_multiple_of(ROWS));

/// The body of [`sqr`]: a·a·R⁻¹ mod N in eight lanes, carried, below 2·N
/// for a below 4·N with carried digits; `n_primes` are the four digits of
/// −N⁻¹ mod 2^208, `w` is scratch (the 80 digits of the square), left for
/// the caller to wipe.
///
/// The square first, each symmetric product a_i·a_j (i < j) once, the sum
/// doubled and the squares a_i² added (80 digits, each below
/// 2·40·2^52 + 2^53). The symmetric products go four rows at a time: rows
/// i … i + 3 against each digit j above them, the low halves of the eight
/// products into columns i + j …, the high halves one column up, in
/// accumulators that slide up one column per digit and leave a finished
/// column behind each step. Then the reduction, in blocks of four digits
/// from the bottom: the block's digits carried, m = (those 208 bits) ·
/// (−N⁻¹) mod 2^208 in four digits, and m·N added at the block, four rows
/// against N's digits as above; the block's four columns then hold a
/// multiple of 2^208, carried into the column above. A digit gains at most
/// 80 halves of products from the reduction, so it stays below
/// 162·2^52 + 2^12 < 2^60. The result is digits 40 to 79, carried; m is
/// −a²·N⁻¹ mod R whichever way it is found, so the result is the product's,
/// digit for digit, with the same bound (see the module's documentation).
/// About 1,640 multiplications for the square and 3,360 for the reduction,
/// against 6,440 for a product of two numbers.
#[inline(always)]
fn sqr_rows<S: Lanes8>(
    s: S,
    a: &Vecs<S>,
    n: &Vecs<S>,
    n_primes: &[S::V; ROWS],
    w: &mut Wide<S>,
    out: &mut Vecs<S>,
) {
    let zero = s.zero();
    let mask = s.splat(DIGIT_MASK);
    *w = [zero; 2 * DIGITS];
    // The symmetric products a_i·a_j, i < j.
    for block in 0..BLOCKS {
        let i = block * ROWS;
        let rows: [S::V; ROWS] = core::array::from_fn(|r| a[i + r]);
        // The products inside the block's rows.
        for r in 0..ROWS {
            for t in r + 1..ROWS {
                w[2 * i + r + t] = s.madd52lo(w[2 * i + r + t], rows[r], rows[t]);
                w[2 * i + r + t + 1] = s.madd52hi(w[2 * i + r + t + 1], rows[r], rows[t]);
            }
        }
        rows_times(s, &rows, &a[i + ROWS..], &mut w[2 * i + ROWS..]);
    }
    // Doubled, plus the squares.
    for i in 0..DIGITS {
        w[2 * i] = s.madd52lo(s.add(w[2 * i], w[2 * i]), a[i], a[i]);
        w[2 * i + 1] = s.madd52hi(s.add(w[2 * i + 1], w[2 * i + 1]), a[i], a[i]);
    }
    // The reduction, a block of four digits at a time.
    for block in 0..BLOCKS {
        let i = block * ROWS;
        // The block's digits, carried (the carry out is left for the sum
        // below to find again).
        let mut low = [zero; ROWS];
        let mut carry = zero;
        for (l, &d) in low.iter_mut().zip(&w[i..i + ROWS]) {
            let v = s.add(d, carry);
            *l = s.and(v, mask);
            carry = s.shr::<DIGIT_BITS>(v);
        }
        // m = low·(−N⁻¹) mod 2^208: the products below digit 4, carried.
        let mut sums = [zero; ROWS];
        for r in 0..ROWS {
            for t in 0..ROWS - r {
                sums[r + t] = s.madd52lo(sums[r + t], low[r], n_primes[t]);
                if r + t + 1 < ROWS {
                    sums[r + t + 1] = s.madd52hi(sums[r + t + 1], low[r], n_primes[t]);
                }
            }
        }
        let mut m = [zero; ROWS];
        carry = zero;
        for (mk, &v) in m.iter_mut().zip(&sums) {
            let v = s.add(v, carry);
            *mk = s.and(v, mask);
            carry = s.shr::<DIGIT_BITS>(v);
        }
        rows_times(s, &m, n, &mut w[i..]);
        // The block's columns now sum to a multiple of 2^208 (m was chosen
        // so): carry them into the column above. Each step's low 52 bits
        // are zero.
        carry = zero;
        for &d in &w[i..i + ROWS] {
            carry = s.shr::<DIGIT_BITS>(s.add(d, carry));
        }
        w[i + ROWS] = s.add(w[i + ROWS], carry);
    }
    carry_digits(s, &w[DIGITS..], out);
}

/// Adds rows·b to `w` (column k of `w` has weight 2^(52k)): for each digit
/// b_j, the low halves of rows[r]·b_j into column r + j and the high halves
/// into column r + j + 1. Column c gathers its halves in `lo[c % ROWS]` and
/// `hi[c % ROWS]`, a ring of accumulators whose slots are constants once
/// the loop over a chunk of `ROWS` digits is unrolled, so that they stay in
/// registers; column j is complete once b_j's low halves are in, and its
/// slots take column j + ROWS. `b.len()` is a multiple of `ROWS`, and `w`
/// has `b.len() + ROWS` columns.
#[inline(always)]
fn rows_times<S: Lanes8>(s: S, rows: &[S::V; ROWS], b: &[S::V], w: &mut [S::V]) {
    debug_assert!(b.len().is_multiple_of(ROWS) && w.len() >= b.len() + ROWS);
    let zero = s.zero();
    let mut lo = [zero; ROWS];
    let mut hi = [zero; ROWS];
    for (chunk, (bs, ws)) in b
        .chunks_exact(ROWS)
        .zip(w.chunks_exact_mut(ROWS))
        .enumerate()
    {
        let _ = chunk;
        for u in 0..ROWS {
            let bj = bs[u];
            for (r, &row) in rows.iter().enumerate() {
                let k = (u + r) % ROWS;
                lo[k] = s.madd52lo(lo[k], row, bj);
            }
            ws[u] = s.add(ws[u], s.add(lo[u], hi[u]));
            lo[u] = zero;
            hi[u] = zero;
            for (r, &row) in rows.iter().enumerate() {
                let k = (u + r + 1) % ROWS;
                hi[k] = s.madd52hi(hi[k], row, bj);
            }
        }
    }
    let top = b.len();
    for k in 0..ROWS {
        w[top + k] = s.add(w[top + k], s.add(lo[k], hi[k]));
    }
}

/// Montgomery squaring a·a·R⁻¹ mod N in eight lanes (see [`sqr_rows`]), as
/// one function with the lanes' CPU features, like [`mul`].
#[inline(never)]
pub(crate) fn sqr<S: Lanes8>(
    s: S,
    a: &Vecs<S>,
    n: &Vecs<S>,
    n_primes: &[S::V; ROWS],
    w: &mut Wide<S>,
    out: &mut Vecs<S>,
) {
    s.vectorize(
        #[inline(always)]
        || sqr_rows(s, a, n, n_primes, w, out),
    );
}

/// Doubles the lanes selected by `select` (a masked add in every lane alike),
/// then carries: below 4·N for a value below 2·N.
#[inline(always)]
fn double_where<S: Lanes8>(s: S, a: &mut Vecs<S>, select: u8) {
    let mask = s.splat(DIGIT_MASK);
    let mut carry = s.zero();
    for d in a.iter_mut() {
        let t = s.add(s.mask_add(*d, select, *d, *d), carry);
        *d = s.and(t, mask);
        carry = s.shr::<DIGIT_BITS>(t);
    }
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

/// 2^e mod N in each of eight lanes: from R mod N, 2048 squarings, each
/// followed by a doubling in the lanes whose exponent bit is set; then a
/// product by 1 out of Montgomery form, and a full reduction.
pub(crate) fn pow2<S: Lanes8>(s: S, lanes: &[Lane; LANES]) -> [Words; LANES] {
    // Inlined into the function with the lanes' features, so that the
    // operations it inlines are instructions.
    s.vectorize(
        #[inline(always)]
        || {
            let mut n: Vecs<S> = core::array::from_fn(|k| gather(s, |j| lanes[j].n[k]));
            let n_primes: [S::V; ROWS] =
                core::array::from_fn(|k| gather(s, |j| lanes[j].n_primes[k]));
            let n_prime = n_primes[0];
            let mut x: Vecs<S> = core::array::from_fn(|k| gather(s, |j| lanes[j].one[k]));
            let mut t = [s.zero(); DIGITS];
            let mut scratch = [s.zero(); DIGITS];
            let mut wide = [s.zero(); 2 * DIGITS];
            for i in (0..BITS).rev() {
                sqr(s, &x, &n, &n_primes, &mut wide, &mut t);
                let select = lanes
                    .iter()
                    .enumerate()
                    .fold(0u8, |m, (j, l)| m | (l.exponent_bit(i) << j));
                double_where(s, &mut t, select);
                x = t;
            }
            let mut one = [s.zero(); DIGITS];
            one[0] = s.splat(1);
            mul(s, &x, &one, &n, &n_prime, &mut scratch, &mut t);
            let out = core::array::from_fn(|j| {
                let mut digits = lane_digits(s, &t, j);
                let words = finish(&digits, &lanes[j].n);
                digits.zeroize();
                words
            });
            wipe(s, &mut x);
            wipe(s, &mut t);
            wipe(s, &mut n);
            wipe(s, &mut scratch);
            wipe(s, &mut wide);
            out
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
            let nps: [S::V; ROWS] = core::array::from_fn(|k| s.splat(ctx.n_primes[k]));
            let np = nps[0];
            let mut scratch = [s.zero(); DIGITS];
            let mut wide = [s.zero(); 2 * DIGITS];
            let mut t = [s.zero(); DIGITS];
            let mut b = [s.zero(); DIGITS];
            {
                // A base below 2^2048 < 2·N times R² mod N: below 2·N.
                let mut raw: Vecs<S> = core::array::from_fn(|k| gather(s, |i| bases[i][k]));
                let mut r2 = broadcast(s, &ctx.r2);
                mul(s, &raw, &r2, &n, &np, &mut scratch, &mut b);
                wipe(s, &mut raw);
                wipe(s, &mut r2);
            }
            let mut one = broadcast(s, &ctx.ones[0]);
            let mut table = [one; 1 << WINDOW_BITS];
            table[1] = b;
            for k in 2..table.len() {
                let previous = table[k - 1];
                mul(s, &previous, &b, &n, &np, &mut scratch, &mut table[k]);
            }
            let mut x = one;
            let mut entry = [s.zero(); DIGITS];
            for w in (TAIL_BITS / WINDOW_BITS..BITS / WINDOW_BITS).rev() {
                for _ in 0..WINDOW_BITS {
                    sqr(s, &x, &n, &nps, &mut wide, &mut t);
                    x = t;
                }
                let index = ctx.window(w);
                entry = [s.zero(); DIGITS];
                for (k, e) in table.iter().enumerate() {
                    blend(s, lane_mask(eq_small(k as u64, index)), &mut entry, e);
                }
                mul(s, &x, &entry, &n, &np, &mut scratch, &mut t);
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
                sqr(s, &x, &n, &nps, &mut wide, &mut t);
                x = t;
                mul(s, &x, &b, &n, &np, &mut scratch, &mut y);
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
            wipe(s, &mut wide);
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
/// only for the valid ones.
fn pow2_batch<S: Lanes8>(s: S, moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
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
        return vec![None; moduli.len()];
    }
    let full: [Lane; LANES] = core::array::from_fn(|i| {
        lanes
            .get(i)
            .and_then(Clone::clone)
            .unwrap_or_else(Lane::filler)
    });
    let mut out = pow2(s, &full);
    let result = lanes
        .iter()
        .zip(&out)
        .map(|(l, r)| l.as_ref().map(|_| *r))
        .collect();
    out.zeroize();
    result
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
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = crate::lanes::ifma::Ifma::detect() {
        return Some(pow2_batch(s, moduli, exponents));
    }
    let _ = (moduli, exponents);
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
        IfmaLanes::Emulated => Ok(pow2_batch(Emulated, moduli, exponents)),
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
