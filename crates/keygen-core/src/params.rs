//! The parameters of the keys this crate makes (FIPS 186-5 appendix A.1.3
//! with nlen = 4096), shared by the generator and the private-key check.

/// Size of the modulus in bits.
pub const MODULUS_BITS: u32 = 4096;
/// Size of each prime in bits.
pub(crate) const PRIME_BITS: u32 = MODULUS_BITS / 2;
/// The public exponent, F4. It is prime, so gcd(e, p − 1) = 1 exactly when
/// p mod e ≠ 1.
pub const PUBLIC_EXPONENT: u32 = 65_537;

/// FIPS 186-5 A.1.3 step 5.4: |p − q| must exceed 2^(nlen/2 − 100).
pub(crate) const MIN_PRIME_DISTANCE_LOG2: u32 = PRIME_BITS - 100;
