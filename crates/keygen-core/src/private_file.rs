//! Private-key files beyond the API's own form, read into the private-key
//! check and written from a key pair: OpenSSH private-key files (OpenSSH
//! PROTOCOL.key), PBES2-encrypted PKCS#8 (RFC 5958 section 3, RFC 8018
//! section 6.2) and PuTTY PPK v3, each with or without a passphrase.

mod ppk;

use core::fmt;

use base64ct::{Base64, Encoding};
use crypto_bigint::{BoxedUint, NonZero, Resize};
use der::Encode;
use der::asn1::UintRef;
use zeroize::Zeroizing;

use crate::check::{self, CheckName, PrivateKeyFormat, PrivateKeyReport};
use crate::{Error, Result, RsaKeyPair};

/// Checks a private key given as text: the API's one-line base64, a
/// PKCS#8 / PKCS#1 PEM, an unencrypted OpenSSH private-key file or an
/// unencrypted PuTTY PPK v3 file. Surrounding whitespace is ignored.
/// Encrypted keys need
/// [`check_private_key_with_passphrase`](crate::check_private_key_with_passphrase);
/// given here, the `encoding` check fails saying so. OpenSSH and PPK files
/// store no dP and dQ: they are computed from d before the checks, and the
/// `key_type` check fails for keys other than RSA.
///
/// The checks, by name: `encoding` (base64 or PEM readable), `der_canonical`
/// (DER well formed and re-encodes to the same bytes), `pkcs8_algorithm`
/// (rsaEncryption, NULL parameters, version 0), `pkcs1_version` (two-prime,
/// version 0), `modulus_size`, `public_exponent`, `n_equals_pq`, `p_prime`,
/// `q_prime`, `prime_sizes`, `prime_distance` (FIPS 186-5 A.1.3
/// |p − q| > 2^(nlen/2 − 100)), `e_d_inverse` (e·d ≡ 1 mod λ(n)), `d_size`
/// (2^(nlen/2) < d < n), `dp`, `dq`, `qinv`; and, not fatal, the API's layout:
/// `d_reduced_mod_lambda`, `p_greater_than_q`, `modulus_4096`.
#[must_use]
pub fn check_private_key(input: &str) -> PrivateKeyReport {
    let text = input.trim();
    let mut report = PrivateKeyReport {
        format: None,
        bits: None,
        public_key: None,
        checks: Vec::new(),
    };
    if text.is_empty() {
        report.push(CheckName::Encoding, false, true, "the input is empty");
        return report;
    }
    if text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
        check_openssh(text, &mut report);
        return report;
    }
    if is_ppk(text) {
        check_ppk(text, &mut report);
        return report;
    }
    if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        report.format = Some(PrivateKeyFormat::EncryptedPkcs8Pem);
        report.push(
            CheckName::Encoding,
            false,
            true,
            "the pkcs#8 private key is encrypted: a passphrase is needed",
        );
        return report;
    }
    if text.starts_with("-----BEGIN") {
        match der::pem::decode_vec(text.as_bytes()) {
            Ok((label, der)) => {
                let der = Zeroizing::new(der);
                match label {
                    "PRIVATE KEY" => {
                        report.format = Some(PrivateKeyFormat::Pkcs8Pem);
                        report.push(CheckName::Encoding, true, true, "pkcs#8 pem");
                        check::check_pkcs8(&der, &mut report);
                    }
                    "RSA PRIVATE KEY" => {
                        report.format = Some(PrivateKeyFormat::Pkcs1Pem);
                        report.push(CheckName::Encoding, true, true, "pkcs#1 pem");
                        check::check_pkcs1(&der, &mut report);
                    }
                    other => report.push(
                        CheckName::Encoding,
                        false,
                        true,
                        format!("pem label {other:?} is not PRIVATE KEY or RSA PRIVATE KEY"),
                    ),
                }
            }
            Err(e) => report.push(
                CheckName::Encoding,
                false,
                true,
                format!("pem is malformed: {e}"),
            ),
        }
        return report;
    }
    match Base64::decode_vec(text) {
        Ok(der) => {
            let der = Zeroizing::new(der);
            report.format = Some(PrivateKeyFormat::ApiBase64);
            report.push(
                CheckName::Encoding,
                true,
                true,
                "one line of standard padded base64",
            );
            check::check_pkcs8(&der, &mut report);
        }
        Err(_) => report.push(
            CheckName::Encoding,
            false,
            true,
            "not pem and not one line of standard padded base64",
        ),
    }
    report
}

