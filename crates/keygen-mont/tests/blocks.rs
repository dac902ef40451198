//! The block reduction (residues modulo products of small primes) against
//! num-bigint, fast and portable kernels alike.

use keygen_mont::{BLOCK_DIGITS, block_multiple, reduce_blocks, reduce_blocks_portable};
use num_bigint::BigUint;
use proptest::prelude::*;

fn big(words: &[u64]) -> BigUint {
    BigUint::from_slice(
        &words
            .iter()
            .flat_map(|x| [*x as u32, (*x >> 32) as u32])
            .collect::<Vec<_>>(),
    )
}

/// Digits of n beyond the 18 of the window: the power of 2^−28 in the
/// residue.
fn steps(n_words: usize) -> u32 {
    ((n_words * 64).div_ceil(28) as u32).saturating_sub(BLOCK_DIGITS as u32 + 1)
}

fn check(n: &[u64], ds: &[Vec<u64>]) -> Result<(), TestCaseError> {
    let blocks: Vec<_> = ds
        .iter()
        .map(|d| block_multiple(d).expect("odd, small"))
        .collect();
    let fast = reduce_blocks(n, &blocks);
    let portable = reduce_blocks_portable(n, &blocks);
    prop_assert_eq!(&fast, &portable);
    let shift = BigUint::from(1u32) << (28 * steps(n.len()));
    for (d, r) in ds.iter().zip(&fast) {
        let d = big(d);
        let r = big(r);
        prop_assert!(r < BigUint::from(1u32) << 505u32);
        prop_assert_eq!(r * &shift % &d, big(n) % &d);
    }
    Ok(())
}

fn block() -> impl Strategy<Value = Vec<u64>> {
    (1usize..=7).prop_flat_map(|len| {
        prop::collection::vec(any::<u64>(), len).prop_map(|mut d| {
            d[0] |= 1;
            d
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn residues_are_congruent(
        n in prop::collection::vec(any::<u64>(), 1..=256),
        ds in prop::collection::vec(block(), 1..=20),
    ) {
        check(&n, &ds)?;
    }
}

#[test]
fn extreme_values() {
    let ones = vec![u64::MAX; 7];
    let one = vec![1u64];
    let ds = vec![ones.clone(), one, vec![u64::MAX, 1], ones];
    for n in [
        vec![u64::MAX; 64],
        vec![0; 64],
        vec![u64::MAX; 256],
        vec![7],
    ] {
        check(&n, &ds).unwrap();
    }
    assert_eq!(block_multiple(&[2]), None, "even");
    assert_eq!(block_multiple(&[1, 0, 0, 0, 0, 0, 0, 1]), None, "too large");
}
