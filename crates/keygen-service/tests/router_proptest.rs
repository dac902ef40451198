//! Arbitrary requests against the router the binary serves (with its
//! request-id and trace layers), in process: whatever the method, target,
//! headers and body, the answer has a status that `openapi.json` documents
//! for that route and method, every error is the API's JSON error body with
//! a catalogued code that matches the status, and nothing panics or hangs.
//!
//! Key generation is given no capacity (no pool, no workers, no queue), so
//! a create that asks for a generated key pair is answered 503 at once and
//! no case waits for an RSA-4096 key; imports of valid public keys succeed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use keygen_service::config::{Config, Credential, hash_secret, parse_hex_digest};
use keygen_service::store::{SqliteStore, Store};
use keygen_service::{AppState, ErrorCode, KEYPAIRS, OPENAPI, ROUTES, ZoneName, app_with_layers};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;

const ADMIN: &str = "admin-token-for-the-router-proptest";
const WRITER_TOKEN: &str = "writer-token-for-the-router-proptest";
const WRITER_KEY: &str = "writer-api-key-for-the-router-proptest";
const READER_TOKEN: &str = "reader-token-for-the-router-proptest";

/// The project the writer may write to; the reader may read it and `p2`.
const PROJECT: &str = "p1";
/// The zones served.
const ZONES: &[&str] = &["eu-west-0", "z1"];

/// Cases when `PROPTEST_CASES` does not say otherwise.
const DEFAULT_CASES: u32 = 1024;

/// Key pairs stored before the cases run (deletes of them answer 202).
const SEEDED: usize = 24;

/// Longest a single request may take before the case fails as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// The service under test

struct Fixture {
    app: Router,
    max_body_bytes: usize,
    /// Ids of the key pairs stored at set-up.
    seeded: Vec<String>,
    /// Public key lines the import policy accepts.
    good_keys: Vec<String>,
    /// Public key lines it refuses.
    bad_keys: Vec<String>,
    /// Route template → method (lowercase) → documented statuses.
    documented: BTreeMap<String, BTreeMap<String, BTreeSet<u16>>>,
    /// Error code → the status it travels with.
    catalogue: BTreeMap<u64, u16>,
}

fn credential(
    name: &str,
    bearer: &str,
    api_key: Option<&str>,
    projects: &[&str],
    write: bool,
) -> Credential {
    Credential {
        name: name.to_owned(),
        bearer_sha256: Some(hash_secret(bearer)),
        api_key_sha256: api_key.map(hash_secret),
        projects: projects.iter().map(|p| (*p).to_owned()).collect(),
        write,
    }
}

/// The public key lines of keygen-core's validator examples: `ok_*` are
/// accepted, `fail_*` refused.
fn example_keys() -> (Vec<String>, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../keygen-core/tests/examples");
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        .collect();
    entries.sort();
    for path in entries {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("ok_") {
            good.push(text.trim().to_owned());
        } else if name.starts_with("fail_") {
            bad.push(text);
        }
    }
    (good, bad)
}

/// Route template → method → statuses, from the served OpenAPI document.
fn documented_statuses() -> BTreeMap<String, BTreeMap<String, BTreeSet<u16>>> {
    let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
    let paths = doc["paths"].as_object().expect("openapi.json has paths");
    let mut out = BTreeMap::new();
    for (route, operations) in paths {
        let mut methods = BTreeMap::new();
        for (method, operation) in operations.as_object().into_iter().flatten() {
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            let statuses = responses
                .keys()
                .map(|s| s.parse::<u16>().expect("numeric status in openapi.json"))
                .collect();
            methods.insert(method.clone(), statuses);
        }
        out.insert(route.clone(), methods);
    }
    out
}

/// Every error code of the API and its status: the service's table
/// (`ErrorCode`), and keygen-core's refusal reasons (1000–1199, 400).
fn error_catalogue() -> BTreeMap<u64, u16> {
    let mut codes: BTreeMap<u64, u16> = ErrorCode::ALL
        .iter()
        .map(|c| (u64::from(c.code()), c.status().as_u16()))
        .collect();
    assert_eq!(codes.len(), ErrorCode::ALL.len(), "a code is repeated");
    for reason in keygen_core::Reason::ALL {
        let code = reason.code();
        assert!(
            (1000..1200).contains(&code),
            "{reason}: code {code} out of range"
        );
        assert!(
            codes.insert(u64::from(code), 400).is_none(),
            "{reason}: code {code} is also a service code"
        );
    }
    codes
}

impl Fixture {
    async fn new(dir: &Path) -> Self {
        let config = Config {
            data_dir: dir.to_path_buf(),
            // No capacity at all for generated keys: a create without
            // publicKey is refused at once instead of generating RSA-4096.
            // (`Config::check` would refuse zero workers; the state is built
            // directly here, so nothing is started.)
            pool_size: 0,
            workers: 0,
            queue: 0,
            zones: ZONES
                .iter()
                .map(|z| ZoneName::new(z).expect("a zone name"))
                .collect(),
            credentials: vec![
                credential("writer", WRITER_TOKEN, Some(WRITER_KEY), &[PROJECT], true),
                credential("reader", READER_TOKEN, None, &[PROJECT, "p2"], false),
            ],
            ..Config::default()
        };
        let max_body_bytes = config.max_body_bytes;
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir, 2).expect("open the store"));
        let admin = parse_hex_digest(&hash_secret(ADMIN)).expect("digest");
        let state = Arc::new(AppState::new(config, admin, store, None));
        let app = app_with_layers(state);
        let (good_keys, bad_keys) = example_keys();
        assert!(!good_keys.is_empty(), "no ok_*.pub examples found");
        assert!(!bad_keys.is_empty(), "no fail_*.pub examples found");

        let mut fixture = Self {
            app,
            max_body_bytes,
            seeded: Vec::new(),
            good_keys,
            bad_keys,
            documented: documented_statuses(),
            catalogue: error_catalogue(),
        };
        for i in 0..SEEDED {
            let (project, zone, token) = match i {
                0..16 => (PROJECT, "eu-west-0", WRITER_TOKEN),
                16..20 => (PROJECT, "z1", ADMIN),
                _ => ("p2", "eu-west-0", ADMIN),
            };
            let name = format!("seed-{i}");
            let key = &fixture.good_keys[i % fixture.good_keys.len()];
            let request = Request::post(format!("/v1/projects/{project}/zones/{zone}/keypairs"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"name": &name, "tags": {"seed": "yes"}, "description": "seeded", "publicKey": key})
                        .to_string(),
                ))
                .expect("request");
            let response = fixture
                .app
                .clone()
                .oneshot(request)
                .await
                .expect("infallible");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            assert_eq!(
                status,
                StatusCode::CREATED,
                "seeding {name}: {}",
                String::from_utf8_lossy(&body)
            );
            let created: Value = serde_json::from_slice(&body).expect("JSON");
            let id = created["id"].as_str().expect("id").to_owned();
            fixture.seeded.push(id);
        }
        fixture
    }
}

