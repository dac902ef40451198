//! Sparse moduli (badkeys' `rsapoly`, `badkeys/rsakeys/rsapoly.py`): a
//! modulus whose bits are mostly zero, in the whole and in its lower half,
//! comes from a generator that draws each prime with few random bits in a
//! fixed layout. Read in a limb base `2^w`, such an `n` is a polynomial with
//! small coefficients, and factoring that polynomial over the integers gives
//! the primes (Ryan, "Factoring short-sleeve RSA keys with polynomials",
//! Trail of Bits, 2026). Two families are known by their zero bits:
//! "nautilus" (128-bit chunks whose bits 16..63 are zero) and "completeftp"
//! (32-bit words whose bits 20..29 are zero; EnterpriseDT CompleteFTP
//! 10.0.0 to 12.0.0). As in badkeys, any other modulus sparse enough is
//! refused too, without a family.
//!
//! badkeys' order of exclusions is kept: a modulus with 40 % or more one
//! bits is fine; one below 500 bits is not judged; one whose lower half has
//! 40 % or more one bits is a "vanity" key (chosen upper bits, random
//! primes), left to the bias warning (`bias.rs`); one with a prime factor up
//! to 65537 is left to the small-factor check. That last exclusion holds by
//! order: [`super::WEAK_KEY_CHECKS`] runs the small-factor check first, so
//! this check never sees such a modulus, and the reason stays
//! `rsa_small_prime_factor` as in badkeys (a test pins the order).

use super::{RsaKey, reject};
use crate::validate::reason::{Reason, Rejection};

/// Below this share of one bits (percent, floored), in the whole modulus
/// and in its lower half, the modulus is sparse (badkeys' 40).
const SPARSE_PERCENT: u32 = 40;
/// Smaller moduli are not judged (badkeys' 500 bits; the size policy
/// refuses them anyway).
const MIN_BITS: u32 = 500;
/// "nautilus": bits 16..63 of every 128-bit chunk above the lowest are zero.
const NAUTILUS_MASK: u64 = 0xffff_ffff_ffff_0000;
/// "completeftp": bits 20..29 of every 32-bit word above the lowest are zero.
const COMPLETEFTP_MASK: u32 = 0x3ff0_0000;

/// The family of a sparse modulus, when its zero bits show one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Nautilus,
    CompleteFtp,
    /// Sparse, with no known layout.
    Unnamed,
}

/// Refuses a sparse modulus (badkeys' `rsapoly`).
pub(super) fn check(key: &RsaKey<'_>) -> Result<(), Rejection> {
    let Some((family, pct)) = sparse(&key.words, key.bits) else {
        return Ok(());
    };
    let message = match family {
        Family::Nautilus => "the rsa modulus has the 'nautilus' zero-byte pattern (bits 16 to 63 \
             of each 128-bit chunk zero); polynomial factoring recovers its primes"
            .to_owned(),
        Family::CompleteFtp => "the rsa modulus has the 'completeftp' zero-byte pattern (bits 20 \
             to 29 of each 32-bit word zero); polynomial factoring recovers its primes"
            .to_owned(),
        Family::Unnamed => format!(
            "only {pct}% of the rsa modulus's bits are one (about 50% in a sound key): sparse \
             like the 'nautilus' and 'completeftp' kinds, factorable by polynomial methods"
        ),
    };
    Err(reject(Reason::RsaSparseModulus, message))
}

/// Percent of one bits among the `bits` significant bits, floored
/// (badkeys' `_bitpct`); 0 for no bits.
pub(super) fn bit_percent(ones: u32, bits: u32) -> u32 {
    // At most 16384 · 100: no overflow.
    (ones * 100).checked_div(bits).unwrap_or(0)
}

/// One bits of `n` (little-endian words).
pub(super) fn popcount(words: &[u64]) -> u32 {
    words.iter().map(|w| w.count_ones()).sum()
}

/// One bits and bit length of `n mod 2^(bits/2)`, the lower half of an
/// `n` of `bits` bits (badkeys' `n % (1 << (bits // 2))`).
pub(super) fn lower_half(words: &[u64], bits: u32) -> (u32, u32) {
    let half = (bits / 2) as usize;
    let (full, rest) = (half / 64, half % 64);
    let mut ones = popcount(&words[..full.min(words.len())]);
    let top = match words.get(full) {
        Some(&w) if rest > 0 => w & ((1u64 << rest) - 1),
        _ => 0,
    };
    ones += top.count_ones();
    // The bit length of the lower half: its highest non-zero word.
    let len = if top != 0 {
        (full * 64) as u32 + (64 - top.leading_zeros())
    } else {
        words[..full.min(words.len())]
            .iter()
            .rposition(|&w| w != 0)
            .map_or(0, |i| (i * 64) as u32 + (64 - words[i].leading_zeros()))
    };
    (ones, len)
}

