//! The IFMA kernel's Montgomery product, squaring and contexts on the
//! emulated lanes, checked with num-bigint; small enough for Miri
//! (`cargo +nightly miri test -p keygen-mont --lib ifma`: the edge operands,
//! the contexts' constant-time setup skipped).

use num_bigint::BigUint;
use proptest::prelude::*;

use super::*;

fn big(w: &[u64]) -> BigUint {
    BigUint::from_slice(
        &w.iter()
            .flat_map(|x| [*x as u32, (*x >> 32) as u32])
            .collect::<Vec<_>>(),
    )
}

fn big_digits(d: &Digits) -> BigUint {
    d.iter()
        .enumerate()
        .fold(BigUint::from(0u32), |acc, (i, &x)| {
            acc + (BigUint::from(x) << (i as u32 * DIGIT_BITS))
        })
}

fn digits_of(b: &BigUint) -> Digits {
    let mut d = [0u64; DIGITS];
    let mask = BigUint::from(DIGIT_MASK);
    for (i, o) in d.iter_mut().enumerate() {
        *o = ((b >> (i as u32 * DIGIT_BITS)) & &mask)
            .to_u64_digits()
            .first()
            .copied()
            .unwrap_or(0);
    }
    assert_eq!(&big_digits(&d), b, "fits the digits");
    d
}

fn r() -> BigUint {
    BigUint::from(1u32) << (DIGITS as u32 * DIGIT_BITS)
}

/// A modulus the kernel accepts from arbitrary words: odd, top bit set.
fn modulus(mut w: Words) -> Words {
    w[0] |= 1;
    w[WORDS - 1] |= 1 << 63;
    w
}

fn words_of(b: &BigUint) -> Words {
    let mut w = [0u64; WORDS];
    for (o, d) in w.iter_mut().zip(b.to_u64_digits()) {
        *o = d;
    }
    w
}

/// Edge moduli: 2^2048 − 1, 2^2047 + 1, and ones just below 2^2048 and just
/// above 2^2047 with mixed low digits.
fn edge_moduli() -> [Words; 4] {
    let top = BigUint::from(1u32) << 2048u32;
    let half = BigUint::from(1u32) << 2047u32;
    [
        [u64::MAX; WORDS],
        words_of(&(&half + 1u32)),
        words_of(&(&top - (BigUint::from(0x1234_5678_9abc_def1_u64) << 900u32) - 1u32)),
        words_of(&(&half + (BigUint::from(0xfedc_ba98_7654_3211_u64) << 1300u32) + 3u32)),
    ]
}

