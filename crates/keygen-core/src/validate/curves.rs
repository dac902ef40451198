//! The ECDSA public keys of `ecdsa-sha2-nistp*` and
//! `sk-ecdsa-sha2-nistp256@openssh.com` lines: NIST P-256/384/521 (RFC 5656).

use p256::elliptic_curve::sec1::FromSec1Point;

use super::reason::{Reason, Rejection};

/// The NIST curves of RFC 5656 section 10.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The curve identifier inside the blob (RFC 5656 section 6.1).
    pub(crate) fn identifier(self) -> &'static str {
        match self {
            Self::P256 => "nistp256",
            Self::P384 => "nistp384",
            Self::P521 => "nistp521",
        }
    }

    pub(crate) fn bits(self) -> u32 {
        match self {
            Self::P256 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }

    fn field_bytes(self) -> usize {
        self.bits().div_ceil(8) as usize
    }

    /// The field prime, big-endian (SEC 2 sections 2.4.2, 2.5.1; FIPS 186-5
    /// / SP 800-186 section 3.2.1).
    fn prime(self) -> &'static [u8] {
        const P256: [u8; 32] =
            hex(b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        const P384: [u8; 48] = {
            let mut p = [0xffu8; 48];
            // 2^384 − 2^128 − 2^96 + 2^32 − 1
            let tail: [u8; 16] = [
                0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00,
            ];
            let mut i = 0;
            while i < 16 {
                p[28 + i] = tail[i];
                i += 1;
            }
            p[44] = 0xff;
            p[45] = 0xff;
            p[46] = 0xff;
            p[47] = 0xff;
            p
        };
        const P521: [u8; 66] = {
            // 2^521 − 1
            let mut p = [0xffu8; 66];
            p[0] = 0x01;
            p
        };
        match self {
            Self::P256 => &P256,
            Self::P384 => &P384,
            Self::P521 => &P521,
        }
    }
}

impl Curve {
    /// The order of the base point, big-endian, at the field's byte length
    /// (SP 800-186 section 3.2.1).
    fn order(self) -> &'static [u8] {
        const N256: [u8; 32] =
            hex(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        const N384: [u8; 48] = hex(concat!(
            "ffffffffffffffffffffffffffffffffffffffffffffffff",
            "c7634d81f4372ddf581a0db248b0a77aecec196accc52973"
        )
        .as_bytes());
        const N521: [u8; 66] = hex(concat!(
            "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"
        )
        .as_bytes());
        match self {
            Self::P256 => &N256,
            Self::P384 => &N384,
            Self::P521 => &N521,
        }
    }
}

/// OpenSSH's range rule for a public point's coordinates
/// (`sshkey_ec_validate_public`): each has more than half the bits of the
/// order and is below the order minus one. Points outside it are valid
/// SEC 1 points, but OpenSSH will not load them from authorized_keys.
fn openssh_accepts_coordinate(curve: Curve, c: &[u8]) -> bool {
    let order = curve.order();
    debug_assert_eq!(c.len(), order.len());
    // The orders are odd: order − 1 only lowers the last byte.
    let mut order_minus_one = [0u8; 66];
    let order_minus_one = &mut order_minus_one[..order.len()];
    order_minus_one.copy_from_slice(order);
    if let Some(last) = order_minus_one.last_mut() {
        *last -= 1;
    }
    // Equal-length big-endian byte strings compare as numbers.
    crate::num::bit_len(c) > curve.bits() / 2 && c < &*order_minus_one
}

