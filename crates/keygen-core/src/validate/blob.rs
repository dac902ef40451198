//! A strict reader of RFC 4253 public-key blobs (`string`, `mpint`, RFC 4251 section 5).
//!
//! Written by hand rather than taken from `ssh-key` because we must refuse
//! what lenient decoders accept and name each failure precisely: a length
//! running past the end, bytes left over after the last field, negative
//! mpints and mpints with unnecessary leading zero bytes (RFC 4251 section 5:
//! "Unnecessary leading bytes with the value 0 or 255 MUST NOT be included").
//! OpenSSH itself strips such zeros, so a blob that round-trips through it
//! may still be refused here, by design: the stored key must be canonical.

use super::reason::{Reason, Rejection};

/// A cursor over a blob. Every read either returns a whole field or fails
/// without panicking; lengths are checked against what is left before any
/// slicing.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(blob: &'a [u8]) -> Self {
        Self { rest: blob }
    }

    fn truncated(what: &str) -> Rejection {
        Rejection::new(
            Reason::PublicKeyBlobTruncated,
            format!("publicKey: the key blob ends inside its {what} field"),
        )
    }

    /// `uint32`, big-endian (RFC 4251 section 5).
    fn read_u32(&mut self, what: &str) -> Result<u32, Rejection> {
        let Some((head, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(Self::truncated(what));
        };
        self.rest = rest;
        Ok(u32::from_be_bytes(*head))
    }

    /// `string`: a uint32 length and that many bytes (RFC 4251 section 5).
    pub(crate) fn read_string(&mut self, what: &str) -> Result<&'a [u8], Rejection> {
        let len = self.read_u32(what)?;
        let len = usize::try_from(len).map_err(|_| Self::truncated(what))?;
        if len > self.rest.len() {
            return Err(Self::truncated(what));
        }
        let (value, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(value)
    }

    /// `mpint`: two's complement, big-endian, minimal (RFC 4251 section 5).
    /// Returns the magnitude of a non-negative value without leading zeros
    /// (empty for zero).
    pub(crate) fn read_mpint(&mut self, what: &str) -> Result<&'a [u8], Rejection> {
        let bytes = self.read_string(what)?;
        match bytes {
            [] => Ok(bytes),
            [first, ..] if first & 0x80 != 0 => Err(Rejection::new(
                Reason::PublicKeyMpintNegative,
                format!("publicKey: the {what} mpint of the key blob is negative"),
            )),
            // A leading zero is needed only to keep the sign bit of the next
            // byte clear; anything else is a non-canonical encoding.
            [0, second, ..] if second & 0x80 != 0 => Ok(&bytes[1..]),
            [0, ..] => Err(Rejection::new(
                Reason::PublicKeyMpintNotMinimal,
                format!(
                    "publicKey: the {what} mpint of the key blob has an unnecessary leading zero byte"
                ),
            )),
            _ => Ok(bytes),
        }
    }

    /// Refuses anything left over after the last field.
    pub(crate) fn finish(&self) -> Result<(), Rejection> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new(
                Reason::PublicKeyBlobTrailingData,
                format!(
                    "publicKey: {} bytes are left over after the last field of the key blob",
                    self.rest.len()
                ),
            ))
        }
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
        let reason = |blob: &[u8]| {
            let mut r = Reader::new(blob);
            r.read_mpint("x")
                .and_then(|_| r.finish())
                .unwrap_err()
                .reason()
        };
        assert_eq!(reason(&[0, 0, 0]), Reason::PublicKeyBlobTruncated);
        assert_eq!(reason(&[0, 0, 0, 2, 1]), Reason::PublicKeyBlobTruncated);
        assert_eq!(
            reason(&[0xff, 0xff, 0xff, 0xff, 1]),
            Reason::PublicKeyBlobTruncated
        );
        assert_eq!(reason(&[0, 0, 0, 1, 0x80]), Reason::PublicKeyMpintNegative);
        assert_eq!(reason(&[0, 0, 0, 1, 0]), Reason::PublicKeyMpintNotMinimal);
        assert_eq!(
            reason(&[0, 0, 0, 2, 0, 1]),
            Reason::PublicKeyMpintNotMinimal
        );
        assert_eq!(
            reason(&[0, 0, 0, 1, 1, 9]),
            Reason::PublicKeyBlobTrailingData
        );
    }
}
