//! Public-key blobs (RFC 4253 section 6.6 and its successors) read field
//! by field with the strict reader of [`crate::ssh`], each wire failure
//! turned into the `publicKey` reason that names it.

use base64ct::{Base64, Encoding};

use super::key_type::KeyType;
use super::reason::{Reason, Rejection, show_token};
use crate::ssh::{Reader, WireError};

fn reject(reason: Reason, message: impl core::fmt::Display) -> Rejection {
    Rejection::new(reason, format!("publicKey: {message}"))
}

/// The `publicKey` refusal of a wire failure inside the key blob.
fn rejection(e: WireError) -> Rejection {
    match e {
        WireError::Truncated { field } => reject(
            Reason::PublicKeyBlobTruncated,
            format!("the key blob ends inside its {field} field"),
        ),
        WireError::MpintNegative { field } => reject(
            Reason::PublicKeyMpintNegative,
            format!("the {field} mpint of the key blob is negative"),
        ),
        WireError::MpintNotMinimal { field } => reject(
            Reason::PublicKeyMpintNotMinimal,
            format!("the {field} mpint of the key blob has an unnecessary leading zero byte"),
        ),
        // No public-key blob has a name-list; should one be read, a bad one
        // is a malformed blob like a truncated field.
        WireError::NameListInvalid { field } => reject(
            Reason::PublicKeyBlobTruncated,
            format!("the {field} name-list of the key blob is malformed"),
        ),
        WireError::TrailingData { bytes } => reject(
            Reason::PublicKeyBlobTrailingData,
            format!("{bytes} bytes are left over after the last field of the key blob"),
        ),
    }
}

/// The fields of a blob after the type, read structurally.
#[derive(Debug)]
pub(super) enum Fields<'b> {
    Rsa { e: &'b [u8], n: &'b [u8] },
    Ed25519 { key: &'b [u8] },
    Ecdsa { identifier: &'b [u8], q: &'b [u8] },
}

/// Reads a blob of `key_type` per RFC 4253 section 6.6 (ssh-rsa), RFC 5656
/// section 3.1 (ecdsa), RFC 8709 section 4 (ssh-ed25519) and PROTOCOL.u2f
/// (sk- keys append `string application`), refusing a type mismatch, a
/// truncated field, a bad mpint and trailing bytes.
pub(super) fn read_fields(
    key_type: KeyType,
    blob: &[u8],
) -> Result<(Fields<'_>, Option<&[u8]>), Rejection> {
    let mut r = Reader::new(blob);
    let inner = r.read_string("key type").map_err(rejection)?;
    if inner != key_type.as_str().as_bytes() {
        let shown =
            core::str::from_utf8(inner).map_or_else(|_| "(not shown)".to_owned(), show_token);
        return Err(reject(
            Reason::PublicKeyTypeMismatch,
            format!(
                "the key blob's type {shown} differs from the line's type {}",
                key_type.as_str()
            ),
        ));
    }
    let fields = match key_type {
        KeyType::Rsa => {
            // RFC 4253 section 6.6: mpint e, then mpint n.
            let e = r.read_mpint("e").map_err(rejection)?;
            let n = r.read_mpint("n").map_err(rejection)?;
            Fields::Rsa { e, n }
        }
        KeyType::Ed25519 | KeyType::SkEd25519 => Fields::Ed25519 {
            key: r.read_string("ed25519 key").map_err(rejection)?,
        },
        KeyType::EcdsaNistp256
        | KeyType::EcdsaNistp384
        | KeyType::EcdsaNistp521
        | KeyType::SkEcdsaNistp256 => {
            let identifier = r.read_string("curve identifier").map_err(rejection)?;
            let q = r.read_string("public point").map_err(rejection)?;
            Fields::Ecdsa { identifier, q }
        }
    };
    let application = if key_type.is_sk() {
        Some(r.read_string("application").map_err(rejection)?)
    } else {
        None
    };
    r.finish().map_err(rejection)?;
    Ok((fields, application))
}

/// The number badkeys identifies a key by (see [`Blocklist`]), read from a
/// line without applying the policy: for building the built-in list.
pub(super) fn key_number_of_line(line: &str) -> Option<Vec<u8>> {
    let mut tokens = line.split_ascii_whitespace();
    let key_type = KeyType::from_name(tokens.next()?)?;
    let blob = Base64::decode_vec(tokens.next()?).ok()?;
    let (fields, _) = read_fields(key_type, &blob).ok()?;
    match fields {
        Fields::Rsa { n, .. } => Some(n.to_vec()),
        Fields::Ed25519 { key } => Some(key.to_vec()),
        Fields::Ecdsa { q, .. } => {
            let len = key_type.curve()?.bits().div_ceil(8) as usize;
            q.get(1..=len).map(<[u8]>::to_vec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reason of reading an ssh-rsa blob whose fields after the type
    /// are `rest`.
    fn rsa_reason(rest: &[u8]) -> Reason {
        let mut blob = vec![0, 0, 0, 7];
        blob.extend_from_slice(b"ssh-rsa");
        blob.extend_from_slice(rest);
        read_fields(KeyType::Rsa, &blob).unwrap_err().reason()
    }

    #[test]
    fn wire_failures_name_their_reason() {
        let one = [0, 0, 0, 1, 1];
        assert_eq!(rsa_reason(&[0, 0, 0]), Reason::PublicKeyBlobTruncated);
        assert_eq!(rsa_reason(&[0, 0, 0, 2, 1]), Reason::PublicKeyBlobTruncated);
        assert_eq!(
            rsa_reason(&[0xff, 0xff, 0xff, 0xff, 1]),
            Reason::PublicKeyBlobTruncated
        );
        assert_eq!(
            rsa_reason(&[0, 0, 0, 1, 0x80]),
            Reason::PublicKeyMpintNegative
        );
        assert_eq!(
            rsa_reason(&[0, 0, 0, 1, 0]),
            Reason::PublicKeyMpintNotMinimal
        );
        assert_eq!(
            rsa_reason(&[0, 0, 0, 2, 0, 1]),
            Reason::PublicKeyMpintNotMinimal
        );
        assert_eq!(
            rsa_reason(&[one, one, [0, 0, 0, 0, 9]].concat()),
            Reason::PublicKeyBlobTrailingData
        );
        let e = read_fields(KeyType::Rsa, &[0, 0, 0, 7, b's']).unwrap_err();
        assert_eq!(
            e.message(),
            "publicKey: the key blob ends inside its key type field"
        );
        assert_eq!(
            read_fields(
                KeyType::Ed25519,
                &[0, 0, 0, 7, b's', b's', b'h', b'-', b'r', b's', b'a']
            )
            .unwrap_err()
            .reason(),
            Reason::PublicKeyTypeMismatch
        );
    }
}
