//! Known shared primes: refuses a modulus with a prime factor that RSA keys
//! found in the wild are known to share (badkeys' `sharedprimes` check, with
//! its data: see `shared-primes/NOTICE.md`).
//!
//! Two keys that share a prime give up both private keys to one gcd, so a
//! prime seen in two keys is public knowledge. badkeys keeps, per modulus
//! size, the product `P` of the known primes of half that size; a modulus
//! `n` shares one of them exactly when `gcd(n, P) ≠ 1`. The cost is reducing
//! `P` modulo `n` (Montgomery's reduction, keygen-mont's
//! `montgomery_remainder`: one word multiplication per word of `P` per word
//! of `n`), then one gcd of two numbers of `n`'s size (dashu's Lehmer gcd).
//!
//! Only the 2048 and 4096-bit lists are built in (about 79 KB): the sizes
//! the API's policy accepts and badkeys covers (it has no 3072-bit list).
//! badkeys' 1024-bit list (255 KB, a 2 Mbit product) would serve only the
//! command line's checks, which accept 1024-bit keys, at three times the
//! size of the others together; 512 and 768-bit keys are below every floor
//! this crate accepts.

use std::sync::OnceLock;

use dashu_int::UBig;
use dashu_int::ops::Gcd as _;
use keygen_mont::montgomery_remainder;

use super::{RsaKey, reject};
use crate::validate::reason::{Reason, Rejection};

/// One of badkeys' lists: the modulus size it covers and the product of its
/// primes, as gmpy2 wrote it.
struct SharedPrimes {
    bits: u32,
    data: &'static [u8],
    /// The product as little-endian 64-bit words.
    product: OnceLock<Vec<u64>>,
}

/// The modulus sizes with a list, in the order of [`LISTS`].
pub(super) const LISTED_SIZES: [u32; 2] = [2048, 4096];

static LISTS: [SharedPrimes; 2] = [
    SharedPrimes {
        bits: LISTED_SIZES[0],
        data: include_bytes!("shared-primes/primes2048.dat"),
        product: OnceLock::new(),
    },
    SharedPrimes {
        bits: LISTED_SIZES[1],
        data: include_bytes!("shared-primes/primes4096.dat"),
        product: OnceLock::new(),
    },
];

impl SharedPrimes {
    /// The product, decoded once.
    fn product(&self) -> &[u64] {
        self.product.get_or_init(|| decode_mpz(self.data))
    }
}

/// Decodes gmpy2's binary form of a positive `mpz`: the type byte 1, the
/// sign byte 1, then the magnitude least significant byte first, to
/// little-endian words. Anything else decodes to 1, which matches no key
/// (the tests check both lists decode to products of the expected size).
fn decode_mpz(data: &[u8]) -> Vec<u64> {
    match data {
        [1, 1, magnitude @ ..] if !magnitude.is_empty() => magnitude
            .chunks(8)
            .map(|chunk| {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                u64::from_le_bytes(word)
            })
            .collect(),
        _ => vec![1],
    }
}

/// The product of the known shared primes of `bits`-bit moduli
/// (little-endian words), if badkeys lists that size.
pub(super) fn product_of(bits: u32) -> Option<&'static [u64]> {
    LISTS
        .iter()
        .find(|l| l.bits == bits)
        .map(SharedPrimes::product)
}

/// Refuses a modulus that shares a prime with known weak keys of its size.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    if key.cleared {
        return Ok(());
    }
    let Some(product) = product_of(key.bits) else {
        return Ok(());
    };
    if shares_prime(product, &key.words) {
        return Err(reject(
            Reason::RsaKnownSharedPrime,
            "the rsa modulus has a prime factor shared with keys found in the wild, so its private key is known",
        ));
    }
    Ok(())
}

/// Whether `n` (odd, above 1; little-endian words) has a prime factor in
/// common with `product` (little-endian words). The remainder `r` is
/// congruent to `P·2^(−64k)` modulo `n`, and `gcd(n, r) = gcd(n, P)` as `n`
/// is odd. When `n` divides the product (both its primes are listed) `r`
/// is a multiple of `n` and the gcd is `n` itself.
pub(super) fn shares_prime(product: &[u64], n: &[u64]) -> bool {
    // An even modulus was refused before the weak-key checks.
    coprime_to(product, n) == Some(false)
}

