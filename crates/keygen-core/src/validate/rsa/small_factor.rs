//! Small prime factors: every prime up to [`SMALL_PRIME_BOUND`] (badkeys'
//! bound), by residues instead of badkeys' gcd with their product.
//!
//! badkeys checks small factors with one gcd against the product of the
//! primes; a gcd of 4096 bits against 94,000 bits is slow, so keygen-mont
//! computes residues instead (`keygen_mont::smallest_factor`): the odd
//! primes are grouped in 1,577 leaves of 64 bits, consecutive primes, and
//! the leaves in 221 blocks below 2^448, seven or eight a block; `n` is
//! reduced modulo each block by Montgomery's reduction, each block residue
//! modulo each of its leaves, and each leaf residue is tested against its
//! primes. With AVX-512F it does it all in lanes, eight blocks at a time;
//! otherwise word by word on its scalar kernel. Blocks, leaves and primes
//! are in increasing order, so the first prime found is the smallest. All
//! of it is variable time, which is fine for a public key.
//!
//! Where the `screen` runs (x86-64 with ADX, no AVX-512), a modulus it
//! cleared is passed without this work; the check then runs only on the
//! moduli the screen did not clear, to name the prime.

use std::sync::OnceLock;

use super::{RsaKey, SMALL_PRIME_BOUND, reject};
use crate::validate::reason::{Reason, Rejection};

/// Refuses a modulus with a prime factor up to [`SMALL_PRIME_BOUND`].
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    if key.cleared {
        return Ok(());
    }
    match small_prime_factor(&key.words) {
        Some(p) => Err(reject(
            Reason::RsaSmallPrimeFactor,
            format!("the rsa modulus is divisible by the small prime {p}"),
        )),
        None => Ok(()),
    }
}

/// The primes up to [`SMALL_PRIME_BOUND`], by a sieve of Eratosthenes.
pub(super) fn small_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let bound = SMALL_PRIME_BOUND as usize;
        let mut composite = vec![false; bound + 1];
        let mut primes = Vec::new();
        for i in 2..=bound {
            if !composite[i] {
                primes.push(i as u32);
                let mut j = i * i;
                while j <= bound {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        primes
    })
}

/// The most leaves a block holds: the vector kernel reduces a block's
/// leaves side by side, one per lane (blocks are also below 2^448, the
/// bound of both kernels).
const MAX_LEAVES_PER_BLOCK: usize = keygen_mont::LANES;

/// The odd primes up to [`SMALL_PRIME_BOUND`] laid out for keygen-mont's
/// kernels, built once per process (a few milliseconds).
fn small_prime_table() -> &'static keygen_mont::LeafTable {
    static TABLE: OnceLock<keygen_mont::LeafTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        keygen_mont::LeafTable::from_primes(&small_primes()[1..], MAX_LEAVES_PER_BLOCK)
            .expect("increasing odd primes below 2^20")
    })
}

/// The smallest prime up to [`SMALL_PRIME_BOUND`] dividing `n` (little-endian
/// words), if any.
fn small_prime_factor(n: &[u64]) -> Option<u32> {
    if n.first().is_none_or(|w| w & 1 == 0) {
        return Some(2);
    }
    keygen_mont::smallest_factor(n, small_prime_table())
}

#[cfg(test)]
mod tests {
    //! The check's answers; keygen-mont's tests cover the arithmetic of
    //! both kernels.

    use num_bigint::BigUint;

    use super::*;
    use crate::validate::rsa::test_util::{Rng, naive_small_factor, words_of};

    #[test]
    fn primes_and_table() {
        let primes = small_primes();
        assert_eq!(primes.len(), 6543);
        assert_eq!(primes.last(), Some(&65537));
        let table = small_prime_table();
        assert_eq!(table.leaves(), 1577);
        assert_eq!(table.blocks().len(), 221);
        assert!(
            table
                .blocks()
                .iter()
                .all(|b| b.len() <= MAX_LEAVES_PER_BLOCK)
        );
    }

    #[test]
    fn small_prime_factor_matches_naive() {
        let mut rng = Rng(3);
        let planted = [3u32, 5, 7, 65_537, 65_521, 65_519, 32_771, 257];
        for words in [4usize, 32, 64, 128] {
            for round in 0..6 {
                let mut n = rng.big(words) | BigUint::from(1u32);
                if round % 2 == 0 {
                    // Plant a factor: n − (n mod p) + p is odd times p
                    // when it is odd; otherwise add p once more.
                    let p = planted[(round / 2 + words) % planted.len()];
                    n = &n - (&n % p) + p;
                    if !n.bit(0) {
                        n += p;
                    }
                }
                assert_eq!(
                    small_prime_factor(&words_of(&n)),
                    naive_small_factor(&n),
                    "{words} words, round {round}"
                );
            }
        }
        // A product of two primes above the bound has no small factor.
        let n = BigUint::from(65_539u32) * BigUint::from(65_543u32);
        assert_eq!(small_prime_factor(&words_of(&n)), None);
        assert_eq!(
            small_prime_factor(&words_of(&(n * 65_537u32))),
            Some(65_537)
        );
        assert_eq!(small_prime_factor(&[6]), Some(2));
        assert_eq!(small_prime_factor(&[]), Some(2));
    }
}