// ---------------------------------------------------------------------------
// Requests

/// A request body, shown shortened when a case is printed.
#[derive(Clone)]
struct Payload(Vec<u8>);

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 400;
        let text = String::from_utf8_lossy(&self.0[..self.0.len().min(SHOWN)]);
        if self.0.len() > SHOWN {
            write!(f, "{text:?}… ({} bytes)", self.0.len())
        } else {
            write!(f, "{text:?}")
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    method: Method,
    uri: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Payload,
}

impl Case {
    fn request(&self) -> Request<Body> {
        let mut request = Request::new(Body::from(self.body.0.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        for (name, value) in &self.headers {
            request.headers_mut().append(name.clone(), value.clone());
        }
        request
    }
}

fn text(s: &str) -> BoxedStrategy<String> {
    Just(s.to_owned()).boxed()
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986).
fn pct(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The target as a URI: as generated when `http` accepts it, else with the
/// bytes it refuses percent-encoded (and a leading `/`).
fn to_uri(target: &str) -> Uri {
    if let Ok(uri) = Uri::try_from(target) {
        return uri;
    }
    let mut encoded = String::from("/");
    for &b in target.trim_start_matches('/').as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::try_from(encoded).unwrap_or_else(|_| Uri::from_static("/"))
}

fn method() -> BoxedStrategy<Method> {
    prop_oneof![
        8 => select(vec![
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
            Method::OPTIONS,
            Method::TRACE,
            Method::CONNECT,
        ]),
        1 => select(vec!["FOO", "PROPFIND", "MKCOL", "get", "Post", "QUERY", "PURGE"])
            .prop_map(|m| Method::from_bytes(m.as_bytes()).expect("token")),
        1 => "[A-Za-z0-9!#$%&'*+.^_|~-]{1,20}"
            .prop_map(|m| Method::from_bytes(m.as_bytes()).expect("token")),
    ]
    .boxed()
}

fn project() -> BoxedStrategy<String> {
    prop_oneof![
        6 => text(PROJECT),
        2 => text("p2"),
        1 => text("p3"),
        2 => "[A-Za-z0-9._-]{1,64}".boxed(),
        1 => select(vec!["", ".", "..", "%2E", "%2e%2E", "p1%2Fx", "P1", "p1%00"])
            .prop_map(str::to_owned),
        1 => "[A-Za-z0-9]{65,300}".boxed(),
        1 => (300usize..16_000).prop_map(|n| "p".repeat(n)),
        2 => any::<String>().prop_map(|s| pct(s.as_bytes())),
        1 => vec(any::<u8>(), 1..40).prop_map(|b| pct(&b)),
        1 => "[!$&'()*+,;=:@A-Za-z0-9._~-]{1,20}".boxed(),
        1 => "\\PC{1,20}".boxed(),
    ]
    .boxed()
}

fn zone() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(ZONES.to_vec()).prop_map(str::to_owned),
        1 => text("eu-de-1"),
        2 => "[a-z0-9-]{1,63}".boxed(),
        1 => select(vec!["", "-a", "a-", "EU-WEST-0", "eu_west", "eu-west-0%20", "%65u-west-0"])
            .prop_map(str::to_owned),
        1 => "[a-z0-9]{64,200}".boxed(),
        2 => any::<String>().prop_map(|s| pct(s.as_bytes())),
        1 => vec(any::<u8>(), 1..30).prop_map(|b| pct(&b)),
        1 => "\\PC{1,20}".boxed(),
    ]
    .boxed()
}

fn key_pair_id(seeded: &[String]) -> BoxedStrategy<String> {
    let ids = seeded.to_vec();
    let upper: Vec<String> = ids.iter().map(|id| id.to_ascii_uppercase()).collect();
    let simple: Vec<String> = ids.iter().map(|id| id.replace('-', "")).collect();
    prop_oneof![
        4 => select(ids.clone()),
        1 => select(upper),
        1 => select(simple),
        1 => select(ids).prop_map(|id| format!("urn:uuid:{id}")),
        2 => "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}".boxed(),
        1 => "%7B[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}%7D".boxed(),
        1 => "[0-9a-zA-Z-]{1,80}".boxed(),
        1 => any::<String>().prop_map(|s| pct(s.as_bytes())),
        1 => vec(any::<u8>(), 1..40).prop_map(|b| pct(&b)),
        1 => "[0-9a-z]{200,600}".boxed(),
    ]
    .boxed()
}

fn query_value() -> BoxedStrategy<String> {
    let sort_field = select(vec![
        "name",
        "-name",
        "createdDate",
        "-createdDate",
        "lastModifiedDate",
        "provisioningState",
        "-id",
        "description",
        "size",
        "",
        "--name",
    ]);
    prop_oneof![
        2 => "[A-Za-z0-9-]{1,40}".boxed(),
        1 => select(vec!["creating", "updating", "deleting", "active", "error", "Active", ""])
            .prop_map(str::to_owned),
        2 => "[0-9]{1,22}".boxed(),
        1 => select(vec!["-1", "0", "1", "1000", "1001", "9007199254740991", "9007199254740992", "1e3", "+5", " 5"])
            .prop_map(|v| pct(v.as_bytes())),
        2 => vec(sort_field, 1..6).prop_map(|f| f.join(",")),
        1 => "[a-z,-]{90,130}".boxed(),
        1 => any::<String>().prop_map(|s| pct(s.as_bytes())),
        1 => vec(any::<u8>(), 0..20).prop_map(|b| pct(&b)),
    ]
    .boxed()
}

fn query() -> BoxedStrategy<String> {
    let key = prop_oneof![
        6 => select(vec!["name", "provisioningState", "offset", "limit", "sort"]).prop_map(str::to_owned),
        1 => "[A-Za-z]{0,12}".boxed(),
        1 => "\\PC{0,10}".prop_map(|s| pct(s.as_bytes())),
    ];
    prop_oneof![
        3 => text(""),
        1 => text("?"),
        5 => vec((key, query_value()), 1..5).prop_map(|kv| {
            let pairs: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("?{}", pairs.join("&"))
        }),
        1 => "\\PC{0,40}".prop_map(|s| format!("?{}", pct(s.as_bytes()))),
        1 => "[ -~]{0,40}".prop_map(|s| format!("?{s}")),
        1 => "[a-z=&%0-9A-F+;]{0,40}".prop_map(|s| format!("?{s}")),
    ]
    .boxed()
}

/// A small change to a well-formed path.
fn path_suffix() -> BoxedStrategy<String> {
    prop_oneof![
        8 => text(""),
        1 => select(vec!["/", "//", "/extra", "/.", "/..", ";x", "%00", "%2F", "/%FF", "/keypairs"])
            .prop_map(str::to_owned),
        1 => "/\\PC{0,12}".boxed(),
    ]
    .boxed()
}

fn target(seeded: &[String]) -> BoxedStrategy<Uri> {
    let collection =
        (project(), zone()).prop_map(|(p, z)| format!("/v1/projects/{p}/zones/{z}/keypairs"));
    let item = (project(), zone(), key_pair_id(seeded))
        .prop_map(|(p, z, id)| format!("/v1/projects/{p}/zones/{z}/keypairs/{id}"));
    let fixed = select(vec![
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/openapi.json",
        "/",
        "/v1",
        "/v1/",
        "/v1/projects",
        "/v1/projects/p1",
        "/v1/projects/p1/zones",
        "/v1/projects/p1/zones/eu-west-0",
        "/V1/projects/p1/zones/eu-west-0/keypairs",
        "/v1//projects/p1/zones/eu-west-0/keypairs",
        "/v1/projects/p1/zones/eu-west-0/keypairs/../keypairs",
        "/HEALTHZ",
        "/openapi.json",
        "/v2/openapi.json",
    ])
    .prop_map(str::to_owned);
    let known = prop_oneof![4 => collection, 4 => item, 2 => fixed];
    let shaped = (known, path_suffix(), query()).prop_map(|(p, s, q)| format!("{p}{s}{q}"));
    let arbitrary = prop_oneof![
        3 => "/[!$&'()*+,;=:@A-Za-z0-9._~/%-]{0,60}".boxed(),
        2 => "/\\PC{0,60}".boxed(),
        1 => any::<String>(),
        1 => (vec("[a-z0-9]{1,8}", 0..5), query())
            .prop_map(|(segments, q)| format!("http://localhost:8080/{}{q}", segments.join("/"))),
        1 => select(vec!["*", "example.com:443", "http://localhost", "//", "/?", "/#x"]).prop_map(str::to_owned),
        1 => (1usize..8, "[a-z]{1,4}").prop_map(|(n, s)| format!("/{}", vec![s; n * 40].join("/"))),
    ];
    prop_oneof![8 => shaped, 2 => arbitrary]
        .prop_map(|t| to_uri(&t))
        .boxed()
}

/// A header value of any bytes `http` accepts in one.
fn header_value() -> BoxedStrategy<HeaderValue> {
    let byte = prop_oneof![8 => 0x20u8..0x7f, 1 => 0x80u8..=0xff, 1 => Just(b'\t')];
    vec(byte, 0..60)
        .prop_map(|b| HeaderValue::from_bytes(&b).expect("visible ASCII, obs-text and tab"))
        .boxed()
}

fn value_of(s: impl AsRef<str>) -> HeaderValue {
    HeaderValue::from_str(s.as_ref()).expect("a valid header value")
}

fn authorization() -> BoxedStrategy<Option<HeaderValue>> {
    prop_oneof![
        3 => Just(None),
        3 => select(vec![ADMIN, WRITER_TOKEN, READER_TOKEN]).prop_map(|t| Some(value_of(format!("Bearer {t}")))),
        1 => Just(Some(value_of(format!("bearer {WRITER_TOKEN}")))),
        1 => Just(Some(value_of(format!("Bearer   {WRITER_TOKEN}  ")))),
        1 => Just(Some(value_of(format!("BEARER {WRITER_TOKEN}")))),
        1 => Just(Some(value_of(format!("Bearer {WRITER_TOKEN}x")))),
        1 => select(vec!["Bearer", "Bearer ", "Bearer wrong", "Basic dXNlcjpwYXNz", "Basic", "Digest x=1"])
            .prop_map(|v| Some(value_of(v))),
        1 => header_value().prop_map(|v| {
            let mut bytes = b"Bearer ".to_vec();
            bytes.extend_from_slice(v.as_bytes());
            Some(HeaderValue::from_bytes(&bytes).expect("valid"))
        }),
        1 => header_value().prop_map(Some),
    ]
    .boxed()
}

fn api_key() -> BoxedStrategy<Option<HeaderValue>> {
    prop_oneof![
        6 => Just(None),
        2 => select(vec![WRITER_KEY, ADMIN]).prop_map(|k| Some(value_of(k))),
        1 => select(vec!["wrong", "", READER_TOKEN]).prop_map(|k| Some(value_of(k))),
        1 => header_value().prop_map(Some),
    ]
    .boxed()
}

fn content_type() -> BoxedStrategy<Option<HeaderValue>> {
    prop_oneof![
        2 => Just(None),
        5 => select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON ;charset=UTF-8",
            " application/json",
        ])
        .prop_map(|v| Some(value_of(v))),
        2 => select(vec![
            "text/plain",
            "application/jsonx",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/merge-patch+json",
            "",
            ";",
        ])
        .prop_map(|v| Some(value_of(v))),
        1 => header_value().prop_map(Some),
    ]
    .boxed()
}

