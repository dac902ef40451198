//! The HTTP contract against a real server: routes, statuses, headers,
//! bodies, auth, bad input, races, restarts, crashes and secrecy.

mod common;

common::on_every_store!(
    every_route_and_status,
    auth_matrix,
    bad_input_is_a_400_with_the_standard_body,
    fifty_racing_creates_of_one_name_make_one_key_pair,
    find_sorts_filters_and_pages_alike_on_every_store,
    private_keys_reach_neither_disk_nor_logs_and_survive_restart,
    sigkill_mid_stream_loses_no_acknowledged_create,
    a_full_queue_answers_503_with_retry_after_at_once,
    per_credential_limit_protects_others,
    sigterm_finishes_creates_in_flight,
    error_details_are_whole,
    only_a_json_object_is_a_create_body,
    duplicate_members_and_tag_keys_are_refused,
    key_pair_ids_are_uuids_in_any_case,
    a_401_names_the_bearer_scheme,
    header_bytes_refused_get_the_error_body,
    a_replaced_admin_token_is_logged_never_shown,
    key_lines_with_blank_lines_import_and_the_minimum_is_configurable,
);

use std::collections::HashSet;

use common::{ADMIN, Backend, TestEnv, client, keypairs, public_key};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn create(base: &str, path: &str, token: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{base}{path}"))
        .header("authorization", bearer(token))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn error_code(response: reqwest::Response, status: StatusCode) -> u64 {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].is_string() && body["description"].is_string(),
        "{body}"
    );
    body["code"].as_u64().unwrap()
}

