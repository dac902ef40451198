//! The kernels' shared arithmetic: numbers as 74 digits of 28 bits, the
//! per-modulus precomputations ([`Lane`] for the Fermat test, [`MrContext`]
//! for Miller–Rabin) and branch-free digit operations.
//!
//! ## Arithmetic
//!
//! Numbers are held as 74 digits of 28 bits (2072 bits), so that a product of
//! two digits (56 bits) can be summed 256 times into a 64-bit lane before it
//! could overflow; `vpmuludq` multiplies the low 32 bits of each lane. A
//! Montgomery squaring is the finely integrated product-scanning method
//! (Koç, Acar and Kaliski, 1996): each column of a·a and of m·N is summed in
//! one accumulator, the column's m digit is taken from the accumulator, and the
//! accumulator is shifted down by one digit. With R = 2^2072 > 16·N, values
//! are kept below 4·N between steps and never need a conditional subtraction
//! (Walter, 1999); only the final conversion out of Montgomery form reduces
//! fully.
//!
//! ## Constant time
//!
//! Every operation on a lane is the same sequence of instructions whatever its
//! value: no branch and no memory index depends on a modulus, an exponent or
//! an intermediate value (the doubling is a masked add in every lane, the
//! Montgomery digits are computed, never looked up). The only value-dependent
//! branch is the check, before any arithmetic, that a modulus is odd and
//! 2048 bits long, which refuses it.
//!

use zeroize::Zeroize;

use crate::words::{BITS, WORDS, Words, is_valid_modulus, minus_one};

/// Bits of one Montgomery digit.
pub(crate) const DIGIT_BITS: u32 = 28;
/// Digits of a number: 74 × 28 = 2072 bits, so R = 2^2072.
pub(crate) const DIGITS: usize = 74;
/// The bits of a digit.
pub(crate) const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;
/// How far R = 2^2072 is above 2^2048.
const R_ABOVE_BITS: u32 = DIGITS as u32 * DIGIT_BITS - BITS;

/// A number as 74 digits of 28 bits, least significant first.
pub(crate) type Digits = [u64; DIGITS];

/// What both kernels need to know about one modulus.
#[derive(Clone)]
pub(crate) struct Lane {
    /// The modulus N.
    pub(crate) n: Digits,
    /// −N⁻¹ mod 2^28.
    pub(crate) n_prime: u64,
    /// R mod N: 1 in Montgomery form.
    pub(crate) one: Digits,
    /// The exponent.
    pub(crate) exponent: Words,
}

impl Lane {
    /// Overwrites everything with zeros.
    fn wipe(&mut self) {
        self.n.zeroize();
        self.one.zeroize();
        self.exponent.zeroize();
        self.n_prime.zeroize();
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        // The moduli are candidates for a secret prime, and the rejected ones
        // lie close to it: wipe them all.
        self.wipe();
    }
}

impl core::fmt::Debug for Lane {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The modulus may become a secret prime: print nothing of it.
        f.write_str("Lane { .. }")
    }
}

impl Lane {
    /// Precomputes a lane, or `None` if `n` is not a valid modulus.
    pub(crate) fn new(n: &Words, exponent: &Words) -> Option<Self> {
        if !is_valid_modulus(n) {
            return None;
        }
        let mut lane = Self {
            n: to_digits(n),
            n_prime: neg_inverse_digit(n[0]),
            one: [0; DIGITS],
            exponent: *exponent,
        };
        lane.one = r_mod_n(n, &lane.n);
        Some(lane)
    }

    /// A valid stand-in for an invalid lane, so that the vector kernel runs
    /// on defined values; its result is thrown away.
    pub(crate) fn filler() -> Self {
        let mut n = [u64::MAX; WORDS];
        n[0] = u64::MAX;
        Self::new(&n, &[0; WORDS]).unwrap_or_else(|| unreachable!("2^2048 − 1 is valid"))
    }

    /// Bit `i` of the exponent, as 0 or 1.
    pub(crate) fn exponent_bit(&self, i: u32) -> u64 {
        (self.exponent[(i / 64) as usize] >> (i % 64)) & 1
    }
}

