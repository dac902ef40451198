//! Residues modulo small primes: the AVX-512 kernel against the portable one
//! (and that against num-bigint), on every odd prime below 2^20.

use keygen_mont::{RESIDUE_PRIME_LIMIT, WORDS, small_residues, small_residues_portable};
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
/// multiple of many of the primes (the last Horner step divides exactly) and
/// n − 1 (the last step lands one below a multiple, where a quotient
/// estimated one too high would go negative), for runs of primes from the
/// smallest, the middle and the largest below the limit.
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
            if let Some(fast) = small_residues(&w, &primes) {
                assert_eq!(fast, portable);
            }
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
