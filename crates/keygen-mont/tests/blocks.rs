//! The two-level reduction (residues modulo products of small primes)
//! against num-bigint: the scalar kernel on any CPU, the AVX-512F kernel on
//! a CPU that has it.

use keygen_mont::{
    BLOCK_DIGIT_BITS, BLOCK_DIGITS, LEAF_STEPS, LeafBlock, LeafTable, block_multiple,
    reduce_leaves, reduce_leaves_scalar,
};
use num_bigint::BigUint;
use proptest::prelude::*;

mod common;
use common::big;

/// Digits of n beyond the 17 of the block window: the power of 2^−30 in a
/// block residue.
fn steps(n_words: usize) -> u32 {
    ((n_words * 64).div_ceil(BLOCK_DIGIT_BITS as usize) as u32)
        .saturating_sub(BLOCK_DIGITS as u32 + 1)
}

fn check_leaves(n: &[u64], groups: &[Vec<u64>]) -> Result<(), TestCaseError> {
    let table = LeafTable::new(
        groups
            .iter()
            .map(|g| LeafBlock::new(g).expect("odd leaves, product below 2^448"))
            .collect(),
    );
    prop_assert_eq!(table.blocks().len(), groups.len());
    let leaves = groups.iter().map(Vec::len).sum::<usize>();
    // The scalar kernel: words congruent to n·2^(−64(k + 1)), k the words
    // of n beyond 8 when it has more than 9.
    let scalar = reduce_leaves_scalar(n, &table);
    prop_assert_eq!(scalar.len(), leaves);
    let k = if n.len() <= 9 { 0 } else { n.len() - 8 };
    let shift = BigUint::from(1u32) << (64 * (k + 1));
    for (leaf, &r) in groups.iter().flatten().zip(&scalar) {
        let leaf = BigUint::from(*leaf);
        prop_assert_eq!(BigUint::from(r) * &shift % &leaf, big(n) % &leaf);
    }
    // The AVX-512F kernel, when the CPU has it: numbers below 2^95
    // congruent to n·2^(−30(k + LEAF_STEPS)), k the 30-bit digits of n
    // beyond 17.
    if let Some(fast) = reduce_leaves(n, &table) {
        prop_assert_eq!(fast.len(), leaves);
        let shift = BigUint::from(1u32) << (BLOCK_DIGIT_BITS * (steps(n.len()) + LEAF_STEPS));
        for (leaf, &r) in groups.iter().flatten().zip(&fast) {
            prop_assert!(r < 1u128 << 95);
            let leaf = BigUint::from(*leaf);
            prop_assert_eq!(BigUint::from(r) * &shift % &leaf, big(n) % &leaf);
        }
    }
    Ok(())
}

/// One to seven odd 64-bit leaves (their product is below 2^448), the
/// smaller ones as likely as the larger.
fn leaves() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec((any::<u64>(), 0..64u32), 1..=7)
        .prop_map(|ls| ls.into_iter().map(|(l, drop)| (l >> drop) | 1).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn leaf_residues_are_congruent(
        n in prop::collection::vec(any::<u64>(), 1..=256),
        groups in prop::collection::vec(leaves(), 1..=20),
    ) {
        check_leaves(&n, &groups)?;
    }
}

#[test]
fn extreme_values() {
    let groups = vec![
        vec![u64::MAX; 7],
        vec![1],
        vec![3, 5, 7, 9, 11, 13, 15, 17],
        vec![u64::MAX, u64::MAX, 1],
        vec![u64::MAX; 6],
    ];
    for n in [
        vec![u64::MAX; 64],
        vec![0; 64],
        vec![u64::MAX; 256],
        vec![7],
    ] {
        check_leaves(&n, &groups).unwrap();
    }
    for d in [vec![u64::MAX; 7], vec![1], vec![u64::MAX, 1]] {
        let multiple = block_multiple(&d).expect("odd, below 2^448");
        // D·u in 30-bit digits, the lowest all ones.
        assert_eq!(multiple[0], (1 << BLOCK_DIGIT_BITS) - 1);
        let value = multiple
            .iter()
            .rev()
            .fold(BigUint::from(0u32), |v, &digit| {
                (v << BLOCK_DIGIT_BITS) + digit
            });
        assert_eq!(value % big(&d), BigUint::from(0u32));
    }
    assert_eq!(block_multiple(&[2]), None, "even");
    assert_eq!(block_multiple(&[1, 0, 0, 0, 0, 0, 0, 1]), None, "too large");
    assert_eq!(LeafBlock::new(&[]), None, "no leaf");
    assert_eq!(LeafBlock::new(&[4]), None, "even leaf");
    assert_eq!(LeafBlock::new(&[3; 9]), None, "more than eight leaves");
    assert_eq!(
        LeafBlock::new(&[u64::MAX; 8]),
        None,
        "product of 2^448 or more"
    );
    assert_eq!(
        LeafBlock::new(&[
            u64::MAX,
            u64::MAX,
            u64::MAX,
            u64::MAX,
            u64::MAX,
            u64::MAX,
            u64::MAX,
            1
        ])
        .map(|b| b.len()),
        Some(8),
        "the largest product"
    );
    assert_eq!(LeafBlock::new(&[3, 5]).map(|b| b.len()), Some(2));
}