const fn hex<const N: usize>(hex: &[u8]) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not hex"),
        }
    }
    assert!(hex.len() == 2 * N, "hex length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

fn reject(reason: Reason, message: String) -> Rejection {
    Rejection::new(reason, format!("publicKey: {message}"))
}

/// Checks the curve identifier and the SEC 1 point `Q` of an ECDSA blob
/// (RFC 5656 section 3.1): uncompressed form, coordinates below the field
/// prime, on the curve, not the point at infinity; then OpenSSH's range
/// rule for the coordinates. Returns the point's `x`
/// coordinate (the value badkeys' blocklist hashes).
pub(crate) fn check_ecdsa<'q>(
    curve: Curve,
    identifier: &[u8],
    q: &'q [u8],
) -> Result<&'q [u8], Rejection> {
    if identifier != curve.identifier().as_bytes() {
        return Err(reject(
            Reason::EcdsaCurveMismatch,
            format!(
                "the curve identifier in the key blob is not {}",
                curve.identifier()
            ),
        ));
    }
    let len = curve.field_bytes();
    match q.first() {
        // SEC 1 section 2.3.4: a single 0x00 byte encodes the point at infinity.
        Some(0x00) if q.len() == 1 => {
            return Err(reject(
                Reason::EcdsaPointAtInfinity,
                "the ecdsa public point is the point at infinity".to_owned(),
            ));
        }
        Some(0x04) if q.len() == 1 + 2 * len => {}
        Some(0x02 | 0x03) => {
            return Err(reject(
                Reason::EcdsaPointEncoding,
                "the ecdsa public point is compressed; openssh requires the uncompressed form"
                    .to_owned(),
            ));
        }
        _ => {
            return Err(reject(
                Reason::EcdsaPointEncoding,
                format!(
                    "the ecdsa public point must be 0x04 followed by two {len}-byte coordinates"
                ),
            ));
        }
    }
    let (x, y) = q[1..].split_at(len);
    let p = curve.prime();
    for (name, c) in [("x", x), ("y", y)] {
        if c >= p {
            return Err(reject(
                Reason::EcdsaCoordinateOutOfRange,
                format!("the ecdsa {name} coordinate is not below the field prime"),
            ));
        }
    }
    let on_curve = match curve {
        Curve::P256 => p256::Sec1Point::from_bytes(q)
            .ok()
            .and_then(|pt| p256::AffinePoint::from_sec1_point(&pt).into_option())
            .is_some(),
        Curve::P384 => p384::Sec1Point::from_bytes(q)
            .ok()
            .and_then(|pt| p384::AffinePoint::from_sec1_point(&pt).into_option())
            .is_some(),
        Curve::P521 => p521::Sec1Point::from_bytes(q)
            .ok()
            .and_then(|pt| p521::AffinePoint::from_sec1_point(&pt).into_option())
            .is_some(),
    };
    if !on_curve {
        return Err(reject(
            Reason::EcdsaPointNotOnCurve,
            format!(
                "the ecdsa public point is not on the curve {}",
                curve.identifier()
            ),
        ));
    }
    for (name, c) in [("x", x), ("y", y)] {
        if !openssh_accepts_coordinate(curve, c) {
            return Err(reject(
                Reason::EcdsaCoordinateOutOfRange,
                format!(
                    "the ecdsa {name} coordinate must have more than {} bits and be below the group order minus one (openssh refuses such points)",
                    curve.bits() / 2
                ),
            ));
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes() {
        assert_eq!(
            Curve::P384.prime()[28..],
            [
                0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                0xff, 0xff
            ]
        );
        assert_eq!(Curve::P256.prime()[3..5], [0xff, 0x00]);
        assert_eq!(Curve::P521.prime().len(), 66);
    }

    #[test]
    fn orders_match_the_curves() {
        use p256::elliptic_curve::ff::PrimeField;
        fn below(order: &[u8]) -> Vec<u8> {
            let mut v = order.to_vec();
            *v.last_mut().unwrap() -= 1;
            v
        }
        // A scalar's canonical encoding must be below the order.
        let n = Curve::P256.order();
        assert!(bool::from(
            p256::Scalar::from_repr(n.try_into().unwrap()).is_none()
        ));
        assert!(bool::from(
            p256::Scalar::from_repr(below(n)[..].try_into().unwrap()).is_some()
        ));
        let n = Curve::P384.order();
        assert!(bool::from(
            p384::Scalar::from_repr(n.try_into().unwrap()).is_none()
        ));
        assert!(bool::from(
            p384::Scalar::from_repr(below(n)[..].try_into().unwrap()).is_some()
        ));
        let n = Curve::P521.order();
        assert!(bool::from(
            p521::Scalar::from_repr(n.try_into().unwrap()).is_none()
        ));
        assert!(bool::from(
            p521::Scalar::from_repr(below(n)[..].try_into().unwrap()).is_some()
        ));
    }

    #[test]
    fn openssh_coordinate_range() {
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let n = curve.order();
            let mut c = n.to_vec();
            // order − 1 and above are refused, order − 2 accepted.
            *c.last_mut().unwrap() -= 1;
            assert!(!openssh_accepts_coordinate(curve, &c));
            *c.last_mut().unwrap() -= 1;
            assert!(openssh_accepts_coordinate(curve, &c));
            assert!(!openssh_accepts_coordinate(curve, n));
            // Exactly half the order's bits is refused; one more accepted.
            let half = curve.bits() / 2;
            let mut small = vec![0u8; n.len()];
            let set_bit = |v: &mut Vec<u8>, bit: u32| {
                let len = v.len();
                v[len - 1 - (bit / 8) as usize] |= 1 << (bit % 8);
            };
            set_bit(&mut small, half - 1);
            assert!(!openssh_accepts_coordinate(curve, &small));
            set_bit(&mut small, half);
            assert!(openssh_accepts_coordinate(curve, &small));
        }
    }
}
