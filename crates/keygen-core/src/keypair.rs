//! The RSA key pair and its encodings: the API's one-line PKCS#8 base64,
//! PKCS#8 PEM, OpenSSH private-key files, and the `ssh-rsa` public key line.

use core::fmt;
use core::str::FromStr;

use base64ct::{Base64, Encoding};
use crypto_bigint::BoxedUint;
use der::Encode;
use der::asn1::{OctetStringRef, UintRef};
use rand_core::{CryptoRng, SeedableRng};
use subtle::{Choice, ConstantTimeEq};

use crate::error::KeyParseError;
use zeroize::{Zeroize, Zeroizing};

use crate::generate::{self, GenerateOptions, GenerationStats};
use crate::{Error, Result, md5_fingerprint, sha256_fingerprint};

/// An RSA private key with two primes p > q, as this engine generates it.
///
/// Every component is zeroized when the value is dropped. It is not `Clone`
/// (a copy of a secret must be asked for explicitly), and its `Debug` output
/// shows only the public key's fingerprint. Equality (`==`, or
/// [`RsaKeyPair::ct_eq`]) compares every component in constant time.
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
    /// Generates an RSA-4096 key pair (e = 65537) from `rng`, meeting FIPS
    /// 186-5 appendix A.1.3; `d` is reduced modulo λ(n) and p > q.
    ///
    /// # Errors
    ///
    /// Only on an internal arithmetic failure, which valid primes rule out.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Ok(generate::generate_with_stats(rng, &GenerateOptions::default())?.0)
    }

    /// Like [`RsaKeyPair::generate`], and also reports how many primality
    /// tests the search ran: with a seeded `rng` this count is exact and
    /// repeatable, a measure of cost that machine noise does not blur.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::generate`].
    pub fn generate_with_stats<R: CryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Result<(Self, GenerationStats)> {
        generate::generate_with_stats(rng, &GenerateOptions::default())
    }

    /// Like [`RsaKeyPair::generate_with_stats`], choosing how the primes are
    /// searched: on several threads at once (the first thread to find each
    /// prime wins, so a seeded `rng` no longer gives a repeatable key), or on
    /// the portable search whatever the CPU has.
    ///
    /// # Errors
    ///
    /// As [`RsaKeyPair::generate`].
    pub fn generate_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        options: &GenerateOptions,
    ) -> Result<(Self, GenerationStats)> {
        generate::generate_with_stats(rng, options)
    }

    /// Generates a key pair from the operating system's CSPRNG.
    ///
    /// 32 bytes are read from the OS (`getrandom`) for each key and expanded
    /// with ChaCha20, whose state is zeroized afterwards; a failure of the
    /// OS source is reported rather than ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply randomness.
    pub fn generate_os() -> Result<Self> {
        Self::generate_os_with(&GenerateOptions::default())
    }

    /// [`RsaKeyPair::generate_os`] with a choice of search (threads, or the
    /// portable search).
    ///
    /// # Errors
    ///
    /// [`Error::Rng`] when the operating system cannot supply randomness.
    pub fn generate_os_with(options: &GenerateOptions) -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(Error::rng)?;
        let mut rng = chacha20::ChaCha20Rng::from_seed(*seed);
        Ok(Self::generate_with(&mut rng, options)?.0)
    }

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
    /// [`Error::Encoding`] if encoding fails, which it does not for a valid key.
    pub fn to_pkcs1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let parts = [
            &self.n, &self.e, &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qinv,
        ]
        .map(|v| Zeroizing::new(be_trimmed(v)));
        let uint = |i: usize| UintRef::new(&parts[i]).map_err(Error::der);
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
        Ok(Zeroizing::new(pkcs1.to_der().map_err(Error::der)?))
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
            .map_err(Error::der)?;
        Ok(Zeroizing::new(pem))
    }

    /// The PKCS#8 `PrivateKeyInfo` DER (RFC 5208 §5: version 0,
    /// rsaEncryption with NULL parameters) wrapping a version-0 two-prime
    /// PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2).
    ///
    /// # Errors
    ///
    /// [`Error::Encoding`] if encoding fails, which it does not for a valid key.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let inner = self.to_pkcs1_der()?;
        let info = pkcs8::PrivateKeyInfoRef {
            algorithm: pkcs8::AlgorithmIdentifierRef {
                oid: pkcs1::ALGORITHM_OID,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            private_key: OctetStringRef::new(&inner).map_err(Error::der)?,
            public_key: None,
        };
        Ok(Zeroizing::new(info.to_der().map_err(Error::der)?))
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
            .map_err(Error::der)?;
        Ok(Zeroizing::new(pem))
    }

    /// An unencrypted OpenSSH private-key file (`-----BEGIN OPENSSH PRIVATE
    /// KEY-----`), as `ssh-keygen` writes and `ssh -i` reads.
    ///
    /// # Errors
    ///
    /// [`Error::Encoding`] if the encoder refuses the key.
    pub fn to_openssh(&self, comment: &str) -> Result<Zeroizing<String>> {
        let key = self.to_ssh_private_key(comment)?;
        key.to_openssh(ssh_key::LineEnding::LF).map_err(Error::ssh)
    }

    /// The key as ssh-key's private key (unencrypted), for the encoders
    /// built on it (encrypted OpenSSH files, PuTTY PPK).
    pub(crate) fn to_ssh_private_key(&self, comment: &str) -> Result<ssh_key::PrivateKey> {
        let mpint = |v: &BoxedUint| {
            let bytes = Zeroizing::new(be_trimmed(v));
            ssh_key::Mpint::from_positive_bytes(&bytes).map_err(Error::ssh)
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
        ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Rsa(keypair), comment)
            .map_err(Error::ssh)
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

    /// Constant-time equality of every component: the time taken does not
    /// depend on where the keys differ, and only the verdict is revealed.
    #[must_use]
    pub fn ct_eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq_choice(other))
    }

    fn ct_eq_choice(&self, other: &Self) -> Choice {
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

impl PartialEq for RsaKeyPair {
    /// As [`RsaKeyPair::ct_eq`]: constant time.
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for RsaKeyPair {}

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
    let start = full
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(full.len().saturating_sub(1));
    full[start..].to_vec()
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
        let trim = |b: &[u8]| {
            let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
            b[start..].to_vec()
        };
        Self {
            n: trim(n),
            e: trim(e),
        }
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> u32 {
        match self.n.first() {
            None => 0,
            Some(&top) => {
                let len = u32::try_from(self.n.len()).unwrap_or(u32::MAX / 8);
                len * 8 - top.leading_zeros()
            }
        }
    }

    /// The RFC 4253 §6.6 blob: string "ssh-rsa", mpint e, mpint n, where an
    /// mpint (RFC 4251 §5) is big-endian two's complement, minimal, with a
    /// leading zero byte when the top bit is set.
    #[must_use]
    pub fn to_ssh_blob(&self) -> Vec<u8> {
        // Written out rather than through ssh-key: the blob is three
        // length-prefixed fields, and this way it cannot fail.
        fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
            let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(bytes);
        }
        fn put_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
            if magnitude.first().is_some_and(|&b| b & 0x80 != 0) {
                let mut padded = Vec::with_capacity(magnitude.len() + 1);
                padded.push(0);
                padded.extend_from_slice(magnitude);
                put_string(out, &padded);
            } else {
                put_string(out, magnitude);
            }
        }
        let mut out = Vec::with_capacity(self.n.len() + self.e.len() + 24);
        put_string(&mut out, b"ssh-rsa");
        put_mpint(&mut out, &self.e);
        put_mpint(&mut out, &self.n);
        out
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

impl fmt::Display for RsaPublicKey {
    /// The OpenSSH line of [`RsaPublicKey::to_openssh`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_openssh())
    }
}

