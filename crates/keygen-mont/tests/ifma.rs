//! The IFMA kernel on its emulated lanes (and on the native ones when the
//! CPU has AVX-512 IFMA): exponentiation, the base-2 Fermat batch and the
//! Miller–Rabin batch against num-bigint and against the other kernels.

use keygen_mont::{
    IfmaLanes, IfmaUnavailable, LANES, WORDS, Words, fermat_base_two_ifma, ifma_available,
    miller_rabin_ifma, miller_rabin_portable, pow2_mod, pow2_mod_ifma,
};
use num_bigint::BigUint;
use num_traits::One;
use proptest::prelude::*;

mod common;
use common::{big, words};

const EMULATED: IfmaLanes = IfmaLanes::Emulated;

/// A modulus the kernels accept from arbitrary words: odd, top bit set.
fn modulus(mut w: Words) -> Words {
    w[0] |= 1;
    w[WORDS - 1] |= 1 << 63;
    w
}

fn expected(n: &Words, e: &Words) -> Words {
    words(&BigUint::from(2u32).modpow(&big(e), &big(n)))
}

/// FIPS 186-5 B.3.1's test of `n` to one base, in num-bigint.
fn reference(n: &BigUint, base: &BigUint) -> bool {
    let one = BigUint::one();
    let minus_one = n - &one;
    let s = minus_one.trailing_zeros().unwrap_or(0);
    let d = &minus_one >> s;
    let mut x = (base % n).modpow(&d, n);
    if x == one || x == minus_one {
        return true;
    }
    for _ in 1..s {
        x = &x * &x % n;
        if x == minus_one {
            return true;
        }
    }
    false
}

fn reference_mask(n: &Words, bases: &[Words]) -> u8 {
    bases.iter().enumerate().fold(0, |acc, (i, b)| {
        acc | (u8::from(reference(&big(n), &big(b))) << i)
    })
}

/// The primes p = k·2^s + 1 of `data/primes.txt`, with their s.
fn primes() -> Vec<(u32, Words)> {
    include_str!("data/primes.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let s = fields[0].parse().ok()?;
            Some((s, words(&BigUint::parse_bytes(fields[1].as_bytes(), 16)?)))
        })
        .collect()
}

/// 2^2048 − 1557, the largest 2048-bit prime.
fn largest_prime() -> BigUint {
    (BigUint::from(1u32) << 2048u32) - 1557u32
}

