//! The private-key check: parse a key in the API's form (or PEM) and verify
//! every relation between its fields, naming each one that fails.

use core::fmt;

use crypto_bigint::{BoxedUint, ConcatenatingMul, Lcm, NonZero, Odd, Resize};
use der::{Decode, Encode};
use zeroize::Zeroizing;

use crate::keypair::RsaPublicKey;
use crate::num::{bit_len, distance_above, widened};
use crate::params::{MODULUS_BITS, PUBLIC_EXPONENT};

/// The largest modulus the checker examines. Primality tests on larger keys
/// would let a caller buy seconds of CPU with a few kilobytes of input.
pub const MAX_CHECKED_MODULUS_BITS: u32 = 16_384;

/// The smallest modulus the checker calls sound.
pub const MIN_SOUND_MODULUS_BITS: u32 = 2048;

mod name;

pub use name::{CheckName, UnknownCheckName};

/// The outcome of one named check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct Check {
    pub(crate) name: CheckName,
    pub(crate) passed: bool,
    pub(crate) fatal: bool,
    pub(crate) detail: String,
}

impl Check {
    /// Which check this is; [`CheckName::as_str`] is its stable name.
    #[must_use]
    pub fn name(&self) -> CheckName {
        self.name
    }

    /// Whether the key passed it.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// Whether failing it makes the key unusable (`true`) or only means the
    /// key is laid out differently from the API's own keys (`false`).
    #[must_use]
    pub fn fatal(&self) -> bool {
        self.fatal
    }

    /// What was checked, or why it failed: lowercase, never key material.
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// How the input was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum PrivateKeyFormat {
    /// One line of base64 PKCS#8 DER, as the API returns it.
    ApiBase64,
    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8, RFC 7468).
    Pkcs8Pem,
    /// `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1).
    Pkcs1Pem,
    /// Binary DER (PKCS#8 or PKCS#1).
    Der,
    /// `-----BEGIN OPENSSH PRIVATE KEY-----` (OpenSSH PROTOCOL.key), as
    /// `ssh-keygen` writes it, encrypted or not.
    Openssh,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8 with PBES2).
    EncryptedPkcs8Pem,
    /// A PuTTY PPK version 3 file, encrypted or not.
    Ppk,
}

/// Everything the check found. No private material is kept.
///
/// With the `serde` feature it serialises as the CLI's JSON report does:
/// `format`, `bits`, `publicKey` (the `ssh-rsa` line), `fingerprint`,
/// `sound` and `checks` (each `name`, `passed`, `fatal`, `detail`); it
/// deserialises from the same, `fingerprint` and `sound` being derived.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct PrivateKeyReport {
    pub(crate) format: Option<PrivateKeyFormat>,
    pub(crate) bits: Option<u32>,
    pub(crate) public_key: Option<RsaPublicKey>,
    pub(crate) checks: Vec<Check>,
}

impl PrivateKeyReport {
    /// True when no fatal check failed.
    #[must_use]
    pub fn is_sound(&self) -> bool {
        !self.checks.iter().any(|c| c.fatal && !c.passed)
    }

    /// The checks that failed, fatal or not.
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The input's encoding, when it could be recognised.
    #[must_use]
    pub fn format(&self) -> Option<PrivateKeyFormat> {
        self.format
    }

    /// Modulus size in bits, when the key could be parsed.
    #[must_use]
    pub fn bits(&self) -> Option<u32> {
        self.bits
    }

    /// The public key (n, e) read from the private key, when it parsed.
    #[must_use]
    pub fn public_key(&self) -> Option<&RsaPublicKey> {
        self.public_key.as_ref()
    }

    /// Every check that ran, in order.
    #[must_use]
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The check of this name, if it ran.
    #[must_use]
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// A report with nothing found yet.
    pub(crate) fn empty() -> Self {
        Self {
            format: None,
            bits: None,
            public_key: None,
            checks: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        name: CheckName,
        passed: bool,
        fatal: bool,
        detail: impl Into<String>,
    ) {
        self.checks.push(Check {
            name,
            passed,
            fatal,
            detail: detail.into(),
        });
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PrivateKeyReport {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("PrivateKeyReport", 6)?;
        s.serialize_field("format", &self.format)?;
        s.serialize_field("bits", &self.bits)?;
        s.serialize_field("publicKey", &self.public_key)?;
        s.serialize_field(
            "fingerprint",
            &self
                .public_key
                .as_ref()
                .map(RsaPublicKey::sha256_fingerprint),
        )?;
        s.serialize_field("sound", &self.is_sound())?;
        s.serialize_field("checks", &self.checks)?;
        s.end()
    }
}

impl fmt::Debug for PrivateKeyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyReport")
            .field("format", &self.format)
            .field("bits", &self.bits)
            .field("public_key", &self.public_key)
            .field("checks", &self.checks)
            .finish()
    }
}

