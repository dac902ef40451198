//! The Miller–Rabin kernels against a reference strong test in num-bigint,
//! on primes p = k·2^s + 1 for s from 1 to 63 (where −1 turns up in the
//! chain decides the verdict), composites, trivial liars and a base built to
//! fool the Fermat test but not the strong test.

use keygen_mont::{LaneKernel, WORDS, Words, miller_rabin, miller_rabin_on, miller_rabin_portable};
use num_bigint::BigUint;

mod common;
use common::{big, words};
use num_traits::{One, Zero};
use proptest::prelude::*;

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

struct Vectors {
    primes: Vec<(u32, Words)>,
    factors: (BigUint, BigUint),
}

fn vectors() -> Vectors {
    let text = include_str!("data/primes.txt");
    let mut primes = Vec::new();
    let mut factors = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).expect("hex");
        if fields[0] == "factors" {
            factors = Some((hex(fields[1]), hex(fields[2])));
        } else {
            primes.push((fields[0].parse().expect("s"), words(&hex(fields[1]))));
        }
    }
    Vectors {
        primes,
        factors: factors.expect("a factors line"),
    }
}

/// Deterministic pseudo-random bases below 2^2048.
fn bases(seed: u64, count: usize) -> Vec<Words> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            let mut w = [0u64; WORDS];
            for x in &mut w {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                *x = z ^ (z >> 31);
            }
            w
        })
        .collect()
}

#[test]
fn primes_pass_to_every_base_whatever_s() {
    for (s, p) in vectors().primes {
        let b = bases(u64::from(s), 8);
        if s >= 64 {
            assert_eq!(miller_rabin(&p, &b), None, "s = {s} is refused");
            assert_eq!(miller_rabin_on(LaneKernel::Avx512F, &p, &b), None);
            assert_eq!(miller_rabin_portable(&p, &b[..1]), None);
            continue;
        }
        assert_eq!(
            reference_mask(&p, &b),
            0xff,
            "s = {s}: the reference agrees"
        );
        assert_eq!(miller_rabin(&p, &b), Some(0xff), "s = {s}");
        assert_eq!(
            miller_rabin_on(LaneKernel::Avx512F, &p, &b),
            Some(0xff),
            "s = {s}, AVX-512F (the scalar kernel without AVX-512F)"
        );
        assert_eq!(
            miller_rabin_portable(&p, &b[..2]),
            Some(0b11),
            "s = {s}, portable"
        );
        // Fewer bases than lanes: only those bits.
        assert_eq!(
            miller_rabin(&p, &b[..3]),
            Some(0b111),
            "s = {s}, three bases"
        );
    }
}

#[test]
fn a_fermat_liar_is_caught_and_trivial_liars_pass() {
    let v = vectors();
    let (a, b) = &v.factors;
    let n = a * b;
    assert_eq!(n.bits(), 2048);
    // base ≡ 1 (mod a) and ≡ −1 (mod b): base^(n−1) ≡ 1 (mod n), but the
    // chain goes through a square root of 1 other than ±1.
    let inverse = a.modinv(b).expect("coprime");
    let t = (b - (BigUint::from(2u32) * inverse % b)) % b;
    let liar = BigUint::one() + a * t;
    assert!((&liar % a).is_one() && (&liar % b) == b - 1u32);
    assert!(liar.modpow(&(&n - 1u32), &n).is_one(), "a Fermat liar");
    let n_words = words(&n);
    let minus_one = words(&(&n - 1u32));
    let cases = [
        words(&liar),
        minus_one,
        words(&BigUint::one()),
        words(&BigUint::zero()),
        words(&BigUint::from(2u32)),
        words(&(&n + 1u32 - &n)),
    ];
    let want = reference_mask(&n_words, &cases);
    assert_eq!(want & 1, 0, "the strong test refuses the Fermat liar");
    assert_eq!(want & 0b110, 0b110, "−1 and 1 are liars for every odd n");
    assert_eq!(miller_rabin(&n_words, &cases), Some(want));
    assert_eq!(
        miller_rabin_on(LaneKernel::Avx512F, &n_words, &cases),
        Some(want)
    );
    assert_eq!(miller_rabin_portable(&n_words, &cases), Some(want));
}

