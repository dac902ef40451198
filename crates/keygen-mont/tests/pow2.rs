//! Both kernels against num-bigint's modpow, and against each other.

use keygen_mont::{
    LANES, LaneKernel, WORDS, Words, fermat_base_two, fermat_base_two_on, pow2_mod,
    pow2_mod_portable,
};
use num_bigint::BigUint;

mod common;
use common::{big, words};
use proptest::prelude::*;

/// A modulus the kernels accept from arbitrary words: odd, top bit set.
fn modulus(mut w: Words) -> Words {
    w[0] |= 1;
    w[WORDS - 1] |= 1 << 63;
    w
}

fn expected(n: &Words, e: &Words) -> Words {
    words(&BigUint::from(2u32).modpow(&big(e), &big(n)))
}

fn arb_words() -> impl Strategy<Value = Words> {
    prop::array::uniform32(any::<u64>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn fast_and_portable_agree_with_modpow(
        ns in prop::array::uniform8(arb_words()),
        es in prop::array::uniform8(arb_words()),
    ) {
        let ns: Vec<Words> = ns.into_iter().map(modulus).collect();
        let fast = pow2_mod(&ns, &es);
        let portable = pow2_mod_portable(&ns[..2], &es[..2]);
        for i in 0..LANES {
            let want = expected(&ns[i], &es[i]);
            prop_assert_eq!(fast[i], Some(want), "lane {}", i);
            if i < 2 {
                prop_assert_eq!(portable[i], Some(want), "portable lane {}", i);
            }
        }
    }
}

#[test]
fn edge_moduli_and_exponents() {
    let max = [u64::MAX; WORDS];
    let mut low = [0u64; WORDS];
    low[0] = 1;
    low[WORDS - 1] = 1 << 63;
    let zero = [0u64; WORDS];
    let ns = [max, low, max, low, max, low, max, low];
    let es = [zero, zero, max, max, low, low, max, zero];
    let fast = pow2_mod(&ns, &es);
    let portable = pow2_mod_portable(&ns, &es);
    for i in 0..LANES {
        let want = expected(&ns[i], &es[i]);
        assert_eq!(fast[i], Some(want), "lane {i}");
        assert_eq!(portable[i], Some(want), "portable lane {i}");
    }
}

#[test]
fn fermat_tells_primes_from_composites() {
    // 2^2048 − 1557 is the largest 2048-bit prime, so 2^2048 − 1555 is composite.
    let p = words(&((BigUint::from(1u32) << 2048u32) - BigUint::from(1557u32)));
    let composite = words(&((BigUint::from(1u32) << 2048u32) - BigUint::from(1555u32)));
    let mut even = p;
    even[0] &= !1;
    let got = fermat_base_two(&[p, composite, even, p]);
    assert_eq!(got, 0b1001);
    assert_eq!(fermat_base_two(&[p]), 1, "one lane");
    // Every kernel the caller can ask for gives the same answer; the
    // IFMA kernel (the fastest where the CPU has it) stops when asked.
    if !keygen_mont::avx512_available() {
        eprintln!("no AVX-512F on this CPU: LaneKernel::Avx512F runs the scalar kernel");
    }
    for kernel in [LaneKernel::Fastest, LaneKernel::Avx512F] {
        let lanes = [p, composite, even, p, composite, p, p, even];
        assert_eq!(
            fermat_base_two_on(kernel, &lanes, &|| false),
            Some(0b0110_1001),
            "{kernel:?}"
        );
    }
    let stopped = fermat_base_two_on(LaneKernel::Fastest, &[p], &|| true);
    if keygen_mont::ifma_available() {
        assert_eq!(stopped, None, "the IFMA kernel gives a stopped batch up");
    } else {
        assert_eq!(stopped, Some(1), "other kernels run a batch to its end");
    }
    assert_eq!(
        fermat_base_two_on(LaneKernel::Avx512F, &[p], &|| true),
        Some(1)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The scalar kernel, whatever the CPU, against modpow: with its ADX
    /// products where the CPU has them, and with its plain-Rust ones.
    #[test]
    fn scalar_agrees_with_modpow(
        ns in prop::array::uniform2(arb_words()),
        es in prop::array::uniform2(arb_words()),
    ) {
        let ns: Vec<Words> = ns.into_iter().map(modulus).collect();
        let got = keygen_mont::pow2_mod_scalar(&ns, &es);
        let words_only = keygen_mont::pow2_mod_words(&ns, &es);
        for i in 0..2 {
            let want = Some(expected(&ns[i], &es[i]));
            prop_assert_eq!(got[i], want, "modulus {}", i);
            prop_assert_eq!(words_only[i], want, "plain-Rust products, modulus {}", i);
        }
    }
}

#[test]
fn scalar_edge_moduli_and_exponents() {
    let max = [u64::MAX; WORDS];
    let mut low = [0u64; WORDS];
    low[0] = 1;
    low[WORDS - 1] = 1 << 63;
    let zero = [0u64; WORDS];
    // N = 2^2047 + 1 makes R mod N = 2^2047 − 1 and every reduction carry
    // past 2^2048 at some point; N = 2^2048 − 1 makes R mod N = 1.
    let ns = [max, low, max, low, max, low];
    let es = [zero, zero, max, max, low, low];
    if !keygen_mont::adx_available() {
        eprintln!("no BMI2 and ADX on this CPU: the scalar kernel's ADX products are not tested");
    }
    let got = keygen_mont::pow2_mod_scalar(&ns, &es);
    let words_only = keygen_mont::pow2_mod_words(&ns, &es);
    for i in 0..ns.len() {
        let want = Some(expected(&ns[i], &es[i]));
        assert_eq!(got[i], want, "case {i}");
        assert_eq!(words_only[i], want, "plain-Rust products, case {i}");
    }
    let mut even = max;
    even[0] = u64::MAX - 1;
    assert_eq!(keygen_mont::pow2_mod_scalar(&[even], &[max]), vec![None]);
}