/// Checks a private key given as binary DER: PKCS#8 `PrivateKeyInfo`, or a
/// bare PKCS#1 `RSAPrivateKey`. See [`check_private_key`](crate::check_private_key) for the checks.
#[must_use]
pub fn check_private_key_der(der: &[u8]) -> PrivateKeyReport {
    let mut report = PrivateKeyReport {
        format: Some(PrivateKeyFormat::Der),
        bits: None,
        public_key: None,
        checks: Vec::new(),
    };
    report.push(CheckName::Encoding, true, true, "binary der");
    if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
        check_pkcs8(der, &mut report);
    } else {
        check_pkcs1(der, &mut report);
    }
    report
}

pub(crate) fn check_pkcs8(der: &[u8], report: &mut PrivateKeyReport) {
    let info = match pkcs8::PrivateKeyInfoRef::from_der(der) {
        Ok(info) => info,
        Err(e) => {
            report.push(
                CheckName::DerCanonical,
                false,
                true,
                format!("not a pkcs#8 PrivateKeyInfo: {e}"),
            );
            return;
        }
    };
    let reencoded = info.to_der().map(Zeroizing::new);
    let canonical = reencoded.as_ref().is_ok_and(|r| r.as_slice() == der);
    if !canonical {
        report.push(
            CheckName::DerCanonical,
            false,
            true,
            "PrivateKeyInfo does not re-encode to the same bytes",
        );
        return;
    }
    let oid_ok = info.algorithm.oid == pkcs1::ALGORITHM_OID;
    let params_null = info.algorithm.parameters == Some(der::asn1::AnyRef::NULL);
    let v0 = info.public_key.is_none();
    report.push(
        CheckName::Pkcs8Algorithm,
        oid_ok && params_null && v0,
        true,
        if oid_ok && params_null && v0 {
            "version 0, rsaEncryption with NULL parameters".to_string()
        } else {
            format!(
                "expected version 0 and rsaEncryption with NULL parameters; got algorithm {}, {}, {}",
                info.algorithm.oid,
                if params_null { "NULL parameters" } else { "non-NULL parameters" },
                if v0 { "version 0" } else { "version 1 (with public key)" }
            )
        },
    );
    if !oid_ok {
        return;
    }
    check_pkcs1(info.private_key.as_bytes(), report);
}

/// A key's integers, all at one precision, zeroized on drop.
struct Fields {
    n: Zeroizing<BoxedUint>,
    e: Zeroizing<BoxedUint>,
    d: Zeroizing<BoxedUint>,
    p: Zeroizing<BoxedUint>,
    q: Zeroizing<BoxedUint>,
    dp: Zeroizing<BoxedUint>,
    dq: Zeroizing<BoxedUint>,
    qinv: Zeroizing<BoxedUint>,
}

