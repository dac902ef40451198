//! HTTPS and the limits on slow and idle clients, against a real process:
//! a CA and certificates made in the test, HTTP/1.1 and HTTP/2 by ALPN,
//! certificate reloads, the refusal of plain HTTP off loopback, cut-off
//! half-sent heads, slow bodies and idle connections, `max_connections`,
//! and metrics on their own address.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::tls::{Ca, https_client, peer_certificate, write_pair};
use common::{ADMIN, keypairs, public_key};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn bearer() -> String {
    format!("Bearer {ADMIN}")
}

fn addr(server: &common::Server) -> String {
    server
        .base
        .split_once("://")
        .map(|(_, a)| a.to_owned())
        .unwrap()
}

/// Reads until the server closes the connection (or `limit` passes);
/// returns what was read and how long the close took.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration, bool) {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return (out, start.elapsed(), true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (out, start.elapsed(), true),
        }
    }
    (out, start.elapsed(), false)
}

#[tokio::test]
async fn create_read_delete_over_https_by_http1_and_http2() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("keygen test ca");
    let (cert_pem, key_pem, _) = ca.leaf("server");
    let (cert, key) = write_pair(dir.path(), &cert_pem, &key_pem);
    let server = common::tls::start(dir.path(), &cert, &key, None, 1);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let path = keypairs("p1", "eu-west-0");

    for (alpn, version) in [
        (&b"http/1.1"[..], reqwest::Version::HTTP_11),
        (&b"h2"[..], reqwest::Version::HTTP_2),
    ] {
        let c = https_client(&ca, &[alpn]);
        let name = format!("k{}", alpn.len());
        let body = if version == reqwest::Version::HTTP_11 {
            json!({"name": name})
        } else {
            json!({"name": name, "publicKey": public_key()})
        };
        let r = c
            .post(server.url(&path))
            .header("authorization", bearer())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.version(), version);
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: Value = r.json().await.unwrap();
        if version == reqwest::Version::HTTP_11 {
            assert!(created["privateKey"].as_str().unwrap().starts_with("MIIJ"));
        }
        let id = created["id"].as_str().unwrap();
        let r = c
            .get(server.url(&format!("{path}/{id}")))
            .header("authorization", bearer())
            .send()
            .await
            .unwrap();
        assert_eq!(r.version(), version);
        assert_eq!(r.status(), StatusCode::OK);
        let got: Value = r.json().await.unwrap();
        assert_eq!(got["name"], name.as_str());
        let r = c
            .delete(server.url(&format!("{path}/{id}")))
            .header("authorization", bearer())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }

    // A client that trusts another CA gets nothing.
    let stranger = https_client(&Ca::new("another ca"), &[b"http/1.1"]);
    assert!(stranger.get(server.url("/healthz")).send().await.is_err());
}

#[tokio::test]
async fn plain_http_to_the_tls_port_gets_no_key_pair() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("keygen test ca");
    let (cert_pem, key_pem, _) = ca.leaf("server");
    let (cert, key) = write_pair(dir.path(), &cert_pem, &key_pem);
    let server = common::tls::start(dir.path(), &cert, &key, None, 1);
    let body = r#"{"name":"plain"}"#;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        keypairs("p1", "eu-west-0"),
        body.len()
    );
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let (answer, _, closed) = read_until_closed(&mut stream, Duration::from_secs(15));
    assert!(closed, "the connection stayed open");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        !text.contains("privateKey") && !text.starts_with("HTTP/"),
        "{text}"
    );
    // Nothing was created.
    let c = https_client(&ca, &[b"http/1.1"]);
    let r = c
        .get(server.url(&keypairs("p1", "eu-west-0")))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "0");
}

/// Waits until a new connection is served `expected`.
async fn wait_for_certificate(ca: &Ca, server: &common::Server, expected: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let fresh = https_client(ca, &[b"http/1.1"]);
        let r = fresh.get(server.url("/healthz")).send().await.unwrap();
        if peer_certificate(&r) == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_reload_swaps_the_certificate_of_new_connections_only() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("keygen test ca");
    let (a_pem, a_key, a_der) = ca.leaf("first");
    let (cert, key) = write_pair(dir.path(), &a_pem, &a_key);
    let server = common::tls::start(
        dir.path(),
        &cert,
        &key,
        // Polls for file changes every 200 ms; SIGHUP reloads at once.
        Some("tls_watch_interval = 0.2\n"),
        0,
    );

    // A connection opened before the reload, kept alive by the client.
    let old = https_client(&ca, &[b"http/1.1"]);
    let r = old.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(peer_certificate(&r), a_der);

    // SIGHUP after the files changed.
    let (b_pem, b_key, b_der) = ca.leaf("second");
    write_pair(dir.path(), &b_pem, &b_key);
    server.kill_with("HUP");
    wait_for_certificate(&ca, &server, &b_der).await;
    // The old connection still works, with its certificate.
    let r = old.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(peer_certificate(&r), a_der);

    // A file change alone, without a signal.
    let (c_pem, c_key, c_der) = ca.leaf("third");
    write_pair(dir.path(), &c_pem, &c_key);
    wait_for_certificate(&ca, &server, &c_der).await;

    // A key that does not match, then one readable by others: refused,
    // the pair in force stays.
    let (_, other_key, _) = ca.leaf("mismatch");
    write_pair(dir.path(), &c_pem, &other_key);
    server.kill_with("HUP");
    let (d_pem, d_key, _) = ca.leaf("open");
    write_pair(dir.path(), &d_pem, &d_key);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    server.kill_with("HUP");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let fresh = https_client(&ca, &[b"http/1.1"]);
    let r = fresh.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(peer_certificate(&r), c_der);
    let log = server.log_text();
    assert!(log.contains("does not match the certificate"), "{log}");
    assert!(log.contains("too open"), "{log}");
    let r = old.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(peer_certificate(&r), a_der);
}

