//! Number helpers shared by the whole crate (a base module: it uses no
//! other): big-endian magnitudes, their bit lengths and their little-endian
//! words, and helpers on crypto-bigint's integers.

use crypto_bigint::BoxedUint;
use zeroize::Zeroizing;

/// A big-endian magnitude without its leading zero bytes (empty for zero).
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Bits of a big-endian magnitude (leading zero bytes allowed); 0 for zero.
pub(crate) fn bit_len(bytes: &[u8]) -> u32 {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        None => 0,
        // Saturates for inputs over 512 MiB rather than wrapping; every
        // caller bounds its input far below that.
        Some(&top) => {
            u32::try_from(bytes.len())
                .unwrap_or(u32::MAX / 8)
                .saturating_mul(8)
                - top.leading_zeros()
        }
    }
}

/// Little-endian 64-bit words as the 32-bit digits num-bigint takes.
pub(crate) fn words_to_u32(words: &[u64]) -> Vec<u32> {
    words
        .iter()
        .flat_map(|&w| [w as u32, (w >> 32) as u32])
        .collect()
}

/// The magnitude `n` (big-endian bytes) as little-endian 64-bit words.
pub(crate) fn to_words(n: &[u8]) -> Vec<u64> {
    n.rchunks(8)
        .map(|chunk| {
            let mut word = [0u8; 8];
            word[8 - chunk.len()..].copy_from_slice(chunk);
            u64::from_be_bytes(word)
        })
        .collect()
}

/// |a − b| > 2^k.
pub(crate) fn distance_above(a: &BoxedUint, b: &BoxedUint, k: u32) -> bool {
    let diff = if a > b {
        a.wrapping_sub(b)
    } else {
        b.wrapping_sub(a)
    };
    // diff > 2^k  ⇔  diff − 1 ≥ 2^k  ⇔  bit_width(diff − 1) > k.
    diff.bit_width_vartime() > 0 && diff.wrapping_sub(BoxedUint::one()).bit_width_vartime() > k
}

/// A copy of `v` at `bits` of precision (at least its own), built in place
/// so that no unwiped intermediate copy is left behind.
pub(crate) fn widened(v: &BoxedUint, bits: u32) -> Zeroizing<BoxedUint> {
    let mut out = Zeroizing::new(BoxedUint::zero_with_precision(bits.max(v.bits_precision())));
    out.as_mut_limbs()[..v.nlimbs()].copy_from_slice(v.as_limbs());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes() {
        assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), [1, 0]);
        assert_eq!(strip_leading_zeros(&[0, 0]), [0u8; 0]);
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[1]), 1);
        assert_eq!(bit_len(&[0, 0x80, 0]), 16);
        assert_eq!(bit_len(&[0x7f, 0xff]), 15);
        assert_eq!(
            to_words(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            [0x0203_0405_0607_0809, 1]
        );
        assert_eq!(words_to_u32(&[0x1_0000_0002]), [2, 1]);
    }
}