/// −n0⁻¹ mod 2^28 for odd `n0`.
pub(crate) fn neg_inverse_digit(n0: u64) -> u64 {
    neg_inverse_bits(n0, DIGIT_BITS)
}

/// −n0⁻¹ mod 2^bits (bits ≤ 64) for odd `n0` (Newton's iteration: each step
/// doubles the number of correct low bits, from 3 for x = n0).
pub(crate) fn neg_inverse_bits(n0: u64, bits: u32) -> u64 {
    let mut x = n0;
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(x)));
    }
    x.wrapping_neg() & (u64::MAX >> (64 - bits))
}

/// Digit `i` (28 bits) of the number whose little-endian words are `words`.
pub(crate) fn digit_at(words: &[u64], i: usize) -> u64 {
    digit_of_width(words, i, DIGIT_BITS)
}

/// Digit `i` of width `bits` (below 64) of the number whose little-endian
/// words are `words`.
pub(crate) fn digit_of_width(words: &[u64], i: usize, bits: u32) -> u64 {
    let bit = i * bits as usize;
    let (word, shift) = (bit / 64, bit % 64);
    let mut v = words.get(word).copied().unwrap_or(0) >> shift;
    if shift + bits as usize > 64 {
        v |= words.get(word + 1).copied().unwrap_or(0) << (64 - shift);
    }
    v & ((1 << bits) - 1)
}

/// Ors `digit` (below 2^28) into `words` as digit `i`; bits past the last
/// word are dropped.
pub(crate) fn put_digit(words: &mut [u64], i: usize, digit: u64) {
    put_digit_of_width(words, i, DIGIT_BITS, digit);
}

/// Ors `digit` (below 2^bits, bits below 64) into `words` as digit `i` of
/// that width; bits past the last word are dropped.
pub(crate) fn put_digit_of_width(words: &mut [u64], i: usize, bits: u32, digit: u64) {
    let bit = i * bits as usize;
    let (word, shift) = (bit / 64, bit % 64);
    if let Some(slot) = words.get_mut(word) {
        *slot |= digit << shift;
    }
    if shift + bits as usize > 64
        && let Some(slot) = words.get_mut(word + 1)
    {
        *slot |= digit >> (64 - shift);
    }
}

/// Little-endian words to 28-bit digits.
pub(crate) fn to_digits(w: &Words) -> Digits {
    core::array::from_fn(|i| digit_at(w, i))
}

/// Normalised digits (each below 2^28, the value below 2^2048) to words.
pub(crate) fn from_digits(d: &Digits) -> Words {
    let mut w = [0u64; WORDS];
    for (i, &digit) in d.iter().enumerate() {
        put_digit(&mut w, i, digit);
    }
    w
}

/// R mod N = 2^2072 mod N, in constant time.
pub(crate) fn r_mod_n(n: &Words, n_digits: &Digits) -> Digits {
    pow2_mod_by_doubling(n, n_digits, R_ABOVE_BITS)
}

/// 2^(2048 + k) mod N, in constant time: 2^2048 − N (which is below N, as
/// N > 2^2047), then k doublings, each followed by a subtraction of N that
/// is kept only when it does not borrow.
fn pow2_mod_by_doubling(n: &Words, n_digits: &Digits, k: u32) -> Digits {
    // 2^2048 − N is the two's complement of N in 2048 bits.
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
        let mut doubled = add_digits(&x, &x);
        let (mut t, borrow) = sub_digits(&doubled, n_digits);
        // Keep t = 2x − N unless it borrowed (2x < N).
        x = select_digits(borrow, &doubled, &t);
        t.zeroize();
        doubled.zeroize();
    }
    x
}

/// a + b, normalised (the sum must fit in the 74 digits).
pub(crate) fn add_digits(a: &Digits, b: &Digits) -> Digits {
    let mut out = [0u64; DIGITS];
    let mut carry = 0;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let t = x + y + carry;
        *o = t & DIGIT_MASK;
        carry = t >> DIGIT_BITS;
    }
    out
}

