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
}

impl KeyWarning {
    /// A stable snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::RsaModulusBelow3072 => "rsa_modulus_below_3072",
            Self::RsaExponentNot65537 => "rsa_exponent_not_65537",
        }
    }

    /// A lowercase sentence for the user.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::RsaModulusBelow3072 => {
                "the rsa modulus has fewer than 3072 bits; prefer rsa-3072 or larger, or ed25519"
            }
            Self::RsaExponentNot65537 => "the rsa public exponent is not 65537",
        }
    }
}

impl fmt::Display for KeyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}