pub(crate) fn check_pkcs1(der: &[u8], report: &mut PrivateKeyReport) {
    let key = match pkcs1::RsaPrivateKeyRef::from_der(der) {
        Ok(key) => key,
        Err(e) => {
            report.push(
                CheckName::DerCanonical,
                false,
                true,
                format!("not a pkcs#1 RSAPrivateKey: {e}"),
            );
            return;
        }
    };
    let canonical = key
        .to_der()
        .map(Zeroizing::new)
        .is_ok_and(|r| r.as_slice() == der);
    report.push(
        CheckName::DerCanonical,
        canonical,
        true,
        if canonical {
            "well-formed der"
        } else {
            "RSAPrivateKey does not re-encode to the same bytes"
        },
    );
    let two_prime = key.other_prime_infos.is_none();
    report.push(
        CheckName::Pkcs1Version,
        two_prime,
        true,
        if two_prime {
            "version 0, two primes"
        } else {
            "multi-prime keys are not supported"
        },
    );
    if !canonical || !two_prime {
        return;
    }
    let n_bytes = key.modulus.as_bytes();
    let n_bits = bit_len(n_bytes);
    report.bits = Some(n_bits);
    report.public_key = Some(RsaPublicKey::from_be_bytes(
        n_bytes,
        key.public_exponent.as_bytes(),
    ));
    if !(MIN_SOUND_MODULUS_BITS..=MAX_CHECKED_MODULUS_BITS).contains(&n_bits) {
        report.push(
            CheckName::ModulusSize,
            false,
            true,
            format!(
                "modulus has {n_bits} bits; accepted {MIN_SOUND_MODULUS_BITS} to {MAX_CHECKED_MODULUS_BITS}"
            ),
        );
        return;
    }
    // One precision for every field, rounded up to whole 64-bit limbs; a
    // field longer than the modulus is itself a failure.
    let precision = n_bits.div_ceil(64) * 64;
    let parts = [
        ("n", key.modulus),
        ("e", key.public_exponent),
        ("d", key.private_exponent),
        ("p", key.prime1),
        ("q", key.prime2),
        ("dp", key.exponent1),
        ("dq", key.exponent2),
        ("qinv", key.coefficient),
    ];
    let mut values = Vec::with_capacity(8);
    let mut oversized = Vec::new();
    for (name, v) in parts {
        if bit_len(v.as_bytes()) > n_bits {
            oversized.push(name);
            values.push(Zeroizing::new(BoxedUint::zero_with_precision(precision)));
        } else {
            values.push(Zeroizing::new(
                BoxedUint::from_be_slice_vartime(v.as_bytes()).resize(precision),
            ));
        }
    }
    report.push(
        CheckName::ModulusSize,
        oversized.is_empty() && n_bytes.last().is_some_and(|b| b & 1 == 1),
        true,
        if oversized.is_empty() {
            format!("{n_bits}-bit modulus")
        } else {
            format!("fields longer than the modulus: {}", oversized.join(", "))
        },
    );
    if !oversized.is_empty() {
        return;
    }
    let mut it = values.into_iter();
    let mut next = || {
        it.next()
            .unwrap_or_else(|| Zeroizing::new(BoxedUint::zero()))
    };
    let f = Fields {
        n: next(),
        e: next(),
        d: next(),
        p: next(),
        q: next(),
        dp: next(),
        dq: next(),
        qinv: next(),
    };
    check_arithmetic(&f, n_bits, precision, report);
}

