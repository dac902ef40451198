//! RSA-4096 key generation per FIPS 186-5 appendix A.1.3 (random probable primes).
//!
//! The `rsa` crate's own generator is not used: it reduces `d` modulo φ(n)
//! rather than λ(n), and checks neither |p − q| nor the size of `d`. We search
//! the primes with crypto-primes' sieve and tests and assemble the key here.

use crypto_bigint::{BoxedUint, ConcatenatingMul, Lcm, NonZero, Odd};
use crypto_primes::hazmat::{
    LucasCheck, MillerRabin, SelfridgeBase, SetBits, SieveFactory, SmallFactorsSieveFactory,
    lucas_test,
};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::keypair::RsaKeyPair;
use crate::{Error, Result};

/// Size of the modulus in bits.
pub const MODULUS_BITS: u32 = 4096;
/// Size of each prime in bits.
pub const PRIME_BITS: u32 = MODULUS_BITS / 2;
/// The public exponent, F4. It is prime, so gcd(e, p − 1) = 1 exactly when
/// p mod e ≠ 1.
pub const PUBLIC_EXPONENT: u32 = 65_537;

/// Rounds of Miller–Rabin with random bases after the base-2 round.
///
/// FIPS 186-5 table B.1 asks for 4 rounds on 2048-bit primes p and q for an
/// error probability of 2^-144 (2 rounds for 2^-100). We run the base-2
/// round (which rejects nearly every composite the sieve lets through), then
/// these 4 random-base rounds, then a strong Lucas test with Selfridge's
/// parameters (FIPS 186-5 B.3.3): together a Baillie–PSW test with four more
/// random bases, for which no counterexample of any size is known.
pub const MR_RANDOM_ROUNDS: usize = 4;

/// FIPS 186-5 A.1.3 step 5.4: |p − q| must exceed 2^(nlen/2 − 100).
pub const MIN_PRIME_DISTANCE_LOG2: u32 = PRIME_BITS - 100;

/// How much work one generation did: the deterministic measure of its cost
/// (each count is of 2048-bit modular exponentiations or Lucas sequences).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerationStats {
    /// Candidates that survived the sieve and reached the primality tests.
    pub candidates: u64,
    /// Miller–Rabin rounds with base 2.
    pub mr_base_two: u64,
    /// Miller–Rabin rounds with random bases.
    pub mr_random: u64,
    /// Strong Lucas tests.
    pub lucas: u64,
    /// Prime pairs discarded because p and q were too close or d too small.
    pub rejected_pairs: u64,
}

impl GenerationStats {
    /// All modular exponentiations (Miller–Rabin rounds) performed.
    #[must_use]
    pub fn modexps(&self) -> u64 {
        self.mr_base_two + self.mr_random
    }
}

/// Does `candidate` pass the whole FIPS 186-5 B.3 test sequence (and the
/// gcd(e, p − 1) = 1 condition, checked first because it is cheapest)?
fn accept_prime<R: CryptoRng + ?Sized>(
    rng: &mut R,
    candidate: &BoxedUint,
    stats: &mut GenerationStats,
) -> bool {
    // A.1.3 step 4.4 / 5.5: p ≥ √2·2^(nlen/2 − 1). The two top bits set by the
    // sieve put every candidate at or above 1.5·2^2047; check rather than trust.
    if !(candidate.bit_vartime(PRIME_BITS - 1) && candidate.bit_vartime(PRIME_BITS - 2))
        || candidate.bit_width_vartime() != PRIME_BITS
    {
        return false;
    }
    let Some(e) = NonZero::new(crypto_bigint::Limb::from(PUBLIC_EXPONENT)).into_option() else {
        return false;
    };
    if candidate.rem_limb(e).0 == 1 {
        return false;
    }
    let Some(odd) = Odd::new(candidate.clone()).into_option() else {
        return false;
    };
    stats.candidates += 1;
    let mr = MillerRabin::new(odd.clone());
    stats.mr_base_two += 1;
    if mr.test_base_two().is_composite() {
        return false;
    }
    for _ in 0..MR_RANDOM_ROUNDS {
        stats.mr_random += 1;
        if mr.test_random_base(rng).is_composite() {
            return false;
        }
    }
    stats.lucas += 1;
    lucas_test(odd, SelfridgeBase, LucasCheck::Strong).is_probably_prime()
}

/// Finds one random 2048-bit probable prime meeting the conditions above.
fn random_prime<R: CryptoRng + ?Sized>(
    rng: &mut R,
    stats: &mut GenerationStats,
) -> Result<BoxedUint> {
    let mut factory = SmallFactorsSieveFactory::<BoxedUint>::new(
        crypto_primes::Flavor::Any,
        PRIME_BITS,
        SetBits::TwoMsb,
    )
    .map_err(|_| Error::Arithmetic("sieve parameters"))?;
    let mut sieve = factory
        .make_sieve(rng, None)
        .map_err(|_| Error::Arithmetic("sieve start"))?
        .ok_or(Error::Arithmetic("sieve start"))?;
    loop {
        for candidate in sieve.by_ref() {
            if accept_prime(rng, &candidate, stats) {
                return Ok(candidate);
            }
        }
        sieve = factory
            .make_sieve(rng, Some(&sieve))
            .map_err(|_| Error::Arithmetic("sieve restart"))?
            .ok_or(Error::Arithmetic("sieve restart"))?;
    }
}

