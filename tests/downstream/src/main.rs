//! A dependent of keygen-core: generates, encodes, reads back, validates
//! and fingerprints keys through the documented API only, and exits
//! non-zero (by a panic) when anything is not as documented.

use chacha20::ChaCha20Rng;
use chacha20::rand_core::SeedableRng;
use keygen_core::{
    PublicKeyLine, PublicKeyOptions, Reason, RsaKeyPair, check_private_key, sha256_fingerprint,
};

fn main() {
    // From the operating system's generator.
    let key = RsaKeyPair::generate_os().expect("a key from the OS generator");
    let encoded = key.to_encoded().expect("the API's encodings");
    assert_eq!(encoded.public_key.len(), 724);

    // Seeded: the same seed gives the same key.
    let a = RsaKeyPair::generate(&mut ChaCha20Rng::from_seed([7; 32])).expect("a seeded key");
    let b = RsaKeyPair::generate(&mut ChaCha20Rng::from_seed([7; 32])).expect("a seeded key");
    assert_eq!(a.public_key().to_openssh(), b.public_key().to_openssh());

    // The private key read back: the checker finds it sound and derives the
    // same public key, from the API's line and from PEM.
    for text in [
        encoded.private_key.to_string(),
        key.to_pkcs8_pem().expect("PKCS#8 PEM").to_string(),
    ] {
        let report = check_private_key(&text);
        assert!(report.is_sound(), "{report:?}");
        assert_eq!(
            report
                .public_key
                .expect("the derived public key")
                .to_openssh(),
            encoded.public_key
        );
    }

    // The public key validated as the API validates an import, and its
    // fingerprint as ssh-keygen prints it.
    let line = PublicKeyLine::with_options(&encoded.public_key, &PublicKeyOptions::api())
        .expect("a generated key is accepted");
    assert_eq!(line.bits(), 4096);
    assert_eq!(line.fingerprint_sha256(), sha256_fingerprint(line.blob()));
    assert_eq!(
        line.fingerprint_sha256(),
        key.public_key().sha256_fingerprint()
    );

    // A refusal carries a reason to match on.
    let vagrant =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant";
    let refused =
        PublicKeyLine::with_options(vagrant, &PublicKeyOptions::api().without_min_length())
            .expect_err("the Vagrant key is refused");
    assert!(matches!(refused.reason(), Reason::PublicKeyBlocklisted));

    println!("keygen-core as a dependency: ok");
}