impl FromStr for RsaPublicKey {
    type Err = KeyParseError;

    /// Reads an OpenSSH `ssh-rsa` line (`ssh-rsa <base64>[ comment]`, the
    /// comment ignored) by its structure alone, as
    /// [`PublicKeyLine::parse_unchecked`](crate::PublicKeyLine::parse_unchecked)
    /// does: no size or weak-key policy. Validate imported keys with
    /// [`PublicKeyLine::new`](crate::PublicKeyLine::new) instead.
    fn from_str(s: &str) -> core::result::Result<Self, KeyParseError> {
        let line = crate::PublicKeyLine::parse_unchecked(s)
            .map_err(|e| KeyParseError::caused_by("not an openssh public key line", e))?;
        let (e, n) = line.rsa_fields().ok_or_else(|| {
            KeyParseError::new(format!(
                "the public key line is {}, not ssh-rsa",
                line.key_type()
            ))
        })?;
        Ok(Self::from_be_bytes(n, e))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RsaPublicKey {
    /// As its OpenSSH line.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_openssh())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RsaPublicKey {
    /// From an OpenSSH `ssh-rsa` line, as [`FromStr`] reads it.
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Self, D::Error> {
        let line = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        line.parse().map_err(serde::de::Error::custom)
    }
}

/// A generated key pair in the create response's encodings.
///
/// The private key is zeroized on drop and redacted in `Debug`. It is not
/// serialisable as such: with the `serde` feature,
/// `EncodedKeyPair::exposing_private_key` gives a value that is, so that
/// writing the private key out is always an explicit decision.
pub struct EncodedKeyPair {
    public_key: String,
    private_key: Zeroizing<String>,
    fingerprint: String,
}

impl EncodedKeyPair {
    /// The API's `publicKey`: `ssh-rsa <base64>`, no comment, no newline.
    #[must_use]
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The API's `privateKey`: one line of base64 PKCS#8 DER.
    #[must_use]
    pub fn private_key(&self) -> &Zeroizing<String> {
        &self.private_key
    }

    /// The `SHA256:…` fingerprint of the public key.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The key pair as the API's create response spells it, private key
    /// included, for serialising (`publicKey`, `privateKey`,
    /// `fingerprint`). The caller takes charge of where the private key
    /// goes.
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn exposing_private_key(&self) -> ExposedKeyPair<'_> {
        ExposedKeyPair { pair: self }
    }
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

/// An [`EncodedKeyPair`] that serialises with its private key, from
/// [`EncodedKeyPair::exposing_private_key`]. Its `Debug` output still
/// redacts the private key.
#[cfg(feature = "serde")]
#[derive(Clone, Copy)]
pub struct ExposedKeyPair<'a> {
    pair: &'a EncodedKeyPair,
}

#[cfg(feature = "serde")]
impl fmt::Debug for ExposedKeyPair<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.pair, f)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ExposedKeyPair<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("KeyPair", 3)?;
        s.serialize_field("publicKey", &self.pair.public_key)?;
        s.serialize_field("privateKey", self.pair.private_key.as_str())?;
        s.serialize_field("fingerprint", &self.pair.fingerprint)?;
        s.end()
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
        assert!(k.ct_eq(&same), "same seed, same key");

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
        assert!(!k.ct_eq(&same), "a cleared key differs from the original");
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
        assert!(!a.ct_eq(&b));
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
        assert!(a.ct_eq(&c));
    }
}