fn arb_words() -> impl Strategy<Value = Words> {
    prop::array::uniform32(any::<u64>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_odd_numbers_agree_with_the_reference(
        mut n in arb_words(),
        b in prop::array::uniform8(arb_words()),
    ) {
        n[0] |= 1;
        n[WORDS - 1] |= 1 << 63;
        let got = miller_rabin(&n, &b);
        if n[0] & !1 == 0 {
            prop_assert_eq!(got, None);
        } else {
            prop_assert_eq!(got, Some(reference_mask(&n, &b)));
            prop_assert_eq!(miller_rabin_on(LaneKernel::Avx512F, &n, &b), got);
            prop_assert_eq!(miller_rabin_portable(&n, &b[..1]), Some(reference_mask(&n, &b[..1])));
        }
    }
}

/// The scalar kernel's entry points: with its products in ADX assembly
/// where the CPU has BMI2 and ADX, and with them in plain Rust.
type Scalar = (
    &'static str,
    fn(&Words, &[Words]) -> Option<u8>,
    fn(&Words) -> Option<bool>,
);
const SCALAR: [Scalar; 2] = [
    (
        "ADX where the CPU has it",
        keygen_mont::miller_rabin_scalar,
        keygen_mont::strong_base_two_scalar,
    ),
    (
        "plain Rust",
        keygen_mont::miller_rabin_words,
        keygen_mont::strong_base_two_words,
    ),
];

/// The scalar kernel on the same vectors, whatever the CPU: every base of
/// `miller_rabin_scalar` and the base-2 test of `strong_base_two_scalar`,
/// with either product.
#[test]
fn the_scalar_kernel_agrees_on_primes_liars_and_refusals() {
    if !keygen_mont::adx_available() {
        eprintln!("no BMI2 and ADX on this CPU: the scalar kernel's ADX products are not tested");
    }
    for (kernel, miller_rabin_scalar, strong_base_two_scalar) in SCALAR {
        eprintln!("scalar kernel, {kernel} products");
        scalar_vectors(miller_rabin_scalar, strong_base_two_scalar);
    }
}

fn scalar_vectors(
    miller_rabin_scalar: fn(&Words, &[Words]) -> Option<u8>,
    strong_base_two_scalar: fn(&Words) -> Option<bool>,
) {
    let two = words(&BigUint::from(2u32));
    for (s, p) in vectors().primes {
        let b = bases(u64::from(s) + 100, 8);
        if s >= 64 {
            assert_eq!(miller_rabin_scalar(&p, &b[..1]), None, "s = {s}");
            assert_eq!(strong_base_two_scalar(&p), None, "s = {s}");
            continue;
        }
        assert_eq!(reference_mask(&p, &b), 0xff, "s = {s}: the reference");
        assert_eq!(miller_rabin_scalar(&p, &b), Some(0xff), "s = {s}");
        assert_eq!(miller_rabin_scalar(&p, &[two]), Some(1), "s = {s}");
        assert_eq!(strong_base_two_scalar(&p), Some(true), "s = {s}");
    }
    let v = vectors();
    let (a, b) = &v.factors;
    let n = a * b;
    let inverse = a.modinv(b).expect("coprime");
    let t = (b - (BigUint::from(2u32) * inverse % b)) % b;
    let liar = BigUint::one() + a * t;
    let n_words = words(&n);
    let cases = [
        words(&liar),
        words(&(&n - 1u32)),
        words(&BigUint::one()),
        words(&BigUint::zero()),
        two,
        // Above n: reduced modulo n first (n + 2 ≡ 2).
        words(&(&n + 2u32)),
    ];
    let want = reference_mask(&n_words, &cases);
    assert_eq!(want & 0b111, 0b110, "the liar fails, ±1 pass");
    assert_eq!(miller_rabin_scalar(&n_words, &cases), Some(want));
    assert_eq!(
        strong_base_two_scalar(&n_words),
        Some(reference(&n, &BigUint::from(2u32)))
    );
    let mut even = n_words;
    even[0] &= !1;
    assert_eq!(strong_base_two_scalar(&even), None);
    assert_eq!(miller_rabin_scalar(&even, &cases), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_scalar_kernel_agrees_with_the_reference_on_random_numbers(
        mut n in arb_words(),
        b in prop::array::uniform2(arb_words()),
        prime_index in 0usize..64,
    ) {
        n[0] |= 1;
        n[WORDS - 1] |= 1 << 63;
        let primes = vectors().primes;
        let (s, p) = primes[prime_index % primes.len()];
        for (kernel, miller_rabin_scalar, strong_base_two_scalar) in SCALAR {
            if n[0] & !1 == 0 {
                prop_assert_eq!(miller_rabin_scalar(&n, &b), None, "{}", kernel);
            } else {
                prop_assert_eq!(
                    miller_rabin_scalar(&n, &b),
                    Some(reference_mask(&n, &b)),
                    "{}",
                    kernel
                );
                prop_assert_eq!(
                    strong_base_two_scalar(&n),
                    Some(reference(&big(&n), &BigUint::from(2u32))),
                    "{}",
                    kernel
                );
            }
            // A prime with random bases: every base passes.
            if s < 64 {
                prop_assert_eq!(miller_rabin_scalar(&p, &b), Some(0b11), "{}", kernel);
            }
        }
    }
}