fn arb_words() -> impl Strategy<Value = Words> {
    prop::array::uniform32(any::<u64>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn exponentiation_agrees_with_modpow(
        ns in prop::array::uniform8(arb_words()),
        es in prop::array::uniform8(arb_words()),
    ) {
        let ns: Vec<Words> = ns.into_iter().map(modulus).collect();
        let got = pow2_mod_ifma(EMULATED, &ns, &es).unwrap();
        for i in 0..LANES {
            prop_assert_eq!(got[i], Some(expected(&ns[i], &es[i])), "lane {}", i);
        }
    }

    #[test]
    fn miller_rabin_agrees_with_the_reference(
        n in arb_words(),
        b in prop::array::uniform8(arb_words()),
    ) {
        let n = modulus(n);
        let got = miller_rabin_ifma(EMULATED, &n, &b).unwrap();
        if n[0] & !1 == 0 {
            prop_assert_eq!(got, None);
        } else {
            prop_assert_eq!(got, Some(reference_mask(&n, &b)));
        }
    }
}

#[test]
fn edge_moduli_and_exponents() {
    let max = [u64::MAX; WORDS];
    let mut low = [0u64; WORDS];
    low[0] = 1;
    low[WORDS - 1] = 1 << 63;
    // Near 2^2048 and near 2^2047, with mixed low words.
    let near_top = words(&(largest_prime() - (BigUint::from(7u32) << 1000u32)));
    let near_half =
        words(&((BigUint::from(1u32) << 2047u32) + (BigUint::from(5u32) << 1500u32) + 9u32));
    let zero = [0u64; WORDS];
    let ns = [max, low, near_top, near_half, max, low, near_top, near_half];
    let n_minus_one: Vec<Words> = ns.iter().map(|n| words(&(big(n) - 1u32))).collect();
    let es = [
        zero,
        max,
        n_minus_one[2],
        low,
        max,
        zero,
        ns[6],
        n_minus_one[3],
    ];
    let got = pow2_mod_ifma(EMULATED, &ns, &es).unwrap();
    let dispatched = pow2_mod(&ns, &es);
    for i in 0..LANES {
        let want = expected(&ns[i], &es[i]);
        assert_eq!(got[i], Some(want), "lane {i}");
        assert_eq!(dispatched[i], Some(want), "dispatched lane {i}");
    }
}

#[test]
fn invalid_and_missing_lanes() {
    let p = words(&largest_prime());
    let mut even = p;
    even[0] &= !1;
    let mut short = p;
    short[WORDS - 1] >>= 1;
    let got = pow2_mod_ifma(EMULATED, &[even, p, short], &[p, p, p]).unwrap();
    assert_eq!(got, vec![None, Some(expected(&p, &p)), None]);
    assert_eq!(pow2_mod_ifma(EMULATED, &[even], &[p]).unwrap(), vec![None]);
    assert_eq!(pow2_mod_ifma(EMULATED, &[], &[]).unwrap(), vec![]);
    assert_eq!(miller_rabin_ifma(EMULATED, &even, &[p]).unwrap(), None);
    // 2^64 divides n − 1: refused, as by the other kernels.
    assert_eq!(miller_rabin_ifma(EMULATED, &low_s64(), &[p]).unwrap(), None);
}

/// 2^2047 + 1: n − 1 = 2^2047.
fn low_s64() -> Words {
    words(&((BigUint::from(1u32) << 2047u32) + 1u32))
}

#[test]
fn fermat_tells_primes_from_composites() {
    let p = words(&largest_prime());
    let composite = words(&(largest_prime() + 2u32));
    let mut even = p;
    even[0] &= !1;
    let others: Vec<Words> = primes().into_iter().map(|(_, q)| q).take(4).collect();
    let mut batch = vec![p, composite, even, p];
    batch.extend(&others);
    assert_eq!(fermat_base_two_ifma(EMULATED, &batch).unwrap(), 0b1111_1001);
    assert_eq!(fermat_base_two_ifma(EMULATED, &[p]).unwrap(), 1, "one lane");
    assert_eq!(fermat_base_two_ifma(EMULATED, &[composite]).unwrap(), 0);
}

/// The batch that can be given up: the same answer as the plain one when
/// never stopped; stopped at once (`None`) on the IFMA kernel, which asks
/// every 128 squarings, and run to its end elsewhere.
#[test]
fn fermat_batches_can_be_given_up() {
    let p = words(&largest_prime());
    let composite = words(&(largest_prime() + 2u32));
    let batch = [p, composite, p, composite, composite, p, p, composite];
    let never = keygen_mont::fermat_base_two_or_stop(&batch, &|| false);
    assert_eq!(never, Some(keygen_mont::fermat_base_two(&batch)));
    assert_eq!(never, Some(0b0110_0101));
    let asked = std::cell::Cell::new(0u32);
    let at_once = keygen_mont::fermat_base_two_or_stop(&batch, &|| {
        asked.set(asked.get() + 1);
        true
    });
    if ifma_available() {
        assert_eq!(at_once, None);
        assert_eq!(asked.get(), 1, "stopped at the first look");
        // Stopped at the ninth look, after 1,152 of the 2,048 squarings.
        asked.set(0);
        let halfway = keygen_mont::fermat_base_two_or_stop(&batch, &|| {
            asked.set(asked.get() + 1);
            asked.get() > 8
        });
        assert_eq!((halfway, asked.get()), (None, 9));
    } else {
        eprintln!("fermat_batches_can_be_given_up: no AVX-512 IFMA, the batch runs to its end");
        assert_eq!(at_once, never);
    }
}

#[test]
fn miller_rabin_on_primes_liars_and_edge_bases() {
    let mut tested = 0;
    for (s, p) in primes() {
        let pb = big(&p);
        let bases = [
            words(&BigUint::from(2u32)),
            words(&(&pb - 1u32)),
            [0; WORDS],
            words(&BigUint::one()),
            words(&(&pb + 2u32)),
            words(&(&pb >> 3u32)),
            [u64::MAX; WORDS],
            words(&(&pb * 3u32 / 4u32)),
        ];
        let got = miller_rabin_ifma(EMULATED, &p, &bases).unwrap();
        if s >= 64 {
            assert_eq!(got, None, "s = {s} is refused");
            continue;
        }
        let want = reference_mask(&p, &bases);
        // Every base but 0 (n + 2 ≡ 2; 2^2048 − 1 is no multiple of p).
        assert_eq!(want, 0b1111_1011, "s = {s}: the reference");
        assert_eq!(got, Some(want), "s = {s}");
        assert_eq!(miller_rabin_portable(&p, &bases), Some(want), "s = {s}");
        assert_eq!(
            miller_rabin_ifma(EMULATED, &p, &bases[..3]).unwrap(),
            Some(0b011)
        );
        tested += 1;
        if tested == 3 {
            // Each batch is 2,100 emulated products: three primes suffice
            // here, the proptest adds random moduli.
            break;
        }
    }
    // A composite: the reference decides, base by base.
    let n = words(&(largest_prime() + 2u32));
    let bases = [
        words(&BigUint::from(2u32)),
        words(&(big(&n) - 1u32)),
        words(&BigUint::one()),
    ];
    let want = reference_mask(&n, &bases);
    assert_eq!(want, 0b110, "±1 are liars for every odd n");
    assert_eq!(miller_rabin_ifma(EMULATED, &n, &bases).unwrap(), Some(want));
}

/// The native lanes, when the CPU has AVX-512 IFMA, against the emulated
/// ones; otherwise the refusal (said when skipped).
#[test]
fn native_lanes_match_the_emulation_or_are_refused() {
    let ns: Vec<Words> = primes().into_iter().map(|(_, p)| p).take(LANES).collect();
    let p = ns[0];
    if !ifma_available() {
        eprintln!(
            "native_lanes_match_the_emulation_or_are_refused: native run skipped, this CPU has no AVX-512 IFMA"
        );
        assert_eq!(
            pow2_mod_ifma(IfmaLanes::Native, &ns, &ns),
            Err(IfmaUnavailable)
        );
        assert_eq!(
            fermat_base_two_ifma(IfmaLanes::Native, &ns),
            Err(IfmaUnavailable)
        );
        assert_eq!(
            miller_rabin_ifma(IfmaLanes::Native, &p, &ns),
            Err(IfmaUnavailable)
        );
        assert_eq!(
            IfmaUnavailable.to_string(),
            "this cpu has no avx512ifma (and avx512f)"
        );
        return;
    }
    let composite = words(&(largest_prime() + 2u32));
    let batch: Vec<Words> = ns.iter().copied().chain([composite]).skip(1).collect();
    assert_eq!(
        pow2_mod_ifma(IfmaLanes::Native, &batch, &ns),
        pow2_mod_ifma(EMULATED, &batch, &ns)
    );
    assert_eq!(
        fermat_base_two_ifma(IfmaLanes::Native, &batch),
        fermat_base_two_ifma(EMULATED, &batch)
    );
    assert_eq!(
        miller_rabin_ifma(IfmaLanes::Native, &p, &batch),
        miller_rabin_ifma(EMULATED, &p, &batch)
    );
}
