//! Rough timing of one batch (best of 15):
//! `cargo run --release -p keygen-mont --example speed`.
use std::time::{Duration, Instant};

fn main() {
    let mut ns = [[0u64; keygen_mont::WORDS]; keygen_mont::LANES];
    let mut s = 0x1234_5678_u64;
    for n in &mut ns {
        for w in n.iter_mut() {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *w = s;
        }
        n[0] |= 1;
        n[31] |= 1 << 63;
    }
    let (mut fast, mut port) = (Duration::MAX, Duration::MAX);
    for _ in 0..15 {
        let t = Instant::now();
        std::hint::black_box(keygen_mont::fermat_base_two(&ns));
        fast = fast.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(keygen_mont::pow2_mod_portable(&ns[..1], &ns[..1]));
        port = port.min(t.elapsed());
    }
    let mut mr = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(keygen_mont::miller_rabin(&ns[0], &ns));
        mr = mr.min(t.elapsed());
    }
    let n: Vec<u64> = (0..64u64)
        .map(|i| 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i + 7))
        .collect();
    // The small-prime check's table: the odd primes to 65,537 in greedy
    // 64-bit leaves, up to eight leaves a block.
    let mut composite = vec![false; 65_538];
    let mut primes = Vec::new();
    for i in (3..65_538usize).step_by(2) {
        if !composite[i] {
            primes.push(i as u32);
            (i * i..65_538).step_by(i).for_each(|j| composite[j] = true);
        }
    }
    let table = keygen_mont::LeafTable::from_primes(&primes, 8).expect("increasing odd primes");
    // A 4096-bit number with no factor below 2^17, as an RSA modulus has
    // none: the first such odd number from n up.
    let mut m = n.clone();
    m[0] |= 1;
    while keygen_mont::smallest_factor_scalar(&m, &table).is_some() {
        m[0] += 2;
    }
    let best_of = |f: &dyn Fn()| {
        (0..200)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let fast_b = best_of(&|| {
        std::hint::black_box(keygen_mont::reduce_leaves(std::hint::black_box(&n), &table));
    });
    let scalar_b = best_of(&|| {
        std::hint::black_box(keygen_mont::reduce_leaves_scalar(
            std::hint::black_box(&n),
            &table,
        ));
    });
    let fast_f = best_of(&|| {
        std::hint::black_box(keygen_mont::smallest_factor(
            std::hint::black_box(&m),
            &table,
        ));
    });
    let avx512f_f = best_of(&|| {
        std::hint::black_box(keygen_mont::smallest_factor_on(
            keygen_mont::LaneKernel::Avx512F,
            std::hint::black_box(&m),
            &table,
        ));
    });
    let scalar_f = best_of(&|| {
        std::hint::black_box(keygen_mont::smallest_factor_scalar(
            std::hint::black_box(&m),
            &table,
        ));
    });
    // Without AVX-512F, `reduce_leaves` has nothing to do and
    // `smallest_factor` runs the scalar kernel.
    let vector = if keygen_mont::ifma_available() {
        "AVX-512 IFMA first level"
    } else if keygen_mont::avx512_available() {
        "AVX-512F"
    } else {
        "no AVX-512F: scalar"
    };
    println!(
        "{} leaf residues of a 4096-bit number ({} blocks): best {fast_b:?} (AVX-512F if the CPU has it), scalar {scalar_b:?}",
        table.leaves(),
        table.blocks().len()
    );
    println!(
        "smallest factor below 2^17 of a 4096-bit number without one: best {fast_f:?} ({vector}), AVX-512F {avx512f_f:?}, scalar {scalar_f:?}"
    );
    println!("best Miller–Rabin batch (one modulus, eight bases): {mr:?}");
    // The sieve's residues of one base: every odd prime below 2^20.
    let mut sieve_primes = Vec::new();
    let mut composite = vec![false; keygen_mont::RESIDUE_PRIME_LIMIT as usize];
    for i in (3..composite.len()).step_by(2) {
        if !composite[i] {
            sieve_primes.push(i as u32);
            (i * i..composite.len())
                .step_by(2 * i)
                .for_each(|j| composite[j] = true);
        }
    }
    let lanes = best_of(&|| {
        std::hint::black_box(keygen_mont::sieve_offsets(&ns[0], &sieve_primes));
    });
    let table = keygen_mont::OffsetTable::new(&sieve_primes);
    let scalar = best_of(&|| {
        std::hint::black_box(keygen_mont::sieve_offsets_scalar(&ns[0], &table));
    });
    let lanes = if keygen_mont::avx512_available() {
        format!("{lanes:?} in AVX-512F lanes")
    } else {
        "no AVX-512F lanes".to_owned()
    };
    println!(
        "sieve offsets of a 2048-bit base for the {} odd primes below 2^20: best {lanes}, scalar {scalar:?}",
        sieve_primes.len()
    );
    let (mut base_two, mut scalar_mr) = (Duration::MAX, Duration::MAX);
    let (mut words_two, mut words_mr) = (Duration::MAX, Duration::MAX);
    for _ in 0..15 {
        let t = Instant::now();
        std::hint::black_box(keygen_mont::strong_base_two_words(std::hint::black_box(
            &ns[0],
        )));
        words_two = words_two.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(keygen_mont::miller_rabin_words(&ns[0], &ns[1..2]));
        words_mr = words_mr.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(keygen_mont::strong_base_two_scalar(std::hint::black_box(
            &ns[0],
        )));
        base_two = base_two.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(keygen_mont::miller_rabin_scalar(&ns[0], &ns[1..2]));
        scalar_mr = scalar_mr.min(t.elapsed());
    }
    println!(
        "scalar kernel, one candidate: best strong test to base 2 {base_two:?}, one Miller–Rabin round {scalar_mr:?} (ADX products: {})",
        keygen_mont::adx_available()
    );
    println!(
        "scalar kernel, plain-Rust products: best strong test to base 2 {words_two:?}, one Miller–Rabin round {words_mr:?}"
    );
    println!(
        "AVX-512 available: {}; best batch of 8: {fast:?} ({:?} per candidate); portable, one: {port:?}",
        keygen_mont::avx512_available(),
        fast / 8
    );
}
