//! Known shared primes: refuses a modulus with a prime factor that RSA keys
//! found in the wild are known to share (badkeys' `sharedprimes` check, with
//! its data: see `shared-primes/NOTICE.md`).
//!
//! Two keys that share a prime give up both private keys to one gcd, so a
//! prime seen in two keys is public knowledge. badkeys keeps, per modulus
//! size, the product `P` of the known primes of half that size; a modulus
//! `n` shares one of them exactly when `gcd(n, P) ≠ 1`. The cost is reducing
//! `P` modulo `n` (a division of the whole product by `n`), then one gcd of
//! two numbers of `n`'s size.
//!
//! Only the 2048 and 4096-bit lists are built in (about 79 KB): the sizes
//! the API's policy accepts and badkeys covers (it has no 3072-bit list).
//! badkeys' 1024-bit list (255 KB, a 2 Mbit product) would serve only the
//! command line's checks, which accept 1024-bit keys, at three times the
//! size of the others together; 512 and 768-bit keys are below every floor
//! this crate accepts.

use std::sync::OnceLock;

use num_bigint::BigUint;
use num_integer::Integer;

use super::{RsaKey, reject};
use crate::validate::reason::{Reason, Rejection};

/// One of badkeys' lists: the modulus size it covers and the product of its
/// primes, as gmpy2 wrote it.
struct SharedPrimes {
    bits: u32,
    data: &'static [u8],
    product: OnceLock<BigUint>,
}

static LISTS: [SharedPrimes; 2] = [
    SharedPrimes {
        bits: 2048,
        data: include_bytes!("shared-primes/primes2048.dat"),
        product: OnceLock::new(),
    },
    SharedPrimes {
        bits: 4096,
        data: include_bytes!("shared-primes/primes4096.dat"),
        product: OnceLock::new(),
    },
];

impl SharedPrimes {
    /// The product, decoded once.
    fn product(&self) -> &BigUint {
        self.product.get_or_init(|| decode_mpz(self.data))
    }
}

/// Decodes gmpy2's binary form of a positive `mpz`: the type byte 1, the
/// sign byte 1, then the magnitude least significant byte first. Anything
/// else decodes to 1, which matches no key (the tests check both lists
/// decode to products of the expected size).
fn decode_mpz(data: &[u8]) -> BigUint {
    match data {
        [1, 1, magnitude @ ..] if !magnitude.is_empty() => BigUint::from_bytes_le(magnitude),
        _ => BigUint::from(1u32),
    }
}

/// Refuses a modulus that shares a prime with known weak keys of its size.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    let Some(list) = LISTS.iter().find(|l| l.bits == key.bits) else {
        return Ok(());
    };
    if shares_prime(list.product(), &BigUint::from_bytes_be(key.n)) {
        return Err(reject(
            Reason::RsaKnownSharedPrime,
            "the rsa modulus has a prime factor shared with keys found in the wild, so its private key is known",
        ));
    }
    Ok(())
}

/// Whether `n` (odd, above 1) has a prime factor in common with `product`.
/// When `n` divides the product (both its primes are listed) the remainder
/// is 0 and the gcd is `n` itself.
fn shares_prime(product: &BigUint, n: &BigUint) -> bool {
    let remainder = product % n;
    remainder.gcd(n) != BigUint::from(1u32)
}

/// Warms the lists outside a measurement (decoding the 2048-bit product).
#[cfg(test)]
pub(super) fn products() -> impl Iterator<Item = (u32, &'static BigUint)> {
    LISTS.iter().map(|l| (l.bits, l.product()))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::Rng;
    use super::*;

    #[test]
    fn lists_decode_to_products_of_the_expected_size() {
        let sizes: Vec<(u32, u64)> = products().map(|(b, p)| (b, p.bits())).collect();
        // badkeys' commit 9372dd3: 617 primes of about 1024 bits, 3 of 2048.
        assert_eq!(sizes, [(2048, 631_671), (4096, 6144)]);
        for (_, p) in products() {
            assert!(p.is_odd(), "a list holds the factor 2");
        }
    }

    #[test]
    fn header_other_than_a_positive_mpz_matches_nothing() {
        let one = BigUint::from(1u32);
        assert_eq!(decode_mpz(&[]), one);
        assert_eq!(decode_mpz(&[1, 1]), one);
        assert_eq!(decode_mpz(&[1, 3, 5]), one);
        assert_eq!(decode_mpz(&[2, 1, 5]), one);
        assert_eq!(decode_mpz(&[1, 1, 5, 1]), BigUint::from(261u32));
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
        assert!(shares_prime(&product, &(&f * &h)));
        assert!(shares_prime(&product, &(BigUint::from(7u32) * &h)));
        // The real 2048-bit product has no factor up to 65537, and a random
        // odd number shares none of its ~1024-bit primes.
        let p2048 = products().next().unwrap().1;
        for _ in 0..4 {
            assert!(!shares_prime(p2048, &odd(&mut rng, 32)));
        }
    }

    #[test]
    fn modulus_dividing_the_product_is_found() {
        // Both primes listed: P mod n = 0 and gcd(0, n) = n.
        let mut rng = Rng(5);
        let (a, b, c) = (odd(&mut rng, 8), odd(&mut rng, 8), odd(&mut rng, 8));
        let product = &a * &b * &c;
        assert!(shares_prime(&product, &(&a * &b)));
        assert!(!shares_prime(&product, &BigUint::from(1u32 << 31 | 1)));
    }
}
