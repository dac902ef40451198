//! Residues of one public number modulo many products of small primes, for
//! the weak-key check of imported RSA moduli (keygen-core's small-prime
//! test): eight products at a time in AVX-512 lanes.
//!
//! Each product D (below 2^448) is used as its Montgomery-friendly multiple
//! D'' = D·(−D⁻¹ mod 2^28), whose lowest digit is 2^28 − 1. Montgomery's
//! reduction, one digit from the bottom at a time, then needs no
//! multiplication to find the multiple to add: it is the low digit itself.
//! The result is congruent to n·2^(−28k) modulo D'' — modulo every prime of
//! D, which is all the divisibility test needs, as 2 is a unit modulo an odd
//! prime.
//!
//! The numbers are public keys: nothing here needs to be constant time (it
//! is anyway, apart from the number's length).

use crate::{DIGIT_BITS, DIGIT_MASK, digit_at, put_digit};

/// Digits of a block multiple D'' (476 bits).
pub const BLOCK_DIGITS: usize = 17;
/// 64-bit words of a block residue (below 2^505).
pub const BLOCK_RESIDUE_WORDS: usize = 8;

/// A block multiple D'' as 28-bit digits, least significant first.
pub type BlockDigits = [u64; BLOCK_DIGITS];

/// The Montgomery-friendly multiple D·(−D⁻¹ mod 2^28) of an odd `d` below
/// 2^448 (little-endian words), or `None` for an even or larger `d`.
#[must_use]
pub fn block_multiple(d: &[u64]) -> Option<BlockDigits> {
    let low = *d.first()?;
    let width = d.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    if low & 1 == 0 || width > 7 {
        return None;
    }
    let u = crate::neg_inverse_digit(low);
    // d·u, word by word (u < 2^28, so the product has at most 8 words).
    let mut product = [0u64; 8];
    let mut carry = 0u128;
    for (o, &w) in product
        .iter_mut()
        .zip(d.iter().chain(core::iter::repeat(&0)))
    {
        let s = u128::from(w) * u128::from(u) + carry;
        *o = s as u64;
        carry = s >> 64;
    }
    let digits = digits_of(&product);
    let mut out = [0u64; BLOCK_DIGITS];
    out.copy_from_slice(&digits[..BLOCK_DIGITS]);
    debug_assert_eq!(out[0], DIGIT_MASK);
    debug_assert!(digits[BLOCK_DIGITS..].iter().all(|&x| x == 0));
    Some(out)
}

/// Little-endian words to 28-bit digits (as many as the words need).
pub(crate) fn digits_of(words: &[u64]) -> Vec<u64> {
    let count = (words.len() * 64).div_ceil(DIGIT_BITS as usize);
    (0..count).map(|i| digit_at(words, i)).collect()
}

/// Carries lazily summed digits and packs them into words.
pub(crate) fn pack(digits: &[u64]) -> [u64; BLOCK_RESIDUE_WORDS] {
    let mut words = [0u64; BLOCK_RESIDUE_WORDS];
    let mut carry = 0u128;
    let mut i = 0;
    for &d in digits {
        let v = u128::from(d) + carry;
        put_digit(&mut words, i, (v as u64) & DIGIT_MASK);
        carry = v >> DIGIT_BITS;
        i += 1;
    }
    // What is left of the carry (a few bits).
    while carry != 0 {
        put_digit(&mut words, i, (carry as u64) & DIGIT_MASK);
        carry >>= DIGIT_BITS;
        i += 1;
    }
    words
}

/// The portable reduction of `n` (digits) modulo one block multiple: the
/// window holds 18 digits; each step adds m·D'' (m the low digit) and
/// shifts one digit down, taking in the next digit of n. A digit of the
/// window sums at most 16 products below 2^56, a digit of n and a carry.
pub(crate) fn reduce_portable(n: &[u64], d: &BlockDigits) -> [u64; BLOCK_RESIDUE_WORDS] {
    const WINDOW: usize = BLOCK_DIGITS + 1;
    if n.len() <= WINDOW {
        return pack(n);
    }
    let mut t = [0u64; WINDOW];
    t.copy_from_slice(&n[..WINDOW]);
    for &entering in &n[WINDOW..] {
        step(&mut t, d, entering);
    }
    // The window's value W stays below 2^504 + 2^478: each step maps it to
    // (W + m·D'')/2^28 + entering·2^476 with m < 2^28 and D'' < 2^476.
    pack(&t)
}

/// One step of the block reduction on the lazily summed window `t`.
fn step(t: &mut [u64; BLOCK_DIGITS + 1], d: &BlockDigits, entering: u64) {
    let m = t[0] & DIGIT_MASK;
    // t0 + m·(2^28 − 1) is a multiple of 2^28.
    let carry = (t[0] + m * DIGIT_MASK) >> DIGIT_BITS;
    for j in 1..BLOCK_DIGITS {
        t[j - 1] = t[j] + m * d[j];
    }
    t[BLOCK_DIGITS - 1] = t[BLOCK_DIGITS];
    t[BLOCK_DIGITS] = entering;
    t[0] += carry;
}

/// Residues of `n` (little-endian words, any length) modulo block multiples
/// made by [`block_multiple`], on the portable kernel: for each, a number
/// below 2^505 congruent to n·2^(−28k) modulo the block (k the number of
/// digits of n beyond 18), as little-endian words.
#[must_use]
pub fn reduce_blocks_portable(
    n: &[u64],
    blocks: &[BlockDigits],
) -> Vec<[u64; BLOCK_RESIDUE_WORDS]> {
    let digits = digits_of(n);
    blocks.iter().map(|d| reduce_portable(&digits, d)).collect()
}
