//! The RSA key pair and its encodings: the API's one-line PKCS#8 base64,
//! PKCS#8 PEM, OpenSSH private-key files, and the `ssh-rsa` public key line.

use core::fmt;

use base64ct::{Base64, Encoding};
use crypto_bigint::BoxedUint;
use der::Encode;
use der::asn1::{OctetStringRef, UintRef};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

// The errors' docs name `Error`'s variants; the code itself only returns it.
#[cfg(doc)]
use crate::Error;
use crate::{Result, md5_fingerprint, num, sha256_fingerprint, ssh};

/// An RSA private key with two primes p > q, as this engine generates it.
///
/// Every component is zeroized when the value is dropped. It is not `Clone`
/// (a copy of a secret must be asked for explicitly), and its `Debug` output
/// shows only the public key's fingerprint.
pub struct RsaKeyPair {
    n: BoxedUint,
    e: BoxedUint,
    d: BoxedUint,
    p: BoxedUint,
    q: BoxedUint,
    dp: BoxedUint,
    dq: BoxedUint,
    qinv: BoxedUint,
}

impl RsaKeyPair {
    /// Assembles a key from its components; the caller guarantees them.
    #[expect(clippy::too_many_arguments, reason = "the eight RSAPrivateKey fields")]
    pub(crate) fn from_parts(
        n: BoxedUint,
        e: BoxedUint,
        d: BoxedUint,
        p: BoxedUint,
        q: BoxedUint,
        dp: BoxedUint,
        dq: BoxedUint,
        qinv: BoxedUint,
    ) -> Self {
        Self {
            n,
            e,
            d,
            p,
            q,
            dp,
            dq,
            qinv,
        }
    }