fn requester_id() -> BoxedStrategy<Option<HeaderValue>> {
    prop_oneof![
        6 => Just(None),
        2 => "[ -~]{1,128}".prop_map(|v| Some(value_of(v))),
        1 => "[a-z]{129,200}".prop_map(|v| Some(value_of(v))),
        1 => header_value().prop_map(Some),
    ]
    .boxed()
}

fn extra_headers() -> BoxedStrategy<Vec<(HeaderName, HeaderValue)>> {
    let name = prop_oneof![
        2 => select(vec![
            "accept",
            "accept-encoding",
            "content-encoding",
            "expect",
            "host",
            "connection",
            "upgrade",
            "cookie",
            "forwarded",
            "x-forwarded-for",
            "authorization",
            "x-api-key",
            "content-type",
            "x-requester-id",
            "range",
            "if-none-match",
        ])
        .prop_map(HeaderName::from_static),
        3 => "[A-Za-z0-9!#$%&'*+.^_|~-]{1,24}".prop_map(|n| {
            let name = HeaderName::from_bytes(n.as_bytes()).expect("token");
            // Framing and the request id are set elsewhere (or not at all).
            match name.as_str() {
                "content-length" | "transfer-encoding" | "x-request-id" => {
                    HeaderName::from_static("x-renamed")
                }
                _ => name,
            }
        }),
    ];
    vec((name, header_value()), 0..4).boxed()
}

