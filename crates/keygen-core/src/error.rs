//! The error type of key generation and encoding.

use core::fmt;

/// Result alias for this crate's fallible operations.
pub type Result<T> = core::result::Result<T, Error>;

/// Why generating or encoding a key failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random number generator failed.
    Rng(getrandom::Error),
    /// DER encoding or decoding failed.
    Der(der::Error),
    /// The OpenSSH private-key encoder failed.
    Ssh(ssh_key::Error),
    /// An arithmetic invariant that cannot fail for valid inputs did fail.
    Arithmetic(&'static str),
    /// The requested option needs something this machine lacks.
    Unsupported(&'static str),
    /// Encrypting a private-key file with a passphrase failed.
    Encryption(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rng(e) => write!(f, "operating system random number generator failed: {e}"),
            Self::Der(e) => write!(f, "der encoding failed: {e}"),
            Self::Ssh(e) => write!(f, "openssh encoding failed: {e}"),
            Self::Arithmetic(what) => write!(f, "arithmetic invariant failed: {what}"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::Encryption(what) => write!(f, "private key encryption failed: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rng(e) => Some(e),
            Self::Der(e) => Some(e),
            Self::Ssh(e) => Some(e),
            Self::Arithmetic(_) | Self::Unsupported(_) | Self::Encryption(_) => None,
        }
    }
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Self::Der(e)
    }
}

impl From<ssh_key::Error> for Error {
    fn from(e: ssh_key::Error) -> Self {
        Self::Ssh(e)
    }
}