    /// The public half.
    #[must_use]
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey::from_be_bytes(&be_trimmed(&self.n), &be_trimmed(&self.e))
    }

    /// The two-prime PKCS#1 `RSAPrivateKey` DER (RFC 8017 A.1.2, version 0).
    ///
    /// # Errors
    ///
    /// [`Error::Der`] if encoding fails, which it does not for a valid key.
    pub fn to_pkcs1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let parts = [
            &self.n, &self.e, &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qinv,
        ]
        .map(|v| Zeroizing::new(be_trimmed(v)));
        let uint = |i: usize| UintRef::new(&parts[i]);
        let pkcs1 = pkcs1::RsaPrivateKey {
            modulus: uint(0)?,
            public_exponent: uint(1)?,
            private_exponent: uint(2)?,
            prime1: uint(3)?,
            prime2: uint(4)?,
            exponent1: uint(5)?,
            exponent2: uint(6)?,
            coefficient: uint(7)?,
            other_prime_infos: None,
        };
        Ok(Zeroizing::new(pkcs1.to_der()?))
    }

    /// The PKCS#1 PEM (`RSA PRIVATE KEY`, as `openssl genrsa -traditional`
    /// writes it), LF line endings, unencrypted.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::to_pkcs1_der`].
    pub fn to_pkcs1_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs1_der()?;
        let pem = der::pem::encode_string("RSA PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map_err(der::Error::from)?;
        Ok(Zeroizing::new(pem))
    }

    /// The PKCS#8 `PrivateKeyInfo` DER (RFC 5208 §5: version 0,
    /// rsaEncryption with NULL parameters) wrapping a version-0 two-prime
    /// PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2).
    ///
    /// # Errors
    ///
    /// [`Error::Der`] if encoding fails, which it does not for a valid key.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let inner = self.to_pkcs1_der()?;
        let info = pkcs8::PrivateKeyInfoRef {
            algorithm: pkcs8::AlgorithmIdentifierRef {
                oid: pkcs1::ALGORITHM_OID,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            private_key: OctetStringRef::new(&inner)?,
            public_key: None,
        };
        Ok(Zeroizing::new(info.to_der()?))
    }

    /// The API's `privateKey`: the PKCS#8 DER of [`RsaKeyPair::to_pkcs8_der`]
    /// as one line of standard padded base64, with no PEM armour and no
    /// newline. For RSA-4096 it starts `MII`.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::to_pkcs8_der`].
    pub fn to_api_private_key(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(Base64::encode_string(&der)))
    }

    /// The PKCS#8 PEM (RFC 7468 `PRIVATE KEY`), LF line endings.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::to_pkcs8_der`].
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map_err(der::Error::from)?;
        Ok(Zeroizing::new(pem))
    }

    /// An unencrypted OpenSSH private-key file (`-----BEGIN OPENSSH PRIVATE
    /// KEY-----`), as `ssh-keygen` writes and `ssh -i` reads.
    ///
    /// # Errors
    ///
    /// [`Error::Ssh`] if the encoder refuses the key.
    pub fn to_openssh(&self, comment: &str) -> Result<Zeroizing<String>> {
        let key = self.to_ssh_private_key(comment)?;
        Ok(key.to_openssh(ssh_key::LineEnding::LF)?)
    }

    /// The key as ssh-key's private key (unencrypted), for the encoders
    /// built on it (encrypted OpenSSH files, PuTTY PPK).
    pub(crate) fn to_ssh_private_key(&self, comment: &str) -> Result<ssh_key::PrivateKey> {
        let mpint = |v: &BoxedUint| {
            let bytes = Zeroizing::new(be_trimmed(v));
            ssh_key::Mpint::from_positive_bytes(&bytes)
        };
        let keypair = ssh_key::private::RsaKeypair {
            public: ssh_key::public::RsaPublicKey {
                e: mpint(&self.e)?,
                n: mpint(&self.n)?,
            },
            private: ssh_key::private::RsaPrivateKey {
                d: mpint(&self.d)?,
                iqmp: mpint(&self.qinv)?,
                p: mpint(&self.p)?,
                q: mpint(&self.q)?,
            },
        };
        Ok(ssh_key::PrivateKey::new(
            ssh_key::private::KeypairData::Rsa(keypair),
            comment,
        )?)
    }

    /// Everything the API's create response needs, encoded.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::to_pkcs8_der`].
    pub fn to_encoded(&self) -> Result<EncodedKeyPair> {
        let public = self.public_key();
        Ok(EncodedKeyPair {
            public_key: public.to_openssh(),
            fingerprint: public.sha256_fingerprint(),
            private_key: self.to_api_private_key()?,
        })
    }

    /// Constant-time equality of every component.
    #[must_use]
    pub fn ct_eq(&self, other: &Self) -> Choice {
        let eq = |a: &BoxedUint, b: &BoxedUint| -> Choice {
            if a.bits_precision() == b.bits_precision() {
                a.ct_eq(b)
            } else {
                // Precision is public (it follows the key size).
                Choice::from(0)
            }
        };
        eq(&self.n, &other.n)
            & eq(&self.e, &other.e)
            & eq(&self.d, &other.d)
            & eq(&self.p, &other.p)
            & eq(&self.q, &other.q)
            & eq(&self.dp, &other.dp)
            & eq(&self.dq, &other.dq)
            & eq(&self.qinv, &other.qinv)
    }
}

impl Zeroize for RsaKeyPair {
    /// Overwrites every component, public ones included, with zero.
    fn zeroize(&mut self) {
        for v in [
            &mut self.n,
            &mut self.e,
            &mut self.d,
            &mut self.p,
            &mut self.q,
            &mut self.dp,
            &mut self.dq,
            &mut self.qinv,
        ] {
            v.zeroize();
        }
    }
}

