//! Reading key pairs back from their encodings: the API's one-line base64,
//! PKCS#8 and PKCS#1 (DER or PEM) and unencrypted OpenSSH private-key
//! files.
//!
//! Every reader runs the private-key check first
//! ([`check_private_key`](crate::check_private_key)) and refuses a key that
//! is not sound, so a key read back satisfies every relation between its
//! fields that a generated key does: an [`RsaKeyPair`] is never
//! inconsistent, whatever it was read from.

use base64ct::{Base64, Encoding};
use crypto_bigint::BoxedUint;
use der::Decode;
use zeroize::Zeroizing;

use crate::check::{PrivateKeyFormat, PrivateKeyReport, check_private_key_der};
use crate::error::KeyParseError;
use crate::keypair::RsaKeyPair;
use crate::private_file::check_private_key;

/// The formats [`RsaKeyPair::from_any`] reads, for its error messages.
const FORMATS: &str = "the api's base64 pkcs#8 line, pkcs#8 pem (PRIVATE KEY), pkcs#1 pem \
                       (RSA PRIVATE KEY) or an unencrypted openssh private key file";

type ReadResult = core::result::Result<RsaKeyPair, KeyParseError>;

impl RsaKeyPair {
    /// Reads the API's `privateKey`: one line of standard padded base64 of
    /// a PKCS#8 `PrivateKeyInfo` (what [`RsaKeyPair::to_api_private_key`]
    /// writes). Surrounding whitespace is ignored.
    ///
    /// The key is checked as [`check_private_key`](crate::check_private_key)
    /// checks it (two primality tests: tens of milliseconds) and refused
    /// unless sound.
    ///
    /// # Errors
    ///
    /// A [`KeyParseError`] when the text is not that encoding, or the key
    /// is not a sound RSA key (the message names the first failed check).
    pub fn from_api_private_key(text: &str) -> ReadResult {
        read_text(text, Some(PrivateKeyFormat::ApiBase64))
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, RFC 7468), as
    /// [`RsaKeyPair::to_pkcs8_pem`] writes it. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::from_api_private_key`].
    pub fn from_pkcs8_pem(text: &str) -> ReadResult {
        read_text(text, Some(PrivateKeyFormat::Pkcs8Pem))
    }

    /// Reads a PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), as
    /// [`RsaKeyPair::to_pkcs1_pem`] writes it. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::from_api_private_key`].
    pub fn from_pkcs1_pem(text: &str) -> ReadResult {
        read_text(text, Some(PrivateKeyFormat::Pkcs1Pem))
    }

    /// Reads an unencrypted OpenSSH private-key file (`-----BEGIN OPENSSH
    /// PRIVATE KEY-----`, OpenSSH PROTOCOL.key) holding an RSA key, as
    /// [`RsaKeyPair::to_openssh`] and `ssh-keygen` write it. The file holds
    /// no dP and dQ: they are computed from d. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::from_api_private_key`]; also for an encrypted file
    /// (open it with `ssh-keygen -p` first) and for keys other than RSA.
    pub fn from_openssh(text: &str) -> ReadResult {
        read_text(text, Some(PrivateKeyFormat::Openssh))
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` in DER, as
    /// [`RsaKeyPair::to_pkcs8_der`] writes it. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::from_api_private_key`].
    pub fn from_pkcs8_der(der: &[u8]) -> ReadResult {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| KeyParseError::caused_by("not a pkcs#8 PrivateKeyInfo", e))?;
        sound(&check_private_key_der(der), "pkcs#8 der")?;
        from_pkcs1(info.private_key.as_bytes())
    }

    /// Reads a bare PKCS#1 `RSAPrivateKey` in DER, as
    /// [`RsaKeyPair::to_pkcs1_der`] writes it. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::from_api_private_key`]; also for PKCS#8 DER (read
    /// it with [`RsaKeyPair::from_pkcs8_der`]).
    pub fn from_pkcs1_der(der: &[u8]) -> ReadResult {
        if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
            return Err(KeyParseError::new(
                "the der is pkcs#8, not pkcs#1: read it with from_pkcs8_der",
            ));
        }
        sound(&check_private_key_der(der), "pkcs#1 der")?;
        from_pkcs1(der)
    }

    /// Reads a private key in whichever of the text encodings it is in:
    /// the API's base64 line, PKCS#8 PEM, PKCS#1 PEM or an unencrypted
    /// OpenSSH private-key file, recognised by their armour. Checked as
    /// [`RsaKeyPair::from_api_private_key`] is.
    ///
    /// # Errors
    ///
    /// A [`KeyParseError`] naming the formats read when the text is none of
    /// them (encrypted files and PuTTY PPK files among them), or as
    /// [`RsaKeyPair::from_api_private_key`].
    pub fn from_any(text: &str) -> ReadResult {
        read_text(text, None)
    }
}

