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
    // The small-prime check's shape: 1,530 leaves of 64 bits, seven a block.
    let table = keygen_mont::LeafTable::new(
        (0..219u64)
            .map(|i| {
                let leaves: Vec<u64> = (0..7u64)
                    .map(|j| 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(7 * i + j + 1) | 1)
                    .collect();
                keygen_mont::LeafBlock::new(&leaves).expect("seven odd 64-bit leaves")
            })
            .collect(),
    );
    let (mut fast_b, mut port_b) = (Duration::MAX, Duration::MAX);
    for _ in 0..200 {
        let t = Instant::now();
        std::hint::black_box(keygen_mont::reduce_leaves(std::hint::black_box(&n), &table));
        fast_b = fast_b.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(keygen_mont::reduce_leaves_portable(
            std::hint::black_box(&n),
            &table,
        ));
        port_b = port_b.min(t.elapsed());
    }
    println!(
        "1,533 leaf residues of a 4096-bit number (219 blocks): best {fast_b:?} (portable {port_b:?})"
    );
    println!("best Miller–Rabin batch (one modulus, eight bases): {mr:?}");
    println!(
        "AVX-512 available: {}; best batch of 8: {fast:?} ({:?} per candidate); portable, one: {port:?}",
        keygen_mont::avx512_available(),
        fast / 8
    );
}
