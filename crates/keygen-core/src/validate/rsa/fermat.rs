//! A square modulus and Fermat-close primes: [`isqrt`] once (Zimmermann's
//! recursive square root), then [`FERMAT_ROUNDS`] steps of Fermat's method
//! carried on residues modulo small numbers, so only candidates that pass a
//! quadratic-residue filter cost a big-number square root.

use crypto_bigint::{BoxedUint, ConcatenatingSquare};
use keygen_mont::fold_leaf;
use num_bigint::BigUint;
use num_integer::Integer;

use super::{FERMAT_ROUNDS, RsaKey, reject};
use crate::num::words_to_u32;
use crate::validate::reason::{Reason, Rejection};

/// Refuses a square modulus and one whose primes are close enough for
/// [`FERMAT_ROUNDS`] steps of Fermat's method.
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    fermat(&BigUint::from_slice(&words_to_u32(&key.words)))
}

/// Moduli of the quadratic-residue filter in Fermat's method: 64 on the
/// low word, then the odd factors of [`FILTER_PRODUCT`].
const FILTER_MODULI: [u64; 12] = [63, 61, 59, 53, 47, 43, 41, 37, 31, 29, 23, 19];
/// The product of [`FILTER_MODULI`], below 2^64.
const FILTER_PRODUCT: u64 = {
    let mut p = 1u64;
    let mut i = 0;
    while i < FILTER_MODULI.len() {
        p *= FILTER_MODULI[i];
        i += 1;
    }
    p
};

/// Bit `x` set when `x` is a square modulo `m` (m ≤ 64).
const fn square_mask(m: u64) -> u64 {
    let mut mask = 0u64;
    let mut x = 0;
    while x < m {
        mask |= 1 << ((x * x) % m);
        x += 1;
    }
    mask
}

const SQUARES_MOD_64: u64 = square_mask(64);
const FILTER_MASKS: [u64; 12] = {
    let mut masks = [0u64; 12];
    let mut i = 0;
    while i < FILTER_MODULI.len() {
        masks[i] = square_mask(FILTER_MODULI[i]);
        i += 1;
    }
    masks
};

/// Whether `r` may be a square, from its residues modulo 64 and
/// [`FILTER_PRODUCT`]. Early exits keep the average cost to one or two
/// divisions.
fn may_be_square(r_mod_64: u64, r_mod_filter: u64) -> bool {
    if SQUARES_MOD_64 >> (r_mod_64 & 63) & 1 == 0 {
        return false;
    }
    FILTER_MODULI
        .iter()
        .zip(FILTER_MASKS)
        .all(|(&m, mask)| mask >> (r_mod_filter % m) & 1 == 1)
}

pub(super) fn is_square(x: &BoxedUint) -> bool {
    let s = x.floor_sqrt_vartime();
    s.concatenating_square() == *x
}

/// `⌊√n⌋` and its square.
fn isqrt(n: &BigUint) -> (BigUint, BigUint) {
    let (root, remainder) = sqrt_rem(n);
    (root, n - remainder)
}