/// a − b, normalised, and 1 if it borrowed (a < b), else 0.
pub(crate) fn sub_digits(a: &Digits, b: &Digits) -> (Digits, u64) {
    let mut out = [0u64; DIGITS];
    let mut borrow = 0u64;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let v = x.wrapping_sub(y).wrapping_sub(borrow);
        *o = v & DIGIT_MASK;
        borrow = v >> 63;
    }
    (out, borrow)
}

/// `a` if `pick_a` is 1, `b` if it is 0, without a branch.
pub(crate) fn select_digits(pick_a: u64, a: &Digits, b: &Digits) -> Digits {
    let mask = pick_a.wrapping_neg();
    let mut out = [0u64; DIGITS];
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = (x & mask) | (y & !mask);
    }
    out
}

/// 1 if a = b, else 0, without a branch.
pub(crate) fn eq_digits(a: &Digits, b: &Digits) -> u64 {
    let diff = a.iter().zip(b).fold(0u64, |acc, (x, y)| acc | (x ^ y));
    ((diff | diff.wrapping_neg()) >> 63) ^ 1
}

/// 1 if a = b, else 0, for small numbers, without a branch.
pub(crate) fn eq_small(a: u64, b: u64) -> u64 {
    let diff = a ^ b;
    ((diff | diff.wrapping_neg()) >> 63) ^ 1
}

/// 1 if a ≤ b, else 0, for numbers below 2^63, without a branch.
pub(crate) fn le_small(a: u64, b: u64) -> u64 {
    (b.wrapping_sub(a) >> 63) ^ 1
}

/// What a Miller–Rabin batch needs to know about its one modulus N.
pub(crate) struct MrContext {
    /// N.
    pub(crate) n: Digits,
    /// −N⁻¹ mod 2^28.
    pub(crate) n_prime: u64,
    /// R² mod N, to bring bases into Montgomery form.
    pub(crate) r2: Digits,
    /// The two values below 2·N that stand for 1 in Montgomery form
    /// (R mod N and R mod N + N), then the two for −1.
    pub(crate) ones: [Digits; 2],
    pub(crate) minus_ones: [Digits; 2],
    /// N − 1 = d·2^s.
    pub(crate) exponent: Words,
    /// s, between 1 and 63.
    pub(crate) s: u64,
}