/// The product of `a[i]` and `b[i]` modulo `n[i]` in lane i on the emulated
/// lanes, checked against num-bigint: carried digits, the result below 2·N,
/// and congruent to a·b·R⁻¹. `square` runs [`sqr`] (a = b).
fn check_products(n: &[Words; LANES], a: &[BigUint; LANES], b: &[BigUint; LANES], square: bool) {
    let s = Emulated;
    let nd: [Digits; LANES] = core::array::from_fn(|j| to_digits(&n[j]));
    let ad: [Digits; LANES] = core::array::from_fn(|j| digits_of(&a[j]));
    let bd: [Digits; LANES] = core::array::from_fn(|j| digits_of(&b[j]));
    let nv: Vecs<Emulated> = core::array::from_fn(|k| gather(s, |j| nd[j][k]));
    let nps: [<Emulated as Lanes8>::V; ROWS] =
        core::array::from_fn(|k| gather(s, |j| neg_inverse_digits(&n[j])[k]));
    let av: Vecs<Emulated> = core::array::from_fn(|k| gather(s, |j| ad[j][k]));
    let bv: Vecs<Emulated> = core::array::from_fn(|k| gather(s, |j| bd[j][k]));
    let (mut t, mut out) = ([s.zero(); DIGITS], [s.zero(); DIGITS]);
    if square {
        let mut w = [s.zero(); DIGITS];
        out = av;
        sqr(s, &mut out, &nv, &nps, &mut w, 0);
        // m = −a²·N⁻¹ mod R is the same whichever way it is found: the
        // squaring and the product of a by itself agree digit for digit.
        let mut product = [s.zero(); DIGITS];
        mul(s, &av, &av, &nv, &nps, &mut t, &mut product);
        assert_eq!(out, product, "sqr(a) = mul(a, a)");
        // With the doubling folded in: twice the product in the selected
        // lanes, carried (below 4·N), the product in the others.
        let select = 0b0110_1001u8;
        let mut doubled = av;
        sqr(s, &mut doubled, &nv, &nps, &mut w, select);
        for j in 0..LANES {
            let (got, once) = (lane_digits(s, &doubled, j), lane_digits(s, &product, j));
            assert!(got.iter().all(|&d| d <= DIGIT_MASK), "lane {j}: carried");
            let factor = 1 + u32::from(select >> j & 1);
            assert_eq!(big_digits(&got), big_digits(&once) * factor, "lane {j}");
        }
    } else {
        mul(s, &av, &bv, &nv, &nps, &mut t, &mut out);
    }
    // Under Miri the kernel still runs on all lanes (it is what Miri checks);
    // num-bigint's check of one lane is enough there, the others are checked
    // natively.
    let checked = if cfg!(miri) { 1 } else { LANES };
    for j in 0..checked {
        let got = lane_digits(s, &out, j);
        assert!(got.iter().all(|&d| d <= DIGIT_MASK), "lane {j}: carried");
        let (g, nb) = (big_digits(&got), big(&n[j]));
        assert!(g < &nb * 2u32, "lane {j}: below 2N");
        let want = if square { &a[j] * &a[j] } else { &a[j] * &b[j] };
        assert_eq!(g * r() % &nb, want % &nb, "lane {j}: a·b·R⁻¹");
    }
}

pub(super) fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 1 } else { cases },
        // Miri isolates the file system: no regression file there.
        failure_persistence: if cfg!(miri) {
            None
        } else {
            ProptestConfig::default().failure_persistence
        },
        ..ProptestConfig::default()
    }
}

fn arb_words() -> impl Strategy<Value = Words> {
    prop::array::uniform32(any::<u64>())
}

/// Random moduli and operands below 4·N (the largest inputs the bounds
/// allow), from arbitrary words.
fn arb_case() -> impl Strategy<Value = ([Words; LANES], [BigUint; LANES], [BigUint; LANES])> {
    (
        prop::array::uniform8(arb_words()),
        prop::array::uniform8((arb_words(), any::<u8>())),
        prop::array::uniform8((arb_words(), any::<u8>())),
    )
        .prop_map(|(ns, xs, ys)| {
            let ns = ns.map(modulus);
            let below = |j: usize, (w, top): &(Words, u8)| {
                // Two bits above the words' 2048 reach up to 4·N.
                (big(w) + (BigUint::from(*top & 3) << 2048u32)) % (big(&ns[j]) * 4u32)
            };
            let a = core::array::from_fn(|j| below(j, &xs[j]));
            let b = core::array::from_fn(|j| below(j, &ys[j]));
            (ns, a, b)
        })
}

proptest! {
    #![proptest_config(config(12))]

    // Under Miri the edge operands below run the same code (no branch
    // depends on a value): the random cases are for native runs.
    #[test]
    #[cfg_attr(miri, ignore = "the edge operands cover the same code under Miri")]
    fn products_match_num_bigint((n, a, b) in arb_case()) {
        check_products(&n, &a, &b, false);
    }

    #[test]
    #[cfg_attr(miri, ignore = "the edge operands cover the same code under Miri")]
    fn squares_match_num_bigint((n, a, _b) in arb_case()) {
        check_products(&n, &a, &a, true);
    }
}

