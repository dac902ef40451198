//! A dependent of keygen-core: generates, encodes, reads back, validates
//! and fingerprints keys through the documented API only, and exits
//! non-zero (by a panic) when anything is not as documented.

use chacha20::ChaCha20Rng;
// The rand_core generation keygen-core's `generate` takes, by its re-export.
use keygen_core::rand_core::SeedableRng;
use keygen_core::{
    CheckName, KeyType, PublicKeyLine, PublicKeyOptions, Reason, RsaKeyPair, RsaPublicKey,
    check_private_key, sha256_fingerprint,
};

fn main() {
    // From the operating system's generator.
    let key = RsaKeyPair::generate_os().expect("a key from the OS generator");
    let encoded = key.to_encoded().expect("the API's encodings");
    assert_eq!(encoded.public_key().len(), 724);
    assert_eq!(encoded.fingerprint(), key.public_key().sha256_fingerprint());

    // Seeded: the same seed gives the same key.
    let a = RsaKeyPair::generate(&mut ChaCha20Rng::from_seed([7; 32])).expect("a seeded key");
    let b = RsaKeyPair::generate(&mut ChaCha20Rng::from_seed([7; 32])).expect("a seeded key");
    assert!(a == b, "same seed, same key");
    assert_eq!(a.public_key().to_openssh(), b.public_key().to_openssh());

    // Every encoding read back to the same key.
    let openssh = key.to_openssh("me@example").expect("OpenSSH file");
    let pkcs8_pem = key.to_pkcs8_pem().expect("PKCS#8 PEM");
    let pkcs1_pem = key.to_pkcs1_pem().expect("PKCS#1 PEM");
    let read_back = [
        RsaKeyPair::from_api_private_key(encoded.private_key()),
        RsaKeyPair::from_pkcs8_pem(&pkcs8_pem),
        RsaKeyPair::from_pkcs1_pem(&pkcs1_pem),
        RsaKeyPair::from_openssh(&openssh),
        RsaKeyPair::from_pkcs8_der(&key.to_pkcs8_der().expect("PKCS#8 DER")),
        RsaKeyPair::from_pkcs1_der(&key.to_pkcs1_der().expect("PKCS#1 DER")),
        RsaKeyPair::from_any(&openssh),
    ];
    for back in read_back {
        assert!(back.expect("reads back") == key);
    }
    let refused = RsaKeyPair::from_any("not a key").expect_err("not a key");
    assert!(refused.message().contains("openssh private key file"));

    // The private key checked: sound, with the same public key, from the
    // API's line and from PEM; each check by name.
    for text in [encoded.private_key().as_str(), pkcs8_pem.as_str()] {
        let report = check_private_key(text);
        assert!(report.is_sound(), "{report:?}");
        assert_eq!(
            report.public_key().expect("the derived public key"),
            &key.public_key()
        );
        let pq = report.check(CheckName::NEqualsPq).expect("n = pq ran");
        assert!(pq.passed() && pq.fatal());
        assert_eq!(pq.name().as_str(), "n_equals_pq");
    }

    // The public key validated as the API validates an import, and its
    // fingerprint as ssh-keygen prints it.
    let line = PublicKeyLine::with_options(encoded.public_key(), &PublicKeyOptions::api())
        .expect("a generated key is accepted");
    assert_eq!(line.bits(), 4096);
    assert_eq!(line.fingerprint_sha256(), sha256_fingerprint(line.blob()));
    assert_eq!(
        line.fingerprint_sha256(),
        key.public_key().sha256_fingerprint()
    );
    // The public key as text and back.
    let public: RsaPublicKey = encoded.public_key().parse().expect("an ssh-rsa line");
    assert_eq!(public.to_string(), encoded.public_key());

    // A refusal carries a reason to match on.
    let vagrant =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant";
    let refused =
        PublicKeyLine::with_options(vagrant, &PublicKeyOptions::api().without_min_length())
            .expect_err("the Vagrant key is refused");
    match refused.reason() {
        Reason::PublicKeyBlocklisted => {}
        other => panic!("refused for {other}, not the blocklist"),
    }

    // Its fingerprint all the same, without the import policy.
    let unchecked = PublicKeyLine::parse_unchecked(vagrant).expect("a well-formed line");
    assert_eq!(unchecked.key_type(), KeyType::Ed25519);
    assert_eq!(
        unchecked.fingerprint_sha256(),
        "SHA256:WkvqjnyPAeC0cbPErYiGP9vqHdgL1MqqvPdIe3lvHgI"
    );

    // A report as JSON (the serde feature), with the API's camelCase names.
    let report = check_private_key(encoded.private_key());
    let json = serde_json::to_value(&report).expect("a report serialises");
    assert_eq!(json["publicKey"], encoded.public_key());
    assert_eq!(json["sound"], true);
    assert_eq!(json["checks"][0]["name"], "encoding");
    // The private key only when asked for explicitly.
    let pair = serde_json::to_value(encoded.exposing_private_key()).expect("serialises");
    assert_eq!(pair["privateKey"], encoded.private_key().as_str());

    println!("keygen-core as a dependency: ok");
}