/// `(s, r)` with `s = ⌊√n⌋` and `r = n − s²`, by Zimmermann's recursive
/// square root ("Karatsuba Square Root", INRIA research report 3805,
/// 1999; GMP's `mpn_sqrtrem` works the same way).
///
/// Split `n` into quarters of `k` bits, `n = a₃·b³ + a₂·b² + a₁·b + a₀`
/// with `b = 2^k`; the root `s'` and remainder `r'` of the top half
/// `a₃·b + a₂` (recursively) give the rest with one division of half the
/// size, `r'·b + a₁ = q·2s' + u`, then `s = s'·b + q` and `r = u·b + a₀ −
/// q²`; when `r` comes out negative, one correction (`s − 1`) fixes it.
/// It needs the top quarter to be at least `b/4` (so `n` has `4k − 1` or
/// `4k` bits); other sizes are scaled by a power of 4 first. For 4096 bits
/// this divides 2048 bits by 1024 where a Newton step would divide 4096 by
/// 2048: a quarter of the work.
fn sqrt_rem(n: &BigUint) -> (BigUint, BigUint) {
    let bits = n.bits();
    if bits <= 126 {
        let v = n
            .iter_u64_digits()
            .rev()
            .fold(0u128, |v, d| v << 64 | u128::from(d));
        // Below 2^126, so the root is below 2^63 and its square fits.
        let s = v.isqrt();
        return (BigUint::from(s), BigUint::from(v - s * s));
    }
    let k = bits.div_ceil(4);
    let scale = (4 * k - bits) / 2;
    if scale > 0 {
        // √(n·4^t) = √n·2^t, so ⌊√(n·4^t)⌋ >> t = ⌊√n⌋.
        let (s, _) = sqrt_rem(&(n << (2 * scale)));
        let s = s >> scale;
        let r = n - &s * &s;
        return (s, r);
    }
    let low_mask = (BigUint::from(1u32) << k) - 1u32;
    let a0 = n & &low_mask;
    let a1 = (n >> k) & &low_mask;
    let (s1, r1) = sqrt_rem(&(n >> (2 * k)));
    let (q, u) = ((r1 << k) + a1).div_rem(&(&s1 << 1u32));
    let s = (s1 << k) + &q;
    let high = (u << k) + a0;
    let q2 = &q * &q;
    if high >= q2 {
        (s, high - q2)
    } else {
        // r + 2s − 1 with the old s, that is r + 2s + 1 with the new one.
        let s = s - 1u32;
        let r = high + (&s << 1u32) + 1u32 - q2;
        (s, r)
    }
}

fn is_square_big(x: &BigUint) -> bool {
    isqrt(x).1 == *x
}

