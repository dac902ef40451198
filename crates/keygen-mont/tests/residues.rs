//! Residues modulo small primes: the AVX-512 kernel against the portable one
//! (and that against num-bigint), on every odd prime below 2^20.

use keygen_mont::{RESIDUE_PRIME_LIMIT, WORDS, small_residues, small_residues_portable};
use num_bigint::BigUint;
use proptest::prelude::*;

mod common;
use common::big;

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
