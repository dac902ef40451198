//! Residues modulo small primes: the AVX-512 kernel against the portable one
//! (and that against num-bigint), on every odd prime below 2^20.

use keygen_mont::{
    RESIDUE_PRIME_LIMIT, WORDS, sieve_offsets, small_residues, small_residues_portable,
};
use num_bigint::BigUint;
use proptest::prelude::*;

mod common;
use common::{big, words};

fn odd_primes() -> Vec<u32> {
    let limit = RESIDUE_PRIME_LIMIT as usize;
    let mut composite = vec![false; limit];
    let mut primes = Vec::new();
    for i in (3..limit).step_by(2) {
        if !composite[i] {
            primes.push(i as u32);
            for j in (i * i..limit).step_by(2 * i) {
                composite[j] = true;
            }
        }
    }
    primes
}

#[test]
fn every_prime_below_the_limit() {
    let primes = odd_primes();
    assert_eq!(primes.len(), 82_024);
    for n in [[u64::MAX; WORDS], [0; WORDS], {
        let mut w = [0x0123_4567_89ab_cdef_u64; WORDS];
        w[0] = 1;
        w
    }] {
        let portable = small_residues_portable(&n, &primes);
        if let Some(fast) = small_residues(&n, &primes) {
            assert_eq!(fast, portable);
        }
        let nb = big(&n);
        for (&p, &r) in primes.iter().zip(&portable).step_by(997) {
            assert_eq!(BigUint::from(r), &nb % p);
        }
    }
}

/// Numbers whose residues sit at the edges of the quotient estimate: n a
/// multiple of many of the primes (the last Horner step divides exactly,
/// where the one-sided estimate is one too low and the correction must
/// finish) and n − 1 (the last step lands one below a multiple), for runs
/// of primes from the smallest, the middle and the largest below the limit.
#[test]
fn multiples_of_the_primes_and_one_below() {
    let primes = odd_primes();
    let len = primes.len();
    for run in [0..len, len / 2..len, len - 2_000..len] {
        // The largest product of consecutive primes of the run below 2^2048.
        let mut product = BigUint::from(1u32);
        for &p in &primes[run] {
            let next = &product * p;
            if next.bits() > 2048 {
                break;
            }
            product = next;
        }
        for n in [product.clone(), product - 1u32] {
            let w = words(&n);
            let portable = small_residues_portable(&w, &primes);
            let Some(fast) = small_residues(&w, &primes) else {
                eprintln!("multiples_of_the_primes_and_one_below: skipped, no AVX-512F");
                return;
            };
            assert_eq!(fast, portable);
        }
    }
}

/// The least k ≥ 0 with p | n + 2k, from n mod p.
fn offset(p: u32, r: u32) -> u32 {
    let p = u64::from(p);
    ((p - u64::from(r)) % p * p.div_ceil(2) % p) as u32
}

/// The sieve's offsets against the portable residues, on every prime below
/// the limit (and checked with num-bigint on some), for numbers with
/// residues 0 and p − 1 at many primes as well as arbitrary ones.
#[test]
fn sieve_offsets_on_every_prime() {
    let primes = odd_primes();
    let mut product = BigUint::from(1u32);
    for &p in primes.iter().rev() {
        let next = &product * p;
        if next.bits() > 2048 {
            break;
        }
        product = next;
    }
    for n in [
        [u64::MAX; WORDS],
        [0x0123_4567_89ab_cdef_u64; WORDS],
        words(&product),
        words(&(product - 1u32)),
    ] {
        let Some(offsets) = sieve_offsets(&n, &primes) else {
            eprintln!("sieve_offsets_on_every_prime: skipped, this CPU has no AVX-512F");
            return;
        };
        let residues = small_residues_portable(&n, &primes);
        for ((&p, &r), &k) in primes.iter().zip(&residues).zip(&offsets) {
            assert_eq!(k, offset(p, r), "p = {p}");
        }
        let nb = big(&n);
        for (&p, &k) in primes.iter().zip(&offsets).step_by(499) {
            assert!(k < p);
            assert_eq!((&nb + 2u32 * k) % p, BigUint::from(0u32), "p = {p}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_numbers_and_primes(
        n in prop::array::uniform32(any::<u64>()),
        picks in prop::collection::vec(0usize..82_024, 1..40),
    ) {
        let all = odd_primes();
        let primes: Vec<u32> = picks.iter().map(|&i| all[i]).collect();
        let portable = small_residues_portable(&n, &primes);
        let nb = big(&n);
        for (&p, &r) in primes.iter().zip(&portable) {
            prop_assert_eq!(BigUint::from(r), &nb % p);
        }
        if let Some(fast) = small_residues(&n, &primes) {
            prop_assert_eq!(fast, portable);
        }
    }
}