/// The armour of an encrypted PKCS#8 file (RFC 7468 section 11).
const ENCRYPTED_PKCS8_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// PBKDF2-HMAC-SHA256 iterations of the PKCS#8 files this crate writes:
/// OWASP's recommendation for PBKDF2-HMAC-SHA256 (600,000), which is also
/// what the pkcs5 crate picks. OpenSSL reads any count.
pub(crate) const PKCS8_PBKDF2_ITERATIONS: u32 = 600_000;

/// bcrypt-pbkdf rounds of the OpenSSH files this crate writes: 16, the
/// default of `ssh-keygen -a` (OpenSSH's sshkey.c `DEFAULT_ROUNDS`).
pub(crate) const OPENSSH_BCRYPT_ROUNDS: u32 = 16;

/// Why an encrypted private key could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// The passphrase does not open the key: the check value, the padding
    /// or the MAC did not match (or the file was altered).
    WrongPassphrase,
    /// The file uses a cipher or key derivation this crate does not read.
    Unsupported(String),
    /// The file is not an encrypted private key this crate reads.
    Malformed(String),
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongPassphrase => f.write_str("wrong passphrase: the private key does not open"),
            Self::Unsupported(what) => write!(f, "unsupported encryption: {what}"),
            Self::Malformed(what) => write!(f, "malformed encrypted private key: {what}"),
        }
    }
}

impl std::error::Error for DecryptError {}

/// True when `input` is a private key that needs a passphrase: an
/// `ENCRYPTED PRIVATE KEY` PEM, an OpenSSH private-key file with a cipher,
/// a PuTTY PPK file whose `Encryption` is not `none`, or a legacy OpenSSL
/// PEM with a `Proc-Type: 4,ENCRYPTED` header.
#[must_use]
pub fn private_key_is_encrypted(input: &str) -> bool {
    let text = input.trim();
    if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return true;
    }
    if text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return ssh_key::PrivateKey::from_openssh(text).is_ok_and(|k| k.is_encrypted());
    }
    if ppk::is_ppk(text) {
        return ppk::is_encrypted(text);
    }
    text.starts_with("-----BEGIN") && text.lines().take(3).any(|l| l.starts_with("Proc-Type:"))
}

/// Checks a private key that may be encrypted, opening it with
/// `passphrase`: everything [`check_private_key`](crate::check_private_key)
/// reads, and encrypted PKCS#8 PEM (PBES2), encrypted OpenSSH files
/// (bcrypt-pbkdf with any cipher ssh-keygen uses) and encrypted PuTTY PPK v3
/// files (Argon2, AES-256-CBC). An unencrypted key is checked as it is, the
/// passphrase unused.
///
/// # Errors
///
/// [`DecryptError::WrongPassphrase`] when the passphrase does not open the
/// key; [`DecryptError::Unsupported`] for ciphers and key derivations this
/// crate does not read (the legacy OpenSSL `Proc-Type` PEM encryption among
/// them); [`DecryptError::Malformed`] when the encrypted container itself
/// does not parse.
pub fn check_private_key_with_passphrase(
    input: &str,
    passphrase: &[u8],
) -> core::result::Result<PrivateKeyReport, DecryptError> {
    let text = input.trim();
    if !private_key_is_encrypted(text) {
        return Ok(check_private_key(text));
    }
    let mut report = PrivateKeyReport::empty();
    if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let (label, der) = der::pem::decode_vec(text.as_bytes())
            .map_err(|e| DecryptError::Malformed(format!("pem: {e}")))?;
        if label != ENCRYPTED_PKCS8_LABEL {
            return Err(DecryptError::Malformed(format!("pem label {label:?}")));
        }
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
            .map_err(|e| DecryptError::Malformed(format!("EncryptedPrivateKeyInfo: {e}")))?;
        let plain = info.decrypt(passphrase).map_err(|e| match e {
            pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::UnsupportedAlgorithm { oid }
                | pkcs8::pkcs5::Error::AlgorithmParametersInvalid { oid },
            ) => DecryptError::Unsupported(format!("pkcs#5 algorithm {oid}")),
            pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::NoPbes1CryptSupport) => {
                DecryptError::Unsupported("pbes1 (only pbes2 is read)".into())
            }
            // A bad padding, or plaintext that is not DER: the passphrase
            // derived the wrong key.
            _ => DecryptError::WrongPassphrase,
        })?;
        report.format = Some(PrivateKeyFormat::EncryptedPkcs8Pem);
        report.push(
            CheckName::Encoding,
            true,
            true,
            "pbes2-encrypted pkcs#8 pem",
        );
        check::check_pkcs8(plain.as_bytes(), &mut report);
        return Ok(report);
    }
    if text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let key = ssh_key::PrivateKey::from_openssh(text)
            .map_err(|e| DecryptError::Malformed(format!("openssh private key: {e}")))?;
        let open = key.decrypt(passphrase).map_err(|e| match e {
            ssh_key::Error::Crypto => DecryptError::WrongPassphrase,
            ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. } => {
                DecryptError::Unsupported(format!(
                    "openssh cipher {} with kdf {}",
                    key.cipher(),
                    key.kdf().algorithm()
                ))
            }
            other => DecryptError::Malformed(format!("openssh private key: {other}")),
        })?;
        report.format = Some(PrivateKeyFormat::Openssh);
        report.push(
            CheckName::Encoding,
            true,
            true,
            format!("openssh private key, {} with bcrypt-pbkdf", key.cipher()),
        );
        check_ssh_keypair(open.key_data(), &mut report);
        return Ok(report);
    }
    if ppk::is_ppk(text) {
        let file = ppk::PpkFile::parse(text).map_err(DecryptError::Malformed)?;
        let private = file.open(Some(passphrase))?;
        report.format = Some(PrivateKeyFormat::Ppk);
        report.push(
            CheckName::Encoding,
            true,
            true,
            "putty ppk v3, aes256-cbc with argon2",
        );
        file.check(&private, &mut report);
        return Ok(report);
    }
    Err(DecryptError::Unsupported(
        "legacy openssl pem encryption (Proc-Type: 4,ENCRYPTED); convert it with `openssl pkcs8 -topk8`"
            .into(),
    ))
}

