//! The SSH wire format (RFC 4251 section 5): a strict reader and a writer of
//! `uint32`, `string`, `mpint` and `name-list`, shared by the public-key
//! validators, the `ssh-rsa` encoding and the fingerprinting of key lines.
//!
//! Written by hand rather than taken from `ssh-key` because we must refuse
//! what lenient decoders accept and name each failure precisely: a length
//! running past the end, bytes left over after the last field, negative
//! mpints and mpints with unnecessary leading zero bytes (RFC 4251 section 5:
//! "Unnecessary leading bytes with the value 0 or 255 MUST NOT be included").
//! OpenSSH itself strips such zeros, so a blob that round-trips through it
//! may still be refused here, by design: the stored key must be canonical.
//! The writer is the reader's inverse: it cannot fail, and it always writes
//! the canonical form the reader demands.
//!
//! This module knows nothing of the validators' reasons: a failure is a
//! [`WireError`] naming the field, which each user maps to its own error.

use core::fmt;

/// Why a field could not be read. `field` names the field as the caller
/// named it (`"n"`, `"key type"`), for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireError {
    /// The input ends inside the field (its length prefix or its bytes).
    Truncated { field: &'static str },
    /// An `mpint` with its sign bit set.
    MpintNegative { field: &'static str },
    /// An `mpint` with an unnecessary leading zero byte.
    MpintNotMinimal { field: &'static str },
    /// A `name-list` with an empty name, or a byte outside printable
    /// US-ASCII (RFC 4251 section 5: names "MUST NOT be empty" and are
    /// US-ASCII without commas).
    NameListInvalid { field: &'static str },
    /// This many bytes are left after the last field.
    TrailingData { bytes: usize },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { field } => write!(f, "the data ends inside its {field} field"),
            Self::MpintNegative { field } => write!(f, "the {field} mpint is negative"),
            Self::MpintNotMinimal { field } => {
                write!(f, "the {field} mpint has an unnecessary leading zero byte")
            }
            Self::NameListInvalid { field } => {
                write!(f, "the {field} name-list has an empty or non-ascii name")
            }
            Self::TrailingData { bytes } => {
                write!(f, "{bytes} bytes are left over after the last field")
            }
        }
    }
}

/// A cursor over SSH wire data. Every read either returns a whole field or
/// fails without panicking; lengths are checked against what is left before
/// any slicing.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// `uint32`, big-endian (RFC 4251 section 5).
    pub(crate) fn read_u32(&mut self, field: &'static str) -> Result<u32, WireError> {
        let Some((head, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(WireError::Truncated { field });
        };
        self.rest = rest;
        Ok(u32::from_be_bytes(*head))
    }

    /// `string`: a uint32 length and that many bytes (RFC 4251 section 5).
    pub(crate) fn read_string(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let len = self.read_u32(field)?;
        let len = usize::try_from(len).map_err(|_| WireError::Truncated { field })?;
        if len > self.rest.len() {
            return Err(WireError::Truncated { field });
        }
        let (value, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(value)
    }

    /// `mpint`: two's complement, big-endian, minimal (RFC 4251 section 5).
    /// Returns the magnitude of a non-negative value without leading zeros
    /// (empty for zero).
    pub(crate) fn read_mpint(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let bytes = self.read_string(field)?;
        match bytes {
            [] => Ok(bytes),
            [first, ..] if first & 0x80 != 0 => Err(WireError::MpintNegative { field }),
            // A leading zero is needed only to keep the sign bit of the next
            // byte clear; anything else is a non-canonical encoding.
            [0, second, ..] if second & 0x80 != 0 => Ok(&bytes[1..]),
            [0, ..] => Err(WireError::MpintNotMinimal { field }),
            _ => Ok(bytes),
        }
    }

    /// `mpint` read as PuTTY reads its own files: non-negative, but leading
    /// zero bytes tolerated (and stripped from the returned magnitude).
    pub(crate) fn read_mpint_lenient(
        &mut self,
        field: &'static str,
    ) -> Result<&'a [u8], WireError> {
        let bytes = self.read_string(field)?;
        if bytes.first().is_some_and(|&b| b & 0x80 != 0) {
            return Err(WireError::MpintNegative { field });
        }
        Ok(crate::num::strip_leading_zeros(bytes))
    }

    /// `name-list`: a `string` of comma-separated names, each non-empty
    /// printable US-ASCII without a comma (RFC 4251 section 5). An empty
    /// string is the empty list.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "no key blob has a name-list yet; tested with the reader"
        )
    )]
    pub(crate) fn read_name_list(
        &mut self,
        field: &'static str,
    ) -> Result<Vec<&'a str>, WireError> {
        let bytes = self.read_string(field)?;
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        // Printable ASCII (0x21..=0x7e) is valid UTF-8, so the conversion
        // below cannot fail once this holds.
        if !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(WireError::NameListInvalid { field });
        }
        let text = core::str::from_utf8(bytes).map_err(|_| WireError::NameListInvalid { field })?;
        let names: Vec<&str> = text.split(',').collect();
        if names.iter().any(|n| n.is_empty()) {
            return Err(WireError::NameListInvalid { field });
        }
        Ok(names)
    }

    /// Refuses anything left over after the last field.
    pub(crate) fn finish(&self) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingData {
                bytes: self.rest.len(),
            })
        }
    }
}

