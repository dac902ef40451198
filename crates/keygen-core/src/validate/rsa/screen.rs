//! One gcd in front of two checks: a modulus coprime to the product of
//! every odd prime up to [`SMALL_PRIME_BOUND`](super::SMALL_PRIME_BOUND) and the known shared primes
//! of its size has neither a small prime factor nor a known shared prime,
//! so `small_factor` and `shared_prime` need not look.
//!
//! The shared-prime check already pays for a remainder of its product
//! modulo `n` and a gcd; folding the 94,042-bit product of the small
//! primes into that product makes the remainder longer (one word
//! multiplication per word of the product per word of `n`) and spares the
//! small-prime check's own residues. That pays where the remainder runs in
//! keygen-mont's ADX assembly and the small-prime check on its scalar
//! kernel: on x86-64 CPUs with BMI2 and ADX but no AVX-512 (measured in
//! BENCHMARKING.md). With AVX-512 the small-prime check runs in vector lanes
//! and the screen is not used; nor where the remainder would be plain Rust.
//!
//! A modulus the screen does not clear goes through both checks as if there
//! were no screen, so the verdicts and their reasons do not depend on it.

use std::sync::OnceLock;

use dashu_int::UBig;

use super::small_factor::small_primes;
use super::{RsaKey, shared_prime};

/// Whether the screen runs for `n` (little-endian words) on this CPU.
fn worth_it(n: &[u64]) -> bool {
    #[cfg(test)]
    if let Some(forced) = tests::FORCED.get() {
        return forced;
    }
    !keygen_mont::avx512_available() && keygen_mont::fast_remainder(n)
}

/// Whether `key` is cleared of small prime factors and known shared primes
/// (`false` also when the screen does not run for it: the two checks then
/// decide).
pub(super) fn clears(key: &RsaKey<'_>) -> bool {
    worth_it(&key.words) && coprime(key)
}

/// Whether `key`'s modulus is odd and coprime to [`product`] of its size,
/// on any CPU (the remainder is only slower without ADX).
fn coprime(key: &RsaKey<'_>) -> bool {
    // An even modulus was refused before; one that could not be tested
    // (`None`) is not cleared.
    shared_prime::coprime_to(product(key.bits), &key.words) == Some(true)
}

/// The screen's product for moduli of `bits` bits: the odd primes up to
/// [`SMALL_PRIME_BOUND`](super::SMALL_PRIME_BOUND) times the known shared primes of that size, if
/// badkeys lists them. Built once per size (milliseconds).
fn product(bits: u32) -> &'static [u64] {
    static ODD_PRIMES_ONLY: OnceLock<Vec<u64>> = OnceLock::new();
    static WITH_SHARED: [OnceLock<Vec<u64>>; shared_prime::LISTED_SIZES.len()] =
        [const { OnceLock::new() }; shared_prime::LISTED_SIZES.len()];
    match shared_prime::LISTED_SIZES.iter().position(|&b| b == bits) {
        Some(i) => WITH_SHARED[i].get_or_init(|| {
            let shared = shared_prime::product_of(bits).unwrap_or(&[1]);
            words_of(&(odd_primes_product() * shared_prime::to_ubig(shared)))
        }),
        None => ODD_PRIMES_ONLY.get_or_init(|| words_of(&odd_primes_product())),
    }
}

/// The product of the odd primes up to [`SMALL_PRIME_BOUND`](super::SMALL_PRIME_BOUND) (94,042 bits).
fn odd_primes_product() -> UBig {
    // Pairwise, so that the multiplications are of equal sizes.
    let mut level: Vec<UBig> = small_primes()[1..].iter().map(|&p| UBig::from(p)).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| pair.iter().fold(UBig::ONE, |acc, x| acc * x))
            .collect();
    }
    level.pop().unwrap_or(UBig::ONE)
}

