//! Public-key test vectors: `ok_*.pub` are accepted, `fail_<reason>_*.pub` refused with that reason.
//!
//! The vectors and the script that made them are in `tests/examples/`. A
//! name containing `_unbounded` is checked without the contract's length
//! bounds, one containing `_large_e` with RSA exponents of any size allowed.

use std::fs;
use std::path::PathBuf;

use keygen_core::{KeyType, KeyWarning, PublicKeyLine, PublicKeyOptions, Reason};

fn examples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/examples");
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("tests/examples")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).expect("utf-8 vector"))
        })
        .collect();
    out.sort();
    out
}

fn options_for(name: &str) -> PublicKeyOptions<'static> {
    let mut o = PublicKeyOptions::api();
    if name.contains("_unbounded") {
        o = o.without_length_bounds();
    }
    if name.contains("_large_e") {
        o = o.max_rsa_exponent_bits(16384);
    }
    if name.starts_with("fail_rsa_modulus_prime") {
        o = o.prime_modulus_check(true);
    }
    o
}

#[test]
fn the_prime_modulus_check_is_opt_in() {
    let (_, text) = examples()
        .into_iter()
        .find(|(name, _)| name.starts_with("fail_rsa_modulus_prime"))
        .expect("a prime-modulus vector");
    // The API's policy leaves it out (its cost), so the key passes there.
    PublicKeyLine::with_options(&text, &PublicKeyOptions::api()).unwrap();
    let e = PublicKeyLine::with_options(&text, &PublicKeyOptions::api().prime_modulus_check(true))
        .unwrap_err();
    assert_eq!(e.reason(), Reason::RsaModulusPrime);
}

/// The reason a `fail_` vector names: the longest reason name that the
/// file name starts with.
fn expected_reason(name: &str) -> Reason {
    let rest = name.strip_prefix("fail_").expect("fail_ prefix");
    Reason::ALL
        .iter()
        .copied()
        .filter(|r| rest == r.name() || rest.starts_with(&format!("{}_", r.name())))
        .max_by_key(|r| r.name().len())
        .unwrap_or_else(|| panic!("{name}: no reason matches"))
}

#[test]
fn ok_vectors_are_accepted_and_round_trip() {
    let mut count = 0;
    for (name, text) in examples().iter().filter(|(n, _)| n.starts_with("ok_")) {
        let key = PublicKeyLine::with_options(text, &options_for(name))
            .unwrap_or_else(|e| panic!("{name}: {} ({})", e.message(), e.name()));
        assert_eq!(key.as_str(), text.trim_end(), "{name}: normalised differs");
        assert!((512..=2000).contains(&key.as_str().chars().count()));
        let again = PublicKeyLine::new(key.as_str()).expect("normalised line re-validates");
        assert_eq!(again, key, "{name}");
        assert!(key.fingerprint_sha256().starts_with("SHA256:"));
        assert_eq!(key.fingerprint_md5().len(), 47);
        let expected_warnings: &[KeyWarning] = match name.as_str() {
            "ok_rsa2048" => &[KeyWarning::RsaModulusBelow3072],
            "ok_rsa3072_e3" => &[KeyWarning::RsaExponentNot65537],
            _ => &[],
        };
        assert_eq!(key.warnings(), expected_warnings, "{name}");
        count += 1;
    }
    assert!(count >= 12, "only {count} ok vectors");
}

#[test]
fn ok_vectors_report_type_and_bits() {
    let expect: &[(&str, KeyType, u32)] = &[
        ("ok_rsa2048", KeyType::Rsa, 2048),
        ("ok_rsa3072", KeyType::Rsa, 3072),
        ("ok_rsa4096", KeyType::Rsa, 4096),
        ("ok_rsa8192", KeyType::Rsa, 8192),
        ("ok_ed25519", KeyType::Ed25519, 256),
        ("ok_ecdsa256", KeyType::EcdsaNistp256, 256),
        ("ok_ecdsa384", KeyType::EcdsaNistp384, 384),
        ("ok_ecdsa521", KeyType::EcdsaNistp521, 521),
        ("ok_sk_ed25519", KeyType::SkEd25519, 256),
        ("ok_sk_ecdsa256", KeyType::SkEcdsaNistp256, 256),
    ];
    let all = examples();
    for (name, key_type, bits) in expect {
        let text = &all.iter().find(|(n, _)| n == name).expect(name).1;
        let key = PublicKeyLine::new(text).unwrap();
        assert_eq!((key.key_type(), key.bits()), (*key_type, *bits), "{name}");
    }
}

#[test]
fn fail_vectors_are_refused_with_their_reason() {
    let mut seen = std::collections::BTreeSet::new();
    for (name, text) in examples().iter().filter(|(n, _)| n.starts_with("fail_")) {
        let reason = expected_reason(name);
        let e = PublicKeyLine::with_options(text, &options_for(name))
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(e.reason(), reason, "{name}: {}", e.message());
        assert_eq!(e.field(), "publicKey");
        assert!(e.message().starts_with("publicKey: "), "{}", e.message());
        assert!(!e.message().ends_with('.'));
        assert!(e.message().len() <= 200, "{name}: message too long");
        assert!(!e.accepted().is_empty());
        seen.insert(reason);
    }
    // Every publicKey reason has at least one vector.
    let missing: Vec<_> = Reason::ALL
        .iter()
        .filter(|r| r.field() == "publicKey" && !seen.contains(r))
        .map(|r| r.name())
        .collect();
    assert!(missing.is_empty(), "reasons without a vector: {missing:?}");
}

#[test]
fn min_length_can_be_dropped() {
    let all = examples();
    let text = &all
        .iter()
        .find(|(n, _)| n == "fail_public_key_too_short_ed25519")
        .unwrap()
        .1;
    let key =
        PublicKeyLine::with_options(text, &PublicKeyOptions::api().without_min_length()).unwrap();
    assert_eq!(key.comment(), Some("user@example"));
}

#[test]
fn rsa_floor_is_configurable() {
    let all = examples();
    let rsa2048 = &all.iter().find(|(n, _)| n == "ok_rsa2048").unwrap().1;
    let strict = PublicKeyOptions::api().min_rsa_bits(3072);
    let e = PublicKeyLine::with_options(rsa2048, &strict).unwrap_err();
    assert_eq!(e.reason(), Reason::RsaModulusTooSmall);
    assert!(e.accepted().contains("3072 to 16384"), "{}", e.accepted());
}

#[test]
fn operator_blocklist() {
    let all = examples();
    let text = &all.iter().find(|(n, _)| n == "ok_ed25519").unwrap().1;
    let key = PublicKeyLine::new(text).unwrap();
    // badkeys identifies an Ed25519 key by its 32 bytes: the blob's last field.
    let raw = &key.blob()[key.blob().len() - 32..];
    let hex: String = keygen_core::Blocklist::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let list =
        keygen_core::Blocklist::parse(&format!("# ops list\n{hex} leaked-laptop\n")).unwrap();
    let e =
        PublicKeyLine::with_options(text, &PublicKeyOptions::api().blocklist(&list)).unwrap_err();
    assert_eq!(e.reason(), Reason::PublicKeyBlocklisted);
}