fn headers(plausible: bool) -> BoxedStrategy<Vec<(HeaderName, HeaderValue)>> {
    let auth = if plausible {
        prop_oneof![
            16 => select(vec![ADMIN, WRITER_TOKEN, WRITER_TOKEN, READER_TOKEN])
                .prop_map(|t| Some(value_of(format!("Bearer {t}")))),
            1 => Just(None),
            3 => authorization(),
        ]
        .boxed()
    } else {
        authorization()
    };
    let content_type = if plausible {
        prop_oneof![17 => Just(Some(value_of("application/json"))), 3 => content_type()].boxed()
    } else {
        content_type()
    };
    let request_id = prop_oneof![6 => Just(None), 1 => header_value().prop_map(Some)];
    let api_key = if plausible {
        prop_oneof![3 => Just(None), 1 => api_key()].boxed()
    } else {
        api_key()
    };
    let extra = if plausible {
        prop_oneof![3 => Just(Vec::new()), 1 => extra_headers()].boxed()
    } else {
        extra_headers()
    };
    let requester = if plausible {
        prop_oneof![3 => Just(None), 1 => requester_id()].boxed()
    } else {
        requester_id()
    };
    (auth, api_key, content_type, requester, request_id, extra)
        .prop_map(|(auth, key, ct, requester, request_id, extra)| {
            let mut out = Vec::new();
            let named = [
                (header::AUTHORIZATION, auth),
                (HeaderName::from_static("x-api-key"), key),
                (header::CONTENT_TYPE, ct),
                (HeaderName::from_static("x-requester-id"), requester),
                (HeaderName::from_static("x-request-id"), request_id),
            ];
            for (name, value) in named {
                if let Some(value) = value {
                    out.push((name, value));
                }
            }
            out.extend(extra);
            out
        })
        .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        select(vec![
            "name",
            "description",
            "tags",
            "publicKey",
            "privateKey",
            "id",
            ""
        ])
        .prop_map(str::to_owned),
        "\\PC{0,10}".boxed(),
    ];
    leaf.prop_recursive(3, 32, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value of a type no field of the create body has.
fn wrong_type() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(1.5)),
        Just(json!([])),
        Just(json!(["a"])),
        Just(json!({})),
        Just(json!({"a": "b"})),
    ]
    .boxed()
}

fn name_value() -> BoxedStrategy<Value> {
    prop_oneof![
        16 => "[A-Za-z0-9-]{1,40}".prop_map(Value::from),
        1 => Just(json!("")),
        1 => "[A-Za-z0-9-]{41,90}".prop_map(Value::from),
        2 => "\\PC{1,45}".prop_map(Value::from),
        1 => "[A-Za-z0-9]{0,10}[ _./:\\x00\\x7f\u{e9}\u{ff21}\u{1F600}][A-Za-z0-9]{0,10}".prop_map(Value::from),
        2 => (0..SEEDED).prop_map(|i| Value::from(format!("seed-{i}"))),
        2 => wrong_type(),
    ]
    .boxed()
}