/// Little-endian 64-bit words of `x`.
fn words_of(x: &UBig) -> Vec<u64> {
    x.to_le_bytes()
        .chunks(8)
        .map(|chunk| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            u64::from_le_bytes(word)
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;

    use num_bigint::BigUint;
    use num_integer::Integer as _;

    use super::super::test_util::{
        Rng, from_words as big, naive_small_factor, words_of as big_words,
    };
    use super::*;

    #[test]
    fn products_are_the_primes_times_the_lists() {
        let primes = big(product(3072));
        assert_eq!(primes.bits(), 94_042);
        for p in [3u32, 5, 65_521, 65_537] {
            assert!(primes.is_multiple_of(&BigUint::from(p)), "{p}");
        }
        assert!(primes.is_odd(), "the product holds 2");
        assert!(!primes.is_multiple_of(&BigUint::from(65_539u32)));
        for bits in shared_prime::LISTED_SIZES {
            let shared = big(shared_prime::product_of(bits).expect("a listed size"));
            assert_eq!(big(product(bits)), &primes * shared, "{bits} bits");
        }
        assert_eq!(product(1024), product(3072), "sizes without a list");
    }

    thread_local! {
        /// The screen on (`Some(true)`) or off (`Some(false)`) whatever the
        /// CPU, for the tests on this thread (each test has its own).
        pub(super) static FORCED: Cell<Option<bool>> = const { Cell::new(None) };
    }

    /// The screen's answer against the two checks'.
    fn agrees(n: &BigUint, bits: u32) {
        let words = big_words(n);
        let key = RsaKey {
            e: &[1, 0, 1],
            n: &[],
            bits,
            e_bits: 17,
            words: words.clone(),
            cleared: false,
        };
        let neither = naive_small_factor(n).is_none()
            && shared_prime::product_of(bits).is_none_or(|p| big(p).gcd(n) == BigUint::from(1u32));
        assert_eq!(coprime(&key), neither, "{bits} bits");
    }

    #[test]
    fn clears_exactly_the_moduli_both_checks_pass() {
        if !worth_it(&[1; 64]) {
            eprintln!(
                "the screen does not run on this CPU (AVX-512, or no BMI2 and ADX): its answer is tested, not its use"
            );
        }
        let mut rng = Rng(21);
        for bits in [2048u32, 3072, 4096] {
            let words = bits as usize / 64;
            for round in 0..8 {
                let mut n =
                    rng.big(words) | BigUint::from(1u32) | (BigUint::from(1u32) << (bits - 1));
                if round == 1 {
                    // A planted small factor, n kept odd.
                    n = &n - (&n % 65_537u32) + 65_537u32;
                    if !n.bit(0) {
                        n += 65_537u32;
                    }
                }
                agrees(&n, bits);
            }
        }
        // A modulus sharing a prime of the 2048-bit list (a certificate's
        // key from crt.sh, badkeys' example).
        let line = include_str!("../../../tests/examples/fail_rsa_known_shared_prime_crtsh.pub");
        let key = ssh_key::PublicKey::from_openssh(line.trim()).expect("the vector parses");
        let rsa = key.key_data().rsa().expect("an RSA key");
        let n = BigUint::from_bytes_be(rsa.n.as_positive_bytes().expect("positive"));
        assert_eq!(n.bits(), 2048);
        agrees(&n, 2048);
        let words = big_words(&n);
        assert!(!coprime(&RsaKey {
            e: &[1, 0, 1],
            n: &[],
            bits: 2048,
            e_bits: 17,
            words,
            cleared: false
        }));
        // An even modulus is left to the checks.
        let key = RsaKey {
            e: &[1, 0, 1],
            n: &[],
            bits: 4096,
            e_bits: 17,
            words: vec![2; 64],
            cleared: false,
        };
        assert!(!coprime(&key) && !clears(&key));
    }

    /// Every RSA test vector gets the same verdict, reason, size and
    /// warnings with the screen on and off, whatever the CPU would choose;
    /// and the screen does clear the sound ones.
    #[test]
    fn the_screen_changes_no_verdict() {
        use super::super::{Policy, check};
        let policy = Policy {
            min_bits: 1024,
            max_exponent_bits: 32,
            prime_modulus: true,
        };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/examples");
        let mut judged = 0;
        let mut cleared = 0;
        for entry in std::fs::read_dir(dir).expect("the test vectors") {
            let path = entry.expect("a directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let Ok(line) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some(rsa) = ssh_key::PublicKey::from_openssh(line.trim())
                .ok()
                .and_then(|k| k.key_data().rsa().cloned())
            else {
                continue;
            };
            let (Some(e), Some(n)) = (rsa.e.as_positive_bytes(), rsa.n.as_positive_bytes()) else {
                continue;
            };
            let judge = |on: bool| {
                FORCED.set(Some(on));
                let mut warnings = Vec::new();
                let verdict = check(e, n, policy, &mut warnings);
                FORCED.set(None);
                (verdict, warnings)
            };
            let (on, off) = (judge(true), judge(false));
            assert_eq!(format!("{on:?}"), format!("{off:?}"), "{name}");
            judged += 1;
            let words = big_words(&BigUint::from_bytes_be(n));
            let bits = u32::try_from(BigUint::from_bytes_be(n).bits()).unwrap_or(u32::MAX);
            let key = RsaKey {
                e,
                n,
                bits,
                e_bits: 17,
                words,
                cleared: false,
            };
            if name.starts_with("ok_") {
                assert!(coprime(&key), "{name}: a sound key is cleared");
                cleared += 1;
            }
        }
        assert!(
            judged >= 25 && cleared >= 5,
            "{judged} vectors judged, {cleared} cleared"
        );
    }
}
