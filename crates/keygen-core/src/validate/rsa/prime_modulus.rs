//! A prime modulus: refuses an `n` that is itself prime, for then
//! `φ(n) = n − 1` and anyone computes the private exponent
//! `d = e⁻¹ mod (n − 1)`.
//!
//! The test is Baillie–PSW, as the private-key check runs on `p` and `q`
//! (crypto-primes' `is_prime`: a strong probable-prime test to base 2, then
//! a strong Lucas test only when base 2 passes). For a composite modulus,
//! the common case, the base-2 test decides, so the cost is one modular
//! exponentiation of `n`'s size: about 13 ms on RSA-2048 and 125 ms on
//! RSA-4096 on one (busy) Zen 3 core, far more than every other check
//! together, which is why it runs last. badkeys dropped
//! this test (its commit c11b5a0) for that cost. For a 2048-bit modulus the
//! base-2 round runs on keygen-mont's kernel (the prime search's), and only
//! a modulus that passes it goes on to the full test, so the answer is
//! Baillie–PSW's either way.

use crypto_bigint::BoxedUint;

use super::{RsaKey, reject, to_uint};
use crate::validate::reason::{Reason, Rejection};

/// Refuses a modulus that is a (Baillie–PSW probable) prime.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    if is_prime(key) {
        return Err(reject(
            Reason::RsaModulusPrime,
            "the rsa modulus is prime, so anyone can compute the private exponent from e and n",
        ));
    }
    Ok(())
}

/// The modulus size of keygen-mont's kernels (a full top word).
const KERNEL_BITS: u32 = 64 * keygen_mont::WORDS as u32;

/// Baillie–PSW on the modulus, with the base-2 round of a 2048-bit modulus
/// on keygen-mont.
fn is_prime(key: &RsaKey<'_>) -> bool {
    if let Ok(words) = <&keygen_mont::Words>::try_from(key.words.as_slice())
        && key.bits == KERNEL_BITS
    {
        let mut two = [0u64; keygen_mont::WORDS];
        two[0] = 2;
        // `Some(0)`: not a strong probable prime to base 2, so composite
        // (and Baillie–PSW's first round would say the same). `None` (2^64
        // divides n − 1) and a pass go on to the full test.
        if keygen_mont::miller_rabin(words, &[two]) == Some(0) {
            return false;
        }
    }
    is_prime_bpsw(&to_uint(key.n, key.bits))
}

/// Baillie–PSW (crypto-primes), as `check.rs` tests a private key's primes.
fn is_prime_bpsw(n: &BoxedUint) -> bool {
    crypto_primes::is_prime(crypto_primes::Flavor::Any, n)
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;

    use super::super::test_util::Rng;
    use super::*;
    use crate::num::to_words;

    fn key_of(n: &BigUint) -> (Vec<u8>, u32) {
        (n.to_bytes_be(), u32::try_from(n.bits()).unwrap())
    }

    fn prime_after(x: BigUint) -> BigUint {
        let mut p = x | BigUint::from(1u32);
        while !is_prime_bpsw(&to_uint(&p.to_bytes_be(), u32::try_from(p.bits()).unwrap())) {
            p += 2u32;
        }
        p
    }

    fn run(n: &BigUint) -> bool {
        let (bytes, bits) = key_of(n);
        let key = RsaKey {
            e: &[1, 0, 1],
            n: &bytes,
            bits,
            e_bits: 17,
            words: to_words(&bytes),
            cleared: false,
        };
        is_prime(&key)
    }

    #[test]
    fn prime_moduli_are_found_on_both_paths() {
        let mut rng = Rng(2048);
        // 1024 bits: crypto-primes alone; 2048: keygen-mont's base-2 round
        // first (a 2048-bit prime is the vector fail_rsa_modulus_prime_2048).
        for words in [16usize, 32] {
            let top = BigUint::from(1u32) << (64 * words - 1);
            let p = prime_after(rng.big(words) | top);
            assert_eq!(p.bits(), 64 * words as u64);
            assert!(run(&p), "{words}-word prime missed");
            let q = prime_after(rng.big(words / 2) | (BigUint::from(1u32) << (32 * words - 1)));
            let r = prime_after(rng.big(words / 2) | (BigUint::from(3u32) << (32 * words - 2)));
            assert!(!run(&(&q * &r)), "{words}-word composite called prime");
        }
    }

    #[test]
    fn base_two_pseudoprime_goes_on_to_lucas() {
        // 2047 = 23 · 89 is a strong pseudoprime to base 2 (the smallest);
        // 3215031751 = 151 · 751 · 28351 is one to bases 2, 3, 5 and 7.
        // Baillie–PSW refuses both as composite.
        for n in [2047u64, 3_215_031_751] {
            assert!(!is_prime_bpsw(&BoxedUint::from(n)), "{n}");
        }
        assert!(is_prime_bpsw(&BoxedUint::from(2_147_483_647u64)));
    }
}
