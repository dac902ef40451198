//! The `serde` feature: reports, names and public keys as JSON with the
//! API's camelCase names, read back where that makes sense, and private
//! keys only through the explicit opt-in.
#![cfg(feature = "serde")]

use keygen_core::{
    Check, CheckName, KeyType, KeyWarning, PrivateKeyFormat, PrivateKeyReport, PublicKeyLine,
    Reason, RsaKeyPair, RsaPublicKey, check_private_key,
};
use serde_json::{Value, json};

mod common;

/// The first shared key, in the API's form: (private, public).
fn api_key() -> (String, String) {
    let encoded = common::keys()[0].to_encoded().unwrap();
    (
        encoded.private_key().to_string(),
        encoded.public_key().to_owned(),
    )
}

#[test]
fn a_report_serialises_as_the_cli_prints_it_and_reads_back() {
    let (api_key, api_public) = api_key();
    let (api_key_text, api_public_text) = (api_key.as_str(), api_public.as_str());
    let report = check_private_key(api_key_text);
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["format"], "ApiBase64");
    assert_eq!(value["bits"], 4096);
    assert_eq!(value["publicKey"], api_public_text.trim());
    assert_eq!(
        value["fingerprint"],
        report.public_key().unwrap().sha256_fingerprint()
    );
    assert_eq!(value["sound"], true);
    let checks = value["checks"].as_array().unwrap();
    assert_eq!(checks.len(), report.checks().len());
    assert_eq!(checks[0]["name"], "encoding");
    assert_eq!(
        checks[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["detail", "fatal", "name", "passed"]
    );
    let back: PrivateKeyReport = serde_json::from_value(value).unwrap();
    assert_eq!(back, report);

    let failed = check_private_key("hello");
    let value = serde_json::to_value(&failed).unwrap();
    assert_eq!(value["format"], Value::Null);
    assert_eq!(value["publicKey"], Value::Null);
    assert_eq!(value["sound"], false);
    assert_eq!(value["checks"][0]["passed"], false);
}

#[test]
fn names_serialise_as_their_stable_strings() {
    assert_eq!(json!(CheckName::NEqualsPq), json!("n_equals_pq"));
    assert_eq!(
        json!(Reason::PublicKeyBlocklisted),
        json!("public_key_blocklisted")
    );
    assert_eq!(
        json!(KeyType::SkEd25519),
        json!("sk-ssh-ed25519@openssh.com")
    );
    assert_eq!(
        json!(KeyWarning::RsaExponentNot65537),
        json!("rsa_exponent_not_65537")
    );
    assert_eq!(json!(PrivateKeyFormat::Pkcs1Pem), json!("Pkcs1Pem"));
    for r in Reason::ALL {
        let back: Reason = serde_json::from_value(json!(r)).unwrap();
        assert_eq!(back, *r);
    }
    for c in CheckName::ALL {
        let back: CheckName = serde_json::from_value(json!(c)).unwrap();
        assert_eq!(back, *c);
    }
    for t in KeyType::ALL {
        let back: KeyType = serde_json::from_value(json!(t)).unwrap();
        assert_eq!(back, *t);
    }
    let w: KeyWarning = serde_json::from_str("\"rsa_modulus_below_3072\"").unwrap();
    assert_eq!(w, KeyWarning::RsaModulusBelow3072);
    let e = serde_json::from_str::<Reason>("\"no_such_reason\"").unwrap_err();
    assert!(e.to_string().contains("unknown reason"), "{e}");
    assert!(serde_json::from_str::<CheckName>("\"nope\"").is_err());
    let check: Check = serde_json::from_value(
        json!({"name": "dp", "passed": true, "fatal": true, "detail": "ok"}),
    )
    .unwrap();
    assert_eq!(check.name(), CheckName::Dp);
}

#[test]
fn a_rejection_serialises_as_the_error_body_fields() {
    let vagrant =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant";
    let refused = PublicKeyLine::new(vagrant).unwrap_err();
    let value = serde_json::to_value(&refused).unwrap();
    assert_eq!(value["reason"], refused.name());
    assert_eq!(value["code"], refused.code());
    assert_eq!(value["field"], "publicKey");
    assert_eq!(value["message"], refused.message());
    assert_eq!(value["accepted"], refused.accepted());
}

#[test]
fn a_public_key_is_its_openssh_line() {
    let (_, api_public) = api_key();
    let api_public_text = api_public.as_str();
    let public: RsaPublicKey = api_public_text.parse().unwrap();
    assert_eq!(json!(public), json!(api_public_text.trim()));
    let back: RsaPublicKey = serde_json::from_value(json!(api_public_text.trim())).unwrap();
    assert_eq!(back, public);
    assert!(serde_json::from_str::<RsaPublicKey>("\"ssh-rsa !\"").is_err());
}

#[test]
fn the_private_key_serialises_only_when_asked_for() {
    let (api_key, api_public) = api_key();
    let (api_key_text, api_public_text) = (api_key.as_str(), api_public.as_str());
    let key = RsaKeyPair::from_api_private_key(api_key_text).unwrap();
    let encoded = key.to_encoded().unwrap();
    let value = serde_json::to_value(encoded.exposing_private_key()).unwrap();
    assert_eq!(value["publicKey"], api_public_text.trim());
    assert_eq!(value["privateKey"], api_key_text.trim());
    assert_eq!(value["fingerprint"], encoded.fingerprint());
    // Debug of the opt-in value still redacts.
    let debug = format!("{:?}", encoded.exposing_private_key());
    assert!(debug.contains("[REDACTED]") && !debug.contains(&api_key_text[2000..2040]));
}
