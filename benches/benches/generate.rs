//! Criterion bench of RSA-4096 generation by keygen-core (slow: 10 samples).
//!
//! `cargo bench -p keygen-bench --bench generate`. The generator is seeded,
//! so every run times the same sequence of keys; the race
//! (`src/bin/race.rs`) compares it with other generators.

use std::hint::black_box;
use std::time::Duration;

use chacha20::ChaCha20Rng;
use criterion::{Criterion, criterion_group, criterion_main};
use keygen_core::RsaKeyPair;
use rand_core::SeedableRng;

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    // One key takes about a second and its time has a long tail: few
    // samples, a long measurement, one key per iteration.
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(40));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("rsa-4096", |b| {
        b.iter(|| RsaKeyPair::generate(black_box(&mut rng)).expect("generation"));
    });
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
