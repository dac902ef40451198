//! The key types of public key lines (the first token of the line and the
//! leading string of the blob, RFC 4253 section 6.6).

use core::fmt;

use super::curves::Curve;

/// The key types accepted in `publicKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyType {
    /// `ssh-rsa` (RFC 4253 section 6.6).
    Rsa,
    /// `ssh-ed25519` (RFC 8709).
    Ed25519,
    /// `ecdsa-sha2-nistp256` (RFC 5656).
    EcdsaNistp256,
    /// `ecdsa-sha2-nistp384` (RFC 5656).
    EcdsaNistp384,
    /// `ecdsa-sha2-nistp521` (RFC 5656).
    EcdsaNistp521,
    /// `sk-ssh-ed25519@openssh.com`, a FIDO authenticator key (OpenSSH PROTOCOL.u2f).
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`, a FIDO authenticator key (OpenSSH PROTOCOL.u2f).
    SkEcdsaNistp256,
}

impl KeyType {
    /// Every accepted key type.
    pub const ALL: &'static [KeyType] = &[
        KeyType::Rsa,
        KeyType::Ed25519,
        KeyType::EcdsaNistp256,
        KeyType::EcdsaNistp384,
        KeyType::EcdsaNistp521,
        KeyType::SkEd25519,
        KeyType::SkEcdsaNistp256,
    ];

    /// The key type name as it appears in the line and the blob.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "ssh-rsa",
            Self::Ed25519 => "ssh-ed25519",
            Self::EcdsaNistp256 => "ecdsa-sha2-nistp256",
            Self::EcdsaNistp384 => "ecdsa-sha2-nistp384",
            Self::EcdsaNistp521 => "ecdsa-sha2-nistp521",
            Self::SkEd25519 => "sk-ssh-ed25519@openssh.com",
            Self::SkEcdsaNistp256 => "sk-ecdsa-sha2-nistp256@openssh.com",
        }
    }

    /// The key type with this name, if it is accepted.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    pub(super) fn curve(self) -> Option<Curve> {
        match self {
            Self::EcdsaNistp256 | Self::SkEcdsaNistp256 => Some(Curve::P256),
            Self::EcdsaNistp384 => Some(Curve::P384),
            Self::EcdsaNistp521 => Some(Curve::P521),
            Self::Rsa | Self::Ed25519 | Self::SkEd25519 => None,
        }
    }

    pub(super) fn is_sk(self) -> bool {
        matches!(self, Self::SkEd25519 | Self::SkEcdsaNistp256)
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a token names a key type, accepted or not (so that a line whose
/// first token is something else can be recognised as having options).
pub(super) fn looks_like_key_type(token: &str) -> bool {
    KeyType::from_name(token).is_some()
        || token == "ssh-dss"
        || token.starts_with("ssh-")
        || token.starts_with("ecdsa-sha2-")
        || token.starts_with("sk-")
        || token.starts_with("rsa-sha2-")
}
