//! RSA public-key policy: sizes and exponent, then the weak-key checks of
//! badkeys that need only the key, one module each, run in the order of
//! [`WEAK_KEY_CHECKS`] (cheapest refusals first).
//!
//! All of them are variable time: they see only public values. The test
//! that the modulus is not prime (one exponentiation modulo n) costs more
//! than all the others together; of the rest, the known-shared-prime
//! remainder of a 2048-bit modulus and the small-prime check dominate (see
//! `benches/validate.rs`). A new check is a module here with a
//! `check(&RsaKey) -> Result<(), Rejection>`, a row of the reason catalogue
//! (`reason.rs`) and an entry in [`WEAK_KEY_CHECKS`].

mod bias;
mod fermat;
mod pattern;
mod poly;
mod prime_modulus;
mod roca;
mod screen;
mod shared_prime;
mod small_factor;
#[cfg(test)]
mod test_util;
mod wiener;
mod xz_backdoor;

use crypto_bigint::BoxedUint;

use super::reason::{Reason, Rejection};
use super::warning::KeyWarning;
use crate::num::{bit_len, to_words};

/// The largest RSA modulus accepted, in bits (OpenSSH's `SSHBUF_MAX_BIGNUM`
/// is 16384 bits too).
pub(crate) const MAX_BITS: u32 = 16384;
/// The default and lowest floor of the modulus size, in bits (NIST SP
/// 800-131A rev. 2: 2048 bits for RSA until 2030; OpenSSH refuses < 1024).
pub(crate) const MIN_BITS: u32 = 2048;
/// Keys below this size are accepted with a warning (NIST SP 800-57:
/// 3072 bits for security beyond 2030).
pub(crate) const WARN_BELOW_BITS: u32 = 3072;
/// The default largest public exponent, in bits.
pub(crate) const MAX_EXPONENT_BITS: u32 = 32;
/// The recommended public exponent; any other odd value gets a warning.
pub(crate) const RECOMMENDED_EXPONENT: u32 = 65537;
/// Steps of Fermat's method, beyond badkeys' 100.
pub(crate) const FERMAT_ROUNDS: u32 = 256;
/// The largest small prime whose divisibility is checked (badkeys' bound).
pub(crate) const SMALL_PRIME_BOUND: u32 = 65537;

fn to_uint(bytes: &[u8], bits: u32) -> BoxedUint {
    let precision = bits.max(64).next_multiple_of(64);
    // Cannot fail: `bits` is at least the magnitude's length.
    BoxedUint::from_be_slice(bytes, precision).unwrap_or_else(|_| BoxedUint::zero())
}

/// The weak-key checks, in the order they run: each refuses the key or
/// lets it through.
///
/// Order constraints beside cost: `poly` (sparse moduli) runs after
/// `small_factor`, so a sparse modulus with a small factor keeps badkeys'
/// reason (`rsa_small_prime_factor`); and before `xz_backdoor`, so a
/// mostly-zero modulus, which also shows the backdoor's header by accident,
/// is refused as sparse, the reason that describes it.
///
/// `screen` runs before them all: one remainder and gcd that, on CPUs where
/// it is the cheaper way, clears a modulus for `small_factor` and
/// `shared_prime` at once.
const WEAK_KEY_CHECKS: [WeakKeyCheck; 7] = [
    small_factor::check,
    // Cost not measured alone: a few passes of popcounts and masks over
    // the 64 words of RSA-4096, no multiplication.
    poly::check,
    // Cost not measured alone: one 32x32-bit product over 16 bytes.
    xz_backdoor::check,
    fermat::check,
    roca::check,
    wiener::check,
    // Known shared primes (2048 and 4096-bit moduli only): the product mod
    // n by Montgomery's reduction, then dashu's Lehmer gcd (num-bigint's
    // binary gcd took ten times as long, crypto-bigint's safegcd longer
    // still). Measured costs in BENCHMARKING.md.
    shared_prime::check,
];

/// The warnings about the modulus's bits, run on a key that passed every
/// check (badkeys' `rsabias` and `pattern`; each a pass over the words).
const BIT_WARNINGS: [BitWarning; 2] = [bias::warn, pattern::warn];