#[test]
fn products_of_edge_operands() {
    let edges = edge_moduli();
    let n: [Words; LANES] = core::array::from_fn(|j| edges[j % edges.len()]);
    // 0, 1, N − 1, N, 2·N − 1, 4·N − 1, R mod N, 2^2048 − 1 per lane.
    let operand = |j: usize, which: usize| -> BigUint {
        let nb = big(&n[j]);
        match which % 8 {
            0 => BigUint::from(0u32),
            1 => BigUint::from(1u32),
            2 => &nb - 1u32,
            3 => nb,
            4 => &nb * 2u32 - 1u32,
            5 => &nb * 4u32 - 1u32,
            6 => r() % &nb,
            _ => (BigUint::from(1u32) << 2048u32) - 1u32,
        }
    };
    let rounds = if cfg!(miri) { 1 } else { 8 };
    for shift in 0..rounds {
        let a: [BigUint; LANES] = core::array::from_fn(|j| operand(j, j + shift));
        let b: [BigUint; LANES] = core::array::from_fn(|j| operand(j, 3 * j + shift + 5));
        check_products(&n, &a, &b, false);
        check_products(&n, &a, &a, true);
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "2,100 constant-time doublings a context: too slow for Miri"
)]
fn contexts_hold_the_montgomery_constants() {
    for n in edge_moduli() {
        let nb = big(&n);
        let lane = Lane::new(&n, &ONE).unwrap();
        assert_eq!(big_digits(&lane.one), r() % &nb);
        // n·n′ ≡ −1 (mod 2^208), and its first digit is the one-digit
        // n′ of the products.
        let np = lane
            .n_primes
            .iter()
            .rev()
            .fold(BigUint::from(0u32), |acc, &d| (acc << DIGIT_BITS) + d);
        let r208 = BigUint::from(1u32) << (ROWS as u32 * DIGIT_BITS);
        assert_eq!((&np * &nb + 1u32) % &r208, BigUint::from(0u32));
        assert!(np < r208);
        assert_eq!(lane.n_primes[0], neg_inverse_bits(n[0], DIGIT_BITS));
        let Some(ctx) = MrContext::new(&n) else {
            // 2^2047 + 1: 2^64 divides n − 1, refused.
            assert_eq!(n[0], 1);
            continue;
        };
        assert_eq!(big_digits(&ctx.r2_root), (r() << R2_ROOT_BITS) % &nb);
        let one = r() % &nb;
        assert_eq!(big_digits(&ctx.ones[0]), one);
        assert_eq!(big_digits(&ctx.ones[1]), &one + &nb);
        assert_eq!(big_digits(&ctx.minus_ones[0]), &nb - &one);
        assert_eq!(big_digits(&ctx.minus_ones[1]), &nb * 2u32 - &one);
        assert_eq!(u64::from(ctx.exponent[0].trailing_zeros()), ctx.s);
    }
    // The conversion out: at most N in, fully reduced out.
    let n = edge_moduli()[2];
    let nd = to_digits(&n);
    assert_eq!(finish(&nd, &nd), [0; WORDS]);
    assert_eq!(finish(&to_digits(&ONE), &nd), ONE);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "2,100 constant-time doublings a context: too slow for Miri"
)]
fn secrets_are_wiped_and_never_printed() {
    let mut n = [0x0123_4567_89ab_cdefu64; WORDS];
    n[0] |= 1;
    n[WORDS - 1] |= 1 << 63;
    let mut lane = Lane::new(&n, &n).unwrap();
    let mut ctx = MrContext::new(&n).unwrap();
    for text in [format!("{lane:?}"), format!("{ctx:?}")] {
        assert!(!text.contains("123") && !text.to_lowercase().contains("cdef"));
        assert!(text.ends_with("{ .. }"), "{text}");
    }
    assert!(lane.n.iter().any(|&d| d != 0) && ctx.r2_root.iter().any(|&d| d != 0));
    lane.wipe();
    ctx.wipe();
    assert!(lane.n.iter().chain(&lane.one).all(|&d| d == 0));
    assert!(lane.exponent.iter().all(|&w| w == 0) && lane.n_primes == [0; ROWS]);
    assert!(ctx.n.iter().chain(&ctx.r2_root).all(|&d| d == 0));
    assert!(
        ctx.ones
            .iter()
            .chain(&ctx.minus_ones)
            .flatten()
            .all(|&d| d == 0)
    );
    assert!(ctx.exponent.iter().all(|&w| w == 0) && ctx.s == 0 && ctx.n_primes == [0; ROWS]);
    // Vectors are wiped lane by lane.
    let s = Emulated;
    let mut v = [s.splat(0xdead_beef); 3];
    wipe(s, &mut v);
    assert_eq!(v, [[0; LANES]; 3]);
}

