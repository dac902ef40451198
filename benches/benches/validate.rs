//! Criterion benches of the request validators: name, tags, and imported
//! Ed25519 and RSA-4096 public keys with every weak-key check of the API's
//! policy.
//!
//! `cargo bench -p keygen-bench --bench validate`. For e = 65537 every
//! RSA check runs but Wiener's, which needs an exponent over 32 bits.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keygen_core::{Name, PublicKeyLine, PublicKeyOptions, Tags};

const RSA_4096: &str = include_str!("../../crates/keygen-core/tests/examples/ok_rsa4096.pub");
const ED25519: &str = include_str!("../../crates/keygen-core/tests/examples/ok_ed25519.pub");

fn public_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("public_key");
    // The API's policy, but an Ed25519 line is shorter than its
    // 512-character minimum.
    let ed25519 = PublicKeyOptions::api().without_min_length();
    let api = PublicKeyOptions::api();
    for (name, line, options) in [("ed25519", ED25519, &ed25519), ("rsa-4096", RSA_4096, &api)] {
        // Warm the lazily built tables (small-prime products, ROCA,
        // the built-in blocklist) outside the measurement.
        PublicKeyLine::with_options(line, options).expect("vector is valid");
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| PublicKeyLine::with_options(black_box(line), options).expect("valid"));
        });
    }
    group.finish();
}

fn fields(c: &mut Criterion) {
    let mut group = c.benchmark_group("fields");
    group.bench_function("name", |b| {
        b.iter(|| Name::new(black_box("web-servers-prod-01")).expect("valid"));
    });
    let tags = [
        ("env", "prod"),
        ("team", "platform"),
        ("cost-center", "1234"),
    ];
    group.bench_function("tags", |b| {
        b.iter(|| Tags::new(black_box(tags)).expect("valid"));
    });
    group.finish();
}

criterion_group!(benches, public_keys, fields);
criterion_main!(benches);
