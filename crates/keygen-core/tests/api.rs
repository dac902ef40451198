//! The public surface as a dependent uses it: key pairs read back from
//! every encoding, public keys parsed and printed, lines fingerprinted
//! without the import policy, check names, errors and their sources.

mod common;

use std::error::Error as _;

use keygen_core::{
    CheckName, KeyType, PrivateKeyFormat, PublicKeyLine, Reason, RsaKeyPair, RsaPublicKey,
    check_private_key,
};

/// The first shared key, in the API's form: (private, public).
fn api_key() -> (String, String) {
    let key = &common::keys()[0];
    let encoded = key.to_encoded().unwrap();
    (
        encoded.private_key().to_string(),
        encoded.public_key().to_owned(),
    )
}

fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_encoding_reads_back_to_the_same_key() {
    let (api_key, api_public) = api_key();
    let (api_key_text, api_public_text) = (api_key.as_str(), api_public.as_str());
    let key = RsaKeyPair::from_api_private_key(api_key_text).expect("the example key reads");
    assert_eq!(key.public_key().to_openssh(), api_public_text.trim());
    // The key writes the example's bytes again.
    assert_eq!(
        key.to_api_private_key().unwrap().as_str(),
        api_key_text.trim()
    );

    let api = key.to_api_private_key().unwrap();
    let pkcs8_pem = key.to_pkcs8_pem().unwrap();
    let pkcs1_pem = key.to_pkcs1_pem().unwrap();
    let openssh = key.to_openssh("me@example").unwrap();
    let pkcs8_der = key.to_pkcs8_der().unwrap();
    let pkcs1_der = key.to_pkcs1_der().unwrap();

    let read = [
        ("api", RsaKeyPair::from_api_private_key(&api)),
        ("pkcs8 pem", RsaKeyPair::from_pkcs8_pem(&pkcs8_pem)),
        ("pkcs1 pem", RsaKeyPair::from_pkcs1_pem(&pkcs1_pem)),
        ("openssh", RsaKeyPair::from_openssh(&openssh)),
        ("pkcs8 der", RsaKeyPair::from_pkcs8_der(&pkcs8_der)),
        ("pkcs1 der", RsaKeyPair::from_pkcs1_der(&pkcs1_der)),
        ("any: api", RsaKeyPair::from_any(&api)),
        ("any: pkcs8 pem", RsaKeyPair::from_any(&pkcs8_pem)),
        ("any: pkcs1 pem", RsaKeyPair::from_any(&pkcs1_pem)),
        ("any: openssh", RsaKeyPair::from_any(&openssh)),
    ];
    for (what, back) in read {
        let back = back.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(back == key, "{what}: a different key came back");
        assert!(back.ct_eq(&key), "{what}");
        // And it encodes to the same bytes.
        assert_eq!(back.to_pkcs1_der().unwrap(), pkcs1_der, "{what}");
    }
}

#[test]
fn a_generated_key_reads_back_equal() {
    let key = &common::keys()[0];
    let back = RsaKeyPair::from_api_private_key(&key.to_api_private_key().unwrap()).unwrap();
    assert!(back == *key);
    assert!(back != common::keys()[1]);
    let back = RsaKeyPair::from_openssh(&key.to_openssh("").unwrap()).unwrap();
    assert!(
        back == *key,
        "dP and dQ recomputed as the generator computes them"
    );
}

#[test]
fn readers_refuse_other_formats_and_unsound_keys() {
    let (api_key, _) = api_key();
    let api_key_text = api_key.as_str();
    let key = RsaKeyPair::from_api_private_key(api_key_text).unwrap();
    let pkcs8_pem = key.to_pkcs8_pem().unwrap();

    let e = RsaKeyPair::from_pkcs1_pem(&pkcs8_pem).unwrap_err();
    assert_eq!(e.message(), "expected pkcs#1 pem, found pkcs#8 pem");
    let e = RsaKeyPair::from_openssh(api_key_text).unwrap_err();
    assert!(e.message().starts_with("expected an openssh"), "{e}");
    let e = RsaKeyPair::from_api_private_key("not a key").unwrap_err();
    assert!(e.message().starts_with("not the api's base64"), "{e}");
    let e = RsaKeyPair::from_pkcs1_der(&key.to_pkcs8_der().unwrap()).unwrap_err();
    assert!(e.message().contains("from_pkcs8_der"), "{e}");
    let e = RsaKeyPair::from_pkcs8_der(b"\x30\x03\x02\x01\x00").unwrap_err();
    assert!(e.source().is_some(), "the der error is kept: {e}");

    // from_any names the formats it reads.
    for junk in [
        "",
        "hello",
        "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----",
    ] {
        let e = RsaKeyPair::from_any(junk).unwrap_err();
        assert!(
            e.message().contains("pkcs#1 pem (RSA PRIVATE KEY)"),
            "{junk:?}: {e}"
        );
    }
    // Encrypted files are recognised and refused with the reason.
    let encrypted = key.to_openssh_encrypted("", b"pass").unwrap();
    let e = RsaKeyPair::from_any(&encrypted).unwrap_err();
    assert!(e.message().contains("encrypted"), "{e}");
    let e = RsaKeyPair::from_openssh(&encrypted).unwrap_err();
    assert!(e.message().contains("encrypted"), "{e}");
    let ppk = key.to_ppk("", None).unwrap();
    let e = RsaKeyPair::from_any(&ppk).unwrap_err();
    assert!(e.message().contains("not read into a key pair"), "{e}");

    // A damaged key: dP altered in the PKCS#1 DER is refused by its check.
    let mut der = key.to_pkcs1_der().unwrap().to_vec();
    let dp = der.len() - 700;
    der[dp] ^= 1;
    let e = RsaKeyPair::from_pkcs1_der(&der).unwrap_err();
    assert!(e.message().contains("the key fails the"), "{e}");
}

