//! Residues of a 2048-bit number modulo many small primes (below 2^20), for
//! the prime search's sieve: 64 primes at a time in AVX-512 lanes, eight
//! vectors of eight side by side.
//!
//! Horner's rule on the number's 32-bit digits from the top, r ← (r·2^32 + d)
//! mod p, in double precision: with p < 2^20 every value is an integer below
//! 2^53, so r·2^32 + d and q·p are exact. The quotient q = ⌊x·c⌋ uses
//! c = 1/p rounded and then lowered by two units in the last place, so that
//! c < (1/p)(1 − 2^−53) and the rounded product x·c stays below x/p; its
//! error the other way is below (x/p)·6·2^−53 < 2^−17, as x/p < 2^33. So q
//! is the true quotient or one less, x − q·p lies in [0, 2p), and one masked
//! subtraction of p finishes. The same operations run whatever the number:
//! it is the sieve's secret base.

/// The largest prime this takes (exclusive bound).
pub const RESIDUE_PRIME_LIMIT: u32 = 1 << 20;

/// The 32-bit digits of a 2048-bit number, most significant first.
pub(crate) fn digits32(n: &crate::Words) -> [u32; 64] {
    core::array::from_fn(|i| {
        let w = n[crate::WORDS - 1 - i / 2];
        if i % 2 == 0 {
            (w >> 32) as u32
        } else {
            w as u32
        }
    })
}

/// n mod p for each odd prime p below 2^20, one at a time in 64-bit
/// integers: the reference the AVX-512 kernel is tested against.
#[must_use]
pub fn small_residues_portable(n: &crate::Words, primes: &[u32]) -> Vec<u32> {
    let digits = digits32(n);
    primes
        .iter()
        .map(|&p| {
            let p = u64::from(p);
            digits
                .iter()
                .fold(0u64, |r, &d| ((r << 32) | u64::from(d)) % p) as u32
        })
        .collect()
}