/// One warning check: pushes its warning when the key deserves it.
type BitWarning = fn(&RsaKey<'_>, &mut Vec<KeyWarning>);

/// One weak-key check: `Err` with the refusal when the key is weak.
type WeakKeyCheck = fn(&RsaKey<'_>) -> Result<(), Rejection>;

/// An RSA key that passed the size and exponent policy, as the weak-key
/// checks read it.
struct RsaKey<'a> {
    /// The public exponent's magnitude (minimal, big-endian).
    e: &'a [u8],
    /// The modulus's magnitude (minimal, big-endian).
    n: &'a [u8],
    /// Bits of the modulus.
    bits: u32,
    /// Bits of the public exponent.
    e_bits: u32,
    /// The modulus as little-endian 64-bit words.
    words: Vec<u64>,
    /// Whether `screen` found the modulus coprime to the small primes and
    /// the known shared primes (then `small_factor` and `shared_prime`
    /// pass it without looking); `false` also when the screen did not run.
    cleared: bool,
}

/// Size, exponent and weak-key policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) min_bits: u32,
    pub(crate) max_exponent_bits: u32,
    /// Whether a prime modulus is looked for (costly: off in the API's
    /// policy).
    pub(crate) prime_modulus: bool,
}

fn reject(reason: Reason, message: impl Into<String>) -> Rejection {
    Rejection::new(reason, format!("publicKey: {}", message.into()))
}

/// Checks an RSA key given its exponent and modulus magnitudes (as read
/// from the blob: minimal, big-endian). Returns the modulus size in bits.
pub(crate) fn check(
    e: &[u8],
    n: &[u8],
    policy: Policy,
    warnings: &mut Vec<KeyWarning>,
) -> Result<u32, Rejection> {
    let bits = bit_len(n);
    let size_accepted = format!("an rsa modulus of {} to {MAX_BITS} bits", policy.min_bits);
    if bits > MAX_BITS {
        return Err(Rejection::with_accepted(
            Reason::RsaModulusTooLarge,
            format!("publicKey: the rsa modulus has {bits} bits, more than {MAX_BITS}"),
            size_accepted,
        ));
    }
    if bits < policy.min_bits {
        return Err(Rejection::with_accepted(
            Reason::RsaModulusTooSmall,
            format!(
                "publicKey: the rsa modulus has {bits} bits, fewer than {}",
                policy.min_bits
            ),
            size_accepted,
        ));
    }
    if n.last().is_some_and(|b| b & 1 == 0) {
        return Err(reject(Reason::RsaModulusEven, "the rsa modulus is even"));
    }

    let e_bits = bit_len(e);
    let e_accepted = format!(
        "an odd rsa public exponent e with 3 <= e < n and at most {} bits (65537 recommended)",
        policy.max_exponent_bits
    );
    if e_bits < 2 || (e_bits == 2 && e == [2]) {
        return Err(Rejection::with_accepted(
            Reason::RsaExponentTooSmall,
            "publicKey: the rsa public exponent is below 3",
            e_accepted,
        ));
    }
    if e.last().is_some_and(|b| b & 1 == 0) {
        return Err(Rejection::with_accepted(
            Reason::RsaExponentEven,
            "publicKey: the rsa public exponent is even",
            e_accepted,
        ));
    }
    if e_bits > policy.max_exponent_bits {
        return Err(Rejection::with_accepted(
            Reason::RsaExponentTooLarge,
            format!(
                "publicKey: the rsa public exponent has {e_bits} bits, more than {}",
                policy.max_exponent_bits
            ),
            e_accepted,
        ));
    }
    // Both magnitudes are minimal, so comparing lengths then bytes compares
    // values.
    if (e.len(), e) >= (n.len(), n) {
        return Err(Rejection::with_accepted(
            Reason::RsaExponentTooLarge,
            "publicKey: the rsa public exponent is not below the modulus",
            e_accepted,
        ));
    }

    let mut key = RsaKey {
        e,
        n,
        bits,
        e_bits,
        words: to_words(n),
        cleared: false,
    };
    key.cleared = screen::clears(&key);
    for check in WEAK_KEY_CHECKS {
        check(&key)?;
    }
    // After every other check, and only when asked: a prime modulus costs
    // one exponentiation modulo n to rule out (milliseconds, a hundred
    // times the checks above; see `prime_modulus.rs`).
    if policy.prime_modulus {
        prime_modulus::check(&key)?;
    }

    if bits < WARN_BELOW_BITS {
        warnings.push(KeyWarning::RsaModulusBelow3072);
    }
    if *e != RECOMMENDED_EXPONENT.to_be_bytes()[1..] {
        warnings.push(KeyWarning::RsaExponentNot65537);
    }
    for warn in BIT_WARNINGS {
        warn(&key, warnings);
    }
    Ok(bits)
}
