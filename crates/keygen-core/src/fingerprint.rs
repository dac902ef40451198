//! Fingerprints of SSH public keys, in the two forms OpenSSH prints.

use base64ct::{Base64Unpadded, Encoding};
use md5::Md5;
use sha2::{Digest, Sha256};

/// The OpenSSH SHA-256 fingerprint of an RFC 4253 public-key blob:
/// `SHA256:` followed by the unpadded standard base64 of the digest, as
/// `ssh-keygen -l -E sha256` prints it.
#[must_use]
pub fn sha256_fingerprint(blob: &[u8]) -> String {
    let digest = Sha256::digest(blob);
    format!("SHA256:{}", Base64Unpadded::encode_string(&digest))
}

/// The legacy MD5 fingerprint of an RFC 4253 public-key blob: lowercase hex
/// pairs joined by colons, as `ssh-keygen -l -E md5` prints it (without its
/// `MD5:` prefix, which is how cloud APIs show it).
#[must_use]
pub fn md5_fingerprint(blob: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(blob);
    let mut out = String::with_capacity(digest.len() * 3);
    for (i, byte) in digest.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_blob_digests() {
        // Known digests of the empty string.
        assert_eq!(
            sha256_fingerprint(b""),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(
            md5_fingerprint(b""),
            "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"
        );
    }
}