/// Checks an unencrypted OpenSSH private-key file (called by
/// [`check_private_key`](crate::check_private_key)).
pub(crate) fn check_openssh(text: &str, report: &mut PrivateKeyReport) {
    report.format = Some(PrivateKeyFormat::Openssh);
    let key = match ssh_key::PrivateKey::from_openssh(text) {
        Ok(key) => key,
        Err(e) => {
            report.push(
                CheckName::Encoding,
                false,
                true,
                format!("openssh private key is malformed: {e}"),
            );
            return;
        }
    };
    if key.is_encrypted() {
        report.push(
            CheckName::Encoding,
            false,
            true,
            "the openssh private key is encrypted: a passphrase is needed",
        );
        return;
    }
    report.push(
        CheckName::Encoding,
        true,
        true,
        "openssh private key, unencrypted",
    );
    check_ssh_keypair(key.key_data(), report);
}

/// Checks an unencrypted PuTTY PPK v3 file (called by
/// [`check_private_key`](crate::check_private_key)).
pub(crate) fn check_ppk(text: &str, report: &mut PrivateKeyReport) {
    report.format = Some(PrivateKeyFormat::Ppk);
    let opened = ppk::PpkFile::parse(text).and_then(|file| {
        file.open(None)
            .map(|private| (file, private))
            .map_err(|e| e.to_string())
    });
    match opened {
        Ok((file, private)) => {
            report.push(CheckName::Encoding, true, true, "putty ppk v3, unencrypted");
            file.check(&private, report);
        }
        Err(e) => report.push(CheckName::Encoding, false, true, format!("ppk file: {e}")),
    }
}

pub(crate) use ppk::is_ppk;

/// Runs the key checks on an OpenSSH key pair, which must be RSA.
fn check_ssh_keypair(data: &ssh_key::private::KeypairData, report: &mut PrivateKeyReport) {
    let ssh_key::private::KeypairData::Rsa(rsa) = data else {
        report.push(
            CheckName::KeyType,
            false,
            true,
            format!(
                "the key is {}, not rsa",
                data.algorithm()
                    .map_or_else(|_| "of an unknown type".to_string(), |a| a.to_string())
            ),
        );
        return;
    };
    let bytes = |m: &ssh_key::Mpint| m.as_positive_bytes().unwrap_or(&[]).to_vec();
    let parts = RsaParts {
        n: bytes(&rsa.public.n),
        e: bytes(&rsa.public.e),
        d: Zeroizing::new(bytes(&rsa.private.d)),
        p: Zeroizing::new(bytes(&rsa.private.p)),
        q: Zeroizing::new(bytes(&rsa.private.q)),
        iqmp: Zeroizing::new(bytes(&rsa.private.iqmp)),
    };
    parts.check(report);
}

