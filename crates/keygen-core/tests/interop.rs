//! Interop with the real tools: OpenSSL and OpenSSH must read our keys as
//! we mean them. CI installs both (`openssl`, `openssh-client`); a missing
//! tool fails the test rather than skipping it.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use base64ct::{Base64, Encoding};

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install it: see .ci/run)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_secret(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn openssl_accepts_the_decoded_private_key() {
    let dir = tempfile::tempdir().unwrap();
    for (i, key) in common::keys().iter().enumerate() {
        let path = dir.path().join(format!("key{i}.der"));
        let der = Base64::decode_vec(&key.to_api_private_key().unwrap()).unwrap();
        write_secret(&path, &der);
        let p = path.to_str().unwrap();
        let out = run(
            "openssl",
            &["pkey", "-inform", "DER", "-in", p, "-check", "-noout"],
        );
        assert!(out.contains("Key is valid"), "{out}");

        // The outer layout: PrivateKeyInfo, version 0, rsaEncryption, NULL,
        // and an OCTET STRING holding the RSAPrivateKey.
        let outer = run("openssl", &["asn1parse", "-inform", "DER", "-in", p]);
        let lines: Vec<&str> = outer.lines().collect();
        assert!(lines[0].contains("cons: SEQUENCE"), "{outer}");
        assert!(
            lines[1].contains("prim: INTEGER") && lines[1].ends_with(":00"),
            "{outer}"
        );
        assert!(lines[3].contains(":rsaEncryption"), "{outer}");
        assert!(lines[4].contains("prim: NULL"), "{outer}");
        assert!(lines[5].contains("prim: OCTET STRING"), "{outer}");
        // Inside: SEQUENCE of nine INTEGERs, the first 0 (two-prime).
        let inner = run(
            "openssl",
            &["asn1parse", "-inform", "DER", "-in", p, "-strparse", "22"],
        );
        let ints: Vec<&str> = inner
            .lines()
            .filter(|l| l.contains("prim: INTEGER"))
            .collect();
        assert_eq!(ints.len(), 9, "{inner}");
        assert!(ints[0].ends_with(":00"), "{inner}");
        assert!(ints[2].ends_with(":010001"), "{inner}");

        // And OpenSSL's own reading of the numbers matches ours.
        let text = run(
            "openssl",
            &["rsa", "-inform", "DER", "-in", p, "-noout", "-text"],
        );
        assert!(text.contains("Private-Key: (4096 bit, 2 primes)"), "{text}");
    }
}

#[test]
fn ssh_keygen_derives_our_public_key_and_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    for (i, key) in common::keys().iter().enumerate() {
        let enc = key.to_encoded().unwrap();
        // The API's privateKey, armoured as PKCS#8 PEM, read by OpenSSH.
        let pem_path = dir.path().join(format!("key{i}.pem"));
        write_secret(&pem_path, key.to_pkcs8_pem().unwrap().as_bytes());
        let derived = run("ssh-keygen", &["-y", "-f", pem_path.to_str().unwrap()]);
        assert_eq!(derived.trim_end(), enc.public_key());

        // The OpenSSH private-key file the CLI writes.
        let ossh_path = dir.path().join(format!("id_rsa{i}"));
        write_secret(&ossh_path, key.to_openssh("").unwrap().as_bytes());
        let derived = run("ssh-keygen", &["-y", "-f", ossh_path.to_str().unwrap()]);
        assert_eq!(derived.trim_end(), enc.public_key());

        let pub_path = dir.path().join(format!("key{i}.pub"));
        fs::write(&pub_path, format!("{}\n", enc.public_key())).unwrap();
        let p = pub_path.to_str().unwrap();
        let sha = run("ssh-keygen", &["-l", "-E", "sha256", "-f", p]);
        let public = key.public_key();
        assert_eq!(
            sha.split_whitespace().nth(1),
            Some(public.sha256_fingerprint().as_str()),
            "{sha}"
        );
        assert!(sha.starts_with("4096 "), "{sha}");
        let md5 = run("ssh-keygen", &["-l", "-E", "md5", "-f", p]);
        assert_eq!(
            md5.split_whitespace().nth(1),
            Some(format!("MD5:{}", public.md5_fingerprint()).as_str()),
            "{md5}"
        );
    }
}

#[test]
fn keys_made_by_openssl_pass_our_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openssl.pem");
    let p = path.to_str().unwrap();
    run(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            p,
        ],
    );
    let report = keygen_core::check_private_key(&fs::read_to_string(&path).unwrap());
    assert!(report.is_sound(), "{report:?}");
    // The same key as PKCS#1 ("traditional") PEM.
    let rsa_path = dir.path().join("openssl-rsa.pem");
    let r = rsa_path.to_str().unwrap();
    run("openssl", &["rsa", "-in", p, "-out", r, "-traditional"]);
    let report = keygen_core::check_private_key(&fs::read_to_string(&rsa_path).unwrap());
    assert_eq!(
        report.format(),
        Some(keygen_core::PrivateKeyFormat::Pkcs1Pem)
    );
    assert!(report.is_sound(), "{report:?}");
    let derived = run("ssh-keygen", &["-y", "-f", p]);
    assert_eq!(
        derived.trim_end(),
        report.public_key().unwrap().to_openssh()
    );
}