fn description_value() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => "\\PC{0,255}".prop_map(Value::from),
        1 => "[ -~]{256,300}".prop_map(Value::from),
        1 => "[a-z ]{0,10}[\\x00-\\x1f\\x7f\u{85}\u{2028}][a-z ]{0,10}".prop_map(Value::from),
        1 => "\u{1F600}{200,260}".prop_map(Value::from),
        2 => wrong_type(),
    ]
    .boxed()
}

fn tags_value() -> BoxedStrategy<Value> {
    let strings = |keys: &'static str, values: &'static str, n: std::ops::Range<usize>| {
        btree_map(keys, values, n).prop_map(|m| json!(m))
    };
    prop_oneof![
        8 => strings("[a-z]{1,20}", "[ -~]{0,40}", 0..6),
        1 => strings("[a-z]{2,8}", "[a-z]{0,8}", 51..60),
        1 => Just(json!({"": "v"})),
        1 => strings("[a-z]{129,140}", "[a-z]{0,4}", 1..2),
        1 => strings("[a-z]{1,4}", "[a-z]{257,300}", 1..2),
        1 => strings("\\PC{1,10}", "\\PC{0,10}", 1..4),
        1 => strings("[a-z]{1,4}[\\x00-\\x1f]", "[a-z\\x00-\\x1f]{0,4}", 1..3),
        1 => btree_map("[a-z]{1,6}", json_value(), 1..4).prop_map(|m| json!(m)),
        2 => wrong_type(),
    ]
    .boxed()
}

fn public_key_value(good: &[String], bad: &[String]) -> BoxedStrategy<Value> {
    let good = good.to_vec();
    let g = select(good);
    prop_oneof![
        8 => g.clone().prop_map(Value::from),
        2 => (g.clone(), "[ \t\r\n]{0,3}", "[ \t\r\n]{0,3}").prop_map(|(k, a, b)| Value::from(format!("{a}{k}{b}"))),
        2 => (g.clone(), any::<prop::sample::Index>(), any::<char>()).prop_map(|(k, i, c)| {
            let mut chars: Vec<char> = k.chars().collect();
            let at = i.index(chars.len());
            chars[at] = c;
            Value::from(chars.into_iter().collect::<String>())
        }),
        1 => (g.clone(), any::<prop::sample::Index>()).prop_map(|(k, i)| {
            let cut = i.index(k.len());
            Value::from(k[..cut].to_owned())
        }),
        1 => (g.clone(), "\\PC{1,40}").prop_map(|(k, c)| Value::from(format!("{k} {c}"))),
        1 => g.prop_map(|k| Value::from(format!("{k}\n{k}"))),
        2 => select(bad.to_vec()).prop_map(Value::from),
        1 => "\\PC{0,600}".prop_map(Value::from),
        1 => "ssh-rsa [A-Za-z0-9+/]{500,700}={0,2}".prop_map(Value::from),
        1 => Just(json!("")),
        2 => wrong_type(),
    ]
    .boxed()
}

/// Writes a JSON object from its members in order, keeping duplicates.
fn object_text(members: &[(String, Value)]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, k).expect("serialise a string");
        out.push(b':');
        serde_json::to_writer(&mut out, v).expect("serialise a value");
    }
    out.push(b'}');
    out
}

/// Damage done to the JSON text of a create body.
#[derive(Clone, Debug)]
enum Damage {
    None,
    Cut(prop::sample::Index),
    Byte(prop::sample::Index, u8),
    Bom,
    Trailing,
}

/// Create bodies near the schema: each field absent, valid, mutated, of the
/// wrong type; unknown or repeated members; damaged JSON text.
fn create_body(fixture: &Fixture) -> BoxedStrategy<Vec<u8>> {
    let field = |v: BoxedStrategy<Value>, present: u32| {
        prop_oneof![
            10 - present => Just(None),
            present => v.prop_map(Some),
        ]
    };
    let extra = vec(
        (
            prop_oneof![
                select(vec![
                    "name",
                    "description",
                    "tags",
                    "publicKey",
                    "privateKey",
                    "id",
                    "Name",
                    "public_key"
                ])
                .prop_map(str::to_owned),
                "\\PC{0,12}".boxed(),
            ],
            json_value(),
        ),
        0..2,
    );
    let extra = prop_oneof![8 => Just(Vec::new()), 1 => extra];
    let damage = prop_oneof![
        20 => Just(Damage::None),
        1 => any::<prop::sample::Index>().prop_map(Damage::Cut),
        1 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Byte(i, b)),
        1 => Just(Damage::Bom),
        1 => Just(Damage::Trailing),
    ];
    (
        field(name_value(), 9),
        field(description_value(), 4),
        field(tags_value(), 4),
        field(public_key_value(&fixture.good_keys, &fixture.bad_keys), 6),
        extra,
        damage,
    )
        .prop_map(|(name, description, tags, public_key, extra, damage)| {
            let mut members = Vec::new();
            for (k, v) in [
                ("name", name),
                ("description", description),
                ("tags", tags),
                ("publicKey", public_key),
            ] {
                if let Some(v) = v {
                    members.push((k.to_owned(), v));
                }
            }
            members.extend(extra);
            let mut body = object_text(&members);
            match damage {
                Damage::None => {}
                Damage::Cut(i) => body.truncate(i.index(body.len())),
                Damage::Byte(i, byte) => {
                    let at = i.index(body.len());
                    body[at] = byte;
                }
                Damage::Bom => {
                    body.splice(0..0, [0xEF, 0xBB, 0xBF]);
                }
                Damage::Trailing => body.extend_from_slice(b" {}"),
            }
            body
        })
        .boxed()
}

