//! Criterion benches of the validators: every check of `publicKey` per key type, and the plain fields.
//!
//! Targets: RSA-4096 with every check ≤ 100 µs median, Ed25519 ≤ 10 µs, on
//! one core. Run with `cargo bench -p keygen-core --bench validate`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keygen_core::{Description, Name, PublicKeyLine, PublicKeyOptions, Tags};

const KEYS: &[(&str, &str)] = &[
    ("rsa-2048", include_str!("../tests/examples/ok_rsa2048.pub")),
    ("rsa-3072", include_str!("../tests/examples/ok_rsa3072.pub")),
    ("rsa-4096", include_str!("../tests/examples/ok_rsa4096.pub")),
    ("rsa-8192", include_str!("../tests/examples/ok_rsa8192.pub")),
    ("ed25519", include_str!("../tests/examples/ok_ed25519.pub")),
    (
        "ecdsa-p256",
        include_str!("../tests/examples/ok_ecdsa256.pub"),
    ),
    (
        "ecdsa-p384",
        include_str!("../tests/examples/ok_ecdsa384.pub"),
    ),
    (
        "ecdsa-p521",
        include_str!("../tests/examples/ok_ecdsa521.pub"),
    ),
];

fn public_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("public_key");
    for (name, line) in KEYS {
        // Warm the lazily built tables (small-prime product, ROCA logs,
        // built-in blocklist) outside the measurement.
        PublicKeyLine::new(line).expect("vector is valid");
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| PublicKeyLine::new(black_box(line)).expect("valid"));
        });
    }
    group.finish();
}

/// Refused keys that reach the last weak-key checks: the time to the
/// refusal, so the cost of one check is the difference from an accepted key
/// of the same size. The prime-modulus test is not in the API's policy, so
/// its vector is checked with the test turned on (as `keygen
/// check-public-key` does).
fn refused_public_keys(c: &mut Criterion) {
    let api = PublicKeyOptions::api();
    let with_prime_test = PublicKeyOptions::api().prime_modulus_check(true);
    let refused = [
        (
            "rsa-2048-known-shared-prime",
            include_str!("../tests/examples/fail_rsa_known_shared_prime_crtsh.pub"),
            &api,
        ),
        (
            "rsa-2048-prime-modulus",
            include_str!("../tests/examples/fail_rsa_modulus_prime_2048.pub"),
            &with_prime_test,
        ),
    ];
    let mut group = c.benchmark_group("public_key_refused");
    for (name, line, options) in refused {
        PublicKeyLine::with_options(line, options).expect_err("vector is refused");
        group.bench_function(name, |b| {
            b.iter(|| PublicKeyLine::with_options(black_box(line), options).expect_err("refused"));
        });
    }
    group.finish();
}

fn fields(c: &mut Criterion) {
    let mut group = c.benchmark_group("fields");
    group.bench_function("name", |b| {
        b.iter(|| Name::new(black_box("web-servers-prod-01")))
    });
    let text = "key pair of the production web servers, rotated yearly";
    group.bench_function("description", |b| {
        b.iter(|| Description::new(black_box(text)))
    });
    let tags = [
        ("env", "prod"),
        ("team", "platform"),
        ("cost-center", "1234"),
    ];
    group.bench_function("tags", |b| b.iter(|| Tags::new(black_box(tags))));
    group.finish();
}

criterion_group!(benches, public_keys, refused_public_keys, fields);
criterion_main!(benches);