impl Drop for RsaKeyPair {
    #[inline(never)]
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for RsaKeyPair {}

impl fmt::Debug for RsaKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKeyPair")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// Minimal big-endian bytes of a value (at least one byte). Lengths are
/// public (they follow the key size), so trimming leaks nothing secret
/// beyond the byte length that DER publishes anyway.
fn be_trimmed(v: &BoxedUint) -> Vec<u8> {
    let full = Zeroizing::new(v.to_be_bytes());
    match num::strip_leading_zeros(&full) {
        // Zero is one zero byte, as DER's INTEGER needs one content byte.
        [] => vec![0],
        trimmed => trimmed.to_vec(),
    }
}

/// An RSA public key (n, e).
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl RsaPublicKey {
    /// Builds a public key from big-endian modulus and exponent bytes
    /// (leading zero bytes are ignored).
    #[must_use]
    pub fn from_be_bytes(n: &[u8], e: &[u8]) -> Self {
        Self {
            n: num::strip_leading_zeros(n).to_vec(),
            e: num::strip_leading_zeros(e).to_vec(),
        }
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> u32 {
        num::bit_len(&self.n)
    }

    /// The RFC 4253 §6.6 blob: string "ssh-rsa", mpint e, mpint n, where an
    /// mpint (RFC 4251 §5) is big-endian two's complement, minimal, with a
    /// leading zero byte when the top bit is set.
    #[must_use]
    pub fn to_ssh_blob(&self) -> Vec<u8> {
        // By the crate's wire writer rather than through ssh-key: the blob
        // is three length-prefixed fields, and this way it cannot fail.
        let mut out = ssh::Writer::with_capacity(self.n.len() + self.e.len() + 24);
        out.put_string(b"ssh-rsa")
            .put_mpint(&self.e)
            .put_mpint(&self.n);
        out.into_bytes()
    }

    /// The OpenSSH public key line `ssh-rsa <base64>`, without a comment or
    /// newline: the API's `publicKey` (724 characters for RSA-4096, e = 65537).
    #[must_use]
    pub fn to_openssh(&self) -> String {
        format!("ssh-rsa {}", Base64::encode_string(&self.to_ssh_blob()))
    }

    /// `SHA256:…` fingerprint, as `ssh-keygen -l -E sha256` prints it.
    #[must_use]
    pub fn sha256_fingerprint(&self) -> String {
        sha256_fingerprint(&self.to_ssh_blob())
    }

    /// MD5 colon-hex fingerprint, as `ssh-keygen -l -E md5` prints it
    /// (without the `MD5:` prefix).
    #[must_use]
    pub fn md5_fingerprint(&self) -> String {
        md5_fingerprint(&self.to_ssh_blob())
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("fingerprint", &self.sha256_fingerprint())
            .finish()
    }
}

/// A generated key pair in the create response's encodings.
///
/// The private key is zeroized on drop and redacted in `Debug`.
pub struct EncodedKeyPair {
    /// `ssh-rsa <base64>`, no comment, no newline.
    pub public_key: String,
    /// One line of base64 PKCS#8 DER.
    pub private_key: Zeroizing<String>,
    /// `SHA256:…` fingerprint of the public key.
    pub fingerprint: String,
}

impl fmt::Debug for EncodedKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedKeyPair")
            .field("public_key", &self.public_key)
            .field("private_key", &"[REDACTED]")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn key(seed: u8) -> RsaKeyPair {
        RsaKeyPair::generate(&mut chacha20::ChaCha20Rng::from_seed([seed; 32])).unwrap()
    }

    #[test]
    fn zeroize_clears_every_component_and_debug_is_redacted() {
        let mut k = key(7);
        let same = key(7);
        assert!(bool::from(k.ct_eq(&same)), "same seed, same key");

        let debug = format!("{k:?} {:?}", k.to_encoded().unwrap());
        let private = k.to_api_private_key().unwrap();
        // No 16-character run of the secret part of the private key's base64
        // (past the header, n and e, which end before character 760) shows up.
        for window in private.as_bytes()[760..].chunks_exact(16) {
            let window = core::str::from_utf8(window).unwrap();
            assert!(!debug.contains(window), "{window} leaked into Debug");
        }
        for v in [&k.d, &k.p, &k.q] {
            let hex: String = v
                .to_be_bytes()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(!debug.to_lowercase().contains(&hex));
        }
        assert!(debug.contains("[REDACTED]") && debug.contains("SHA256:"));

        k.zeroize();
        for v in [&k.n, &k.e, &k.d, &k.p, &k.q, &k.dp, &k.dq, &k.qinv] {
            assert!(bool::from(v.is_zero()), "component left non-zero");
        }
        assert!(
            !bool::from(k.ct_eq(&same)),
            "a cleared key differs from the original"
        );
    }

    #[test]
    fn ct_eq_distinguishes_keys() {
        // Build a second key from the first one's primes with another
        // component changed, so the test needs only one generation.
        let a = key(9);
        let b = RsaKeyPair::from_parts(
            a.n.clone(),
            a.e.clone(),
            a.d.clone(),
            a.p.clone(),
            a.q.clone(),
            a.dp.clone(),
            a.dq.clone(),
            a.qinv.wrapping_add(BoxedUint::one()),
        );
        assert!(!bool::from(a.ct_eq(&b)));
        let c = RsaKeyPair::from_parts(
            a.n.clone(),
            a.e.clone(),
            a.d.clone(),
            a.p.clone(),
            a.q.clone(),
            a.dp.clone(),
            a.dq.clone(),
            a.qinv.clone(),
        );
        assert!(bool::from(a.ct_eq(&c)));
    }
}