/// Bodies just under, at and over the limit.
fn oversized_body(limit: usize) -> BoxedStrategy<Vec<u8>> {
    (
        limit - 64..limit + 8 * 1024,
        select(vec!["name", "description", "publicKey", "tags", "zzz"]),
        select(vec!['a', ' ', '\u{e9}', '\u{1F600}']),
    )
        .prop_map(|(n, field, c)| {
            let filler: String = std::iter::repeat_n(c, n / c.len_utf8()).collect();
            let value = if field == "tags" {
                json!({ "k": filler })
            } else {
                Value::from(filler)
            };
            json!({ "name": "big", field: value })
                .to_string()
                .into_bytes()
        })
        .boxed()
}

fn body(fixture: &Fixture, plausible: bool) -> BoxedStrategy<Payload> {
    let arbitrary = prop_oneof![
        2 => Just(Vec::new()),
        2 => vec(any::<u8>(), 0..512),
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => select(vec!["null", "[]", "{}", "\"x\"", "{\"name\":", "{\"name\":\"a\"}{}", "1e999999"])
            .prop_map(|s| s.as_bytes().to_vec()),
        1 => (1usize..4000, select(vec!["[", "{\"name\":["])).prop_map(|(depth, open)| {
            // Nesting deeper than the parser's recursion limit.
            let mut text = open.repeat(depth);
            text.push_str(&"]".repeat(depth));
            text.into_bytes()
        }),
        1 => oversized_body(fixture.max_body_bytes),
    ];
    let strategy = if plausible {
        prop_oneof![
            8 => create_body(fixture),
            1 => oversized_body(fixture.max_body_bytes),
            2 => arbitrary,
        ]
        .boxed()
    } else {
        prop_oneof![4 => create_body(fixture), 6 => arbitrary].boxed()
    };
    strategy.prop_map(Payload).boxed()
}

/// The four operations of the API.
#[derive(Clone, Copy, Debug)]
enum Operation {
    Create,
    Find,
    Get,
    Delete,
}

/// Requests near the API's use: one of its operations with mostly valid
/// parameters, real credentials, JSON bodies near the schema.
fn plausible_case(fixture: &Fixture) -> BoxedStrategy<Case> {
    let operation = prop_oneof![
        5 => Just(Operation::Create),
        2 => Just(Operation::Find),
        2 => Just(Operation::Get),
        1 => Just(Operation::Delete),
    ];
    let other_method = prop_oneof![9 => Just(None), 1 => method().prop_map(Some)];
    let project = prop_oneof![
        16 => Just(PROJECT.to_owned()),
        2 => Just("p2".to_owned()),
        1 => project(),
    ];
    let zone = prop_oneof![
        16 => select(ZONES.to_vec()).prop_map(str::to_owned),
        1 => Just("eu-de-1".to_owned()),
        1 => zone(),
    ];
    let id = prop_oneof![
        3 => select(fixture.seeded.clone()),
        1 => key_pair_id(&fixture.seeded),
    ];
    (
        operation,
        other_method,
        any::<bool>(),
        project,
        zone,
        id,
        query(),
        headers(true),
        body(fixture, true),
    )
        .prop_map(|(operation, other, head, p, z, id, q, headers, body)| {
            let collection = format!("/v1/projects/{p}/zones/{z}/keypairs");
            let (method, target) = match operation {
                Operation::Create => (Method::POST, collection),
                Operation::Find if head => (Method::HEAD, format!("{collection}{q}")),
                Operation::Find => (Method::GET, format!("{collection}{q}")),
                Operation::Get if head => (Method::HEAD, format!("{collection}/{id}")),
                Operation::Get => (Method::GET, format!("{collection}/{id}")),
                Operation::Delete => (Method::DELETE, format!("{collection}/{id}")),
            };
            Case {
                method: other.unwrap_or(method),
                uri: to_uri(&target),
                headers,
                body,
            }
        })
        .boxed()
}

fn arbitrary_case(fixture: &Fixture) -> BoxedStrategy<Case> {
    (
        method(),
        target(&fixture.seeded),
        headers(false),
        body(fixture, false),
    )
        .prop_map(|(method, uri, headers, body)| Case {
            method,
            uri,
            headers,
            body,
        })
        .boxed()
}

fn case(fixture: &Fixture) -> BoxedStrategy<Case> {
    prop_oneof![3 => plausible_case(fixture), 2 => arbitrary_case(fixture)].boxed()
}

// ---------------------------------------------------------------------------
// Expectations

/// The route template a path matches, segment by segment as the router
/// matches it, if any: a parameter takes one segment, which may be empty
/// unless it is the last one, and percent-encoded bytes are not decoded.
fn route_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES.iter().map(|(route, _)| *route).find(|route| {
        let template: Vec<&str> = route.split('/').collect();
        template.len() == segments.len()
            && template
                .iter()
                .zip(&segments)
                .enumerate()
                .all(|(i, (t, s))| {
                    if t.starts_with('{') && t.ends_with('}') {
                        !s.is_empty() || i + 1 < segments.len()
                    } else {
                        t == s
                    }
                })
    })
}

