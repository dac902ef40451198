//! The private-key checker: sound keys pass, and each kind of damage is
//! reported by the check that names it.

mod common;

use base64ct::{Base64, Encoding};
use der::{Decode, Encode};
use keygen_core::{PrivateKeyFormat, check_private_key, check_private_key_der};

fn failed(report: &keygen_core::PrivateKeyReport) -> Vec<&'static str> {
    report.failed().map(|c| c.name().as_str()).collect()
}

#[test]
fn generated_keys_pass_every_check() {
    for key in common::keys() {
        let api = key.to_api_private_key().unwrap();
        let report = check_private_key(&api);
        assert!(report.is_sound(), "{report:?}");
        assert_eq!(failed(&report), Vec::<&str>::new());
        assert_eq!(report.format(), Some(PrivateKeyFormat::ApiBase64));
        assert_eq!(report.bits(), Some(4096));
        assert_eq!(report.public_key().unwrap(), &key.public_key());
        assert!(report.checks().len() >= 18);

        let pem = check_private_key(&key.to_pkcs8_pem().unwrap());
        assert!(pem.is_sound());
        assert_eq!(pem.format(), Some(PrivateKeyFormat::Pkcs8Pem));
        assert!(check_private_key_der(&key.to_pkcs8_der().unwrap()).is_sound());
        // Surrounding whitespace and a trailing newline are fine.
        assert!(check_private_key(&format!("  {}\r\n", api.as_str())).is_sound());
    }
}

/// The seed API page's example key was redacted: its primes do not multiply
/// to its modulus.
#[test]
fn the_redacted_seed_example_is_inconsistent() {
    let report = check_private_key(include_str!("data/seed-example-private-key.txt"));
    assert!(!report.is_sound());
    let failed = failed(&report);
    assert!(failed.contains(&"n_equals_pq"), "{failed:?}");
    // It still parses: the layout is the API's.
    assert_eq!(report.bits(), Some(4096));
    for name in [
        "encoding",
        "der_canonical",
        "pkcs8_algorithm",
        "pkcs1_version",
    ] {
        assert!(!failed.contains(&name), "{name} failed: {report:?}");
    }
}

/// Re-encodes a key after changing its PKCS#1 fields.
fn tamper(api: &str, edit: impl FnOnce(&mut [Vec<u8>; 8])) -> String {
    let der = Base64::decode_vec(api).unwrap();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).unwrap();
    let k = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes()).unwrap();
    let mut f = [
        k.modulus,
        k.public_exponent,
        k.private_exponent,
        k.prime1,
        k.prime2,
        k.exponent1,
        k.exponent2,
        k.coefficient,
    ]
    .map(|u| u.as_bytes().to_vec());
    edit(&mut f);
    let u = |i: usize| der::asn1::UintRef::new(&f[i]).unwrap();
    let pkcs1 = pkcs1::RsaPrivateKey {
        modulus: u(0),
        public_exponent: u(1),
        private_exponent: u(2),
        prime1: u(3),
        prime2: u(4),
        exponent1: u(5),
        exponent2: u(6),
        coefficient: u(7),
        other_prime_infos: None,
    }
    .to_der()
    .unwrap();
    let info = pkcs8::PrivateKeyInfoRef {
        algorithm: info.algorithm,
        private_key: der::asn1::OctetStringRef::new(&pkcs1).unwrap(),
        public_key: None,
    };
    Base64::encode_string(&info.to_der().unwrap())
}

fn bump(v: &mut [u8]) {
    let last = v.len() - 1;
    v[last] ^= 2;
}

#[test]
fn each_damage_is_named() {
    let api = common::keys()[0].to_api_private_key().unwrap();
    type Edit = fn(&mut [Vec<u8>; 8]);
    let cases: [(&str, Edit); 7] = [
        ("e_d_inverse", |f| bump(&mut f[2])),
        ("dp", |f| bump(&mut f[5])),
        ("dq", |f| bump(&mut f[6])),
        ("qinv", |f| bump(&mut f[7])),
        ("n_equals_pq", |f| bump(&mut f[0])),
        ("p_prime", |f| bump(&mut f[3])),
        ("public_exponent", |f| f[1] = vec![4]),
    ];
    for (name, edit) in cases {
        let report = check_private_key(&tamper(&api, edit));
        assert!(!report.is_sound(), "{name}");
        assert!(
            failed(&report).contains(&name),
            "{name}: {:?}",
            failed(&report)
        );
    }
    // p and q swapped: still a valid key, but qInv and the layout fail.
    let swapped = check_private_key(&tamper(&api, |f| f.swap(3, 4)));
    let names = failed(&swapped);
    assert!(
        names.contains(&"p_greater_than_q") && names.contains(&"qinv"),
        "{names:?}"
    );
    let layout = swapped
        .checks()
        .iter()
        .find(|c| c.name() == "p_greater_than_q")
        .unwrap();
    assert!(!layout.fatal());
}

#[test]
fn unreadable_and_non_canonical_input_is_reported_not_panicked() {
    for input in [
        "",
        "not base64!",
        "AAAA",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ] {
        let report = check_private_key(input);
        assert!(!report.is_sound(), "{input:?}");
        assert!(!failed(&report).is_empty());
    }
    // A long-form length where a short one fits is not DER.
    let mut der = Base64::decode_vec(&common::keys()[0].to_api_private_key().unwrap()).unwrap();
    let version = der.iter().position(|&b| b == 0x02).unwrap();
    der.splice(version + 1..version + 2, [0x81, 0x01]);
    der[3] += 1; // the outer length grows by one
    let report = check_private_key(&Base64::encode_string(&der));
    assert!(failed(&report).contains(&"der_canonical"), "{report:?}");
    // The wrong PEM label.
    let report =
        check_private_key("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert_eq!(failed(&report), ["encoding"]);
}

/// A fuzzer-found key: an RSA-2048 key whose d was replaced by
/// d + k·λ(n) ≥ n. It still inverts e (and dP, dQ still match), but RFC 8017
/// requires d < n and other implementations refuse to load it: not sound.
#[test]
fn a_private_exponent_not_below_n_is_refused() {
    let report = check_private_key(include_str!("data/regression-d-not-below-n.txt"));
    let failed = failed(&report);
    assert!(!report.is_sound(), "{report:?}");
    assert!(failed.contains(&"d_size"), "{failed:?}");
    assert!(!failed.contains(&"e_d_inverse"), "{failed:?}");
    assert!(
        !failed.contains(&"dp") && !failed.contains(&"dq"),
        "{failed:?}"
    );
}
