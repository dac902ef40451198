//! The error types of key generation, encoding and reading keys back.
//!
//! Public variants carry only this crate's own types: the errors of the
//! crates underneath (getrandom, der, ssh-key) are kept privately inside
//! them and reached through [`std::error::Error::source`], so a new major
//! version of one of those crates is not a breaking change of this one.

use core::fmt;

/// Result alias for this crate's fallible operations.
pub type Result<T> = core::result::Result<T, Error>;

/// Why generating or encoding a key failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random number generator failed.
    Rng(RngError),
    /// DER, PEM or OpenSSH encoding failed, which it does not for a valid key.
    Encoding(EncodingError),
    /// An arithmetic invariant that cannot fail for valid inputs did fail.
    Arithmetic(&'static str),
    /// The requested option needs something this machine lacks.
    Unsupported(&'static str),
    /// Encrypting a private-key file with a passphrase failed.
    Encryption(&'static str),
}

impl Error {
    /// The operating system's generator failed.
    pub(crate) fn rng(e: getrandom::Error) -> Self {
        Self::Rng(RngError(e))
    }

    /// A DER or PEM encoder failed.
    pub(crate) fn der(e: impl Into<der::Error>) -> Self {
        Self::Encoding(EncodingError(EncodingSource::Der(e.into())))
    }

    /// The OpenSSH encoder failed.
    pub(crate) fn ssh(e: ssh_key::Error) -> Self {
        Self::Encoding(EncodingError(EncodingSource::Ssh(e)))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rng(e) => write!(f, "operating system random number generator failed: {e}"),
            Self::Encoding(e) => fmt::Display::fmt(e, f),
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
            Self::Encoding(e) => Some(e),
            Self::Arithmetic(_) | Self::Unsupported(_) | Self::Encryption(_) => None,
        }
    }
}

/// The operating system's random number generator failed (the `getrandom`
/// crate's error, reached through [`source`](std::error::Error::source)).
#[derive(Debug)]
pub struct RngError(getrandom::Error);

impl RngError {
    /// The operating system's error code (`errno` on Unix), when the failure
    /// came with one.
    #[must_use]
    pub fn raw_os_error(&self) -> Option<i32> {
        self.0.raw_os_error()
    }
}

impl fmt::Display for RngError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for RngError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// An encoder failed: DER and PEM (the `der` crate) or OpenSSH private-key
/// files (the `ssh-key` crate), whose error is the
/// [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct EncodingError(EncodingSource);

#[derive(Debug)]
enum EncodingSource {
    Der(der::Error),
    Ssh(ssh_key::Error),
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            EncodingSource::Der(e) => write!(f, "der encoding failed: {e}"),
            EncodingSource::Ssh(e) => write!(f, "openssh encoding failed: {e}"),
        }
    }
}

impl std::error::Error for EncodingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            EncodingSource::Der(e) => Some(e),
            EncodingSource::Ssh(e) => Some(e),
        }
    }
}

/// A private or public key could not be read: the input is in none of the
/// formats the reader accepts, or it is one of them but malformed, or the
/// key is not an RSA key. The message names the formats read; the
/// underlying parser's error, when there is one, is the
/// [`source`](std::error::Error::source). Never contains key material.
#[derive(Debug)]
pub struct KeyParseError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl KeyParseError {
    /// An error with a message and no underlying error.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by a parser's error.
    pub(crate) fn caused_by(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// What went wrong, lowercase, without the underlying error's text.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for KeyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for KeyParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn sources_are_kept() {
        let der = Error::der(der::ErrorKind::Length {
            tag: der::Tag::Integer,
        });
        assert!(der.to_string().starts_with("der encoding failed"), "{der}");
        let inner = der.source().expect("the encoding error");
        assert!(inner.source().is_some(), "the der error is the source");

        let parse = KeyParseError::caused_by(
            "not a key",
            EncodingError(EncodingSource::Ssh(ssh_key::Error::FormatEncoding)),
        );
        assert!(parse.to_string().starts_with("not a key: "), "{parse}");
        assert!(parse.source().is_some());
        assert_eq!(KeyParseError::new("plain").source().map(|_| ()), None);
    }
}