/// Checks one exchange. `Err` names the broken expectation.
fn check(
    fixture: &Fixture,
    case: &Case,
    response: &Response<Body>,
    body: &[u8],
) -> Result<(), String> {
    let status = response.status();
    let headers = response.headers();
    let method = &case.method;
    let is_head = *method == Method::HEAD;

    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return Err("500: the store is healthy, so an internal error is a bug".into());
    }

    // Which operation the request reaches, and what the document allows it.
    let route = route_of(case.uri.path());
    let served = route.and_then(|route| {
        let methods = ROUTES.iter().find(|(r, _)| *r == route)?.1;
        let asked = if is_head { "GET" } else { method.as_str() };
        methods.iter().find(|m| **m == asked).copied()
    });
    match (route, served) {
        (None, _) => {
            if status != StatusCode::NOT_FOUND {
                return Err(format!("no route matches, but the status is {status}"));
            }
        }
        (Some(route), None) => {
            if status != StatusCode::METHOD_NOT_ALLOWED {
                return Err(format!(
                    "{method} is not served on {route}, but the status is {status}"
                ));
            }
        }
        (Some(route), Some(served)) => {
            let documented = fixture
                .documented
                .get(route)
                .and_then(|m| m.get(&served.to_ascii_lowercase()))
                .ok_or_else(|| format!("{served} {route} is not in openapi.json"))?;
            if !documented.contains(&status.as_u16()) {
                return Err(format!(
                    "{status} is not documented for {served} {route} (documented: {documented:?})"
                ));
            }
        }
    }

    // Every response carries a request id, the client's when it sent one.
    let request_id = headers
        .get("x-request-id")
        .ok_or("no x-request-id on the response")?;
    if let Some((_, sent)) = case.headers.iter().find(|(n, _)| n == "x-request-id")
        && sent != request_id
    {
        return Err(format!("x-request-id {sent:?} came back as {request_id:?}"));
    }

    let content_type = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes);
    if is_head && !body.is_empty() {
        return Err(format!("a HEAD response has a {}-byte body", body.len()));
    }

    if status.is_client_error() || status.is_server_error() {
        if content_type != Some(b"application/json") {
            return Err(format!("error content type {content_type:?}"));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            let allow = headers
                .get(header::ALLOW)
                .ok_or("405 without Allow")?
                .to_str()
                .map_err(|_| "Allow is not ASCII")?;
            let listed: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
            if listed.contains(method.as_str()) {
                return Err(format!("405 for {method}, but Allow lists it: {allow}"));
            }
            if let Some(route) = route {
                let mut expected: BTreeSet<&str> = ROUTES
                    .iter()
                    .filter(|(r, _)| *r == route)
                    .flat_map(|(_, methods)| methods.iter().copied())
                    .collect();
                if expected.contains("GET") {
                    expected.insert("HEAD");
                }
                if listed != expected {
                    return Err(format!(
                        "Allow: {allow} on {route}, which serves {expected:?}"
                    ));
                }
            }
        }
        if status == StatusCode::UNAUTHORIZED
            && headers
                .get(header::WWW_AUTHENTICATE)
                .is_none_or(|v| v != "Bearer realm=\"keygen\"")
        {
            return Err("401 without WWW-Authenticate: Bearer realm=\"keygen\"".into());
        }
        if status == StatusCode::SERVICE_UNAVAILABLE && !headers.contains_key(header::RETRY_AFTER) {
            return Err("503 without Retry-After".into());
        }
        if is_head {
            return Ok(());
        }
        let error: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the error body is not JSON ({e})"))?;
        let object = error.as_object().ok_or("the error body is not an object")?;
        if let Some(extra) = object
            .keys()
            .find(|k| !["code", "message", "description"].contains(&k.as_str()))
        {
            return Err(format!("the error body has an unknown member {extra:?}"));
        }
        let code = object
            .get("code")
            .and_then(Value::as_u64)
            .ok_or("the error code is missing or not a non-negative integer")?;
        let expected = fixture
            .catalogue
            .get(&code)
            .ok_or_else(|| format!("code {code} is not in the catalogue"))?;
        if *expected != status.as_u16() {
            return Err(format!("code {code} belongs with {expected}, not {status}"));
        }
        if object
            .get("message")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err("the error message is missing or empty".into());
        }
        if object.get("description").is_some_and(|d| !d.is_string()) {
            return Err("the error description is not a string".into());
        }
        if route.is_none() && code != 2202 {
            return Err(format!(
                "an unknown route answered with code {code}, not 2202"
            ));
        }
        if route.is_some() && served.is_none() && code != 2300 {
            return Err(format!(
                "a refused method answered with code {code}, not 2300"
            ));
        }
        return Ok(());
    }

    // Successes.
    match status {
        StatusCode::OK if *method == Method::GET || is_head => {}
        StatusCode::CREATED if *method == Method::POST => {}
        StatusCode::ACCEPTED if *method == Method::DELETE => {}
        _ => return Err(format!("success {status} for {method}")),
    }
    if status == StatusCode::ACCEPTED {
        if !body.is_empty() {
            return Err("202 with a body".into());
        }
        return Ok(());
    }
    let is_json = content_type.is_some_and(|ct| {
        std::str::from_utf8(ct)
            .ok()
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if route != Some("/metrics") && !is_json {
        return Err(format!("{status} with content type {content_type:?}"));
    }
    if is_head || !is_json {
        return Ok(());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the {status} body is not JSON ({e})"))?;
    if value.get("privateKey").is_some() && status != StatusCode::CREATED {
        return Err("a privateKey outside a create".into());
    }
    if status == StatusCode::CREATED {
        let href = value["hRef"].as_str().ok_or("201 without hRef")?;
        for member in ["id", "publicKey"] {
            if !value[member].is_string() {
                return Err(format!("201 without {member}"));
            }
        }
        let location = headers
            .get(header::LOCATION)
            .ok_or("201 without Location")?;
        if location.as_bytes() != format!("/v1{href}").as_bytes() {
            return Err(format!("Location {location:?} is not /v1 + hRef {href:?}"));
        }
    }
    if route == Some(KEYPAIRS) && *method == Method::GET {
        let items = value.as_array().ok_or("find did not answer an array")?;
        let count = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
        };
        let total = count("x-total-count").ok_or("find without X-Total-Count")?;
        let result = count("x-result-count").ok_or("find without X-Result-Count")?;
        if result != items.len() || result > total {
            return Err(format!(
                "X-Result-Count {result}, X-Total-Count {total}, {} items",
                items.len()
            ));
        }
    }
    Ok(())
}

/// What a request got: its status and, for an error, its code.
type Outcome = (u16, Option<u64>);

async fn exchange(fixture: &Fixture, case: Case) -> Result<Outcome, TestCaseError> {
    let call = fixture.app.clone().oneshot(case.request());
    let response = tokio::time::timeout(REQUEST_TIMEOUT, call)
        .await
        .map_err(|_| TestCaseError::fail(format!("no answer within {REQUEST_TIMEOUT:?}")))?
        .map_err(|e| TestCaseError::fail(format!("the router failed: {e}")))?;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| TestCaseError::fail(format!("the response body failed: {e}")))?;
    let response = Response::from_parts(parts, Body::empty());
    check(fixture, &case, &response, &body).map_err(|why| {
        TestCaseError::fail(format!(
            "{why}\n  answer: {} {:?}\n  body: {:?}",
            response.status(),
            response.headers(),
            Payload(body.to_vec())
        ))
    })?;
    let code = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("code").and_then(Value::as_u64))
        .filter(|_| response.status().as_u16() >= 400);
    Ok((response.status().as_u16(), code))
}