/// |a − b| > 2^k.
pub(crate) fn distance_above(a: &BoxedUint, b: &BoxedUint, k: u32) -> bool {
    let diff = if a > b {
        a.wrapping_sub(b)
    } else {
        b.wrapping_sub(a)
    };
    // diff > 2^k  ⇔  diff − 1 ≥ 2^k  ⇔  bit_width(diff − 1) > k.
    diff.bit_width_vartime() > 0 && diff.wrapping_sub(BoxedUint::one()).bit_width_vartime() > k
}

/// Generates a key pair, returning the work counters too.
pub(crate) fn generate_with_stats<R: CryptoRng + ?Sized>(
    rng: &mut R,
) -> Result<(RsaKeyPair, GenerationStats)> {
    let mut stats = GenerationStats::default();
    loop {
        let a = Zeroizing::new(random_prime(rng, &mut stats)?);
        let b = Zeroizing::new(random_prime(rng, &mut stats)?);
        if !distance_above(&a, &b, MIN_PRIME_DISTANCE_LOG2) {
            stats.rejected_pairs += 1;
            continue;
        }
        // The API's keys have p > q, so that qInv = q⁻¹ mod p.
        let (p, q) = if *a > *b { (&a, &b) } else { (&b, &a) };
        match assemble(p, q)? {
            Some(key) => return Ok((key, stats)),
            None => stats.rejected_pairs += 1,
        }
    }
}

/// A copy of `v` at `bits` of precision (at least its own), built in place
/// so that no unwiped intermediate copy is left behind.
pub(crate) fn widened(v: &BoxedUint, bits: u32) -> Zeroizing<BoxedUint> {
    let mut out = Zeroizing::new(BoxedUint::zero_with_precision(bits.max(v.bits_precision())));
    out.as_mut_limbs()[..v.nlimbs()].copy_from_slice(v.as_limbs());
    out
}

/// Builds the key from two primes p > q (each already tested), or `None`
/// when FIPS 186-5 A.1.1 step 3's d > 2^(nlen/2) fails (probability ≈ 2^-2048).
///
/// Every secret intermediate (p − 1, q − 1, λ) is zeroized on the way out.
/// Temporaries inside crypto-bigint's own operations are not ours to wipe.
pub(crate) fn assemble(p: &BoxedUint, q: &BoxedUint) -> Result<Option<RsaKeyPair>> {
    let one = BoxedUint::one_with_precision(PRIME_BITS);
    let n = p.concatenating_mul(q);
    let p1 = Zeroizing::new(p.wrapping_sub(&one));
    let q1 = Zeroizing::new(q.wrapping_sub(&one));
    // λ(n) = lcm(p − 1, q − 1), computed at the modulus' precision.
    let lcm = Zeroizing::new(widened(&p1, MODULUS_BITS).lcm(&widened(&q1, MODULUS_BITS)));
    if lcm.bit_width_vartime() > MODULUS_BITS {
        return Err(Error::Arithmetic("lambda exceeds the modulus size"));
    }
    let mut lambda = Zeroizing::new(BoxedUint::zero_with_precision(MODULUS_BITS));
    let limbs = lambda.nlimbs();
    lambda
        .as_mut_limbs()
        .copy_from_slice(&lcm.as_limbs()[..limbs]);
    let lambda_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&lambda))
            .into_option()
            .ok_or(Error::Arithmetic("lambda is zero"))?,
    );
    let e = widened(&BoxedUint::from(u64::from(PUBLIC_EXPONENT)), MODULUS_BITS);
    let d = Zeroizing::new(
        e.invert_mod(&lambda_nz)
            .into_option()
            .ok_or(Error::Arithmetic("e is not invertible mod lambda"))?,
    );
    if d.bit_width() <= PRIME_BITS {
        return Ok(None);
    }
    let p1_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&p1))
            .into_option()
            .ok_or(Error::Arithmetic("p - 1 is zero"))?,
    );
    let q1_nz = Zeroizing::new(
        NonZero::new(BoxedUint::clone(&q1))
            .into_option()
            .ok_or(Error::Arithmetic("q - 1 is zero"))?,
    );
    let dp = d.rem(&p1_nz);
    let dq = d.rem(&q1_nz);
    let p_odd = Zeroizing::new(
        Odd::new(p.clone())
            .into_option()
            .ok_or(Error::Arithmetic("p is even"))?,
    );
    let qinv = q
        .invert_odd_mod(&p_odd)
        .into_option()
        .ok_or(Error::Arithmetic("q is not invertible mod p"))?;

    Ok(Some(RsaKeyPair::from_parts(
        n,
        BoxedUint::clone(&e),
        BoxedUint::clone(&d),
        p.clone(),
        q.clone(),
        dp,
        dq,
        qinv,
    )))
}
