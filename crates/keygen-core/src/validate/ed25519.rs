//! The Ed25519 public key of `ssh-ed25519` and `sk-ssh-ed25519@openssh.com`
//! lines (RFC 8709, RFC 8032).

use curve25519_dalek::edwards::CompressedEdwardsY;

use super::reason::{Reason, Rejection};

fn reject(reason: Reason, message: String) -> Rejection {
    Rejection::new(reason, format!("publicKey: {message}"))
}

/// Checks an Ed25519 public key (RFC 8709 section 4): exactly 32 bytes, a
/// canonical encoding of a point of edwards25519 (RFC 8032 section 5.1.3),
/// not of small order. Mixed-order points (a large-order point plus a
/// torsion component) cannot arise from RFC 8032 key generation but are not
/// refused: telling them apart costs a full scalar multiplication.
pub(super) fn check(key: &[u8]) -> Result<(), Rejection> {
    let Ok(bytes) = <[u8; 32]>::try_from(key) else {
        return Err(reject(
            Reason::Ed25519KeyLength,
            format!("the ed25519 key is {} bytes, not 32", key.len()),
        ));
    };
    // RFC 8032 section 5.1.3 step 1: y must be below p = 2^255 − 19. The
    // non-canonical values are 2^255 − 19 … 2^255 − 1, whose low byte is at
    // least 0xed and whose other bits (sign bit aside) are all ones.
    let y_high_all_ones = bytes[1..31].iter().all(|&b| b == 0xff) && bytes[31] & 0x7f == 0x7f;
    if y_high_all_ones && bytes[0] >= 0xed {
        return Err(reject(
            Reason::Ed25519PointInvalid,
            "the ed25519 key's y coordinate is not below the field prime".to_owned(),
        ));
    }
    let Some(point) = CompressedEdwardsY(bytes).decompress() else {
        return Err(reject(
            Reason::Ed25519PointInvalid,
            "the ed25519 key does not encode a point of edwards25519".to_owned(),
        ));
    };
    if point.is_small_order() {
        return Err(reject(
            Reason::Ed25519SmallOrder,
            "the ed25519 key is a point of small order".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_small_order_points() {
        // The identity (y = 1) and the point of order 2 (y = −1).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            check(&identity).unwrap_err().reason(),
            Reason::Ed25519SmallOrder
        );
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert_eq!(
            check(&minus_one).unwrap_err().reason(),
            Reason::Ed25519SmallOrder
        );
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert_eq!(check(&p).unwrap_err().reason(), Reason::Ed25519PointInvalid);
        assert_eq!(
            check(&[0; 31]).unwrap_err().reason(),
            Reason::Ed25519KeyLength
        );
    }
}