#[test]
fn public_keys_print_and_parse_as_openssh_lines() {
    let (_, api_public) = api_key();
    let api_public_text = api_public.as_str();
    let public: RsaPublicKey = api_public_text.parse().expect("an ssh-rsa line");
    assert_eq!(public.to_string(), api_public_text.trim());
    assert_eq!(public.to_string(), public.to_openssh());
    assert_eq!(public.bits(), 4096);
    // A comment is ignored, surrounding whitespace trimmed.
    let with_comment = format!("  {} me@host\n", api_public_text.trim());
    assert_eq!(with_comment.parse::<RsaPublicKey>().unwrap(), public);
    // Without policy: a 1024-bit key parses.
    let small: RsaPublicKey = example("fail_rsa_modulus_too_small_1024.pub")
        .parse()
        .unwrap();
    assert_eq!(small.bits(), 1024);

    let e = example("ok_ed25519.pub")
        .parse::<RsaPublicKey>()
        .unwrap_err();
    assert_eq!(
        e.message(),
        "the public key line is ssh-ed25519, not ssh-rsa"
    );
    let e = "ssh-rsa AAAA!".parse::<RsaPublicKey>().unwrap_err();
    assert!(e.source().is_some(), "the rejection is the source: {e}");
    assert!("".parse::<RsaPublicKey>().is_err());
}

