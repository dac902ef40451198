//! Helpers of the weak-key checks' unit tests.

use num_bigint::BigUint;

use super::small_factor::small_primes;
use crate::num::words_to_u32;

/// SplitMix64: a reproducible source of test words.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn big(&mut self, words: usize) -> BigUint {
        let w: Vec<u64> = (0..words).map(|_| self.next()).collect();
        BigUint::from_slice(&words_to_u32(&w))
    }
}

/// The number of little-endian 64-bit `words`.
pub(crate) fn from_words(words: &[u64]) -> BigUint {
    BigUint::from_bytes_le(
        &words
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<_>>(),
    )
}

pub(crate) fn words_of(x: &BigUint) -> Vec<u64> {
    x.to_u64_digits()
}

/// The naive answer: the smallest prime up to the bound dividing `n`.
pub(crate) fn naive_small_factor(n: &BigUint) -> Option<u32> {
    small_primes()
        .iter()
        .copied()
        .find(|&p| (n % p) == BigUint::from(0u32))
}
