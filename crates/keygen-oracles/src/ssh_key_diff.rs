//! Differential: the public-key validator against the `ssh-key` crate's
//! OpenSSH parser (`PublicKey::from_openssh`), on the same line.
//!
//! - If we accept, ssh-key reads our normalised line to the same algorithm,
//!   the same blob bytes, the same SHA256 fingerprint and the same comment;
//!   and it reads the raw input to the same key unless the raw input is laid
//!   out in a way only we accept (leading blanks, tabs or runs of blanks
//!   between the type and the key data). The one key ssh-key may refuse is
//!   a FIDO key whose application is not UTF-8 (see
//!   `application_not_utf8`).
//! - If ssh-key accepts and we refuse, our reason is one of `STRICTER`:
//!   rules of our policy that a parser does not have; or the key is an
//!   Ed25519 key whose key field declares another length than 32, which
//!   ssh-key does not look at (see `ed25519_length_ignored`).
//!
//! Any other disagreement panics.

use base64ct::{Base64, Encoding};
use keygen_core::{PublicKeyLine, PublicKeyOptions, Reason};
use ssh_key::{HashAlg, PublicKey};

/// The reasons for which we refuse keys that ssh-key reads, and why we are
/// stricter there. ssh-key 0.6 parses (with the `ecdsa` feature, as here,
/// but without the curve arithmetic of `p256`/`p384`/`p521`); it applies no
/// policy and checks no point.
///
/// Not listed, because ssh-key refuses the same inputs: an empty line or
/// missing key data, signature algorithm names as key types, a blob type
/// that differs from the line's, a truncated blob, trailing bytes, an mpint
/// with an unnecessary leading zero, an ECDSA curve identifier that differs
/// from the type, the SEC 1 point at infinity (the single byte 0x00), and
/// Ed25519 keys of other than 32 bytes.
const STRICTER: &[(Reason, &str)] = &[
    (
        Reason::PublicKeyTooLong,
        "the contract bounds the line at 2000 characters; ssh-key reads any length",
    ),
    (
        Reason::PublicKeyMultipleLines,
        "a CR or LF inside the line (blank lines around it are trimmed) would smuggle a second \
         authorized_keys entry; ssh-key trims trailing whitespace of every kind and keeps CR and LF in the comment",
    ),
    (
        Reason::PublicKeyControlCharacter,
        "control and invisible characters (escapes, NUL, bidirectional overrides) in the comment \
         can disguise what an operator reads; ssh-key takes any UTF-8 comment",
    ),
    (
        Reason::PublicKeyOptionsPrefix,
        "a first token with '=', '\"' or ',', an option keyword, or a key type among the next \
         tokens marks authorized_keys options, which would apply on every machine; ssh-key reads \
         the first token as an algorithm name and may take it as an opaque name@domain key",
    ),
    (
        Reason::PublicKeyCertificate,
        "certificates are not public keys for this API; ssh-key reads a *-cert-v01 line with a \
         matching blob type as an opaque key",
    ),
    (
        Reason::PublicKeyDsa,
        "ssh-dss is disabled by OpenSSH as too weak; ssh-key still parses DSA keys",
    ),
    (
        Reason::PublicKeyUnknownType,
        "only the seven key types of the API are accepted; ssh-key reads any name@domain \
         algorithm as an opaque key",
    ),
    (
        Reason::PublicKeyBase64,
        "the key data must be strict, canonical, padded base64, so that a key has one stored \
         form; a lenient decoder may take other forms of the same bytes",
    ),
    (
        Reason::PublicKeyMpintNegative,
        "an RSA e or n with the sign bit set is negative (RFC 4251 section 5) and meaningless; \
         ssh-key keeps such mpints as bytes",
    ),
    (
        Reason::RsaModulusTooSmall,
        "policy: at least 2048 bits (NIST SP 800-131A); ssh-key has no size policy",
    ),
    (
        Reason::RsaModulusTooLarge,
        "policy: at most 16384 bits, as OpenSSH; ssh-key has no size policy",
    ),
    (
        Reason::RsaModulusEven,
        "an even modulus is not an RSA modulus; ssh-key checks no arithmetic",
    ),
    (
        Reason::RsaExponentTooSmall,
        "e below 3 is not an RSA exponent; ssh-key checks no arithmetic",
    ),
    (
        Reason::RsaExponentEven,
        "an even e has no inverse modulo λ(n); ssh-key checks no arithmetic",
    ),
    (
        Reason::RsaExponentTooLarge,
        "policy: e of at most 32 bits and below n; ssh-key checks no arithmetic",
    ),
    (
        Reason::RsaSmallPrimeFactor,
        "weak-key check (badkeys): a prime factor up to 65537",
    ),
    (
        Reason::RsaSquareModulus,
        "weak-key check: n = p², trivially factored",
    ),
    (
        Reason::RsaFermatFactorable,
        "weak-key check: primes close enough for Fermat's method",
    ),
    (
        Reason::RsaRoca,
        "weak-key check: Infineon's vulnerable generator (ROCA, CVE-2017-15361)",
    ),
    (
        Reason::RsaSmallPrivateExponent,
        "weak-key check: a private exponent small enough for Wiener's attack",
    ),
    (
        Reason::RsaSparseModulus,
        "weak-key check (badkeys' rsapoly): a modulus with few one bits, as generators whose \
         primes polynomial methods factor make it",
    ),
    (
        Reason::RsaXzBackdoor,
        "weak-key check (badkeys' xzbackdoor): the CVE-2024-3094 command header in the modulus",
    ),
    (
        Reason::RsaKnownSharedPrime,
        "weak-key check (badkeys' sharedprimes): a prime shared with keys found in the wild",
    ),
    (
        Reason::RsaModulusPrime,
        "weak-key check: a prime modulus, whose private exponent anyone computes",
    ),
    (
        Reason::EcdsaPointEncoding,
        "OpenSSH requires the uncompressed point (RFC 5656 section 3.1); ssh-key also takes \
         compressed SEC 1 points",
    ),
    (
        Reason::EcdsaCoordinateOutOfRange,
        "coordinates must be below the field prime (SEC 1 section 3.2.2), and in OpenSSH's range \
         (more bits than half the group order's, below the order minus one) so that sshd loads \
         the key; ssh-key built without curve arithmetic does not look at them",
    ),
    (
        Reason::EcdsaPointNotOnCurve,
        "the point must be on the named curve (SEC 1 section 3.2.2); ssh-key built without curve \
         arithmetic does not check it",
    ),
    (
        Reason::Ed25519PointInvalid,
        "the 32 bytes must canonically encode a point of edwards25519 (RFC 8032 section 5.1.3); \
         ssh-key keeps any 32 bytes",
    ),
    (
        Reason::Ed25519SmallOrder,
        "a point of small order is no public key (RFC 8032); ssh-key keeps any 32 bytes",
    ),
    (
        Reason::SkApplication,
        "a FIDO application must start with \"ssh:\" (OpenSSH PROTOCOL.u2f) and hold no NUL \
         (OpenSSH reads it as a C string); ssh-key takes any UTF-8 string",
    ),
    (
        Reason::PublicKeyBlocklisted,
        "known-compromised keys (Vagrant, RFC 8032 test keys); ssh-key has no blocklist",
    ),
];

