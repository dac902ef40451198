//! The catalogue of the private-key check's named checks.

use core::fmt;
use core::str::FromStr;

/// Declares [`CheckName`] from one table, so that the variant, its stable
/// name and the rustdoc catalogue can never drift apart.
macro_rules! check_names {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $name:literal;
    )*) => {
        /// The name of one check of
        /// [`check_private_key`](crate::check_private_key), in the order the
        /// checks run.
        ///
        /// Names are stable: [`CheckName::as_str`] is what the CLI and the
        /// service print and what the serde feature writes, and clients may
        /// match on it. New checks get new names; a name is never reused.
        ///
        /// | name | what it checks |
        /// |------|----------------|
        $(
            #[doc = concat!("| `", $name, "` | ", $($doc,)* " |")]
        )*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum CheckName {
            $(
                $(#[doc = $doc])*
                $variant,
            )*
        }

        impl CheckName {
            /// Every check, in the order the checks run.
            pub const ALL: &'static [CheckName] = &[$(CheckName::$variant),*];

            /// The stable snake_case name of this check.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(CheckName::$variant => $name,)*
                }
            }
        }
    };
}

check_names! {
    /// The input is readable: base64, PEM, an OpenSSH or a PuTTY file, opened with a passphrase when encrypted.
    Encoding = "encoding";
    /// The key inside an OpenSSH or PuTTY file is an RSA key.
    KeyType = "key_type";
    /// PKCS#8: rsaEncryption with NULL parameters, version 0.
    Pkcs8Algorithm = "pkcs8_algorithm";
    /// The DER is well formed and re-encodes to the same bytes.
    DerCanonical = "der_canonical";
    /// PKCS#1: two primes, version 0.
    Pkcs1Version = "pkcs1_version";
    /// The modulus has a size the checker examines and calls sound (2048 to 16384 bits).
    ModulusSize = "modulus_size";
    /// The public exponent is odd and 3 ≤ e < n.
    PublicExponent = "public_exponent";
    /// n = p·q.
    NEqualsPq = "n_equals_pq";
    /// p is a probable prime (Baillie–PSW).
    PPrime = "p_prime";
    /// q is a probable prime (Baillie–PSW).
    QPrime = "q_prime";
    /// p and q have half the modulus's bits each.
    PrimeSizes = "prime_sizes";
    /// FIPS 186-5 A.1.3: \|p − q\| > 2^(nlen/2 − 100).
    PrimeDistance = "prime_distance";
    /// e·d ≡ 1 mod λ(n).
    EDInverse = "e_d_inverse";
    /// 2^(nlen/2) < d < n.
    DSize = "d_size";
    /// dP = d mod (p − 1).
    Dp = "dp";
    /// dQ = d mod (q − 1).
    Dq = "dq";
    /// qInv·q ≡ 1 mod p.
    Qinv = "qinv";
    /// Not fatal: d is reduced modulo λ(n), as the API's keys are.
    DReducedModLambda = "d_reduced_mod_lambda";
    /// Not fatal: p > q, as in the API's keys.
    PGreaterThanQ = "p_greater_than_q";
    /// Not fatal: the modulus has 4096 bits, as the API's keys do.
    Modulus4096 = "modulus_4096";
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for CheckName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for CheckName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A name that is not one of [`CheckName::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCheckName(String);

impl fmt::Display for UnknownCheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(48).collect();
        write!(f, "unknown check name {shown:?}")
    }
}

impl std::error::Error for UnknownCheckName {}

impl FromStr for CheckName {
    type Err = UnknownCheckName;

    /// The check with this stable name.
    fn from_str(s: &str) -> Result<Self, UnknownCheckName> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCheckName(s.to_owned()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CheckName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CheckName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CheckName::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
            assert_eq!(c.as_str().parse::<CheckName>(), Ok(*c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(CheckName::ALL.len(), 20);
        assert!("no_such_check".parse::<CheckName>().is_err());
        assert_eq!(CheckName::NEqualsPq, "n_equals_pq");
    }
}
