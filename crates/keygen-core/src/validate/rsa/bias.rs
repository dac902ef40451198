//! Bit bias of the modulus (badkeys' `rsabias`, `badkeys/rsakeys/rsabias.py`):
//! a product of two random primes has about as many one bits as zero bits.
//! A share of one bits outside 50 % ± T (T = 10 above 2000 bits, 12 above
//! 1000, 17 below; floored percentages, as badkeys) gets a warning, not a
//! refusal: the key is not known to be weak.
//!
//! Two warnings, as badkeys' two results: when the lower half of `n` is
//! unbiased, the upper half was chosen ([`KeyWarning::RsaVanityModulus`]: a
//! "vanity" key, whose primes can still be random, since fixing the top
//! half of `n` and solving for `q` is the usual way to make one); otherwise
//! the whole modulus is biased ([`KeyWarning::RsaBitBias`]: an unexplained
//! generator fault). A modulus sparse in both halves is the sparse-modulus
//! check's (`poly.rs`), which refuses it before this runs, as badkeys
//! leaves those to `rsapoly`; and one with a small factor is refused by the
//! small-factor check first, as badkeys leaves it to `smallfactors`.

use super::poly::{bit_percent, lower_half, popcount};
use super::{KeyWarning, RsaKey};

/// badkeys' tolerance around 50 %, in percentage points, by modulus size.
fn tolerance(bits: u32) -> u32 {
    match bits {
        2001.. => 10,
        1001..=2000 => 12,
        _ => 17,
    }
}

/// Adds the bias warning the modulus deserves, if any.
pub(super) fn warn(key: &RsaKey<'_>, warnings: &mut Vec<KeyWarning>) {
    if let Some(w) = bias(&key.words, key.bits) {
        warnings.push(w);
    }
}

fn bias(words: &[u64], bits: u32) -> Option<KeyWarning> {
    let t = tolerance(bits);
    let balanced = |pct: u32| 50 - t < pct && pct <= 50 + t;
    let pct = bit_percent(popcount(words), bits);
    if balanced(pct) {
        return None;
    }
    let (lower_ones, lower_bits) = lower_half(words, bits);
    let lower = bit_percent(lower_ones, lower_bits);
    if pct < 40 && lower < 40 {
        // A sparse modulus: the refusal's, not a warning's.
        return None;
    }
    Some(if balanced(lower) {
        KeyWarning::RsaVanityModulus
    } else {
        KeyWarning::RsaBitBias
    })
}

#[cfg(test)]
pub(super) mod tests {
    use num_bigint::BigUint;

    use super::*;
    use crate::validate::reason::Reason;
    use crate::validate::rsa::test_util::{Rng, naive_small_factor};
    use crate::validate::rsa::{MIN_BITS, Policy, check};

    /// The whole RSA policy on `n` (little-endian words, e = 65537), after
    /// nudging the lowest word until `n` is odd without small factors:
    /// the warnings of an accepted key, or the refusal's reason.
    pub(in crate::validate::rsa) fn judge(words: &[u64]) -> Result<Vec<KeyWarning>, Reason> {
        let mut n = BigUint::from_slice(&crate::num::words_to_u32(words));
        n.set_bit(0, true);
        while naive_small_factor(&n).is_some() {
            n += 2u32;
        }
        let policy = Policy {
            min_bits: MIN_BITS,
            max_exponent_bits: 32,
            prime_modulus: false,
        };
        let mut warnings = Vec::new();
        check(&[1, 0, 1], &n.to_bytes_be(), policy, &mut warnings)
            .map(|_| warnings)
            .map_err(|r| r.reason())
    }