fn bare_command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keygen-service"));
    cmd.arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--pool-size")
        .arg("0")
        .env("KEYGEN_ADMIN_TOKEN", ADMIN)
        .env_remove("KEYGEN_DATABASE_URL")
        .env_remove("KEYGEN_CONFIG")
        .env_remove("KEYGEN_ALLOW_PLAINTEXT")
        .env_remove("KEYGEN_LISTEN");
    cmd
}

#[test]
fn plain_http_off_loopback_and_open_keys_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    // Refused before binding anything: the address is never listened on.
    let out = bare_command(dir.path())
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to serve plain HTTP on 0.0.0.0:0")
            && stderr.contains("TLS")
            && stderr.contains("--tls-cert")
            && stderr.contains("--allow-plaintext"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // A private key others may read.
    let ca = Ca::new("keygen test ca");
    let (cert_pem, key_pem, _) = ca.leaf("server");
    let (cert, key) = write_pair(dir.path(), &cert_pem, &key_pem);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = bare_command(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("too open") && stderr.contains("chmod 600"),
        "{stderr}"
    );

    // A certificate without its key.
    let out = bare_command(dir.path())
        .arg("--tls-cert")
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

const SLOW: &str = "header_timeout = 1\nbody_timeout = 1\nidle_timeout = 2\n";

#[test]
fn a_half_sent_head_is_cut_off_within_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path(), Some(SLOW), 0);
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let (answer, after, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(closed, "still open after {after:?}");
    assert!(answer.is_empty() || !answer.starts_with(b"HTTP/1.1 200"));
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(3),
        "{after:?}"
    );

    // A connection that never sends a byte: the same.
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    let (_, after, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(closed && after < Duration::from_secs(3), "{after:?}");

    // A head sent slowly but within the limit is served; the connection
    // then stays for idle_timeout, and closes.
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    stream.write_all(b"Host: x\r\n\r\n").unwrap();
    let (answer, after, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    assert!(closed, "idle connection still open after {after:?}");
    assert!(
        after >= Duration::from_millis(1800) && after < Duration::from_secs(4),
        "{after:?}"
    );

    // A body that stops halfway: 408, then the connection closes.
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        keypairs("p1", "eu-west-0")
    );
    stream.write_all(head.as_bytes()).unwrap();
    let (answer, after, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":2400"), "{text}");
    assert!(closed && after < Duration::from_secs(3), "{after:?}");

    let log = server.log_text();
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn a_half_sent_head_over_tls_is_cut_off_too() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("keygen test ca");
    let (cert_pem, key_pem, _) = ca.leaf("server");
    let (cert, key) = write_pair(dir.path(), &cert_pem, &key_pem);
    let server = common::tls::start(dir.path(), &cert, &key, Some(SLOW), 0);

    // A TCP connection that never starts the handshake.
    let mut stream = TcpStream::connect(addr(&server)).unwrap();
    let (_, after, closed) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(closed && after < Duration::from_secs(3), "{after:?}");

    // A handshake, then half a head.
    let config = std::sync::Arc::new(common::tls::client_config(&ca, &[b"http/1.1"]));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(config, name).unwrap();
    let tcp = TcpStream::connect(addr(&server)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 256];
    let n = tls.read(&mut buf).unwrap_or(0);
    let after = start.elapsed();
    assert_eq!(n, 0, "{:?}", &buf[..n]);
    assert!(after < Duration::from_secs(3), "{after:?}");
}

fn scrape(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

#[tokio::test]
async fn idle_connections_are_held_at_max_connections() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(
        dir.path(),
        Some("max_connections = 4\nheader_timeout = 2\nmetrics_listen = \"127.0.0.1:0\"\n"),
        0,
    );
    let metrics_url = server
        .preamble
        .iter()
        .find_map(|l| l.strip_prefix("metrics on "))
        .expect("the metrics address on standard output")
        .to_owned();
    // /metrics moved to its own address. (The client goes, and its
    // keep-alive connection with it.)
    let r = common::client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The scraper's connections go to the metrics address only.
    let plain = common::client();

    // A bounded flood: 12 connections that send nothing.
    let flood: Vec<TcpStream> = (0..12)
        .map(|_| TcpStream::connect(addr(&server)).unwrap())
        .collect();
    let mut highest = 0.0_f64;
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        let text = plain
            .get(&metrics_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        highest = highest.max(scrape(&text, "keygen_connections_open "));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(highest, 4.0, "open connections");

    // A well-behaved client still gets its answer, once header_timeout
    // has cleared the idle ones ahead of it (12 / 4 × 2 s at most).
    let start = Instant::now();
    let r = common::client()
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(9), "{waited:?}");
    let mut highest_after = 0.0_f64;
    for _ in 0..5 {
        let text = plain
            .get(&metrics_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        highest_after = highest_after.max(scrape(&text, "keygen_connections_open "));
    }
    assert!(highest_after <= 4.0);
    let text = plain
        .get(&metrics_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scrape(
            &text,
            "keygen_connections_closed_by_server_total{reason=\"header_timeout\"} "
        ) >= 8.0,
        "{text}"
    );
    drop(flood);
}