async fn every_route_and_status(env: TestEnv) {
    let server = env.start(None, 0);
    let base = server.base.clone();
    let path = keypairs("p1", "eu-west-0");
    let c = client();

    // Create with a public key: 201, Location, no privateKey.
    let r = create(&base, &path, ADMIN, &json!({"name": "imported", "description": "laptop", "tags": {"team": "a"}, "publicKey": format!("  {}\n", public_key())})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("/v1/projects/p1/zones/eu-west-0/keypairs/{id}")
    );
    assert_eq!(
        created["hRef"],
        format!("/projects/p1/zones/eu-west-0/keypairs/{id}")
    );
    assert_eq!(created["publicKey"], public_key());
    assert!(created.get("privateKey").is_none());

    // Create without one: a generated key pair, privateKey once.
    let r = create(&base, &path, ADMIN, &json!({"name": "generated"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let generated: Value = r.json().await.unwrap();
    let private = generated["privateKey"].as_str().unwrap();
    let report = keygen_core::check_private_key(private);
    assert!(report.is_sound());
    assert_eq!(
        report.public_key().unwrap().to_openssh(),
        generated["publicKey"].as_str().unwrap()
    );
    assert_eq!(generated["publicKey"].as_str().unwrap().len(), 724);

    // Get: the resource, without privateKey.
    let r = c
        .get(format!(
            "{base}{path}/{}",
            generated["id"].as_str().unwrap()
        ))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: Value = r.json().await.unwrap();
    assert!(got.get("privateKey").is_none());
    assert_eq!(got["name"], "generated");
    assert_eq!(got["provisioningState"], "active");
    assert_eq!(got["lastRequesterId"], "admin");
    assert!(got["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
    time::OffsetDateTime::parse(
        got["createdDate"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    // Find: filters, paging, sorting and the count headers.
    let r = c
        .get(format!("{base}{path}?sort=-name&limit=1"))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-total-count"], "2");
    assert_eq!(r.headers()["x-result-count"], "1");
    let items: Vec<Value> = r.json().await.unwrap();
    assert_eq!(items[0]["name"], "imported");
    let r = c
        .get(format!(
            "{base}{path}?name=imported&provisioningState=active"
        ))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    let items: Vec<Value> = r.json().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["description"], "laptop");
    assert_eq!(items[0]["tags"]["team"], "a");
    let r = c
        .get(format!("{base}{path}?offset=5"))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "2");
    assert_eq!(r.headers()["x-result-count"], "0");

    // Delete: 202, then 404 for get and delete.
    let item = format!("{base}{path}/{id}");
    let r = c
        .delete(&item)
        .header("authorization", bearer(ADMIN))
        .header("x-requester-id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = c
        .get(&item)
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);
    let r = c
        .delete(&item)
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);
    let r = c
        .get(format!("{base}{path}/not-a-uuid"))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, 2006);

    // 405 with Allow on known routes; 404 on unknown ones.
    let r = c
        .put(format!("{base}{path}"))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(error_code(r, StatusCode::METHOD_NOT_ALLOWED).await, 2300);
    let r = c
        .post(&item)
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "DELETE, GET, HEAD");
    assert_eq!(error_code(r, StatusCode::METHOD_NOT_ALLOWED).await, 2300);
    let r = c.get(format!("{base}/v1/nothing")).send().await.unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2202);

    // Operations endpoints.
    for p in ["/healthz", "/readyz"] {
        let r = c.get(format!("{base}{p}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
    }
    let metrics = c
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "keygen_http_requests_total",
        "keygen_http_request_duration_seconds_bucket",
        "keygen_keygen_duration_seconds",
        "keygen_pool_depth",
        "keygen_queue_depth",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    let served = c
        .get(format!("{base}/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, include_str!("../openapi.json"));

    // A request id sent is echoed.
    let r = c
        .get(format!("{base}/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
}

const CONFIG: &str = r#"
zones = ["eu-west-0", "eu-west-1"]
[[credentials]]
name = "reader"
bearer_sha256 = "READER"
projects = ["p1"]
write = false
[[credentials]]
name = "writer"
api_key_sha256 = "WRITER"
projects = ["p1"]
write = true
[[credentials]]
name = "other"
bearer_sha256 = "OTHER"
projects = ["p2"]
write = true
"#;

fn config() -> String {
    use keygen_service::config::hash_secret;
    CONFIG
        .replace("READER", &hash_secret("reader-token"))
        .replace("WRITER", &hash_secret("writer-key"))
        .replace("OTHER", &hash_secret("other-token"))
}

async fn auth_matrix(env: TestEnv) {
    let server = env.start(Some(&config()), 0);
    let base = &server.base;
    let c = client();
    let p1 = format!("{base}{}", keypairs("p1", "eu-west-0"));
    let p2 = format!("{base}{}", keypairs("p2", "eu-west-0"));
    let body = json!({"name": "k", "publicKey": public_key()});

    // No credential, wrong token, wrong key: 401.
    let r = c.get(&p1).send().await.unwrap();
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, 2100);
    let r = c
        .get(&p1)
        .header("authorization", "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, 2100);
    let r = c.get(&p1).header("x-api-key", "nope").send().await.unwrap();
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, 2100);
    let r = c
        .get(&p1)
        .header("authorization", "Basic cmVhZGVyLXRva2Vu")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, 2100);

    // Writer (API key) creates in p1.
    let r = c
        .post(&p1)
        .header("x-api-key", "writer-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Reader reads p1 but may not write: 403.
    let r = c
        .get(&p1)
        .header("authorization", "Bearer reader-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(&p1)
        .header("authorization", "Bearer reader-token")
        .json(&json!({"name": "r", "publicKey": public_key()}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, 2101);
    let r = c
        .delete(format!("{p1}/{id}"))
        .header("authorization", "Bearer reader-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, 2101);

    // Right token, wrong project: 403; its own project never shows p1's key.
    let r = c
        .get(format!("{p1}/{id}"))
        .header("authorization", "Bearer other-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, 2101);
    let r = c
        .get(format!("{p2}/{id}"))
        .header("authorization", "Bearer other-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);
    let r = c
        .delete(format!("{p2}/{id}"))
        .header("authorization", "Bearer other-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);
    let r = c
        .get(&p2)
        .header("authorization", "Bearer other-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "0");
    // The same id in another zone of the same project is not found either.
    let r = c
        .get(format!("{base}{}/{id}", keypairs("p1", "eu-west-1")))
        .header("authorization", "Bearer reader-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);

    // A zone that is not served: 404.
    let r = c
        .get(format!("{base}{}", keypairs("p1", "us-east-1")))
        .header("x-api-key", "writer-key")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2201);
}

async fn bad_input_is_a_400_with_the_standard_body(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let c = client();
    let post = |body: Vec<u8>, content_type: &'static str| {
        c.post(&url)
            .header("authorization", bearer(ADMIN))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: Vec<(Vec<u8>, &str, u64)> = vec![
        (b"{\"name\": \"a\"".to_vec(), "application/json", 2000),
        (b"not json".to_vec(), "application/json", 2000),
        (b"{\"name\": \"a\xff\"}".to_vec(), "application/json", 2000),
        (b"{\"name\": \"a\"}".to_vec(), "text/plain", 2001),
        (
            b"{\"name\": \"a\"}".to_vec(),
            "application/x-www-form-urlencoded",
            2001,
        ),
        (vec![b' '; 20_000], "application/json", 2002),
        (
            b"{\"name\": \"a\", \"color\": \"red\"}".to_vec(),
            "application/json",
            2003,
        ),
        (
            b"{\"description\": \"no name\"}".to_vec(),
            "application/json",
            2003,
        ),
        (b"{\"name\": 42}".to_vec(), "application/json", 2003),
        (
            b"{\"name\": \"a\", \"tags\": {\"k\": 1}}".to_vec(),
            "application/json",
            2003,
        ),
        (b"[]".to_vec(), "application/json", 2003),
        (
            b"{\"name\": \"a\", \"publicKey\": null}".to_vec(),
            "application/json",
            2003,
        ),
        (
            b"{\"name\": \"a\", \"description\": null}".to_vec(),
            "application/json",
            2003,
        ),
        (
            b"{\"name\": \"a\", \"tags\": null}".to_vec(),
            "application/json",
            2003,
        ),
        // serde quotes an unknown field's name; the detail is cut at 200
        // bytes, which must fall on a character boundary.
        (
            format!("{{\"{}\": 1}}", "é".repeat(150)).into_bytes(),
            "application/json",
            2003,
        ),
        (
            format!("{{\"name\": \"a\", \"tags\": \"{}\"}}", "é".repeat(150)).into_bytes(),
            "application/json",
            2003,
        ),
    ];
    for (body, content_type, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let r = post(body, content_type).await.unwrap();
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            code,
            "{shown}"
        );
    }
    // Validator refusals carry the validator's code (1000 and up) and name the field.
    for body in [
        json!({"name": "has space"}),
        json!({"name": ""}),
        json!({"name": "a".repeat(41)}),
        json!({"name": "ok", "description": "bell\u{7}"}),
        json!({"name": "ok", "tags": {"": "v"}}),
        json!({"name": "ok", "publicKey": format!("command=\"rm -rf /\" {}", public_key())}),
        json!({"name": "ok", "publicKey": "ssh-rsa AAAA"}),
        json!({"name": "ok", "publicKey": format!("{}\nssh-rsa AAAA", public_key())}),
    ] {
        let r = c
            .post(&url)
            .header("authorization", bearer(ADMIN))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let e: Value = r.json().await.unwrap();
        let code = e["code"].as_u64().unwrap();
        assert!((1000..2000).contains(&code), "{body} -> {e}");
        let field = ["name", "description", "tags", "publicKey"]
            .iter()
            .any(|f| e["message"].as_str().unwrap().contains(f));
        assert!(field, "message does not name the field: {e}");
    }
    // Query parameters.
    for q in [
        "limit=0",
        "limit=abc",
        "limit=1001",
        "offset=-1",
        "provisioningState=gone",
        "sort=color",
        "sort=-",
        "name=bad%20name",
        "colour=red",
        "limit=1&limit=2",
    ] {
        let r = c
            .get(format!("{url}?{q}"))
            .header("authorization", bearer(ADMIN))
            .send()
            .await
            .unwrap();
        let code = error_code(r, StatusCode::BAD_REQUEST).await;
        assert!(code == 2005 || (1000..2000).contains(&code), "{q}: {code}");
    }
    // A bad X-Requester-Id header.
    let r = c
        .post(&url)
        .header("authorization", bearer(ADMIN))
        .header("x-requester-id", "")
        .json(&json!({"name": "ok"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, 2007);
    // Path segments.
    let r = c
        .get(format!("{}{}", server.base, keypairs("p1", "Bad_Zone")))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, 2006);
    let r = c
        .get(format!("{}/v1/projects/p%FF/zones/z/keypairs", server.base))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, 2006);
}

async fn fifty_racing_creates_of_one_name_make_one_key_pair(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let c = client();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (c, url) = (c.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(&url)
                .header("authorization", bearer(ADMIN))
                .json(&json!({"name": "race", "publicKey": public_key()}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            (status, body)
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::BAD_REQUEST => assert_eq!(body["code"], 2004, "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);
    let r = c
        .get(&url)
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "1");
}

/// Sort order, NULL placement, tie-breaks, filters and paging: the stores
/// must agree (byte order of UTF-8, whatever the database's locale).
async fn find_sorts_filters_and_pages_alike_on_every_store(env: TestEnv) {
    let server = env.start(None, 0);
    let path = keypairs("p1", "eu-west-0");
    let c = client();
    // Created in this order (the default order); no description is NULL.
    let items = [
        ("b", Some("zeta")),
        ("B", None),
        ("a-1", Some("\u{c9}mile")),
        ("a1", Some("alpha")),
        ("A", None),
        ("a", Some("alpha")),
        ("Z9", Some("Zulu")),
    ];
    for (name, description) in items {
        let mut body = json!({"name": name, "publicKey": public_key()});
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let r = create(&server.base, &path, ADMIN, &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{name}");
    }
    // Another zone's key pair is never counted.
    let r = create(
        &server.base,
        &keypairs("p1", "eu-west-1"),
        ADMIN,
        &json!({"name": "a", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let find = |query: &str| {
        let request = c
            .get(format!("{}{path}?{query}", server.base))
            .header("authorization", bearer(ADMIN));
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let total: u64 = r.headers()["x-total-count"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let count: usize = r.headers()["x-result-count"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body: Vec<Value> = r.json().await.unwrap();
            assert_eq!(body.len(), count);
            let names: Vec<String> = body
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_owned())
                .collect();
            let ids: Vec<String> = body
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect();
            (total, names, ids)
        }
    };
    let created: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
    let cases: &[(&str, &[&str])] = &[
        ("", &created),
        ("sort=createdDate", &created),
        (
            "sort=-createdDate",
            &["Z9", "a", "A", "a1", "a-1", "B", "b"],
        ),
        ("sort=name", &["A", "B", "Z9", "a", "a-1", "a1", "b"]),
        ("sort=-name", &["b", "a1", "a-1", "a", "Z9", "B", "A"]),
        // No description first going up, last going down; ties by name.
        (
            "sort=description,name",
            &["A", "B", "Z9", "a", "a1", "b", "a-1"],
        ),
        (
            "sort=-description,name",
            &["a-1", "b", "a", "a1", "Z9", "A", "B"],
        ),
        // Ties (equal descriptions, equal states) fall back to creation order.
        ("sort=description", &["B", "A", "Z9", "a1", "a", "b", "a-1"]),
        ("sort=provisioningState", &created),
        (
            "sort=provisioningState,-name",
            &["b", "a1", "a-1", "a", "Z9", "B", "A"],
        ),
        (
            "sort=-lastModifiedDate",
            &["Z9", "a", "A", "a1", "a-1", "B", "b"],
        ),
    ];
    for (query, expected) in cases {
        let (total, names, _) = find(query).await;
        assert_eq!(total, 7, "{query}");
        assert_eq!(names, *expected, "{query}");
    }
    // Ids sort as text.
    let (_, _, ids) = find("sort=id").await;
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let (_, _, ids) = find("sort=-id").await;
    sorted.reverse();
    assert_eq!(ids, sorted);
    // Pages are slices of the whole order, with the total on each.
    let mut paged = Vec::new();
    for (offset, expected) in [(0, 3), (3, 3), (6, 1), (7, 0), (100, 0)] {
        let (total, names, _) =
            find(&format!("sort=-description,name&limit=3&offset={offset}")).await;
        assert_eq!((total, names.len()), (7, expected), "offset {offset}");
        paged.extend(names);
    }
    assert_eq!(paged, ["a-1", "b", "a", "a1", "Z9", "A", "B"]);
    // Filters: exact name (case matters), state, both, and no match.
    for (query, total, expected) in [
        ("name=a-1", 1, vec!["a-1"]),
        ("name=A", 1, vec!["A"]),
        ("name=nope", 0, vec![]),
        (
            "provisioningState=active&sort=name&limit=2",
            7,
            vec!["A", "B"],
        ),
        ("provisioningState=error", 0, vec![]),
        ("name=a1&provisioningState=active", 1, vec!["a1"]),
        ("name=a1&provisioningState=deleting", 0, vec![]),
    ] {
        let (t, names, _) = find(query).await;
        assert_eq!(
            (t, names),
            (total, expected.iter().map(|s| (*s).to_owned()).collect()),
            "{query}"
        );
    }
}

/// Every fragment of the secret part of each private key: 24-character runs
/// of its base64 past the public modulus, and 16-byte runs of its DER.
fn secret_fragments(private_b64: &str) -> (Vec<String>, Vec<Vec<u8>>) {
    use base64ct::{Base64, Encoding};
    let text: Vec<String> = private_b64.as_bytes()[760..]
        .chunks_exact(24)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let der = Base64::decode_vec(private_b64).unwrap();
    let binary = der[600..].chunks_exact(16).map(<[u8]>::to_vec).collect();
    (text, binary)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn private_keys_reach_neither_disk_nor_logs_and_survive_restart(env: TestEnv) {
    let server = env.start(None, 2);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let c = client();
    let mut privates = Vec::new();
    let mut ids = HashSet::new();
    for i in 0..3 {
        let r = c
            .post(&url)
            .header("authorization", bearer(ADMIN))
            .json(&json!({"name": format!("g{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        privates.push(body["privateKey"].as_str().unwrap().to_owned());
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    // A graceful stop (SIGTERM), then a restart on the same data.
    assert!(server.signal("TERM").success());
    let server = env.start(None, 0);
    let r = c
        .get(format!("{}{}", server.base, keypairs("p1", "eu-west-0")))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    let items: Vec<Value> = r.json().await.unwrap();
    let found: HashSet<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, ids);
    drop(server);

    match env.backend {
        Backend::Sqlite => {}
        // Every row of every table, as text, joins the files searched.
        Backend::Postgres => {
            let rows = common::with_client(env.database_url().unwrap(), |c| {
                let mut out = String::new();
                let tables = c
                    .query(
                        "SELECT table_name::text FROM information_schema.tables \
                         WHERE table_schema = current_schema()",
                        &[],
                    )
                    .unwrap();
                assert!(tables.len() >= 3, "keypairs, settings, schema_migrations");
                for t in tables {
                    let table: String = t.get(0);
                    for row in c
                        .query(&format!("SELECT t::text FROM \"{table}\" t"), &[])
                        .unwrap()
                    {
                        out.push_str(&row.get::<_, String>(0));
                        out.push('\n');
                    }
                }
                out
            });
            assert!(rows.contains("ssh-rsa "), "{rows}");
            std::fs::write(env.path().join("database-rows.txt"), rows).unwrap();
        }
    }
    let files = files_under(env.path());
    let store_file = match env.backend {
        Backend::Sqlite => "keygen.sqlite3",
        Backend::Postgres => "database-rows.txt",
    };
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains(store_file))
    );
    assert!(files.iter().any(|f| f.to_string_lossy().contains("log-")));
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for private in &privates {
            let (text_fragments, der_fragments) = secret_fragments(private);
            for f in &text_fragments {
                assert!(
                    !text.contains(f.as_str()),
                    "private key text in {}",
                    file.display()
                );
            }
            for f in &der_fragments {
                assert!(
                    !bytes.windows(f.len()).any(|w| w == f.as_slice()),
                    "private key bytes in {}",
                    file.display()
                );
            }
        }
    }
}

async fn sigkill_mid_stream_loses_no_acknowledged_create(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let (acked, writers) = common::create_stream(&url, &bearer(ADMIN), 4, usize::MAX);
    // Let the stream run, then kill the server without warning.
    while acked.lock().unwrap().len() < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.signal("KILL");
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let server = env.start(None, 0);
    let c = client();
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    for id in &acked {
        let r = c
            .get(format!("{url}/{id}"))
            .header("authorization", bearer(ADMIN))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged create {id} lost");
    }
}

async fn a_full_queue_answers_503_with_retry_after_at_once(env: TestEnv) {
    let server = env.start(
        Some("workers = 1\nqueue = 0\npool_size = 0\nper_credential_generations = 8\n"),
        0,
    );
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let mut tasks = Vec::new();
    for i in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let start = std::time::Instant::now();
            let r = client()
                .post(&url)
                .header("authorization", bearer(ADMIN))
                .json(&json!({"name": format!("q{i}")}))
                .send()
                .await
                .unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (r.status(), retry, start.elapsed())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, retry, elapsed) = t.await.unwrap();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(retry.as_deref(), Some("1"));
            assert!(
                elapsed < std::time::Duration::from_millis(500),
                "503 took {elapsed:?}"
            );
        }
        statuses.push(status);
    }
    assert!(statuses.contains(&StatusCode::CREATED), "{statuses:?}");
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
}

async fn per_credential_limit_protects_others(env: TestEnv) {
    let server = env.start(
        Some(&format!(
            "workers = 2\nqueue = 8\npool_size = 0\nper_credential_generations = 1\n{}",
            config()
        )),
        0,
    );
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let mut tasks = Vec::new();
    for i in 0..3 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            client()
                .post(&url)
                .header("x-api-key", "writer-key")
                .json(&json!({"name": format!("c{i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    // Meanwhile the admin still gets a key generated.
    let admin = client()
        .post(&url)
        .header("authorization", bearer(ADMIN))
        .json(&json!({"name": "admin-key"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(admin, StatusCode::CREATED);
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
}

async fn sigterm_finishes_creates_in_flight(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let request = tokio::spawn(async move {
        client()
            .post(&url)
            .header("authorization", bearer(ADMIN))
            .json(&json!({"name": "inflight"}))
            .send()
            .await
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let status = tokio::task::spawn_blocking(move || server.signal("TERM"))
        .await
        .unwrap();
    assert!(status.success());
    let r = request.await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert!(body["privateKey"].is_string());
}

#[test]
fn openapi_document_lists_exactly_the_served_routes() {
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, Vec<String>)> = paths
        .iter()
        .map(|(p, item)| {
            let mut methods: Vec<String> = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(|m| m.to_uppercase())
                .collect();
            methods.sort();
            (p.clone(), methods)
        })
        .collect();
    documented.sort();
    let mut served: Vec<(String, Vec<String>)> = keygen_service::ROUTES
        .iter()
        .map(|(p, m)| {
            let mut m: Vec<String> = m.iter().map(|s| (*s).to_owned()).collect();
            m.sort();
            ((*p).to_owned(), m)
        })
        .collect();
    served.sort();
    assert_eq!(documented, served);
}

/// POSTs `body` (raw bytes) as JSON and returns the status and error body.
async fn post_raw(url: &str, body: &[u8]) -> (StatusCode, Value) {
    let r = client()
        .post(url)
        .header("authorization", bearer(ADMIN))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(r.headers().contains_key("x-request-id"));
    (status, r.json().await.unwrap())
}

/// serde's message reaches the client whole, position included.
async fn error_details_are_whole(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    for (body, code, description) in [
        (&b"{}"[..], 2003, "missing field `name` at line 1 column 2"),
        (
            br#"{"name":"x","tags":{"a":1}}"#,
            2003,
            "invalid type: integer `1`, expected a string at line 1 column 25",
        ),
        (
            br#"{"name": "x", "color": "red"}"#,
            2003,
            "unknown field `color`, expected one of `name`, `description`, `tags`, `publicKey` at line 1 column 21",
        ),
        (
            br#"{"name": "x",}"#,
            2000,
            "trailing comma at line 1 column 14",
        ),
    ] {
        let (status, e) = post_raw(&url, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(e["code"], code, "{e}");
        assert_eq!(e["description"], description, "{e}");
    }
}

/// Arrays and other JSON values are not create bodies, and the refusal
/// names no Rust type.
async fn only_a_json_object_is_a_create_body(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    for body in [
        format!(r#"["from-array", "d", {{}}, "{}"]"#, public_key()),
        r#"["from-array"]"#.to_owned(),
        "[]".to_owned(),
        r#""from-array""#.to_owned(),
        "42".to_owned(),
        "null".to_owned(),
        "true".to_owned(),
    ] {
        let (status, e) = post_raw(&url, body.as_bytes()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(e["code"], 2003, "{body}: {e}");
        let description = e["description"].as_str().unwrap();
        assert!(
            description.contains("expected a JSON object"),
            "{body}: {description}"
        );
        for internal in ["struct", "CreateBody", "Visitor"] {
            assert!(!description.contains(internal), "{body}: {description}");
        }
    }
    let r = client()
        .get(&url)
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "0");
}

async fn duplicate_members_and_tag_keys_are_refused(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let key = public_key();
    for body in [
        format!(r#"{{"name":"d","tags":{{"a":"1","a":"2"}},"publicKey":"{key}"}}"#),
        format!(r#"{{"name":"d","tags":{{"a":"1","b":"x","a":"1"}},"publicKey":"{key}"}}"#),
        format!(r#"{{"name":"d","name":"e","publicKey":"{key}"}}"#),
        format!(r#"{{"name":"d","tags":{{}},"tags":{{}},"publicKey":"{key}"}}"#),
        format!(r#"{{"name":"d","publicKey":"{key}","publicKey":"{key}"}}"#),
        format!(r#"{{"name":"d","description":"a","description":"b","publicKey":"{key}"}}"#),
    ] {
        let (status, e) = post_raw(&url, body.as_bytes()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(e["code"], 2003, "{body}: {e}");
        assert!(
            e["description"].as_str().unwrap().starts_with("duplicate "),
            "{e}"
        );
    }
    let (status, e) = post_raw(
        &url,
        format!(r#"{{"name":"d","tags":{{"a":"1","A":"2"}},"publicKey":"{key}"}}"#).as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
}

async fn key_pair_ids_are_uuids_in_any_case(env: TestEnv) {
    let server = env.start(None, 0);
    let path = keypairs("p1", "eu-west-0");
    let c = client();
    let r = create(
        &server.base,
        &path,
        ADMIN,
        &json!({"name": "cased", "publicKey": public_key()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id, id.to_ascii_lowercase());
    let upper = id.to_ascii_uppercase();
    let mixed: String = id
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            if i % 2 == 0 {
                ch.to_ascii_uppercase()
            } else {
                ch
            }
        })
        .collect();
    for spelling in [&upper, &mixed] {
        let r = c
            .get(format!("{}{path}/{spelling}", server.base))
            .header("authorization", bearer(ADMIN))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{spelling}");
        assert_eq!(r.json::<Value>().await.unwrap()["id"], id.as_str());
    }
    // Not UUIDs (or not the hyphenated spelling): 400, code 2006, naming
    // the parameter, on get and on delete.
    let simple = id.replace('-', "");
    for bad in [
        "not-a-uuid",
        "3fa85f64-5717-4562-b3fc-2c963f66afaZ",
        simple.as_str(),
        &format!("{{{id}}}"),
        &format!("urn:uuid:{id}"),
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
            let r = c
                .request(method.clone(), format!("{}{path}/{bad}", server.base))
                .header("authorization", bearer(ADMIN))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{method} {bad}");
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["code"], 2006, "{method} {bad}: {e}");
            assert!(
                e["description"].as_str().unwrap().contains("keyPairId"),
                "{e}"
            );
        }
    }
    let r = c
        .delete(format!("{}{path}/{upper}", server.base))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = c
        .get(format!("{}{path}/{id}", server.base))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, 2200);
}

async fn a_401_names_the_bearer_scheme(env: TestEnv) {
    let server = env.start(None, 0);
    let url = format!("{}{}", server.base, keypairs("p1", "eu-west-0"));
    let c = client();
    for request in [
        c.get(&url),
        c.get(&url).header("authorization", "Bearer wrong-token"),
        c.post(&url).header("x-api-key", "wrong-key"),
        c.delete(format!("{url}/3fa85f64-5717-4562-b3fc-2c963f66afa6")),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"keygen\"");
        assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, 2100);
    }
    // Other errors do not ask for credentials.
    let r = c
        .get(format!("{url}/nope"))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("www-authenticate"));
}

/// Sends `request` (raw bytes) on a new connection and returns the whole
/// answer (the request asks the server to close after it).
async fn raw_exchange(base: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut answer),
    )
    .await
    .unwrap()
    .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A header value the HTTP layer lets through but the API refuses (bytes
/// beyond ASCII, obs-text of RFC 9110 section 5.5) gets the API's error
/// body, content type and request id. A control character, which hyper
/// refuses while parsing the head (before any of the service's code runs),
/// gets hyper's bare 400: that answer is hyper's, not the service's.
async fn header_bytes_refused_get_the_error_body(env: TestEnv) {
    let server = env.start(None, 0);
    let path = keypairs("p1", "eu-west-0");
    let body = format!(r#"{{"name":"raw","publicKey":"{}"}}"#, public_key());
    for (name, value) in [
        ("X-Requester-Id", &b"caf\xe9"[..]),
        ("X-Requester-Id", b"\xff\xfe"),
        ("X-Requester-Id", b"tab\there"),
    ] {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{name}: ",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n\r\n");
        request.extend_from_slice(body.as_bytes());
        let answer = raw_exchange(&server.base, &request).await;
        let (head, payload) = answer.split_once("\r\n\r\n").unwrap();
        let head = head.to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 400 "), "{answer}");
        assert!(
            head.contains("\r\ncontent-type: application/json"),
            "{answer}"
        );
        assert!(head.contains("\r\nx-request-id: "), "{answer}");
        let e: Value = serde_json::from_str(payload).unwrap();
        assert_eq!(e["code"], 2007, "{e}");
    }
    // Refused by hyper itself: still a 400, and the connection closes.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nX-Requester-Id: a\x01b\r\n\r\n"
    );
    let answer = raw_exchange(&server.base, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
}

/// `KEYGEN_ADMIN_TOKEN` set to another token than the stored one replaces
/// it, with a warning that names neither token; the same token again
/// warns of nothing.
async fn a_replaced_admin_token_is_logged_never_shown(env: TestEnv) {
    const NEW: &str = "a-replacement-admin-token-9876543210";
    let start = |token: &str| {
        let (mut cmd, log) = common::command(env.path(), None, 0);
        match env.database_url() {
            Some(url) => cmd.env("KEYGEN_DATABASE_URL", url),
            None => cmd.env_remove("KEYGEN_DATABASE_URL"),
        };
        cmd.env("KEYGEN_ADMIN_TOKEN", token);
        common::spawn(cmd, env.path(), log)
    };
    let url = |server: &common::Server| format!("{}{}", server.base, keypairs("p1", "z1"));
    let first = start(ADMIN);
    assert!(
        !first.log_text().contains("replaced"),
        "{}",
        first.log_text()
    );
    drop(first);
    let again = start(ADMIN);
    assert!(
        !again.log_text().contains("replaced"),
        "{}",
        again.log_text()
    );
    drop(again);

    let replaced = start(NEW);
    let log = replaced.log_text();
    assert!(
        log.contains("WARN") && log.contains("KEYGEN_ADMIN_TOKEN replaced the stored admin token"),
        "{log}"
    );
    assert!(!log.contains(NEW) && !log.contains(ADMIN), "{log}");
    for hidden in [NEW, ADMIN] {
        let digest = keygen_service::config::hash_secret(hidden);
        assert!(!log.contains(&digest), "{log}");
    }
    assert!(replaced.preamble.iter().all(|l| !l.contains(NEW)));
    let c = client();
    let r = c
        .get(url(&replaced))
        .header("authorization", bearer(ADMIN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(url(&replaced))
        .header("authorization", bearer(NEW))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// An Ed25519 line of 80 characters: below the contract's 512.
const SHORT_ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

async fn key_lines_with_blank_lines_import_and_the_minimum_is_configurable(env: TestEnv) {
    let server = env.start(None, 0);
    let path = keypairs("p1", "eu-west-0");
    // Blank lines after the key (as a copied key file ends) are trimmed.
    let body = json!({"name": "blank-lines", "publicKey": format!("{}\n\n", public_key())});
    let r = create(&server.base, &path, ADMIN, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["publicKey"], public_key());
    let body =
        json!({"name": "blank-lines-crlf", "publicKey": format!("\r\n{}\r\n\r\n", public_key())});
    let r = create(&server.base, &path, ADMIN, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // A second key line is still refused.
    let two = format!("{}\n\n{}\n", public_key(), public_key());
    let r = create(
        &server.base,
        &path,
        ADMIN,
        &json!({"name": "two", "publicKey": two}),
    )
    .await;
    assert_eq!(error_code(r, StatusCode::BAD_REQUEST).await, 1102);
    // The default minimum refuses a bare Ed25519 line, saying what passes.
    let body = json!({"name": "short", "publicKey": SHORT_ED25519});
    let r = create(&server.base, &path, ADMIN, &body).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let refusal: Value = r.json().await.unwrap();
    assert_eq!(refusal["code"], 1100, "{refusal}");
    let message = refusal["message"].as_str().unwrap();
    assert!(
        message.contains("3072 bits") && message.contains("comment"),
        "{message}"
    );
    assert!(server.signal("TERM").success());

    // A lowered minimum accepts it as it is.
    let server = env.start(Some("min_public_key_length = 80\n"), 0);
    let r = create(&server.base, &path, ADMIN, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["publicKey"], SHORT_ED25519);
}