/// The intrinsic kernel's product against the emulated one, when the CPU
/// has AVX-512 IFMA (said when skipped).
#[test]
#[cfg(target_arch = "x86_64")]
fn native_products_match_the_emulation() {
    use crate::lanes::ifma::Ifma;
    let Some(v) = Ifma::detect() else {
        eprintln!("native_products_match_the_emulation: skipped, this CPU has no AVX-512 IFMA");
        return;
    };
    let e = Emulated;
    let edges = edge_moduli();
    let n: [Words; LANES] = core::array::from_fn(|j| edges[j % edges.len()]);
    let nd: [Digits; LANES] = core::array::from_fn(|j| to_digits(&n[j]));
    let a: [Digits; LANES] =
        core::array::from_fn(|j| digits_of(&(big(&n[j]) * 3u32 + BigUint::from(j))));
    let np: [[u64; LANES]; ROWS] =
        core::array::from_fn(|k| core::array::from_fn(|j| neg_inverse_digits(&n[j])[k]));
    let run = |out: &mut [[u64; LANES]; DIGITS], native: bool| {
        if native {
            let nv: Vecs<Ifma> = core::array::from_fn(|k| gather(v, |j| nd[j][k]));
            let av: Vecs<Ifma> = core::array::from_fn(|k| gather(v, |j| a[j][k]));
            let (mut t, mut o) = ([v.zero(); DIGITS], av);
            sqr(v, &mut o, &nv, &np.map(|x| v.load(x)), &mut t, 0b1010_0101);
            *out = o.map(|x| v.store(x));
        } else {
            let nv: Vecs<Emulated> = core::array::from_fn(|k| gather(e, |j| nd[j][k]));
            let av: Vecs<Emulated> = core::array::from_fn(|k| gather(e, |j| a[j][k]));
            let (mut t, mut o) = ([e.zero(); DIGITS], av);
            sqr(e, &mut o, &nv, &np.map(|x| e.load(x)), &mut t, 0b1010_0101);
            *out = o;
        }
    };
    let (mut native, mut emulated) = ([[0; LANES]; DIGITS], [[0; LANES]; DIGITS]);
    run(&mut native, true);
    run(&mut emulated, false);
    assert_eq!(native, emulated);
    // And a product of two different numbers.
    let b: [Digits; LANES] = core::array::from_fn(|j| digits_of(&(big(&n[j]) + 7u32 * j as u32)));
    let product = |native: bool| -> [[u64; LANES]; DIGITS] {
        if native {
            let g = |x: &[Digits; LANES]| -> Vecs<Ifma> {
                core::array::from_fn(|k| gather(v, |j| x[j][k]))
            };
            let (mut t, mut o) = ([v.zero(); DIGITS], [v.zero(); DIGITS]);
            mul(
                v,
                &g(&a),
                &g(&b),
                &g(&nd),
                &np.map(|x| v.load(x)),
                &mut t,
                &mut o,
            );
            o.map(|x| v.store(x))
        } else {
            let g = |x: &[Digits; LANES]| -> Vecs<Emulated> {
                core::array::from_fn(|k| gather(e, |j| x[j][k]))
            };
            let (mut t, mut o) = ([e.zero(); DIGITS], [e.zero(); DIGITS]);
            mul(
                e,
                &g(&a),
                &g(&b),
                &g(&nd),
                &np.map(|x| e.load(x)),
                &mut t,
                &mut o,
            );
            o
        }
    };
    assert_eq!(product(true), product(false));
}