/// The leading `string` of a public-key blob, its key type (RFC 4253
/// section 6.6), without judging the rest.
pub(crate) fn blob_key_type(blob: &[u8]) -> Option<&[u8]> {
    Reader::new(blob).read_string("key type").ok()
}

/// Appends a `string` (a uint32 length and the bytes) to `out`, for callers
/// that keep their own buffer (sized up front, so that a buffer of secrets
/// never reallocates and leaves a copy behind).
pub(crate) fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(u32::try_from(bytes.len()).is_ok(), "ssh string over 4 GiB");
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A writer of SSH wire data, the [`Reader`]'s inverse. It cannot fail: a
/// field longer than `u32::MAX` bytes, which no key has, is not representable
/// and is a caller's bug (debug builds assert it).
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
        }
    }

    /// `uint32`, big-endian.
    pub(crate) fn put_u32(&mut self, v: u32) -> &mut Self {
        self.out.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// `string`: a uint32 length and the bytes.
    pub(crate) fn put_string(&mut self, bytes: &[u8]) -> &mut Self {
        put_string(&mut self.out, bytes);
        self
    }

    /// `mpint` of a non-negative value given as a big-endian magnitude:
    /// leading zero bytes dropped, one zero byte prepended when the top bit
    /// is set, zero as the empty string (RFC 4251 section 5).
    pub(crate) fn put_mpint(&mut self, magnitude: &[u8]) -> &mut Self {
        let magnitude = crate::num::strip_leading_zeros(magnitude);
        let pad = magnitude.first().is_some_and(|&b| b & 0x80 != 0);
        let len = magnitude.len() + usize::from(pad);
        debug_assert!(u32::try_from(len).is_ok(), "ssh mpint over 4 GiB");
        self.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
        if pad {
            self.out.push(0);
        }
        self.out.extend_from_slice(magnitude);
        self
    }

    /// `name-list`: the names joined by commas, as a `string`. The caller
    /// passes valid names (non-empty ASCII without commas).
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "no key blob has a name-list yet; tested with the writer"
        )
    )]
    pub(crate) fn put_name_list(&mut self, names: &[&str]) -> &mut Self {
        self.put_string(names.join(",").as_bytes())
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_mpints() {
        let blob = [
            0, 0, 0, 2, b'h', b'i', 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x80, 0, 0, 0, 1, 0x7f,
        ];
        let mut r = Reader::new(&blob);
        assert_eq!(r.read_string("a").unwrap(), b"hi");
        assert_eq!(r.read_mpint("b").unwrap(), b"");
        assert_eq!(r.read_mpint("c").unwrap(), [0x80]);
        assert_eq!(r.read_mpint("d").unwrap(), [0x7f]);
        r.finish().unwrap();
    }

    #[test]
    fn failures() {
        let error = |blob: &[u8]| {
            let mut r = Reader::new(blob);
            r.read_mpint("x").and_then(|_| r.finish()).unwrap_err()
        };
        let truncated = WireError::Truncated { field: "x" };
        assert_eq!(error(&[0, 0, 0]), truncated);
        assert_eq!(error(&[0, 0, 0, 2, 1]), truncated);
        assert_eq!(error(&[0xff, 0xff, 0xff, 0xff, 1]), truncated);
        assert_eq!(
            error(&[0, 0, 0, 1, 0x80]),
            WireError::MpintNegative { field: "x" }
        );
        assert_eq!(
            error(&[0, 0, 0, 1, 0]),
            WireError::MpintNotMinimal { field: "x" }
        );
        assert_eq!(
            error(&[0, 0, 0, 2, 0, 1]),
            WireError::MpintNotMinimal { field: "x" }
        );
        assert_eq!(
            error(&[0, 0, 0, 1, 1, 9]),
            WireError::TrailingData { bytes: 1 }
        );
    }

    #[test]
    fn name_lists() {
        let list = |bytes: &[u8]| {
            let mut w = Writer::default();
            w.put_string(bytes);
            Reader::new(&w.into_bytes())
                .read_name_list("n")
                .map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>())
        };
        // RFC 4251 section 5's examples.
        assert_eq!(list(b"").unwrap(), Vec::<String>::new());
        assert_eq!(list(b"zlib").unwrap(), ["zlib"]);
        assert_eq!(list(b"zlib,none").unwrap(), ["zlib", "none"]);
        let invalid = Err(WireError::NameListInvalid { field: "n" });
        assert_eq!(list(b"zlib,"), invalid);
        assert_eq!(list(b",zlib"), invalid);
        assert_eq!(list(b"a,,b"), invalid);
        assert_eq!(list(b"a b"), invalid);
        assert_eq!(list("é".as_bytes()), invalid);
        let mut w = Writer::default();
        w.put_name_list(&["zlib", "none"]);
        assert_eq!(
            Reader::new(&w.into_bytes()).read_name_list("n").unwrap(),
            ["zlib", "none"]
        );
    }

    #[test]
    fn writer_is_the_readers_inverse() {
        // RFC 4251 section 5's mpint examples.
        let cases: [(&[u8], &[u8]); 5] = [
            (&[], &[0, 0, 0, 0]),
            (
                &[0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7],
                &[0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7],
            ),
            (&[0x80], &[0, 0, 0, 2, 0, 0x80]),
            // Leading zeros of the magnitude are dropped.
            (&[0, 0, 0x7f], &[0, 0, 0, 1, 0x7f]),
            (&[0, 0], &[0, 0, 0, 0]),
        ];
        for (magnitude, wire) in cases {
            let mut w = Writer::default();
            w.put_mpint(magnitude);
            let bytes = w.into_bytes();
            assert_eq!(bytes, wire);
            let mut r = Reader::new(&bytes);
            let stripped = crate::num::strip_leading_zeros(magnitude);
            assert_eq!(r.read_mpint("m").unwrap(), stripped);
            r.finish().unwrap();
        }
        let mut w = Writer::with_capacity(16);
        w.put_string(b"ssh-rsa").put_u32(7);
        let bytes = w.into_bytes();
        assert_eq!(blob_key_type(&bytes), Some(&b"ssh-rsa"[..]));
        let mut r = Reader::new(&bytes);
        r.read_string("t").unwrap();
        assert_eq!(r.read_u32("u").unwrap(), 7);
        r.finish().unwrap();
        assert_eq!(blob_key_type(&[0, 0, 0, 9, 1]), None);
        // PuTTY's reading tolerates leading zeros, not a sign bit.
        let mut r = Reader::new(&[0, 0, 0, 2, 0, 1, 0, 0, 0, 1, 0x80]);
        assert_eq!(r.read_mpint_lenient("a").unwrap(), [1]);
        assert_eq!(
            r.read_mpint_lenient("b"),
            Err(WireError::MpintNegative { field: "b" })
        );
    }
}