/// Requests on the edges, checked on every run before the random ones.
fn fixed_cases(fixture: &Fixture) -> Vec<Case> {
    let json = (header::CONTENT_TYPE, value_of("application/json"));
    let writer = (
        header::AUTHORIZATION,
        value_of(format!("Bearer {WRITER_TOKEN}")),
    );
    let id = &fixture.seeded[0];
    let case =
        |method: Method, target: &str, headers: Vec<(HeaderName, HeaderValue)>, body: &[u8]| Case {
            method,
            uri: to_uri(target),
            headers,
            body: Payload(body.to_vec()),
        };
    vec![
        case(
            Method::GET,
            "/v1/projects/%FF/zones/z1/keypairs",
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::GET,
            "/v1/projects/p1/zones/%C3/keypairs/x",
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::HEAD,
            "/v1/projects/p1/zones/z1/keypairs",
            vec![writer.clone()],
            b"",
        ),
        case(Method::HEAD, "/nowhere", vec![], b""),
        case(
            Method::OPTIONS,
            "/v1/projects/p1/zones/z1/keypairs",
            vec![],
            b"",
        ),
        case(Method::OPTIONS, "*", vec![], b""),
        case(
            Method::from_bytes(b"PROPFIND").expect("token"),
            "/healthz",
            vec![],
            b"",
        ),
        case(Method::GET, "http://localhost/readyz?x=1", vec![], b""),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            br#"{"name":"generated"}"#,
        ),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            br#"{"name":"n","publicKey":null}"#,
        ),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            br#"{"name":"n","name":"m"}"#,
        ),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            &vec![b' '; fixture.max_body_bytes + 1],
        ),
        case(
            Method::GET,
            "/v1/projects/p1/zones/eu-west-0/keypairs?limit=1&sort=-name,name&offset=9007199254740991",
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::GET,
            "/v1/projects/p1/zones/eu-west-0/keypairs?name=%FF",
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::GET,
            &format!("/v1/projects/p1/zones/eu-west-0/keypairs/{id}"),
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::GET,
            &format!(
                "/v1/projects/p1/zones/eu-west-0/keypairs/{}",
                id.to_ascii_uppercase()
            ),
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::GET,
            "/v1/projects/p1/zones/eu-west-0/keypairs/not-a-uuid",
            vec![writer.clone()],
            b"",
        ),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            br#"["array","d",{},"ssh-rsa AAAA"]"#,
        ),
        case(
            Method::POST,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![writer.clone(), json.clone()],
            br#"{"name":"t","tags":{"a":"1","a":"2"}}"#,
        ),
        case(
            Method::GET,
            "/v1/projects/p1/zones/eu-west-0/keypairs",
            vec![],
            b"",
        ),
        case(
            Method::DELETE,
            &format!(
                "/v1/projects/p1/zones/eu-west-0/keypairs/{}",
                id.to_ascii_uppercase()
            ),
            vec![
                writer.clone(),
                (
                    HeaderName::from_static("x-requester-id"),
                    HeaderValue::from_bytes(b"\xff").expect("obs-text"),
                ),
            ],
            b"",
        ),
    ]
}

#[test]
fn arbitrary_requests_get_documented_answers() {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fixture = runtime.block_on(Fixture::new(dir.path()));

    for case in fixed_cases(&fixture) {
        if let Err(e) = runtime.block_on(exchange(&fixture, case.clone())) {
            panic!("{e}\n  request: {case:#?}");
        }
    }

    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = case(&fixture);
    let seen = std::sync::Mutex::new(BTreeMap::<Outcome, usize>::new());
    let result = runner.run(&strategy, |case| {
        let outcome = runtime.block_on(exchange(&fixture, case))?;
        *seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(outcome)
            .or_default() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    eprintln!(
        "{cases} cases in {:.1?}; (status, code) → count: {seen:?}",
        started.elapsed()
    );

    // The generators reach every layer: auth, path and query checks, the
    // body parser, the validators, the store and the key source. Only
    // outcomes that a full run meets dozens of times are required, so the
    // check does not fail by chance.
    if cases >= DEFAULT_CASES {
        let statuses: BTreeSet<u16> = seen.keys().map(|(status, _)| *status).collect();
        let codes: BTreeSet<u64> = seen.keys().filter_map(|(_, code)| *code).collect();
        for status in [200, 400, 401, 403, 404, 405] {
            assert!(statuses.contains(&status), "no case got {status}");
        }
        assert!(
            statuses.contains(&201) || statuses.contains(&503),
            "no create passed validation"
        );
        for code in [2000, 2003, 2006, 2100, 2101, 2200, 2202, 2300] {
            assert!(codes.contains(&code), "no case got error code {code}");
        }
        assert!(
            codes.iter().any(|c| (1000..1200).contains(c)),
            "no case reached the validators"
        );
    }
}