fn format_name(format: PrivateKeyFormat) -> &'static str {
    match format {
        PrivateKeyFormat::ApiBase64 => "the api's base64 pkcs#8 line",
        PrivateKeyFormat::Pkcs8Pem => "pkcs#8 pem",
        PrivateKeyFormat::Pkcs1Pem => "pkcs#1 pem",
        PrivateKeyFormat::Der => "der",
        PrivateKeyFormat::Openssh => "an openssh private key file",
        PrivateKeyFormat::EncryptedPkcs8Pem => "encrypted pkcs#8 pem",
        PrivateKeyFormat::Ppk => "a putty ppk file",
    }
}

/// Checks `text`, then reads the key from the encoding the check found,
/// which must be `want` when given.
fn read_text(text: &str, want: Option<PrivateKeyFormat>) -> ReadResult {
    let text = text.trim();
    let report = check_private_key(text);
    let found = report.format();
    match (want, found) {
        (Some(w), Some(f)) if w != f => {
            return Err(KeyParseError::new(format!(
                "expected {}, found {}",
                format_name(w),
                format_name(f)
            )));
        }
        (Some(w), None) => {
            return Err(KeyParseError::new(format!(
                "not {}: {}",
                format_name(w),
                first_failure(&report).unwrap_or("unrecognised input")
            )));
        }
        (None, None) => {
            return Err(KeyParseError::new(format!(
                "not a private key this crate reads ({FORMATS}): {}",
                first_failure(&report).unwrap_or("unrecognised input")
            )));
        }
        _ => {}
    }
    let Some(format) = found else {
        return Err(KeyParseError::new("unrecognised input"));
    };
    let what = format_name(format);
    match format {
        PrivateKeyFormat::ApiBase64 => {
            sound(&report, what)?;
            let der = Zeroizing::new(
                Base64::decode_vec(text)
                    .map_err(|e| KeyParseError::caused_by("malformed base64", e))?,
            );
            pkcs8_inner(&der)
        }
        PrivateKeyFormat::Pkcs8Pem | PrivateKeyFormat::Pkcs1Pem => {
            sound(&report, what)?;
            let (_, der) = der::pem::decode_vec(text.as_bytes())
                .map_err(|e| KeyParseError::caused_by("malformed pem", e))?;
            let der = Zeroizing::new(der);
            if format == PrivateKeyFormat::Pkcs8Pem {
                pkcs8_inner(&der)
            } else {
                from_pkcs1(&der)
            }
        }
        PrivateKeyFormat::Openssh => {
            sound(&report, what)?;
            from_openssh_checked(text)
        }
        other => Err(KeyParseError::new(format!(
            "{} is checked but not read into a key pair; this reads {FORMATS}",
            format_name(other)
        ))),
    }
}

/// The detail of the first fatal check that failed.
fn first_failure(report: &PrivateKeyReport) -> Option<&str> {
    report.failed().find(|c| c.fatal()).map(|c| c.detail())
}

/// Refuses a key whose check found a fatal failure.
fn sound(report: &PrivateKeyReport, what: &str) -> core::result::Result<(), KeyParseError> {
    match report.failed().find(|c| c.fatal()) {
        None => Ok(()),
        Some(c) => Err(KeyParseError::new(format!(
            "{what}: the key fails the {} check: {}",
            c.name(),
            c.detail()
        ))),
    }
}

fn pkcs8_inner(der: &[u8]) -> ReadResult {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|e| KeyParseError::caused_by("not a pkcs#8 PrivateKeyInfo", e))?;
    from_pkcs1(info.private_key.as_bytes())
}