impl MrContext {
    /// Overwrites everything with zeros.
    fn wipe(&mut self) {
        self.n.zeroize();
        self.n_prime.zeroize();
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

/// Window of the fixed-window exponentiation, in bits.
pub(crate) const WINDOW_BITS: u32 = 4;
/// The exponent's low bits, taken one at a time so that every value of the
/// strong test's chain is seen: s must be below this.
pub(crate) const TAIL_BITS: u32 = 64;

impl MrContext {
    /// The context of `n`, or `None` if `n` is not odd and 2048 bits long,
    /// or if 2^64 divides n − 1 (such an n is refused rather than tested).
    pub(crate) fn new(n: &Words) -> Option<Self> {
        if !is_valid_modulus(n) {
            return None;
        }
        // n is odd, so bit 0 of n − 1 is clear and s ≥ 1; a zero low word
        // means s ≥ 64 (probability 2^−63 for a random odd n).
        let low = n[0] & !1;
        if low == 0 {
            return None;
        }
        let s = u64::from(low.trailing_zeros());
        let mut ctx = Self {
            n: to_digits(n),
            n_prime: neg_inverse_digit(n[0]),
            r2: [0; DIGITS],
            ones: [[0; DIGITS]; 2],
            minus_ones: [[0; DIGITS]; 2],
            exponent: minus_one(n),
            s,
        };
        // Built in place, so that no unwiped copy of these is left behind.
        ctx.r2 = pow2_mod_by_doubling(n, &ctx.n, R_ABOVE_BITS + DIGITS as u32 * DIGIT_BITS);
        ctx.ones[0] = r_mod_n(n, &ctx.n);
        ctx.ones[1] = add_digits(&ctx.ones[0], &ctx.n);
        ctx.minus_ones[0] = sub_digits(&ctx.n, &ctx.ones[0]).0;
        ctx.minus_ones[1] = add_digits(&ctx.minus_ones[0], &ctx.n);
        Some(ctx)
    }

    /// The `WINDOW_BITS` bits of the exponent starting at bit `4·w`.
    pub(crate) fn window(&self, w: u32) -> u64 {
        let bit = w * WINDOW_BITS;
        (self.exponent[(bit / 64) as usize] >> (bit % 64)) & ((1 << WINDOW_BITS) - 1)
    }

    /// Bit `j` of the exponent, for j below 64.
    pub(crate) fn tail_bit(&self, j: u32) -> u64 {
        (self.exponent[0] >> j) & 1
    }

    /// 1 if position `j` of the chain (the value b^⌊(n−1)/2^j⌋) decides the
    /// test when it is 1, that is j = s; and 1 if it decides it when it is
    /// −1, that is 1 ≤ j ≤ s. Without a branch on s.
    pub(crate) fn tail_rules(&self, j: u32) -> (u64, u64) {
        let j = u64::from(j);
        (eq_small(j, self.s), le_small(1, j) & le_small(j, self.s))
    }
}

/// Fully reduces a Montgomery conversion's output (at most N) and returns it
/// as words: the result is N only for a value ≡ 0, which a power of two never
/// is modulo an odd N > 1, but reduce anyway so the function is total.
pub(crate) fn finish(r: &Digits, n: &Digits) -> Words {
    let mut t = [0u64; DIGITS];
    let mut borrow = 0u64;
    for ((o, &a), &b) in t.iter_mut().zip(r).zip(n) {
        let v = a.wrapping_sub(b).wrapping_sub(borrow);
        *o = v & DIGIT_MASK;
        borrow = v >> 63;
    }
    let keep_r = borrow.wrapping_neg();
    let mut out = [0u64; DIGITS];
    for ((o, &a), &b) in out.iter_mut().zip(r).zip(&t) {
        *o = (a & keep_r) | (b & !keep_r);
    }
    let words = from_digits(&out);
    // t = r − N reveals N when r is known (1, for a prime).
    t.zeroize();
    out.zeroize();
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::WORDS;

    #[test]
    fn digits_round_trip() {
        let mut w = [0u64; WORDS];
        for (i, x) in w.iter_mut().enumerate() {
            *x = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1);
        }
        assert_eq!(from_digits(&to_digits(&w)), w);
    }

    #[test]
    fn neg_inverse_is_an_inverse() {
        for n0 in [1u64, 3, 0xffff_ffff_ffff_ffff, 0x1234_5678_9abc_def1] {
            let np = neg_inverse_digit(n0);
            assert_eq!(n0.wrapping_mul(np).wrapping_add(1) & DIGIT_MASK, 0);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "2,100 constant-time doublings a context: too slow for Miri"
    )]
    fn secrets_are_wiped_and_never_printed() {
        let mut n = [0x0123_4567_89ab_cdefu64; WORDS];
        n[0] |= 1;
        n[WORDS - 1] |= 1 << 63;
        let mut lane = Lane::new(&n, &n).unwrap();
        let mut ctx = MrContext::new(&n).unwrap();
        for text in [format!("{lane:?}"), format!("{ctx:?}")] {
            assert!(!text.contains("123") && !text.to_lowercase().contains("cdef"));
            assert!(text.ends_with("{ .. }"), "{text}");
        }
        assert!(lane.n.iter().any(|&d| d != 0) && ctx.r2.iter().any(|&d| d != 0));
        lane.wipe();
        ctx.wipe();
        assert!(lane.n.iter().chain(&lane.one).all(|&d| d == 0));
        assert!(lane.exponent.iter().all(|&w| w == 0) && lane.n_prime == 0);
        assert!(ctx.n.iter().chain(&ctx.r2).all(|&d| d == 0));
        assert!(
            ctx.ones
                .iter()
                .chain(&ctx.minus_ones)
                .flatten()
                .all(|&d| d == 0)
        );
        assert!(ctx.exponent.iter().all(|&w| w == 0) && ctx.s == 0 && ctx.n_prime == 0);
    }
}