/// badkeys' decision: `Some((family, percent of one bits))` for a sparse
/// modulus, in badkeys' order of exclusions (the small-factor exclusion
/// holds by the order of the checks, see the module's comment).
fn sparse(words: &[u64], bits: u32) -> Option<(Family, u32)> {
    let pct = bit_percent(popcount(words), bits);
    if pct >= SPARSE_PERCENT || bits < MIN_BITS {
        return None;
    }
    let (lower_ones, lower_bits) = lower_half(words, bits);
    if bit_percent(lower_ones, lower_bits) >= SPARSE_PERCENT {
        return None;
    }
    let family = if nautilus(words) {
        Family::Nautilus
    } else if completeftp(words) {
        Family::CompleteFtp
    } else {
        Family::Unnamed
    };
    Some((family, pct))
}

/// badkeys' `_checkbits(n, 128, 0xffffffffffff0000)` on words: the mask on
/// every 128-bit chunk but the lowest (which nextprime may have touched),
/// and no chunk other than the two lowest and the highest entirely zero
/// (badkeys' "more than one zero chunk": its loop counts the end once).
fn nautilus(words: &[u64]) -> bool {
    let chunks = words.len().div_ceil(2);
    let chunk = |j: usize| -> (u64, u64) {
        (
            words[2 * j],
            words.get(2 * j + 1).copied().unwrap_or_default(),
        )
    };
    // Chunks 1 .. chunks-1 are tested; 2 .. chunks-1 must not be zero.
    (1..chunks).all(|j| {
        let (lo, hi) = chunk(j);
        lo & NAUTILUS_MASK == 0 && (j < 2 || lo != 0 || hi != 0)
    })
}

