//! Residues modulo small primes: the AVX-512 kernel against the portable one
//! (and that against num-bigint), on every odd prime below 2^20; the
//! sieve's offsets from the AVX-512 kernel and from the scalar one (which
//! also takes the primes up to 2^24).

use keygen_mont::{
    OFFSET_PRIME_LIMIT, OffsetTable, RESIDUE_PRIME_LIMIT, WORDS, sieve_offsets,
    sieve_offsets_scalar, small_residues, small_residues_portable,
};
use num_bigint::BigUint;
use proptest::prelude::*;

mod common;
use common::{big, words};

fn odd_primes() -> Vec<u32> {
    odd_primes_below(RESIDUE_PRIME_LIMIT)
}

fn odd_primes_below(limit: u32) -> Vec<u32> {
    let limit = limit as usize;
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

/// The largest product of the first primes of `primes` below 2^2048.
fn product_below_2_2048(primes: &[u32]) -> BigUint {
    let mut product = BigUint::from(1u32);
    for &p in primes {
        let next = &product * p;
        if next.bits() > 2048 {
            break;
        }
        product = next;
    }
    product
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
        let product = product_below_2_2048(&primes[run]);
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
    let largest: Vec<u32> = primes.iter().rev().copied().collect();
    let product = product_below_2_2048(&largest);
    let table = OffsetTable::new(&primes);
    assert_eq!(table.len(), primes.len());
    for n in [
        [u64::MAX; WORDS],
        [0; WORDS],
        [0x0123_4567_89ab_cdef_u64; WORDS],
        words(&product),
        words(&(product - 1u32)),
    ] {
        let residues = small_residues_portable(&n, &primes);
        let scalar = sieve_offsets_scalar(&n, &table);
        for ((&p, &r), &k) in primes.iter().zip(&residues).zip(&scalar) {
            assert_eq!(k, offset(p, r), "scalar, p = {p}");
        }
        let nb = big(&n);
        for (&p, &k) in primes.iter().zip(&scalar).step_by(499) {
            assert!(k < p);
            assert_eq!((&nb + 2u32 * k) % p, BigUint::from(0u32), "p = {p}");
        }
        match sieve_offsets(&n, &primes) {
            Some(lanes) => assert_eq!(lanes, scalar),
            None => eprintln!("sieve_offsets_on_every_prime: AVX-512F lanes skipped, no AVX-512F"),
        }
    }
}

/// Every leaf of the scalar offsets divides a number exactly, or leaves one
/// less: products of three and four consecutive primes, the smallest and
/// the largest, multiplied up to 2048 bits and less one.
#[test]
fn scalar_offsets_at_the_leaves_edges() {
    let primes = odd_primes();
    let table = OffsetTable::new(&primes);
    let len = primes.len();
    for run in [0..len, len - 600..len] {
        let product = product_below_2_2048(&primes[run]);
        for n in [product.clone(), product - 1u32] {
            let w = words(&n);
            let residues = small_residues_portable(&w, &primes);
            let scalar = sieve_offsets_scalar(&w, &table);
            for ((&p, &r), &k) in primes.iter().zip(&residues).zip(&scalar) {
                assert_eq!(k, offset(p, r), "p = {p}");
            }
        }
    }
}

/// The scalar offsets for primes beyond the lanes' bound, up to 2^24 (two
/// primes to a leaf there), against num-bigint: every prime below 2^22 and
/// every fifth above, for arbitrary numbers and for products of the largest
/// primes and one less.
#[test]
fn scalar_offsets_up_to_the_offset_limit() {
    let primes = odd_primes_below(OFFSET_PRIME_LIMIT);
    assert_eq!(primes.len(), 1_077_870);
    assert_eq!(primes.last(), Some(&16_777_213));
    let table = OffsetTable::new(&primes);
    let largest: Vec<u32> = primes.iter().rev().copied().collect();
    let product = product_below_2_2048(&largest);
    for n in [
        [u64::MAX; WORDS],
        [0x0123_4567_89ab_cdef_u64; WORDS],
        words(&product),
        words(&(product - 1u32)),
    ] {
        let scalar = sieve_offsets_scalar(&n, &table);
        assert_eq!(scalar.len(), primes.len());
        let nb = big(&n);
        for (i, (&p, &k)) in primes.iter().zip(&scalar).enumerate() {
            if p >= 1 << 22 && i % 5 != 0 {
                continue;
            }
            let r = u32::try_from(&nb % p).unwrap();
            assert_eq!(k, offset(p, r), "p = {p}");
        }
    }
}

#[test]
#[should_panic(expected = "below 2^24")]
fn the_table_refuses_a_prime_at_the_offset_limit() {
    let _ = OffsetTable::new(&[3, 16_777_259]);
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
            prop_assert_eq!(&fast, &portable);
        }
        let scalar = sieve_offsets_scalar(&n, &OffsetTable::new(&primes));
        for ((&p, &r), &k) in primes.iter().zip(&portable).zip(&scalar) {
            prop_assert_eq!(k, offset(p, r));
        }
    }
}
