//! Wiener's small private exponent: the continued-fraction attack on `e/n`,
//! run only when `e` has more than [`MAX_EXPONENT_BITS`] bits (a key with a
//! small `d` has an `e` about as large as `n`).

use crypto_bigint::{BoxedUint, NonZero, Resize};

use super::fermat::is_square;
use super::{MAX_EXPONENT_BITS, RsaKey, reject, to_uint};
use crate::validate::reason::{Reason, Rejection};

/// Refuses a key whose private exponent Wiener's attack recovers.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    if key.e_bits > MAX_EXPONENT_BITS
        && wiener(
            &to_uint(key.e, key.bits),
            &to_uint(key.n, key.bits),
            key.bits,
        )
    {
        return Err(reject(
            Reason::RsaSmallPrivateExponent,
            "the rsa private exponent is small enough to be recovered by wiener's continued-fraction attack",
        ));
    }
    Ok(())
}

/// Wiener's attack (1990): when `d < n^¼/3`, `k/d` is a convergent of the
/// continued fraction of `e/n` with `ed − kφ(n) = 1`. For each convergent
/// with `d` below the bound, derive `φ`, then `p + q = n − φ + 1`, and test
/// whether `(p + q)²/4 − n` is a square (it is `((p − q)/2)²`).
fn wiener(e: &BoxedUint, n: &BoxedUint, n_bits: u32) -> bool {
    let precision = (2 * n_bits + 128).next_multiple_of(64);
    let w = |x: &BoxedUint| x.resize_unchecked(precision);
    let n = w(n);
    let e = w(e);
    let zero = BoxedUint::zero_with_precision(precision);
    let one = BoxedUint::one_with_precision(precision);
    let d_bound = n_bits / 4 + 2;
    let (mut x, mut y) = (e.clone(), n.clone());
    // Convergents h/k of e/n: (h_{-1}, k_{-1}) = (1, 0), (h_{-2}, k_{-2}) = (0, 1).
    let (mut h1, mut h2) = (one.clone(), zero.clone());
    let (mut k1, mut k2) = (zero.clone(), one.clone());
    while let Some(nz) = NonZero::new(y.clone()).into_option() {
        let (a, r) = x.div_rem_vartime(&nz);
        let h = a.wrapping_mul(&h1).wrapping_add(&h2);
        let k = a.wrapping_mul(&k1).wrapping_add(&k2);
        if k.bit_width_vartime() > d_bound {
            break;
        }
        // Candidate: h = k_wiener, k = d.
        if let Some(h_nz) = NonZero::new(h.clone()).into_option() {
            let ed1 = e.wrapping_mul(&k).wrapping_sub(&one);
            let (phi, rem) = ed1.div_rem_vartime(&h_nz);
            if rem == zero && phi < n {
                // s = n − φ + 1 = p + q, even for odd p, q.
                let s = n.wrapping_sub(&phi).wrapping_add(&one);
                if s.as_words()[0] & 1 == 0 {
                    let half = s.shr_vartime(1).unwrap_or_else(|| zero.clone());
                    let sq = half.wrapping_mul(&half);
                    if sq >= n && is_square(&sq.wrapping_sub(&n)) {
                        return true;
                    }
                }
            }
        }
        (h2, h1) = (h1, h);
        (k2, k1) = (k1, k);
        (x, y) = (y, r);
    }
    false
}