/// badkeys' `_checkbits(n, 32, 0x03ff00000)` on words: the mask on every
/// 32-bit word but the lowest, and none of words 2 .. top-1 zero.
fn completeftp(words: &[u64]) -> bool {
    let halves = |i: usize| [words[i] as u32, (words[i] >> 32) as u32];
    let top = words.len() * 2 - usize::from(words.last().is_some_and(|w| w >> 32 == 0));
    // 32-bit word j is halves(j / 2)[j % 2]; words j >= top are zero.
    (1..top).all(|j| {
        let c = halves(j / 2)[j % 2];
        c & COMPLETEFTP_MASK == 0 && (j < 2 || c != 0)
    })
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;

    use super::*;
    use crate::validate::rsa::test_util::Rng;

    /// badkeys' `_checkbits`, transcribed literally on a big integer.
    fn checkbits_reference(n: &BigUint, width: u32, mask: u64) -> bool {
        let chunk_mask = (BigUint::from(1u8) << width) - 1u8;
        let mut m = n >> width;
        let mut set = BigUint::from(0u8);
        let mut zero_chunks = 0;
        while m != BigUint::from(0u8) {
            set |= &m & BigUint::from(mask);
            m >>= width;
            if &m & &chunk_mask == BigUint::from(0u8) {
                zero_chunks += 1;
            }
        }
        zero_chunks < 2 && set == BigUint::from(0u8)
    }

    fn bits_of(n: &BigUint) -> u32 {
        n.bits() as u32
    }

    fn words(n: &BigUint) -> Vec<u64> {
        n.to_u64_digits()
    }

    /// A sparse n: random bits kept only where `keep` is set in each word.
    fn masked(rng: &mut Rng, count: usize, keep: u64, top: u64) -> BigUint {
        let mut w: Vec<u64> = (0..count).map(|_| rng.next() & keep).collect();
        w[0] |= 1;
        *w.last_mut().unwrap() |= top;
        BigUint::from_slice(&crate::num::words_to_u32(&w))
    }

    #[test]
    fn chunk_rules_match_badkeys_on_structured_and_random_moduli() {
        let mut rng = Rng(17);
        let mut cases = Vec::new();
        for _ in 0..200 {
            // nautilus-like: random upper 64 bits, low 16 bits in each chunk.
            let mut w: Vec<u64> = Vec::new();
            for _ in 0..16 {
                w.push(rng.next() & 0xffff);
                w.push(rng.next());
            }
            cases.push(BigUint::from_slice(&crate::num::words_to_u32(&w)));
            // completeftp-like: bits 20..29 of every 32-bit word zero.
            cases.push(masked(&mut rng, 32, !0x3ff0_0000_3ff0_0000, 1 << 63));
            // Random, and with a zero chunk or word punched in.
            let r = rng.big(32);
            cases.push(r.clone());
            let mut w = words(&cases[cases.len() - 2]);
            let k = 2 + (rng.next() % 28) as usize;
            w[k] = 0;
            cases.push(BigUint::from_slice(&crate::num::words_to_u32(&w)));
            let mut w = words(&cases[cases.len() - 4]);
            w[2 * (2 + (rng.next() % 13) as usize)] = 0;
            w[2 * (2 + (rng.next() % 13) as usize) + 1] = 0;
            cases.push(BigUint::from_slice(&crate::num::words_to_u32(&w)));
            // A zero chunk right above the lowest: allowed by badkeys.
            let mut w = words(&cases[cases.len() - 5]);
            w[2] = 0;
            w[3] = 0;
            cases.push(BigUint::from_slice(&crate::num::words_to_u32(&w)));
        }
        let (mut seen_n, mut seen_c) = (false, false);
        for n in &cases {
            let w = words(n);
            let expect_n = checkbits_reference(n, 128, NAUTILUS_MASK);
            let expect_c = checkbits_reference(n, 32, u64::from(COMPLETEFTP_MASK));
            assert_eq!(nautilus(&w), expect_n, "nautilus rule on {n:x}");
            assert_eq!(completeftp(&w), expect_c, "completeftp rule on {n:x}");
            seen_n |= expect_n;
            seen_c |= expect_c;
        }
        assert!(seen_n && seen_c, "the cases exercise both rules");
    }

    #[test]
    fn lower_half_matches_the_big_integer() {
        let mut rng = Rng(3);
        for bits in [500u32, 1023, 2047, 2048, 4095, 4096] {
            for _ in 0..20 {
                let mut n = rng.big(64) >> (4096 - bits);
                n.set_bit(u64::from(bits - 1), true);
                // Zero the top of the lower half now and then.
                if rng.next() & 1 == 0 {
                    for b in bits / 2 - 70..bits / 2 {
                        n.set_bit(u64::from(b), false);
                    }
                }
                let low = &n % (BigUint::from(1u8) << (bits / 2));
                let (ones, len) = lower_half(&words(&n), bits);
                assert_eq!(ones, low.count_ones() as u32);
                assert_eq!(len, bits_of(&low));
            }
        }
    }

    #[test]
    fn the_research_moduli_get_their_families() {
        // Made with Python and sympy (seed 1): two completeftp-like and two
        // nautilus-like primes; each product's primes are recovered by
        // factoring the polynomial of its digits.
        let completeftp_n = BigUint::parse_bytes(
            b"4000000500000059000002e100001537800041e500007ad98000e7c3000164c18001a03d80020ab180028acd80027fef8002b303800342128002fd9980037f0c0003accb000408cc0004420d800470fb8004949e8004af160004ecd4000541568005f4908005e505000681a700072488800798d98007339b8007b13d0008d09000088640000911e500091842000921320008edb700086d3d0008020d0007b7a1000812600006e0270006d1ca0006cad7000776ed0005f52d0004e3d4000584ff0005a7b100044d8c0003a30c0004ea2a000465b600030ff60002f2b40003a72e000306460001bf520002531f000253830001c3590000d2e30000bc200000a77b",
            16,
        )
        .unwrap();
        let nautilus_n = BigUint::parse_bytes(
            b"8776f7bcf27853de0000000000000000a862ffdab1bb4a820000000000000000c9f93247f32ef23e0000000000000001595ddcba7e024e5000000000000000020cd3efb00aad48c50000000000000001fab498086f91119200000000000000021121fdc3d015773a000000000000000250fb55c24b2bbe8200000000000007fff5cc3ba608664e9b0000000000000539202240da6267fe4e000000000000055db65de80e91518e9100000000000006e5516761e7319c20e30000000000000791c08ed5fc5180d14a00000000000004f55d085613ba4f16d20000000000000399ca13811ee147e44b00000000000004c53d69c7020000000000000000001801b3",
            16,
        )
        .unwrap();
        let c = sparse(&words(&completeftp_n), bits_of(&completeftp_n));
        assert_eq!(c.map(|(f, _)| f), Some(Family::CompleteFtp));
        let n = sparse(&words(&nautilus_n), bits_of(&nautilus_n));
        assert_eq!(n.map(|(f, _)| f), Some(Family::Nautilus));
    }

    #[test]
    fn exclusions_follow_badkeys() {
        let mut rng = Rng(5);
        // Random moduli: about half their bits are one.
        for _ in 0..50 {
            let mut n = rng.big(64);
            n.set_bit(4095, true);
            n.set_bit(0, true);
            assert_eq!(sparse(&words(&n), 4096), None);
        }
        // A vanity key: sparse upper half, random lower half: not refused.
        let mut w: Vec<u64> = (0..64).map(|_| rng.next()).collect();
        for x in &mut w[32..] {
            *x = 0;
        }
        w[63] = 1 << 63;
        w[0] |= 1;
        let bits = 4096;
        assert!(bit_percent(popcount(&w), bits) < SPARSE_PERCENT);
        assert_eq!(sparse(&w, bits), None);
        // The same sparseness in the lower half too: refused, no family
        // (the zero words break both chunk rules).
        for x in &mut w[3..32] {
            *x &= 0x0000_0000_ffff_0000;
        }
        w[10] = 0;
        assert_eq!(sparse(&w, bits).map(|(f, _)| f), Some(Family::Unnamed));
        // Below 500 bits: not judged.
        assert_eq!(sparse(&[1u64, 0, 0, 1 << 10, 0, 0, 0, 1 << 50], 499), None);
        assert!(sparse(&[1u64, 0, 0, 1 << 10, 0, 0, 0, 1 << 51], 500).is_some());
        // 40 % one bits is not sparse, 39 % is (floored, as badkeys).
        let with_ones = |total: u32| {
            // 640 bits; the lower half (320 bits) has two one bits.
            let mut w = vec![0u64; 10];
            w[0] = 1;
            w[4] = 1 << 63;
            w[9] = 1 << 63;
            for i in 0..total - 3 {
                w[5 + (i / 64) as usize] |= 1 << (i % 64);
            }
            w
        };
        assert_eq!(popcount(&with_ones(256)), 256);
        assert_eq!(sparse(&with_ones(256), 640), None);
        assert!(sparse(&with_ones(255), 640).is_some());
    }

    #[test]
    fn the_order_of_the_checks_keeps_badkeys_reasons() {
        use crate::validate::reason::Reason;
        use crate::validate::rsa::bias::tests::judge;
        use crate::validate::rsa::{MIN_BITS, Policy, check};

        let policy = Policy {
            min_bits: MIN_BITS,
            max_exponent_bits: 32,
            prime_modulus: false,
        };
        let reason = |n: &BigUint| {
            check(&[1, 0, 1], &n.to_bytes_be(), policy, &mut Vec::new()).map_err(|r| r.reason())
        };
        // Sparse with the factor 3: badkeys leaves it to smallfactors.
        let mut sparse_n = BigUint::from(1u8) << 4095u32;
        for k in (0..4095).step_by(97) {
            sparse_n.set_bit(k, true);
        }
        assert_eq!(
            sparse(&words(&sparse_n), 4096).map(|(f, _)| f),
            Some(Family::Unnamed)
        );
        while &sparse_n % 3u32 != BigUint::from(0u8) {
            sparse_n += 2u32;
        }
        assert_eq!(reason(&sparse_n), Err(Reason::RsaSmallPrimeFactor));
        // Mostly zero, which also shows the xz header by accident: refused
        // as sparse, the reason that describes it.
        let mut w = vec![0u64; 64];
        w[63] = 1 << 63;
        w[10] = 0x1234_5678_9abc_def1;
        w[11] = 0x0fed_cba9_8765_4321;
        let n = BigUint::from_slice(&crate::num::words_to_u32(&w));
        assert!(super::super::xz_backdoor::tests::command_of(&n.to_bytes_be()).is_some());
        assert_eq!(judge(&w), Err(Reason::RsaSparseModulus));
    }

    #[test]
    fn bit_percent_floors_like_badkeys() {
        assert_eq!(bit_percent(0, 0), 0);
        assert_eq!(bit_percent(819, 2048), 39);
        assert_eq!(bit_percent(820, 2048), 40);
        assert_eq!(bit_percent(1, 3), 33);
    }
}