/// Refuses a square modulus, and primes close enough for Fermat's method to
/// find them within [`FERMAT_ROUNDS`] steps: `n = a² − b²` with `a` just
/// above `√n`.
///
/// One square root of `n` ([`isqrt`]); then the steps
/// run on residues of `a` and `r = a² − n` modulo 2^64 and
/// [`FILTER_PRODUCT`], updated by additions (`r += 2a + 1`, `a += 1`), and
/// only an `r` that passes the quadratic-residue filter of
/// [`may_be_square`] costs a big-number square root (the filter lets
/// through about one non-square in 10,000, so almost never).
fn fermat(n: &BigUint) -> Result<(), Rejection> {
    let (root, root_squared) = isqrt(n);
    if root_squared == *n {
        return Err(reject(
            Reason::RsaSquareModulus,
            "the rsa modulus is a perfect square",
        ));
    }
    // a = ⌊√n⌋ + 1, r = a² − n = 2⌊√n⌋ + 1 − (n − ⌊√n⌋²) > 0.
    let a0 = &root + 1u32;
    let r0 = (&root << 1u32) + 1u32 - (n - &root_squared);
    let low = |x: &BigUint| x.iter_u64_digits().next().unwrap_or(0);
    let (mut a_64, mut r_64) = (low(&a0), low(&r0));
    // Residues modulo FILTER_PRODUCT by a leaf fold and one u128 remainder
    // (num-bigint's `%` by a word divides word by word, ten times slower).
    let filter_residue = |x: &BigUint| {
        let p = u128::from(FILTER_PRODUCT);
        let wrap = (1u128 << 64) % p;
        let [x0, x1] = fold_leaf(&x.to_u64_digits(), (wrap * wrap % p) as u64);
        ((u128::from(x1) << 64 | u128::from(x0)) % p) as u64
    };
    let (mut a_f, mut r_f) = (filter_residue(&a0), filter_residue(&r0));
    for step in 0..FERMAT_ROUNDS {
        if may_be_square(r_64, r_f) {
            let a = &a0 + step;
            let r = &a * &a - n;
            if is_square_big(&r) {
                return Err(reject(
                    Reason::RsaFermatFactorable,
                    format!(
                        "the rsa primes are so close that fermat's method factors the modulus in {} steps",
                        step + 1
                    ),
                ));
            }
        }
        // Residue arithmetic: mod 2^64 by wrapping, mod FILTER_PRODUCT in u128.
        r_64 = r_64.wrapping_add(a_64.wrapping_mul(2)).wrapping_add(1);
        a_64 = a_64.wrapping_add(1);
        // Both residues are below p, so r + 2a + 1 < 3p: at most two
        // subtractions instead of a division (a 128-bit `%` is a slow library
        // call, and the compiler turns a subtraction loop into one).
        let p = u128::from(FILTER_PRODUCT);
        let mut r = u128::from(r_f) + 2 * u128::from(a_f) + 1;
        r -= p & (u128::from(r >= p)).wrapping_neg();
        r -= p & (u128::from(r >= p)).wrapping_neg();
        r_f = r as u64;
        a_f = if a_f + 1 == FILTER_PRODUCT {
            0
        } else {
            a_f + 1
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::rsa::test_util::Rng;

    #[test]
    fn isqrt_matches_num_bigint() {
        let mut rng = Rng(5);
        let check = |x: BigUint| {
            let (root, square) = isqrt(&x);
            assert_eq!(root, x.sqrt(), "{x:x}");
            assert_eq!(square, &root * &root, "{x:x}");
        };
        for words in [0usize, 1, 2, 3, 4, 5, 7, 16, 32, 33, 64, 65, 128, 256] {
            for round in 0..16 {
                let x: BigUint = rng.big(words) >> (round * 5usize);
                let root = x.sqrt();
                // Exact squares and their neighbours stress the correction.
                let square = &root * &root;
                check(square.clone());
                check(&square + 1u32);
                if square > BigUint::from(0u32) {
                    check(&square - 1u32);
                }
                check(x);
            }
        }
        for bits in 0..300u32 {
            check(BigUint::from(1u32) << bits);
            check((BigUint::from(1u32) << bits) - 1u32);
        }
    }

    #[test]
    fn fermat_filter_never_rejects_a_square() {
        let mut rng = Rng(4);
        let mut passed_non_squares = 0;
        for i in 0..4000 {
            let x = rng.big(1 + i % 40);
            let sq = &x * &x;
            let r64 = sq.iter_u64_digits().next().unwrap_or(0);
            let rf = (&sq % FILTER_PRODUCT).iter_u64_digits().next().unwrap_or(0);
            assert!(may_be_square(r64, rf));
            assert!(is_square_big(&sq));
            // sq + 1 is a square only for sq = 0.
            let ns = &sq + 1u32;
            let r64 = ns.iter_u64_digits().next().unwrap_or(0);
            let rf = (&ns % FILTER_PRODUCT).iter_u64_digits().next().unwrap_or(0);
            if may_be_square(r64, rf) {
                passed_non_squares += 1;
                assert_eq!(is_square_big(&ns), sq == BigUint::from(0u32));
            }
        }
        // The filter lets few non-squares through.
        assert!(passed_non_squares < 40, "{passed_non_squares}");
    }

    #[test]
    fn fermat_finds_close_factors_and_only_them() {
        let mut rng = Rng(5);
        for _ in 0..20 {
            // n = (a − b)(a + b) with a around 2^1024 and a small b: found at
            // step a − ⌈√n⌉ + 1, which is 1 for b small enough.
            let a = rng.big(16) | (BigUint::from(1u32) << 1023u32);
            let b = BigUint::from(rng.next() % 1000 + 1);
            let n = (&a - &b) * (&a + &b);
            assert_eq!(
                fermat(&n).unwrap_err().reason(),
                Reason::RsaFermatFactorable
            );
            assert_eq!(
                fermat(&(&a * &a)).unwrap_err().reason(),
                Reason::RsaSquareModulus
            );
            // Far factors: nothing found.
            let far = rng.big(15) * rng.big(17);
            if far.sqrt().pow(2) != far {
                assert!(fermat(&far).is_ok());
            }
        }
    }

    #[test]
    fn squares_filter() {
        for x in 0u64..5000 {
            let sq = x * x;
            assert!(may_be_square(sq & 63, sq % FILTER_PRODUCT));
        }
    }
}