fn check_arithmetic(f: &Fields, n_bits: u32, precision: u32, report: &mut PrivateKeyReport) {
    let one = BoxedUint::one_with_precision(precision);
    let wide = 2 * precision;

    // e: odd, 3 ≤ e < n.
    let e_ok = f.e.bit_vartime(0) && *f.e >= BoxedUint::from(3u32).resize(precision) && *f.e < *f.n;
    report.push(
        CheckName::PublicExponent,
        e_ok,
        true,
        if e_ok {
            "odd, at least 3, below n"
        } else {
            "e must be odd, at least 3 and below n"
        },
    );

    // n = p·q.
    let pq = Zeroizing::new(f.p.concatenating_mul(&*f.q));
    let n_eq = *pq == *widened(&f.n, wide);
    report.push(
        CheckName::NEqualsPq,
        n_eq,
        true,
        if n_eq {
            "n = p·q"
        } else {
            "n ≠ p·q: the primes do not belong to this modulus"
        },
    );

    // Primality: Baillie–PSW (Miller–Rabin base 2 and a strong Lucas test).
    let p_prime = crypto_primes::is_prime(crypto_primes::Flavor::Any, &*f.p);
    let q_prime = crypto_primes::is_prime(crypto_primes::Flavor::Any, &*f.q);
    report.push(
        CheckName::PPrime,
        p_prime,
        true,
        if p_prime {
            "p is a probable prime (baillie-psw)"
        } else {
            "p is composite"
        },
    );
    report.push(
        CheckName::QPrime,
        q_prime,
        true,
        if q_prime {
            "q is a probable prime (baillie-psw)"
        } else {
            "q is composite"
        },
    );

    let half = n_bits.div_ceil(2);
    let (pb, qb) = (f.p.bit_width_vartime(), f.q.bit_width_vartime());
    let sizes = pb == half && qb == half;
    report.push(
        CheckName::PrimeSizes,
        sizes,
        true,
        format!("p has {pb} bits, q has {qb} bits; expected {half} each"),
    );

    let min_log2 = half.saturating_sub(100);
    report.push(
        CheckName::PrimeDistance,
        distance_above(&f.p, &f.q, min_log2),
        true,
        format!("|p − q| must exceed 2^{min_log2} (fips 186-5 a.1.3)"),
    );

    if !(p_prime && q_prime) || f.p.is_zero().into() || f.q.is_zero().into() {
        return;
    }
    let p1 = Zeroizing::new(f.p.wrapping_sub(&one));
    let q1 = Zeroizing::new(f.q.wrapping_sub(&one));
    let (Some(p1_nz), Some(q1_nz)) = (
        NonZero::new((*p1).clone())
            .into_option()
            .map(Zeroizing::new),
        NonZero::new((*q1).clone())
            .into_option()
            .map(Zeroizing::new),
    ) else {
        return;
    };
    let lambda = Zeroizing::new(widened(&p1, wide).lcm(&widened(&q1, wide)).resize(wide));
    let Some(lambda_nz) = NonZero::new((*lambda).clone()).into_option() else {
        return;
    };
    let lambda_nz = Zeroizing::new(lambda_nz);
    let ed = Zeroizing::new(f.e.concatenating_mul(&*f.d));
    let ed_mod = Zeroizing::new(ed.rem(&lambda_nz));
    let inverse = *ed_mod == BoxedUint::one_with_precision(wide);
    report.push(
        CheckName::EDInverse,
        inverse,
        true,
        if inverse {
            "e·d ≡ 1 mod λ(n)"
        } else {
            "e·d ≢ 1 mod λ(n): d does not invert e"
        },
    );

    // RFC 8017 section 3.2 requires d < n as well: a d grown by a multiple
    // of λ(n) still inverts e, but it is not an RSA private exponent, and
    // other implementations refuse to load it.
    let d_in_range = f.d.bit_width_vartime() > half && *f.d < *f.n;
    report.push(
        CheckName::DSize,
        d_in_range,
        true,
        format!("d must exceed 2^{half} (fips 186-5 a.1.1) and be below n (rfc 8017 3.2)"),
    );

    let dp_ok = *f.dp == f.d.rem(&p1_nz);
    report.push(
        CheckName::Dp,
        dp_ok,
        true,
        if dp_ok {
            "dP = d mod (p − 1)"
        } else {
            "dP ≠ d mod (p − 1)"
        },
    );
    let dq_ok = *f.dq == f.d.rem(&q1_nz);
    report.push(
        CheckName::Dq,
        dq_ok,
        true,
        if dq_ok {
            "dQ = d mod (q − 1)"
        } else {
            "dQ ≠ d mod (q − 1)"
        },
    );

    let qinv_ok = Odd::new((*f.p).clone()).into_option().is_some_and(|p_odd| {
        let p_odd = Zeroizing::new(p_odd);
        *f.qinv < *f.p
            && f.q
                .invert_odd_mod(&p_odd)
                .into_option()
                .map(Zeroizing::new)
                .is_some_and(|inv| *inv == *f.qinv)
    });
    report.push(
        CheckName::Qinv,
        qinv_ok,
        true,
        if qinv_ok {
            "qInv = q⁻¹ mod p"
        } else {
            "qInv ≠ q⁻¹ mod p"
        },
    );

    let reduced = *widened(&f.d, wide) < *lambda;
    report.push(
        CheckName::DReducedModLambda,
        reduced,
        false,
        if reduced {
            "d < λ(n), as in the api's keys"
        } else {
            "d is not reduced mod λ(n) (perhaps mod φ(n)): valid, but not the api's layout"
        },
    );
    let p_gt_q = *f.p > *f.q;
    report.push(
        CheckName::PGreaterThanQ,
        p_gt_q,
        false,
        if p_gt_q {
            "p > q, as in the api's keys"
        } else {
            "p < q: valid, but not the api's layout"
        },
    );
    let is_4096 = n_bits == MODULUS_BITS
        && *f.e == BoxedUint::from(u64::from(PUBLIC_EXPONENT)).resize(precision);
    report.push(
        CheckName::Modulus4096,
        is_4096,
        false,
        format!("the api generates 4096-bit keys with e = {PUBLIC_EXPONENT}"),
    );
}