/// Whether ssh-key would read past a wrong length: its Ed25519 decoder
/// (ssh-key 0.6.7 on ssh-encoding 0.2) reads the 32 key bytes inside
/// `read_prefixed` without checking the declared length of the field, so a
/// blob whose key field claims more than 32 bytes but holds 32 still reads.
/// We refuse it (a truncated blob, or a key of the wrong length), as
/// RFC 4251 framing requires.
fn ed25519_length_ignored(text: &str) -> bool {
    // As ssh-key: trailing whitespace trimmed, fields split at single spaces.
    let mut tokens = text.trim_end().split(' ');
    let (Some(key_type), Some(data)) = (tokens.next(), tokens.next()) else {
        return false;
    };
    if key_type != "ssh-ed25519" && key_type != "sk-ssh-ed25519@openssh.com" {
        return false;
    }
    let Ok(blob) = Base64::decode_vec(data) else {
        return false;
    };
    let read_u32 = |at: usize| {
        blob.get(at..at + 4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")))
    };
    let Some(name_len) = read_u32(0) else {
        return false;
    };
    read_u32(4 + name_len as usize).is_some_and(|len| len != 32)
}

/// Whether an accepted FIDO key's application string is not UTF-8. ssh-key
/// decodes the application as a Rust `String` and refuses such keys;
/// PROTOCOL.u2f makes it an SSH `string` (bytes), and OpenSSH reads it as
/// bytes too, so we accept it.
fn application_not_utf8(key: &PublicKeyLine) -> bool {
    if !key.key_type().as_str().starts_with("sk-") {
        return false;
    }
    // The application is the blob's last field.
    let mut rest = key.blob();
    let mut last: &[u8] = &[];
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        let Some((field, tail)) = tail.split_at_checked(len) else {
            return false;
        };
        last = field;
        rest = tail;
    }
    std::str::from_utf8(last).is_err()
}

/// Whether the raw input has ssh-key's layout: no leading blanks and a
/// single space between the type and the key data, and after the key data
/// (if anything follows).
fn ssh_key_layout(text: &str, key_type: &str, data: &str) -> bool {
    let head = format!("{key_type} {data}");
    let t = text.trim_end();
    t == head
        || t.strip_prefix(&head)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// Checks the properties above on one input.
///
/// # Panics
///
/// When a property does not hold.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = PublicKeyOptions::api().without_min_length();
    let ours = PublicKeyLine::with_options(text, &options);
    let raw = PublicKey::from_openssh(text);
    match ours {
        Ok(key) => {
            let theirs = match PublicKey::from_openssh(key.as_str()) {
                Ok(theirs) => theirs,
                Err(e) => {
                    assert!(
                        application_not_utf8(&key),
                        "ssh-key refuses the normalised line we accepted ({e}): {:?}",
                        key.as_str()
                    );
                    return;
                }
            };
            assert_eq!(theirs.algorithm().as_str(), key.key_type().as_str());
            assert_eq!(
                theirs.to_bytes().expect("ssh-key encodes the key"),
                key.blob()
            );
            assert_eq!(
                theirs.fingerprint(HashAlg::Sha256).to_string(),
                key.fingerprint_sha256()
            );
            // ssh-key trims trailing whitespace of every kind; we trim
            // blanks only, so a comment may end in other white space.
            assert_eq!(theirs.comment(), key.comment().unwrap_or("").trim_end());

            let data_token = key.as_str().split(' ').nth(1).expect("key data");
            match raw {
                Ok(raw) => assert_eq!(raw.key_data(), theirs.key_data()),
                Err(e) => assert!(
                    !ssh_key_layout(text, key.key_type().as_str(), data_token),
                    "ssh-key refuses a line we accepted ({e}): {text:?}"
                ),
            }
        }
        Err(rejection) => {
            if let Ok(theirs) = raw {
                assert!(
                    STRICTER.iter().any(|(r, _)| *r == rejection.reason())
                        || ed25519_length_ignored(text),
                    "ssh-key reads a {} key that we refuse with {} ({}): {text:?}",
                    theirs.algorithm().as_str(),
                    rejection.name(),
                    rejection.message()
                );
            }
        }
    }
}