#[test]
fn parse_unchecked_reads_structure_only_and_fingerprints_as_ssh_keygen() {
    // Fingerprints printed by `ssh-keygen -l -E sha256` / `-E md5`.
    let cases = [
        (
            "fail_public_key_blocklisted_vagrant_ed25519.pub",
            KeyType::Ed25519,
            256,
            "SHA256:WkvqjnyPAeC0cbPErYiGP9vqHdgL1MqqvPdIe3lvHgI",
            "c8:ac:1c:f8:c5:f9:7f:fc:86:97:a4:96:a3:a1:2e:d8",
        ),
        (
            "fail_rsa_modulus_too_small_1024.pub",
            KeyType::Rsa,
            1024,
            "SHA256:YqvARAZybBgYACpgs8z3lwedVl7FTF8pBd7t+RzqFXM",
            "5f:ea:90:0a:7a:72:f0:3e:38:3a:cf:80:b1:5c:c6:09",
        ),
        (
            "fail_rsa_small_prime_factor_3.pub",
            KeyType::Rsa,
            3073,
            "SHA256:4rfHJJvMb54mUbQRtq1YkMt1bAwzPgD2BNmDGGKHIo8",
            "10:f0:18:3b:11:3c:8f:5d:6a:79:41:69:7b:58:0a:51",
        ),
        (
            "ok_ecdsa384.pub",
            KeyType::EcdsaNistp384,
            384,
            "SHA256:P52711EXKQT5YblMqrbKRFUZgvIlBuT2FXTGzPwLvxk",
            "81:37:e7:46:f8:ad:3f:4e:20:57:05:33:3b:78:f9:25",
        ),
        (
            "fail_public_key_too_short_ed25519.pub",
            KeyType::Ed25519,
            256,
            "SHA256:1PCoQNC2LE+EMPCQuknk+xpUZ04Ujgf315+/1dapNdQ",
            "de:bb:a4:4e:c7:8c:52:dd:64:09:69:52:14:67:f0:86",
        ),
    ];
    for (file, key_type, bits, sha256, md5) in cases {
        let text = example(file);
        if file.starts_with("fail_") {
            assert!(
                PublicKeyLine::new(&text).is_err(),
                "{file}: the policy refuses it"
            );
        }
        let line = PublicKeyLine::parse_unchecked(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(line.key_type(), key_type, "{file}");
        assert_eq!(line.bits(), bits, "{file}");
        assert_eq!(line.fingerprint_sha256(), sha256, "{file}");
        assert_eq!(line.fingerprint_md5(), md5, "{file}");
        assert!(line.warnings().is_empty());
    }
    // An accepted key gives the same result both ways.
    let text = example("ok_rsa4096.pub");
    let checked = PublicKeyLine::new(&text).unwrap();
    let unchecked = PublicKeyLine::parse_unchecked(&text).unwrap();
    assert_eq!(checked.fingerprint_sha256(), unchecked.fingerprint_sha256());
    assert_eq!(checked.as_str(), unchecked.as_str());
    assert_eq!(checked.bits(), unchecked.bits());

    // Structural faults are still refused, with their reasons.
    for (file, reason) in [
        (
            "fail_public_key_base64_no_padding.pub",
            Reason::PublicKeyBase64,
        ),
        (
            "fail_public_key_blob_truncated_ed25519.pub",
            Reason::PublicKeyBlobTruncated,
        ),
        (
            "fail_public_key_type_mismatch_ecdsa.pub",
            Reason::PublicKeyTypeMismatch,
        ),
        (
            "fail_public_key_mpint_not_minimal_rsa.pub",
            Reason::PublicKeyMpintNotMinimal,
        ),
        (
            "fail_public_key_multiple_lines_two_keys.pub",
            Reason::PublicKeyMultipleLines,
        ),
        (
            "fail_public_key_unknown_type_ed448.pub",
            Reason::PublicKeyUnknownType,
        ),
        (
            "fail_public_key_certificate_ed25519.pub",
            Reason::PublicKeyCertificate,
        ),
    ] {
        let refused = PublicKeyLine::parse_unchecked(&example(file)).unwrap_err();
        assert_eq!(refused.reason(), reason, "{file}: {refused}");
    }
}

#[test]
fn check_names_print_as_before() {
    let (api_key, _) = api_key();
    let api_key_text = api_key.as_str();
    let report = check_private_key(api_key_text);
    assert_eq!(report.format(), Some(PrivateKeyFormat::ApiBase64));
    let names: Vec<&str> = report.checks().iter().map(|c| c.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "encoding",
            "pkcs8_algorithm",
            "der_canonical",
            "pkcs1_version",
            "modulus_size",
            "public_exponent",
            "n_equals_pq",
            "p_prime",
            "q_prime",
            "prime_sizes",
            "prime_distance",
            "e_d_inverse",
            "d_size",
            "dp",
            "dq",
            "qinv",
            "d_reduced_mod_lambda",
            "p_greater_than_q",
            "modulus_4096",
        ]
    );
    for c in report.checks() {
        assert_eq!(c.name().to_string(), c.name().as_str());
        assert_eq!(c.name().as_str().parse::<CheckName>().unwrap(), c.name());
    }
    let pq = report.check(CheckName::NEqualsPq).unwrap();
    assert!(pq.passed() && pq.fatal() && !pq.detail().is_empty());
    let ppk = check_private_key(&"x".repeat(3));
    assert!(ppk.check(CheckName::PPrime).is_none());
}

#[test]
fn generate_options_and_stats_through_accessors() {
    use keygen_core::{GenerateOptions, PrimeSearch};
    let options = GenerateOptions::new()
        .with_search(PrimeSearch::Portable)
        .with_threads(3);
    assert_eq!(options.search(), PrimeSearch::Portable);
    assert_eq!(options.threads(), 3);
    assert_eq!(GenerateOptions::default(), GenerateOptions::new());
    assert_eq!(GenerateOptions::new().search(), PrimeSearch::Auto);
    assert_eq!(GenerateOptions::new().threads(), 1);
    assert_eq!(keygen_core::MODULUS_BITS, 4096);
    assert_eq!(keygen_core::PUBLIC_EXPONENT, 65_537);
}

/// Freshly generated keys pass every weak-key check, the bit-pattern ones
/// included (sparse modulus, xz header), and get no warning (bit bias,
/// vanity, repeated bytes).
#[test]
fn generated_keys_are_accepted_without_warnings() {
    for key in common::keys() {
        let line = key.public_key().to_openssh();
        let checked =
            PublicKeyLine::new(&line).unwrap_or_else(|e| panic!("{} ({})", e.message(), e.name()));
        assert_eq!(checked.bits(), 4096);
        assert!(checked.warnings().is_empty(), "{:?}", checked.warnings());
    }
}