/// Precisions of the modulus-sized and prime-sized components, as the
/// generator uses them (4096 and 2048 bits for RSA-4096), so that a key
/// read back compares equal to the key that was written.
fn precisions(n: &[u8]) -> (u32, u32) {
    let n_bits = u32::try_from(n.len()).unwrap_or(u32::MAX / 8) * 8
        - n.first().map_or(8, |b| b.leading_zeros());
    let whole = n_bits.div_ceil(64).max(1) * 64;
    let half = n_bits.div_ceil(2).div_ceil(64).max(1) * 64;
    (whole, half)
}

/// Refuses, before any secret is copied into a big integer, a component
/// wider than its precision: an error half-way through would drop the
/// components already built without wiping them.
fn all_fit(parts: &[(&[u8], u32)]) -> core::result::Result<(), KeyParseError> {
    for (bytes, precision) in parts {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let bits = u64::try_from(bytes.len() - start).unwrap_or(u64::MAX) * 8;
        if bits > u64::from(*precision) {
            return Err(KeyParseError::new(
                "a key component is larger than the modulus allows",
            ));
        }
    }
    Ok(())
}

fn uint(bytes: &[u8], precision: u32) -> core::result::Result<BoxedUint, KeyParseError> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    BoxedUint::from_be_slice(&bytes[start..], precision)
        .map_err(|_| KeyParseError::new("a key component is larger than the modulus allows"))
}

/// Builds the key from a checked PKCS#1 `RSAPrivateKey`.
fn from_pkcs1(der: &[u8]) -> ReadResult {
    let key = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|e| KeyParseError::caused_by("not a pkcs#1 RSAPrivateKey", e))?;
    let (whole, half) = precisions(key.modulus.as_bytes());
    all_fit(&[
        (key.modulus.as_bytes(), whole),
        (key.public_exponent.as_bytes(), whole),
        (key.private_exponent.as_bytes(), whole),
        (key.prime1.as_bytes(), half),
        (key.prime2.as_bytes(), half),
        (key.exponent1.as_bytes(), half),
        (key.exponent2.as_bytes(), half),
        (key.coefficient.as_bytes(), half),
    ])?;
    Ok(RsaKeyPair::from_parts(
        uint(key.modulus.as_bytes(), whole)?,
        uint(key.public_exponent.as_bytes(), whole)?,
        uint(key.private_exponent.as_bytes(), whole)?,
        uint(key.prime1.as_bytes(), half)?,
        uint(key.prime2.as_bytes(), half)?,
        uint(key.exponent1.as_bytes(), half)?,
        uint(key.exponent2.as_bytes(), half)?,
        uint(key.coefficient.as_bytes(), half)?,
    ))
}

/// Builds the key from a checked, unencrypted OpenSSH RSA key.
fn from_openssh_checked(text: &str) -> ReadResult {
    let key = ssh_key::PrivateKey::from_openssh(text)
        .map_err(|e| KeyParseError::caused_by("malformed openssh private key", e))?;
    let ssh_key::private::KeypairData::Rsa(rsa) = key.key_data() else {
        return Err(KeyParseError::new("the openssh private key is not rsa"));
    };
    let bytes = |m: &ssh_key::Mpint| m.as_positive_bytes().unwrap_or(&[]).to_vec();
    let n = bytes(&rsa.public.n);
    let d = Zeroizing::new(bytes(&rsa.private.d));
    let p = Zeroizing::new(bytes(&rsa.private.p));
    let q = Zeroizing::new(bytes(&rsa.private.q));
    let dp = crate::private_file::d_mod_prime_minus_one(&d, &p);
    let dq = crate::private_file::d_mod_prime_minus_one(&d, &q);
    let e = bytes(&rsa.public.e);
    let iqmp = Zeroizing::new(bytes(&rsa.private.iqmp));
    let (whole, half) = precisions(&n);
    all_fit(&[
        (&n, whole),
        (&e, whole),
        (&d, whole),
        (&p, half),
        (&q, half),
        (&dp, half),
        (&dq, half),
        (&iqmp, half),
    ])?;
    Ok(RsaKeyPair::from_parts(
        uint(&n, whole)?,
        uint(&e, whole)?,
        uint(&d, whole)?,
        uint(&p, half)?,
        uint(&q, half)?,
        uint(&dp, half)?,
        uint(&dq, half)?,
        uint(&iqmp, half)?,
    ))
}
