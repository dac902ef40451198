//! Criterion benches of the service's handlers, driven in process with
//! `tower::ServiceExt::oneshot` (no socket): create with an imported
//! `publicKey` (validation, SQLite insert, 201) and get of one key pair.
//!
//! `cargo bench -p keygen-bench --bench service`. The store is SQLite in a
//! temporary directory with `synchronous = FULL`, as in production, so a
//! create includes its commit to disk.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, criterion_group, criterion_main};
use keygen_service::config::{Config, hash_secret, parse_hex_digest};
use keygen_service::store::SqliteStore;
use keygen_service::{AppState, app};
use tower::ServiceExt;

const TOKEN: &str = "bench-admin-token-0123456789";
const RSA_4096: &str = include_str!("../../crates/keygen-core/tests/examples/ok_rsa4096.pub");
const COLLECTION: &str = "/v1/projects/bench/zones/eu-west-0/keypairs";

fn create_request(name: &str) -> Request<Body> {
    let body = serde_json::json!({ "name": name, "publicKey": RSA_4096.trim_end() }).to_string();
    Request::post(COLLECTION)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request")
}

fn get_request(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .expect("request")
}

fn handlers(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path(), 2).expect("store");
    let config = Config {
        pool_size: 0,
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let digest = parse_hex_digest(&hash_secret(TOKEN)).expect("digest");
    let state = Arc::new(AppState::new(config, digest, Arc::new(store), None));
    let router = app(state);

    // One key pair to get, created (and checked) outside the measurement.
    let location = runtime.block_on(async {
        let response = router
            .clone()
            .oneshot(create_request("bench-get"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_owned()
    });

    let mut group = c.benchmark_group("service");
    let mut serial = 0u64;
    group.bench_function("create_public_key", |b| {
        b.iter_batched(
            || {
                serial += 1;
                create_request(&format!("bench-{serial}"))
            },
            |request| {
                runtime.block_on(async {
                    let response = router.clone().oneshot(request).await.expect("infallible");
                    assert_eq!(response.status(), StatusCode::CREATED);
                    axum::body::to_bytes(response.into_body(), usize::MAX)
                        .await
                        .expect("body")
                })
            },
            criterion::BatchSize::SmallInput,
        );
    });
    group.bench_function("get", |b| {
        b.iter_batched(
            || get_request(&location),
            |request| {
                runtime.block_on(async {
                    let response = router
                        .clone()
                        .oneshot(black_box(request))
                        .await
                        .expect("infallible");
                    assert_eq!(response.status(), StatusCode::OK);
                    axum::body::to_bytes(response.into_body(), usize::MAX)
                        .await
                        .expect("body")
                })
            },
            criterion::BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, handlers);
criterion_main!(benches);
