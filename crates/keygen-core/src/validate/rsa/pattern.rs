//! Repeated bytes in the modulus (badkeys' `pattern`,
//! `badkeys/rsakeys/pattern.py`): 16 identical consecutive bytes in `n`
//! (minimal, big-endian), which a product of random primes shows with
//! probability about 2^-112 per key. A warning, not a refusal, as badkeys
//! only reports it on request: it flags hand-made or corrupted moduli
//! rather than a known attack.

use super::{KeyWarning, RsaKey};

/// Identical consecutive bytes that make a pattern (badkeys' `(.)\1{15}`).
const RUN: usize = 16;

/// Adds the warning when the modulus holds a run of identical bytes.
pub(super) fn warn(key: &RsaKey<'_>, warnings: &mut Vec<KeyWarning>) {
    if has_run(&key.words, key.n) {
        warnings.push(KeyWarning::RsaModulusPattern);
    }
}

/// Whether `n` holds [`RUN`] identical consecutive bytes. Any 15
/// consecutive bytes contain a whole 8-byte word of `words` (which are
/// aligned on the end of `n`), so a word whose bytes are all equal must
/// come first; only then are the bytes scanned.
fn has_run(words: &[u64], n: &[u8]) -> bool {
    words.iter().any(|&w| w == w.rotate_left(8)) && byte_run(n)
}

fn byte_run(n: &[u8]) -> bool {
    let mut run = 0;
    let mut last = None;
    for &b in n {
        run = if last == Some(b) { run + 1 } else { 1 };
        last = Some(b);
        if run >= RUN {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::to_words;
    use crate::validate::rsa::test_util::Rng;

    fn check(n: &[u8]) -> bool {
        has_run(&to_words(n), n)
    }

    #[test]
    fn runs_of_16_are_found_anywhere_and_15_are_not() {
        let mut rng = Rng(16);
        for len in [256usize, 257, 263, 512] {
            for start in [0, 1, 7, 8, 9, 100, len - 16] {
                for value in [0x00u8, 0xff, 0x5a] {
                    let mut n: Vec<u8> = (0..len.div_ceil(8))
                        .flat_map(|_| rng.next().to_be_bytes())
                        .take(len)
                        .collect();
                    n[0] |= 0x80;
                    // Break chance runs next to the planted one.
                    for b in &mut n {
                        if *b == value {
                            *b ^= 0x01;
                        }
                    }
                    for length in [15, 16] {
                        let mut m = n.clone();
                        m[start..start + length].fill(value);
                        if start == 0 && value == 0 {
                            // A minimal n does not start with zero bytes.
                            continue;
                        }
                        assert_eq!(
                            check(&m),
                            length == 16,
                            "len {len} start {start} value {value:#x} run {length}"
                        );
                        assert_eq!(byte_run(&m), length == 16);
                    }
                }
            }
        }
        // Through the whole policy: accepted, with the warning.
        let mut w: Vec<u64> = (0..64).map(|_| rng.next()).collect();
        w[63] |= 1 << 63;
        w[20] = 0;
        w[21] = 0;
        assert_eq!(
            crate::validate::rsa::bias::tests::judge(&w),
            Ok(vec![KeyWarning::RsaModulusPattern])
        );
        // Random moduli: none.
        for _ in 0..100 {
            let n: Vec<u8> = (0..64).flat_map(|_| rng.next().to_be_bytes()).collect();
            assert!(!check(&n));
        }
    }
}
