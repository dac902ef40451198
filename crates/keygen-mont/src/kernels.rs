//! The entry points on one named kernel whatever the CPU: the portable
//! kernel (the vector kernel's twin and the reference it is tested against)
//! and the scalar kernel (32 words of 64 bits, R = 2^2048, one candidate at a
//! time), which is what CPUs without AVX-512 run. [`crate::dispatch`] picks
//! the kernel by the CPU.
//!
//! [`pow2_mod`](crate::pow2_mod), [`fermat_base_two`](crate::fermat_base_two)
//! and [`miller_rabin`](crate::miller_rabin) use the AVX-512 kernel when the
//! CPU has AVX-512F (detected at run time) and the scalar kernel otherwise;
//! [`pow2_mod_portable`] always uses the portable one, [`pow2_mod_scalar`]
//! the scalar one, and [`strong_base_two_scalar`] is the scalar kernel's
//! one-candidate test for the prime search. All are tested against each
//! other and against an independent big-integer library.

use crate::digits::{Lane, MrContext, to_digits};
use crate::words::Words;
use crate::{portable, scalar};

/// 2^e mod n for each lane, on the portable kernel whatever the CPU.
/// A lane whose modulus is not odd and 2048 bits long gives `None`.
#[must_use]
pub fn pow2_mod_portable(moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
    moduli
        .iter()
        .zip(exponents)
        .map(|(n, e)| Lane::new(n, e).map(|lane| portable::pow2(&lane)))
        .collect()
}

/// Miller–Rabin to several bases for one 2048-bit odd `n`, on the portable
/// kernel whatever the CPU: bit i of the answer is set when n is a strong
/// probable prime to `bases[i]`. `None` when n is not odd and 2048 bits
/// long, or when 2^64 divides n − 1.
#[must_use]
pub fn miller_rabin_portable(n: &Words, bases: &[Words]) -> Option<u8> {
    let ctx = MrContext::new(n)?;
    Some(bases.iter().enumerate().fold(0u8, |acc, (i, b)| {
        acc | (u8::from(portable::strong_test(&ctx, &to_digits(b))) << i)
    }))
}

/// 2^e mod n for each modulus, on the scalar kernel whatever the CPU
/// (its products in ADX assembly where the CPU has BMI2 and ADX).
/// A modulus that is not odd and 2048 bits long gives `None`.
#[must_use]
pub fn pow2_mod_scalar(moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
    pow2_on(moduli, exponents, scalar::Modulus::new)
}

/// [`pow2_mod_scalar`] with the products in plain Rust whatever the CPU.
#[must_use]
pub fn pow2_mod_words(moduli: &[Words], exponents: &[Words]) -> Vec<Option<Words>> {
    pow2_on(moduli, exponents, |n| scalar::Modulus::with_adx(n, None))
}

/// 2^e mod n for each modulus on the scalar kernel, with the context
/// `modulus` makes.
fn pow2_on(
    moduli: &[Words],
    exponents: &[Words],
    modulus: impl Fn(&Words) -> Option<scalar::Modulus>,
) -> Vec<Option<Words>> {
    moduli
        .iter()
        .zip(exponents)
        .map(|(n, e)| modulus(n).map(|mut m| scalar::pow2(&mut m, e)))
        .collect()
}

/// The strong probable-prime test of one 2048-bit odd `n` to base 2
/// (FIPS 186-5 B.3.1 with b = 2) on the scalar kernel: 2048 squarings, each
/// followed by a doubling where the bit of n − 1 is set, in the same time
/// whatever n is — the cost of a base-2 Fermat test, which it implies.
/// `None` when n is not odd and 2048 bits long, or when 2^64 divides n − 1
/// (the caller should treat such an n as refused).
#[must_use]
pub fn strong_base_two_scalar(n: &Words) -> Option<bool> {
    scalar::strong_test_base_two(&mut scalar::Modulus::new(n)?)
}

/// [`strong_base_two_scalar`] with the products in plain Rust whatever the
/// CPU.
#[must_use]
pub fn strong_base_two_words(n: &Words) -> Option<bool> {
    scalar::strong_test_base_two(&mut scalar::Modulus::with_adx(n, None)?)
}

/// Miller–Rabin to several bases for one 2048-bit odd `n` on the scalar
/// kernel whatever the CPU: bit i of the answer is set when n is a strong
/// probable prime to `bases[i]` (read as a number below 2^2048, reduced
/// modulo n). `None` when n is not odd and 2048 bits long, or when 2^64
/// divides n − 1.
///
/// # Panics
///
/// If more than eight bases are given.
#[must_use]
pub fn miller_rabin_scalar(n: &Words, bases: &[Words]) -> Option<u8> {
    miller_rabin_on(&mut scalar::Modulus::new(n)?, bases)
}

/// [`miller_rabin_scalar`] with the products in plain Rust whatever the CPU.
///
/// # Panics
///
/// If more than eight bases are given.
#[must_use]
pub fn miller_rabin_words(n: &Words, bases: &[Words]) -> Option<u8> {
    miller_rabin_on(&mut scalar::Modulus::with_adx(n, None)?, bases)
}

/// Miller–Rabin to several bases on the scalar kernel's context `m`.
fn miller_rabin_on(m: &mut scalar::Modulus, bases: &[Words]) -> Option<u8> {
    assert!(bases.len() <= 8, "at most 8 bases at once");
    let mut passed = 0u8;
    for (i, b) in bases.iter().enumerate() {
        passed |= u8::from(scalar::strong_test(m, b)?) << i;
    }
    Some(passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{ONE, WORDS, is_valid_modulus};

    #[test]
    fn invalid_moduli_are_refused() {
        let mut n = [u64::MAX; WORDS];
        assert!(is_valid_modulus(&n));
        n[0] = u64::MAX - 1;
        assert!(!is_valid_modulus(&n));
        n[0] = 1;
        n[WORDS - 1] = 1 << 62;
        assert!(!is_valid_modulus(&n));
        assert_eq!(pow2_mod_portable(&[n], &[ONE]), vec![None]);
    }
}