/// Whether `n` is coprime to `product` (both little-endian words), as in
/// [`shares_prime`]; `None` when `n` is not odd and above 1, so that no
/// caller can read a modulus it could not test as coprime.
pub(super) fn coprime_to(product: &[u64], n: &[u64]) -> Option<bool> {
    let remainder = montgomery_remainder(product, n)?;
    Some(to_ubig(&remainder).gcd(&to_ubig(n)) == UBig::ONE)
}

/// A dashu integer from little-endian 64-bit words, through bytes: dashu's
/// own word is 32 bits wide on 32-bit targets.
pub(super) fn to_ubig(words: &[u64]) -> UBig {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    UBig::from_le_bytes(&bytes)
}

/// Warms the lists outside a measurement (decoding the 2048-bit product).
#[cfg(test)]
pub(super) fn products() -> impl Iterator<Item = (u32, &'static [u64])> {
    LISTS.iter().map(|l| (l.bits, l.product()))
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;
    use num_integer::Integer as _;

    use super::super::test_util::{Rng, from_words as big};
    use super::*;

    /// The check against num-bigint's gcd of the whole product.
    fn shares(product: &BigUint, n: &BigUint) -> bool {
        let answer = shares_prime(&product.to_u64_digits(), &n.to_u64_digits());
        assert_eq!(
            answer,
            product.gcd(n) != BigUint::from(1u32),
            "against num-bigint"
        );
        answer
    }

    #[test]
    fn lists_decode_to_products_of_the_expected_size() {
        let sizes: Vec<(u32, u64)> = products().map(|(b, p)| (b, big(p).bits())).collect();
        // badkeys' commit 9372dd3: 617 primes of about 1024 bits, 3 of 2048.
        assert_eq!(sizes, [(2048, 631_671), (4096, 6144)]);
        for (_, p) in products() {
            assert!(big(p).is_odd(), "a list holds the factor 2");
            assert_ne!(p.last(), Some(&0), "a zero top word");
        }
    }

    #[test]
    fn header_other_than_a_positive_mpz_matches_nothing() {
        assert_eq!(decode_mpz(&[]), [1]);
        assert_eq!(decode_mpz(&[1, 1]), [1]);
        assert_eq!(decode_mpz(&[1, 3, 5]), [1]);
        assert_eq!(decode_mpz(&[2, 1, 5]), [1]);
        assert_eq!(decode_mpz(&[1, 1, 5, 1]), [261]);
        assert_eq!(
            decode_mpz(&[1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2]),
            [1, 2],
            "a partial top word"
        );
    }

    /// An odd number of `words` 64-bit words with its top bit set.
    fn odd(rng: &mut Rng, words: usize) -> BigUint {
        let x = rng.big(words) | BigUint::from(1u32);
        x | (BigUint::from(1u32) << (64 * words - 1))
    }

    #[test]
    fn a_factor_of_the_product_is_found_and_a_random_modulus_is_not() {
        let mut rng = Rng(17);
        let (f, g, h) = (odd(&mut rng, 16), odd(&mut rng, 16), odd(&mut rng, 16));
        let product = BigUint::from(7u32) * &f * &g;
        assert!(shares(&product, &(&f * &h)));
        assert!(shares(&product, &(BigUint::from(7u32) * &h)));
        // Random odd numbers, which often share a small factor with the
        // random f and g: the answer agrees with num-bigint either way.
        for _ in 0..8 {
            shares(&product, &(&h * &odd(&mut rng, 16)));
        }
        // Two Mersenne primes, 2^127 − 1 and 2^61 − 1: a factor of f, g or
        // h by a chance of about 2^−60.
        let mersenne = |p: u32| (BigUint::from(1u32) << p) - 1u32;
        assert!(!shares(&product, &(mersenne(127) * mersenne(61))));
        // The real products have no factor up to 65537, and a random odd
        // number shares none of their primes.
        for (bits, p) in products() {
            for _ in 0..2 {
                assert!(!shares(&big(p), &odd(&mut rng, bits as usize / 64)));
            }
        }
    }

    #[test]
    fn modulus_dividing_the_product_is_found() {
        // Both primes listed: P·2^(−64k) mod n = 0 and gcd(0, n) = n.
        let mut rng = Rng(5);
        let (a, b, c) = (odd(&mut rng, 8), odd(&mut rng, 8), odd(&mut rng, 8));
        let product = &a * &b * &c;
        assert!(shares(&product, &(&a * &b)));
        assert!(shares(&product, &c));
        assert!(!shares(&product, &BigUint::from(1u32 << 31 | 1)));
        // A product shorter than the modulus is taken as it is.
        assert!(shares(&a, &(&a * &b * &c)));
        assert!(!shares(&b, &(&a * &c)));
    }
}
