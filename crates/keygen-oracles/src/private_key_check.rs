//! The private-key checker, as text (base64 or PEM) and as DER: no input
//! panics, a key called sound carries its public key, and the `rsa` crate,
//! an independent implementation, reads every key called sound from the
//! same DER, validates it (`n = p·q`, `d·e ≡ 1 mod p − 1` and `q − 1`,
//! `d < n`, e odd and below n) and finds the same public key (n, e).

use base64ct::{Base64, Encoding};
use keygen_core::{PrivateKeyFormat, PrivateKeyReport, RsaPublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

/// The rsa crate refuses public exponents above 2^33 − 1 (its bound
/// against denial of service by slow public-key operations); the checker
/// accepts any odd e below n.
const RSA_CRATE_MAX_EXPONENT: u64 = (1 << 33) - 1;

/// Reads the sound key with the rsa crate, as PKCS#8 or PKCS#1 (as the
/// checker did), and compares.
fn cross_check(report: &PrivateKeyReport, der: &[u8], pkcs8: bool) {
    let ours = report
        .public_key()
        .expect("a sound key carries its public key");
    let theirs = if pkcs8 {
        rsa::PrivateKey::from_pkcs8_der(der).map_err(|e| e.to_string())
    } else {
        rsa::PrivateKey::from_pkcs1_der(der).map_err(|e| e.to_string())
    };
    let theirs = match theirs {
        Ok(key) => key,
        Err(e) => {
            // The exponent bound is the rsa crate's policy, not a defect of
            // the key: read the exponent with the checker's own report.
            let e_bits = exponent_bits(ours);
            assert!(
                e_bits > 64 - RSA_CRATE_MAX_EXPONENT.leading_zeros(),
                "the rsa crate refuses a key called sound: {e}; {report:?}"
            );
            return;
        }
    };
    theirs
        .validate()
        .unwrap_or_else(|e| panic!("the rsa crate finds a sound key invalid: {e}; {report:?}"));
    let public = RsaPublicKey::from_be_bytes(&theirs.n_bytes(), &theirs.e_bytes());
    assert_eq!(&public, ours, "the public keys differ");
    assert_eq!(report.bits(), Some(theirs.n().bit_width_vartime()));
}

/// The bit length of e, read back from the public key's SSH blob (string
/// "ssh-rsa", mpint e, mpint n).
fn exponent_bits(key: &RsaPublicKey) -> u32 {
    let blob = key.to_ssh_blob();
    let len = u32::from_be_bytes(blob[11..15].try_into().expect("4 bytes")) as usize;
    let e = &blob[15..15 + len];
    let start = e.iter().position(|&b| b != 0).unwrap_or(e.len());
    match e.get(start) {
        None => 0,
        Some(top) => (e.len() - start) as u32 * 8 - top.leading_zeros(),
    }
}

/// Checks the properties above on one input.
///
/// # Panics
///
/// When a property does not hold.
pub fn run(data: &[u8]) {
    let der = keygen_core::check_private_key_der(data);
    assert!(!der.is_sound() || der.public_key().is_some());
    if der.is_sound() {
        // As the checker: PKCS#8 when it reads as PrivateKeyInfo, else PKCS#1.
        let pkcs8 = rsa::pkcs8::der::Decode::from_der(data)
            .map(|_: rsa::pkcs8::PrivateKeyInfoRef<'_>| ())
            .is_ok();
        cross_check(&der, data, pkcs8);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let report = keygen_core::check_private_key(text);
        assert!(!report.is_sound() || report.public_key().is_some());
        assert!(!report.checks().is_empty());
        if report.is_sound() {
            let trimmed = text.trim();
            match report.format() {
                Some(PrivateKeyFormat::ApiBase64) => {
                    let der = Base64::decode_vec(trimmed).expect("sound base64 decodes");
                    cross_check(&report, &der, true);
                }
                Some(PrivateKeyFormat::Pkcs8Pem | PrivateKeyFormat::Pkcs1Pem) => {
                    let (label, der) = rsa::pkcs8::der::pem::decode_vec(trimmed.as_bytes())
                        .expect("sound pem decodes");
                    cross_check(&report, &der, label == "PRIVATE KEY");
                }
                other => panic!("a sound text key with format {other:?}"),
            }
        }
    }
}
