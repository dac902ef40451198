//! The smallest small prime factor, the dispatching entry point (the IFMA
//! first level when the CPU has it, else AVX-512F when it has that), the
//! AVX-512F kernel asked for by name, and the scalar kernel, against a plain
//! remainder for every prime.

mod common;

use common::big;
use keygen_mont::{
    LaneKernel, LeafBlock, LeafTable, PRIME_LIMIT, smallest_factor, smallest_factor_on,
    smallest_factor_scalar,
};
use num_bigint::BigUint;
use proptest::prelude::*;

/// The odd primes below `bound`, by a sieve of Eratosthenes.
fn odd_primes(bound: u32) -> Vec<u32> {
    let bound = bound as usize;
    let mut composite = vec![false; bound];
    let mut primes = Vec::new();
    for i in 3..bound {
        if !composite[i] && i % 2 == 1 {
            primes.push(i as u32);
            let mut j = i * i;
            while j < bound {
                composite[j] = true;
                j += i;
            }
        }
    }
    primes
}

fn table(primes: &[u32], per_block: usize) -> LeafTable {
    LeafTable::from_primes(primes, per_block).expect("increasing odd primes")
}

fn primes_to_65537() -> &'static [u32] {
    static PRIMES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| odd_primes(65_538))
}

fn words(x: &BigUint) -> Vec<u64> {
    x.to_u64_digits()
}

fn naive(n: &BigUint, primes: &[u32]) -> Option<u32> {
    primes
        .iter()
        .copied()
        .find(|&p| n % p == BigUint::from(0u32))
}

fn check(n: &BigUint, primes: &[u32], table: &LeafTable) -> Result<(), TestCaseError> {
    let want = naive(n, primes);
    prop_assert_eq!(smallest_factor(&words(n), table), want);
    prop_assert_eq!(
        smallest_factor_on(LaneKernel::Avx512F, &words(n), table),
        want
    );
    prop_assert_eq!(smallest_factor_scalar(&words(n), table), want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random numbers of every length to 8,192 bits, with up to three
    /// planted factors from the table.
    #[test]
    fn matches_remainders(
        n in prop::collection::vec(any::<u64>(), 1..=128),
        planted in prop::collection::vec(any::<prop::sample::Index>(), 0..=3),
    ) {
        let primes = primes_to_65537();
        let table = table(primes, 8);
        let mut x = big(&n);
        for index in &planted {
            x *= *index.get(primes);
        }
        check(&x, primes, &table)?;
    }
}

#[test]
fn edge_numbers_and_shapes() {
    let primes = primes_to_65537();
    for per_block in [1, 3, 7, 8] {
        let table = table(primes, per_block);
        for n in [
            BigUint::from(1u32),
            BigUint::from(0u32),
            BigUint::from(65_537u32) * 65_539u32,
            BigUint::from(65_539u32) * 65_543u32,
            (BigUint::from(1u32) << 4096u32) - 1u32,
            BigUint::from(3u32) << 4000u32,
        ] {
            check(&n, primes, &table).unwrap();
        }
        // Every prime, alone and times a large cofactor.
        for &p in primes
            .iter()
            .step_by(97)
            .chain([3, 5, 65_521, 65_537].iter())
        {
            check(&BigUint::from(p), primes, &table).unwrap();
            let x = (BigUint::from(1u32) << 4095u32) + 1u32;
            check(&(x * p), primes, &table).unwrap();
        }
    }
    // Primes up to the limit.
    let large = odd_primes(PRIME_LIMIT);
    let large = &large[large.len() - 40..];
    let table = table(large, 8);
    let n = BigUint::from(large[17]) * large[30] * ((BigUint::from(1u32) << 3000u32) + 3u32);
    check(&n, large, &table).unwrap();
    if !keygen_mont::ifma_available() {
        eprintln!(
            "edge_numbers_and_shapes: the IFMA first level skipped, this CPU has no AVX-512 IFMA"
        );
    }
    if !keygen_mont::avx512_available() {
        eprintln!(
            "edge_numbers_and_shapes: the AVX-512F kernel skipped, this CPU has no AVX-512F (the scalar kernel answered for both)"
        );
    }
}

#[test]
fn table_shapes() {
    let primes = primes_to_65537();
    assert_eq!(LeafTable::from_primes(&[], 8), None, "no prime");
    assert_eq!(LeafTable::from_primes(primes, 0), None, "no leaf a block");
    assert_eq!(
        LeafTable::from_primes(primes, 9),
        None,
        "more leaves than lanes"
    );
    assert_eq!(
        LeafTable::from_primes(&[3, 9, 5], 7),
        None,
        "not increasing"
    );
    // A prime out of order that starts a leaf (and a block) of its own.
    assert_eq!(
        LeafTable::from_primes(&[65_519, 65_521, 65_537, 65_539, 3], 1),
        None,
        "not increasing across leaves"
    );
    // Seven leaves a block at most: every block full but the last.
    let t = table(primes, 7);
    assert_eq!(t.leaves(), 1577);
    assert_eq!(t.blocks().len(), 1577usize.div_ceil(7));
    // Eight: a block takes an eighth leaf when the product stays below
    // 2^448, so there are fewer blocks.
    let t8 = table(primes, 8);
    assert_eq!(t8.leaves(), 1577);
    assert!(t8.blocks().len() < t.blocks().len());
    assert!(t8.blocks().iter().any(|b| b.len() == 8));
    assert!(
        t8.blocks()
            .iter()
            .all(|b| (7..=8).contains(&b.len()) || b == t8.blocks().last().unwrap())
    );
    assert_eq!(table(&[3], 1).leaves(), 1);
}

#[test]
fn refused_blocks() {
    assert!(LeafBlock::with_primes(&[&[3, 5], &[7]]).is_some());
    assert_eq!(LeafBlock::with_primes(&[]), None, "no leaf");
    assert_eq!(LeafBlock::with_primes(&[&[]]), None, "empty leaf");
    assert_eq!(LeafBlock::with_primes(&[&[5, 3]]), None, "decreasing");
    assert_eq!(LeafBlock::with_primes(&[&[3], &[3]]), None, "repeated");
    assert_eq!(LeafBlock::with_primes(&[&[4]]), None, "even");
    assert_eq!(LeafBlock::with_primes(&[&[1]]), None, "below 3");
    assert_eq!(
        LeafBlock::with_primes(&[&[PRIME_LIMIT + 1]]),
        None,
        "too large"
    );
    let big_leaf = [65_519u32, 65_521, 65_537, 65_539, 65_543];
    assert_eq!(LeafBlock::with_primes(&[&big_leaf]), None, "leaf past 2^64");
    let leaves: Vec<Vec<u32>> = odd_primes(1 << 16)
        .rchunks(4)
        .take(9)
        .map(<[u32]>::to_vec)
        .collect();
    let mut leaves: Vec<&[u32]> = leaves.iter().map(Vec::as_slice).collect();
    leaves.reverse();
    assert_eq!(LeafBlock::with_primes(&leaves), None, "nine leaves");
    assert_eq!(
        LeafBlock::with_primes(&leaves[1..]),
        None,
        "product past 2^448"
    );
    assert!(LeafBlock::with_primes(&leaves[2..]).is_some());
}