/// The RSA fields OpenSSH and PuTTY store (PROTOCOL.key; PuTTY's private
/// blob): no dP and dQ, which PKCS#1 has and the check verifies.
struct RsaParts {
    n: Vec<u8>,
    e: Vec<u8>,
    d: Zeroizing<Vec<u8>>,
    p: Zeroizing<Vec<u8>>,
    q: Zeroizing<Vec<u8>>,
    iqmp: Zeroizing<Vec<u8>>,
}

impl RsaParts {
    /// Completes the fields into a PKCS#1 `RSAPrivateKey` (dP = d mod
    /// (p − 1), dQ = d mod (q − 1)) and runs the PKCS#1 checks on it, so an
    /// OpenSSH or PPK key is judged by exactly the checks of a PEM key.
    fn check(&self, report: &mut PrivateKeyReport) {
        let dp = d_mod_prime_minus_one(&self.d, &self.p);
        let dq = d_mod_prime_minus_one(&self.d, &self.q);
        fn uint(b: &[u8]) -> der::Result<UintRef<'_>> {
            UintRef::new(if b.is_empty() { &[0] } else { b })
        }
        let der = (|| -> der::Result<Zeroizing<Vec<u8>>> {
            let key = pkcs1::RsaPrivateKey {
                modulus: uint(&self.n)?,
                public_exponent: uint(&self.e)?,
                private_exponent: uint(&self.d)?,
                prime1: uint(&self.p)?,
                prime2: uint(&self.q)?,
                exponent1: uint(&dp)?,
                exponent2: uint(&dq)?,
                coefficient: uint(&self.iqmp)?,
                other_prime_infos: None,
            };
            Ok(Zeroizing::new(key.to_der()?))
        })();
        match der {
            Ok(der) => check::check_pkcs1(&der, report),
            Err(e) => report.push(
                CheckName::DerCanonical,
                false,
                true,
                format!("the rsa fields do not form an RSAPrivateKey: {e}"),
            ),
        }
    }
}

/// d mod (p − 1), big-endian; zero when p < 2 or either value is beyond the
/// checker's size limit (the check then fails on p or on the modulus size).
pub(crate) fn d_mod_prime_minus_one(d: &[u8], p: &[u8]) -> Zeroizing<Vec<u8>> {
    let limit = (check::MAX_CHECKED_MODULUS_BITS / 8) as usize;
    if d.len() > limit || p.len() > limit {
        return Zeroizing::new(vec![0]);
    }
    let len = d.len().max(p.len()).max(1);
    let precision = u32::try_from(len.div_ceil(8) * 64).unwrap_or(64);
    let d = Zeroizing::new(BoxedUint::from_be_slice_vartime(d).resize(precision));
    let p = Zeroizing::new(BoxedUint::from_be_slice_vartime(p).resize(precision));
    let p1 = Zeroizing::new(p.wrapping_sub(BoxedUint::one_with_precision(precision)));
    match NonZero::new((*p1).clone()).into_option() {
        Some(m) if !bool::from(p.is_zero()) => {
            let m = Zeroizing::new(m);
            let r = Zeroizing::new(d.rem(&m));
            let full = Zeroizing::new(r.to_be_bytes());
            let start = full.iter().position(|&b| b != 0).unwrap_or(full.len() - 1);
            Zeroizing::new(full[start..].to_vec())
        }
        _ => Zeroizing::new(vec![0]),
    }
}

/// A random salt or IV from the operating system.
fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
    let mut out = Zeroizing::new([0u8; N]);
    getrandom::fill(out.as_mut()).map_err(Error::rng)?;
    Ok(out)
}

impl RsaKeyPair {
    /// An OpenSSH private-key file encrypted as `ssh-keygen` writes it
    /// (PROTOCOL.key): bcrypt-pbkdf with a random 16-byte salt and
    /// 16 rounds (the default of `ssh-keygen -a`), then aes256-ctr. `ssh-keygen -y -P`
    /// and `ssh -i` open it with the passphrase.
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply the salt;
    /// [`Error::Encoding`] if the encoder refuses the key.
    pub fn to_openssh_encrypted(
        &self,
        comment: &str,
        passphrase: &[u8],
    ) -> Result<Zeroizing<String>> {
        let key = self.to_ssh_private_key(comment)?;
        let salt = random::<16>()?;
        let checkint = random::<4>()?;
        let kdf = ssh_key::Kdf::Bcrypt {
            salt: salt.to_vec(),
            rounds: OPENSSH_BCRYPT_ROUNDS,
        };
        let encrypted = key
            .encrypt_with(
                ssh_key::Cipher::Aes256Ctr,
                kdf,
                u32::from_be_bytes(*checkint),
                passphrase,
            )
            .map_err(Error::ssh)?;
        encrypted
            .to_openssh(ssh_key::LineEnding::LF)
            .map_err(Error::ssh)
    }

