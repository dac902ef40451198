//! The numbers the kernels take: 2048-bit odd moduli as 32 little-endian
//! 64-bit words, eight at a time (one per vector lane).

/// Candidates tested at once: the 64-bit lanes of a 512-bit register.
pub const LANES: usize = 8;
/// 64-bit words of a 2048-bit number.
pub const WORDS: usize = 32;
/// Size of the moduli in bits.
pub const BITS: u32 = 2048;

/// A 2048-bit number as little-endian 64-bit words.
pub type Words = [u64; WORDS];

/// Is `n` odd and exactly 2048 bits long, as both kernels require?
#[must_use]
pub fn is_valid_modulus(n: &Words) -> bool {
    n[0] & 1 == 1 && n[WORDS - 1] >> 63 == 1
}

/// N − 1 for odd N: the exponent of the Fermat test.
pub(crate) fn minus_one(n: &Words) -> Words {
    let mut e = *n;
    e[0] &= !1;
    e
}

/// The words of 1.
pub(crate) const ONE: Words = {
    let mut w = [0u64; WORDS];
    w[0] = 1;
    w
};

/// `x·m` in place (little-endian words; the carry out of the last word is
/// dropped).
pub(crate) fn mul_word(x: &mut [u64], m: u64) {
    let mut carry = 0u128;
    for w in x {
        let s = u128::from(*w) * u128::from(m) + carry;
        *w = s as u64;
        carry = s >> 64;
    }
}
