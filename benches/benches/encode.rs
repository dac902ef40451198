//! Criterion benches of the two encodings of a generated key (the API's
//! `privateKey` and `publicKey`) and of the private-key checker.
//!
//! `cargo bench -p keygen-bench --bench encode`.

use std::hint::black_box;

use chacha20::ChaCha20Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keygen_core::{RsaKeyPair, check_private_key};
use rand_core::SeedableRng;

fn encodings(c: &mut Criterion) {
    // One key, generated once, outside every measurement.
    let key = RsaKeyPair::generate(&mut ChaCha20Rng::seed_from_u64(1)).expect("generation");
    let encoded = key.to_encoded().expect("encoding");

    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Bytes(encoded.private_key().len() as u64));
    group.bench_function("private_key", |b| {
        b.iter(|| black_box(&key).to_api_private_key().expect("encoding"));
    });
    group.throughput(Throughput::Bytes(encoded.public_key().len() as u64));
    group.bench_function("public_key", |b| {
        b.iter(|| black_box(&key).public_key().to_openssh());
    });
    group.finish();

    let mut group = c.benchmark_group("check");
    assert!(check_private_key(encoded.private_key()).is_sound());
    group.throughput(Throughput::Bytes(encoded.private_key().len() as u64));
    group.bench_function("private_key", |b| {
        b.iter(|| check_private_key(black_box(encoded.private_key())));
    });
    group.finish();
}

criterion_group!(benches, encodings);
criterion_main!(benches);