    /// An encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`, RFC 5958 section
    /// 3): PBES2 (RFC 8018 section 6.2) with PBKDF2-HMAC-SHA256,
    /// 600,000 iterations (OWASP's recommendation) and a random 16-byte salt,
    /// and AES-256-CBC, which `openssl pkey -passin` opens.
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply the salt and
    /// IV; [`Error::Encryption`] if the encryption fails.
    pub fn to_pkcs8_encrypted_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        let salt = random::<16>()?;
        let iv = random::<16>()?;
        let params = pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            PKCS8_PBKDF2_ITERATIONS,
            salt.as_ref(),
            *iv,
        )
        .map_err(|_| Error::Encryption("pbes2 parameters refused"))?;
        let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice())
            .map_err(|_| Error::Encryption("pkcs#8 re-read failed"))?;
        let doc = info
            .encrypt_with_params(params, passphrase)
            .map_err(|_| Error::Encryption("pbes2 encryption failed"))?;
        let pem = doc
            .to_pem(ENCRYPTED_PKCS8_LABEL, der::pem::LineEnding::LF)
            .map_err(|_| Error::Encryption("pem encoding failed"))?;
        Ok(pem)
    }

    /// A PuTTY PPK v3 private-key file (PuTTY manual, appendix C), which
    /// `puttygen` and PuTTY open: unencrypted when `passphrase` is `None`,
    /// otherwise Argon2id (8192 KiB, PuTTY's default, and 21
    /// passes, parallelism 1, a random 16-byte salt)
    /// and AES-256-CBC; an HMAC-SHA-256 MAC over the whole key either way.
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply the salt;
    /// [`Error::Encryption`] if the key derivation fails.
    pub fn to_ppk(&self, comment: &str, passphrase: Option<&[u8]>) -> Result<Zeroizing<String>> {
        let key = self.to_ssh_private_key(comment)?;
        let ssh_key::private::KeypairData::Rsa(rsa) = key.key_data() else {
            return Err(Error::Arithmetic("an rsa key pair encodes as rsa"));
        };
        let public_blob = self.public_key().to_ssh_blob();
        let fields = [
            &rsa.private.d,
            &rsa.private.p,
            &rsa.private.q,
            &rsa.private.iqmp,
        ];
        // Sized up front: growing would leave unwiped copies behind.
        let len: usize = fields.iter().map(|m| m.as_bytes().len() + 4).sum();
        let mut private_blob = Zeroizing::new(Vec::with_capacity(len));
        for m in fields {
            crate::ssh::put_string(&mut private_blob, m.as_bytes());
        }
        ppk::encode("ssh-rsa", comment, &public_blob, &private_blob, passphrase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d_mod_prime_minus_one_small_values() {
        // 100 mod (7 − 1) = 4; p < 2 gives zero.
        assert_eq!(d_mod_prime_minus_one(&[100], &[7]).as_slice(), &[4]);
        assert_eq!(d_mod_prime_minus_one(&[100], &[1]).as_slice(), &[0]);
        assert_eq!(d_mod_prime_minus_one(&[100], &[]).as_slice(), &[0]);
        // Wider than one limb.
        let d = [1u8, 0, 0, 0, 0, 0, 0, 0, 0, 5]; // 2^72 + 5
        let p = [0x10u8, 1]; // 4097, p − 1 = 4096 = 2^12
        assert_eq!(d_mod_prime_minus_one(&d, &p).as_slice(), &[5]);
    }

    #[test]
    fn detects_encryption() {
        assert!(private_key_is_encrypted(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ));
        assert!(private_key_is_encrypted(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA==\n-----END RSA PRIVATE KEY-----\n"
        ));
        assert!(!private_key_is_encrypted(
            "MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0w"
        ));
        assert!(!private_key_is_encrypted(""));
        assert_eq!(
            check_private_key_with_passphrase(
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA==\n-----END RSA PRIVATE KEY-----\n",
                b"x"
            )
            .map(|_| ())
            .unwrap_err()
            .to_string()
            .split(':')
            .next(),
            Some("unsupported encryption")
        );
    }
}
