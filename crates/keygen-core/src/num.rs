//! Number helpers shared by the validators: big-endian magnitudes, their
//! bit lengths and their little-endian words.

/// Bits of a big-endian magnitude without leading zeros.
pub(crate) fn bit_len(bytes: &[u8]) -> u32 {
    match bytes.first() {
        None => 0,
        // The blob parser bounds lengths by the line length (≤ 2000 chars),
        // so the byte count times 8 fits a u32 with room to spare.
        Some(&b) => (bytes.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
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
