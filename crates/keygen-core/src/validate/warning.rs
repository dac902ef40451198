//! Warnings about accepted keys: properties worth telling the user that do
//! not make a key refused (the refusals are in [`super::reason`]).

use core::fmt;

/// A property of an accepted key worth telling the user, which does not
/// make it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyWarning {
    /// The RSA modulus has fewer than 3072 bits (NIST SP 800-57: 2048-bit
    /// RSA is acceptable only until 2030).
    RsaModulusBelow3072,
    /// The RSA public exponent is not 65537.
    RsaExponentNot65537,
    /// The RSA modulus's upper half is biased (too many or too few one
    /// bits) and its lower half is not: a "vanity" key with chosen upper
    /// bits (badkeys' `rsabias`, subtest `vanity`).
    RsaVanityModulus,
    /// The RSA modulus has too many or too few one bits, in its lower half
    /// too (badkeys' `rsabias`): a sign of a faulty generator.
    RsaBitBias,
    /// The RSA modulus holds 16 identical consecutive bytes (badkeys'
    /// `pattern`).
    RsaModulusPattern,
}

impl KeyWarning {
    /// Every warning, in declaration order.
    pub const ALL: &'static [KeyWarning] = &[
        Self::RsaModulusBelow3072,
        Self::RsaExponentNot65537,
        Self::RsaVanityModulus,
        Self::RsaBitBias,
        Self::RsaModulusPattern,
    ];

    /// A stable snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::RsaModulusBelow3072 => "rsa_modulus_below_3072",
            Self::RsaExponentNot65537 => "rsa_exponent_not_65537",
            Self::RsaVanityModulus => "rsa_vanity_modulus",
            Self::RsaBitBias => "rsa_bit_bias",
            Self::RsaModulusPattern => "rsa_modulus_pattern",
        }
    }

    /// The warning with this stable name, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<KeyWarning> {
        Self::ALL.iter().copied().find(|w| w.name() == name)
    }

    /// A lowercase sentence for the user.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::RsaModulusBelow3072 => {
                "the rsa modulus has fewer than 3072 bits; prefer rsa-3072 or larger, or ed25519"
            }
            Self::RsaExponentNot65537 => "the rsa public exponent is not 65537",
            Self::RsaVanityModulus => {
                "the upper half of the rsa modulus has an unusual share of one bits and the lower \
                 half does not: a vanity key with chosen upper bits; fine only if its primes were \
                 generated randomly"
            }
            Self::RsaBitBias => {
                "the rsa modulus has an unusual share of one bits (a random modulus has about half); \
                 its generator may be faulty: prefer a freshly generated key"
            }
            Self::RsaModulusPattern => {
                "the rsa modulus holds 16 identical consecutive bytes, which a random modulus \
                 practically never does: it may be hand-made or corrupted"
            }
        }
    }
}

impl fmt::Display for KeyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut names = std::collections::BTreeSet::new();
        for &w in KeyWarning::ALL {
            assert!(names.insert(w.name()), "duplicate name {}", w.name());
            assert!(
                w.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
            assert_eq!(KeyWarning::from_name(w.name()), Some(w));
            let m = w.message();
            assert!(m.starts_with(|c: char| c.is_ascii_lowercase()) && !m.ends_with('.'));
        }
        assert_eq!(KeyWarning::from_name("nope"), None);
    }
}