    #[test]
    fn the_policy_accepts_biased_keys_with_their_warning() {
        let mut rng = Rng(14);
        // A vanity key: the upper half's bytes have seven one bits each
        // (no byte repeated), the lower half is random.
        let mut w = random(&mut rng, 64);
        for (i, x) in w[32..].iter_mut().enumerate() {
            let bytes: [u8; 8] = core::array::from_fn(|k| !(1u8 << ((i * 8 + k) % 8)));
            *x = u64::from_le_bytes(bytes);
        }
        assert_eq!(judge(&w), Ok(vec![KeyWarning::RsaVanityModulus]));
        // Three of every four bits set throughout: a bit bias.
        let mut w = random(&mut rng, 64);
        for x in &mut w {
            *x |= rng.next();
        }
        assert_eq!(judge(&w), Ok(vec![KeyWarning::RsaBitBias]));
        // A random key: none.
        assert_eq!(judge(&random(&mut rng, 64)), Ok(vec![]));
    }

    fn random(rng: &mut Rng, count: usize) -> Vec<u64> {
        let mut w: Vec<u64> = (0..count).map(|_| rng.next()).collect();
        w[0] |= 1;
        w[count - 1] |= 1 << 63;
        w
    }

    #[test]
    fn random_moduli_get_no_warning() {
        let mut rng = Rng(11);
        for count in [32, 48, 64, 128] {
            for _ in 0..100 {
                assert_eq!(bias(&random(&mut rng, count), count as u32 * 64), None);
            }
        }
    }

    #[test]
    fn a_chosen_upper_half_is_a_vanity_key() {
        let mut rng = Rng(12);
        let mut w = random(&mut rng, 64);
        // Upper half all ones: 75 % one bits overall, lower half random.
        for x in &mut w[32..] {
            *x = u64::MAX;
        }
        assert_eq!(bias(&w, 4096), Some(KeyWarning::RsaVanityModulus));
        // Upper half mostly zero, lower half random: ~25 %, vanity too.
        for x in &mut w[32..63] {
            *x = 0;
        }
        assert_eq!(bias(&w, 4096), Some(KeyWarning::RsaVanityModulus));
    }

    #[test]
    fn a_biased_lower_half_is_a_bit_bias() {
        let mut rng = Rng(13);
        let mut w = random(&mut rng, 64);
        // Three of every four bits set throughout: 75 %.
        for x in &mut w {
            *x |= rng.next();
        }
        assert_eq!(bias(&w, 4096), Some(KeyWarning::RsaBitBias));
        // Sparse in both halves: left to the sparse-modulus refusal.
        for x in &mut w {
            *x &= 0x0101_0101_0101_0101;
        }
        w[63] |= 1 << 63;
        assert_eq!(bias(&w, 4096), None);
        // A sparse lower half (~25 %) under a dense upper half: ~62 %
        // overall, the lower half biased too, not both below 40 %: bit bias.
        let mut w = random(&mut rng, 64);
        for x in &mut w[..32] {
            *x &= rng.next();
        }
        for x in &mut w[32..] {
            *x = u64::MAX;
        }
        assert_eq!(bias(&w, 4096), Some(KeyWarning::RsaBitBias));
    }

    #[test]
    fn the_tolerance_depends_on_the_size_like_badkeys() {
        assert_eq!(tolerance(4096), 10);
        assert_eq!(tolerance(2001), 10);
        assert_eq!(tolerance(2000), 12);
        assert_eq!(tolerance(1001), 12);
        assert_eq!(tolerance(1000), 17);
        // 2048 bits: 41 % to 60 % pass, 40 % and 61 % do not.
        let with_ones = |ones: u32| {
            let mut w = vec![0u64; 32];
            for i in 0..ones {
                // Spread the ones evenly so both halves share the bias.
                let bit = (u64::from(i) * 2048 / u64::from(ones)) as usize;
                w[bit / 64] |= 1 << (bit % 64);
            }
            w[31] |= 1 << 63;
            w[0] |= 1;
            (bit_percent(popcount(&w), 2048), w)
        };
        for (ones, warned) in [(840, false), (1240, false), (1250, true), (830, true)] {
            let (pct, w) = with_ones(ones);
            assert_eq!(bias(&w, 2048).is_some(), warned, "{ones} ones, {pct} %");
        }
    }
}
