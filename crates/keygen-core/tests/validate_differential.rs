//! Differential test of the public-key validator against `ssh-keygen -l`.
//!
//! Over the vectors in `tests/examples/` and deterministic mutations of the
//! good ones: every key ssh-keygen refuses, we refuse; every key it accepts,
//! we accept with the same size and SHA-256 and MD5 fingerprints, unless we
//! refuse it for a reason our policy names as stricter than OpenSSH.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use keygen_core::{PublicKeyLine, PublicKeyOptions, Reason};

const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";

/// Reasons for which we refuse keys OpenSSH accepts, on purpose: the
/// contract's bounds, one key per printable line with no options, no
/// certificates, DSA or signature names as types (ssh-keygen reads
/// `rsa-sha2-256` as `ssh-rsa`), canonical encodings, the RSA and Ed25519 policy, the
/// FIDO application rule, and the blocklist.
const STRICTER_THAN_OPENSSH: &[Reason] = &[
    Reason::PublicKeyTooShort,
    Reason::PublicKeyTooLong,
    Reason::PublicKeyMultipleLines,
    Reason::PublicKeyControlCharacter,
    Reason::PublicKeyOptionsPrefix,
    Reason::PublicKeyCertificate,
    Reason::PublicKeyDsa,
    Reason::PublicKeySignatureAlgorithm,
    Reason::PublicKeyBase64,
    Reason::PublicKeyMpintNotMinimal,
    Reason::RsaModulusTooSmall,
    Reason::RsaModulusTooLarge,
    Reason::RsaModulusEven,
    Reason::RsaExponentTooSmall,
    Reason::RsaExponentEven,
    Reason::RsaExponentTooLarge,
    Reason::RsaSmallPrimeFactor,
    Reason::RsaSquareModulus,
    Reason::RsaFermatFactorable,
    Reason::RsaRoca,
    Reason::RsaSmallPrivateExponent,
    Reason::RsaSparseModulus,
    Reason::RsaXzBackdoor,
    Reason::RsaKnownSharedPrime,
    Reason::RsaModulusPrime,
    Reason::EcdsaPointEncoding,
    Reason::Ed25519PointInvalid,
    Reason::Ed25519SmallOrder,
    Reason::SkApplication,
    Reason::PublicKeyBlocklisted,
];

/// What `ssh-keygen -l` says of a file: bits and fingerprint, or refusal.
fn ssh_keygen(path: &Path, hash: &str) -> Option<(u32, String)> {
    let out = Command::new(SSH_KEYGEN)
        .args(["-l", "-E", hash, "-f"])
        .arg(path)
        .output()
        .expect("run ssh-keygen");
    if !out.status.success() {
        return None;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut fields = stdout.split_whitespace();
    let bits = fields.next()?.parse().ok()?;
    let fp = fields.next()?.to_owned();
    Some((bits, fp))
}

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/examples");
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name.contains("_unbounded") || name.contains("_large_e") {
            continue;
        }
        let text = fs::read_to_string(&p).unwrap();
        if name.starts_with("ok_") {
            out.extend(mutations(&name, &text));
        }
        out.push((name, text));
    }
    out
}

/// Deterministic variants of a good line: one base64 character replaced at
/// spread-out positions, and the data cut at a few lengths.
fn mutations(name: &str, text: &str) -> Vec<(String, String)> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut fields = text.trim_end().splitn(3, ' ');
    let (t, data, comment) = (
        fields.next().unwrap(),
        fields.next().unwrap(),
        fields.next().unwrap_or(""),
    );
    let mut out = Vec::new();
    let body = data.trim_end_matches('=').len();
    for k in 0..8 {
        let i = (k * 7919 + 13) % body;
        let mut bytes = data.as_bytes().to_vec();
        let j = ALPHABET.iter().position(|&c| c == bytes[i]).unwrap();
        bytes[i] = ALPHABET[(j + 1 + k) % 64];
        let d = String::from_utf8(bytes).unwrap();
        out.push((format!("{name}~flip{i}"), format!("{t} {d} {comment}\n")));
    }
    for cut in [4, 8, 40] {
        if data.len() > cut {
            let d = &data[..data.len() - cut];
            out.push((format!("{name}~cut{cut}"), format!("{t} {d} {comment}\n")));
        }
    }
    // Appending an encoded zero byte to the blob.
    out.push((
        format!("{name}~types"),
        format!("ssh-rsa {data} {comment}\n"),
    ));
    out
}

#[test]
fn agrees_with_ssh_keygen() {
    if !Path::new(SSH_KEYGEN).exists() {
        eprintln!("skipped: {SSH_KEYGEN} not installed (apt-get install openssh-client)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("keygen-differential-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let (mut both_accept, mut both_refuse, mut policy) = (0, 0, 0);
    for (i, (name, text)) in corpus().iter().enumerate() {
        let path = dir.join(format!("{i}.pub"));
        fs::write(&path, text).unwrap();
        let theirs = ssh_keygen(&path, "sha256");
        let ours = PublicKeyLine::with_options(text, &PublicKeyOptions::api());
        match (theirs, ours) {
            (None, Ok(_)) => panic!("{name}: ssh-keygen refuses a key we accept"),
            (None, Err(_)) => both_refuse += 1,
            (Some((bits, sha256)), Ok(key)) => {
                assert_eq!(key.bits(), bits, "{name}: bits");
                assert_eq!(key.fingerprint_sha256(), sha256, "{name}: sha256");
                let (_, md5) = ssh_keygen(&path, "md5").expect("md5 fingerprint");
                assert_eq!(
                    md5.strip_prefix("MD5:"),
                    Some(key.fingerprint_md5()),
                    "{name}: md5"
                );
                both_accept += 1;
            }
            (Some(_), Err(e)) => {
                assert!(
                    STRICTER_THAN_OPENSSH.contains(&e.reason()),
                    "{name}: ssh-keygen accepts, we refuse with {} ({})",
                    e.name(),
                    e.message()
                );
                policy += 1;
            }
        }
    }
    fs::remove_dir_all(&dir).ok();
    eprintln!("both accept {both_accept}, both refuse {both_refuse}, refused by policy {policy}");
    assert!(both_accept >= 10 && both_refuse >= 10);
}
