//! The first level of the small-prime check (see `blocks`) in 52-bit
//! digits: a number modulo eight block products at once, one per lane, with
//! the IFMA multiply-accumulates, for CPUs that have them.
//!
//! It is the AVX-512F kernel's Montgomery reduction (`avx512`'s
//! `block_residues`) with wider digits. Each block product D < 2^448 is used
//! as its multiple D‴ = D·(−D⁻¹ mod 2^52) < 2^500: ten digits, the lowest
//! 2^52 − 1, so that the multiple of D‴ a step adds is the window's low
//! digit itself, with no multiplication to find it. A 4096-bit number is 79
//! digits instead of 137 and a step is 18 multiply-accumulates over ten
//! digits instead of 15 multiplications and 15 additions over sixteen:
//! under 40 % of the instructions for the whole reduction.
//!
//! The result is congruent to n·2^(−52·s) modulo D‴, s the number of steps:
//! modulo every prime of the block, which is all the divisibility test
//! needs (2 is a unit modulo an odd prime). It is below 2^501, so it leaves
//! as the normalised 30-bit digits the AVX-512F leaf level takes (below
//! 2^511).
//!
//! The numbers are public keys: nothing here needs to be constant time (it
//! is anyway, apart from the number's length).

use super::{DIGIT_BITS, DIGIT_MASK};
use crate::blocks::{
    BLOCK_DIGIT_BITS, IFMA_DIGIT_BITS, IFMA_MULTIPLE_DIGITS, IfmaMultiples as Multiples,
    RESIDUE_DIGITS,
};
use crate::lanes::Lanes8;
use crate::{LANES, digit_of_width};

/// Digits of a block multiple D‴ < 2^500.
const MULTIPLE_DIGITS: usize = IFMA_MULTIPLE_DIGITS;
const _: () = assert!(IFMA_DIGIT_BITS == DIGIT_BITS);
/// The window of the reduction: one digit more than a multiple.
const WINDOW: usize = MULTIPLE_DIGITS + 1;
/// Steps with a zero digit entering after the number's last: they take the
/// window's value from below 2^573 to below 2^501 (see [`block_residues`]).
const ZERO_STEPS: usize = 2;

/// The 52-bit digits of a number given in little-endian words (as many as
/// the words need).
pub(crate) fn digits_of(words: &[u64]) -> Vec<u64> {
    let count = (words.len() * 64).div_ceil(DIGIT_BITS as usize);
    (0..count)
        .map(|i| digit_of_width(words, i, DIGIT_BITS))
        .collect()
}

/// One step of the reduction on the lazily summed window `t`: m, the low 52
/// bits of t[0], times D‴ is added and the window shifts one digit down,
/// taking in `entering`. As D‴'s lowest digit is 2^52 − 1,
/// t[0] + m·(2^52 − 1) is divisible by 2^52 with quotient (t[0] >> 52) + m,
/// the carry into the new lowest digit. The low half of m·D‴_j joins digit
/// j − 1 of the shifted window, the high half digit j.
#[inline(always)]
fn step<S: Lanes8>(
    s: S,
    t: &mut [S::V; WINDOW],
    d: &[S::V; MULTIPLE_DIGITS],
    entering: S::V,
    mask: S::V,
) {
    let m = s.and(t[0], mask);
    let carry = s.add(s.shr::<DIGIT_BITS>(t[0]), m);
    t[0] = s.add(s.madd52lo(t[1], m, d[1]), carry);
    for j in 2..MULTIPLE_DIGITS {
        t[j - 1] = s.madd52hi(s.madd52lo(t[j], m, d[j]), m, d[j - 1]);
    }
    t[MULTIPLE_DIGITS - 1] = s.madd52hi(t[MULTIPLE_DIGITS], m, d[MULTIPLE_DIGITS - 1]);
    t[MULTIPLE_DIGITS] = entering;
}

/// Montgomery's reduction of `n` (52-bit digits) modulo eight block
/// multiples at once (`multiples`, one block per lane), the window of
/// eleven digits in registers; the residues as normalised 30-bit digits,
/// digit j of every lane's in `[j]`, for the AVX-512F leaf level.
///
/// Digits: a digit of the window takes in one digit of n (below 2^52) and
/// then, in each of at most ten steps before it leaves at the bottom, at
/// most a low and a high half of a product (each below 2^52); with the
/// carry into the lowest digit (below 2^14 + 2^52) it stays below 2^57, far
/// from 2^64.
///
/// Value: the window starts below 2^572 (eleven digits of n) and a step
/// maps its value W to (W + m·D‴)/2^52 + entering·2^520 with m < 2^52 and
/// D‴ < 2^500, so that W < 2^573 throughout. The two steps with zero
/// digits entering take it below 2^521 + 2^500, then below 2^469 + 2^500 <
/// 2^501.
#[inline(always)]
pub(crate) fn block_residues<S: Lanes8>(
    s: S,
    n: &[u64],
    multiples: &Multiples,
) -> [[u64; LANES]; RESIDUE_DIGITS] {
    let mask = s.splat(DIGIT_MASK);
    let d: [S::V; MULTIPLE_DIGITS] = core::array::from_fn(|j| s.load(multiples[j]));
    let mut t = [s.zero(); WINDOW];
    for (v, &digit) in t.iter_mut().zip(n) {
        *v = s.splat(digit);
    }
    // Two loops, not one over a chain of the two: through a chain's state
    // the window went to memory at every step.
    for &digit in n.get(WINDOW..).unwrap_or(&[]) {
        step(s, &mut t, &d, s.splat(digit), mask);
    }
    for _ in 0..ZERO_STEPS {
        step(s, &mut t, &d, s.zero(), mask);
    }
    let mut carry = s.zero();
    let mut digits = [s.zero(); WINDOW];
    for (o, &v) in digits.iter_mut().zip(&t) {
        let v = s.add(v, carry);
        *o = s.and(v, mask);
        carry = s.shr::<DIGIT_BITS>(v);
    }
    debug_assert_eq!(s.store(carry), [0; LANES], "the residue is below 2^501");
    to_block_digits(s, &digits)
}

/// Normalised 52-bit digits (a value below 2^572) to the leaf level's
/// 30-bit digits, every lane at once: digit j takes bits 30j to 30j + 29,
/// from one 52-bit digit or from two. Each index and shift is a constant.
#[inline(always)]
fn to_block_digits<S: Lanes8>(s: S, d: &[S::V; WINDOW]) -> [[u64; LANES]; RESIDUE_DIGITS] {
    // The list below is written for 18 digits of 30 bits from 11 of 52.
    const _: () = assert!(RESIDUE_DIGITS == 18 && WINDOW == 11 && BLOCK_DIGIT_BITS == 30);
    let mask = s.splat((1 << BLOCK_DIGIT_BITS) - 1);
    let mut out = [[0u64; LANES]; RESIDUE_DIGITS];
    macro_rules! digit {
        ($($j:literal)*) => {$({
            const BIT: u32 = BLOCK_DIGIT_BITS * $j;
            const K: usize = (BIT / DIGIT_BITS) as usize;
            const SHIFT: u32 = BIT % DIGIT_BITS;
            let low = s.shr::<SHIFT>(d[K]);
            // The bits above the 52-bit digit, from the next; the two
            // parts do not overlap, so adding them is or-ing them.
            let v = if SHIFT + BLOCK_DIGIT_BITS > DIGIT_BITS {
                s.add(low, s.shl::<{ DIGIT_BITS - SHIFT }>(d[K + 1]))
            } else {
                low
            };
            out[$j] = s.store(s.and(v, mask));
        })*};
    }
    digit!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17);
    out
}

#[cfg(test)]
mod tests {
    //! The reduction on the emulated lanes against num-bigint, and on the
    //! intrinsics against the emulation where the CPU has AVX-512 IFMA.

    use num_bigint::BigUint;
    use proptest::prelude::*;

    use super::*;
    use crate::lanes::emulated::Emulated;

    fn big(w: &[u64]) -> BigUint {
        w.iter()
            .rev()
            .fold(BigUint::from(0u32), |acc, &x| (acc << 64u32) + x)
    }

    fn big_digits(d: &[u64], bits: u32) -> BigUint {
        d.iter()
            .rev()
            .fold(BigUint::from(0u32), |acc, &x| (acc << bits) + x)
    }

    /// Eight odd block products below 2^448 from arbitrary words (a lane
    /// may have fewer words, so that short products are tried too).
    fn products(raw: &[[u64; 7]; LANES], widths: &[usize; LANES]) -> [[u64; 8]; LANES] {
        core::array::from_fn(|i| {
            let mut d = [0u64; 8];
            let width = widths[i].clamp(1, 7);
            d[..width].copy_from_slice(&raw[i][..width]);
            d[0] |= 1;
            d
        })
    }

    fn multiples_of(products: &[[u64; 8]; LANES]) -> Multiples {
        let each = products.map(|d| crate::blocks::ifma_block_multiple(&d));
        core::array::from_fn(|j| core::array::from_fn(|i| each[i][j]))
    }

    /// Every lane's residue is normalised, below 2^501 and congruent to
    /// n·2^(−52·s) modulo its block.
    fn check(n: &[u64], products: &[[u64; 8]; LANES]) -> Result<(), TestCaseError> {
        let multiples = multiples_of(products);
        let digits = digits_of(n);
        let residues = block_residues(Emulated, &digits, &multiples);
        let steps = digits.len().saturating_sub(WINDOW) + ZERO_STEPS;
        let shift = BigUint::from(1u32) << (DIGIT_BITS as usize * steps);
        for (lane, d) in products.iter().enumerate() {
            let column: Vec<u64> = residues.iter().map(|row| row[lane]).collect();
            prop_assert!(column.iter().all(|&x| x >> BLOCK_DIGIT_BITS == 0));
            let r = big_digits(&column, BLOCK_DIGIT_BITS);
            prop_assert!(r < BigUint::from(1u32) << 501u32, "lane {}", lane);
            let d = big(d);
            prop_assert_eq!(&r * &shift % &d, big(n) % &d, "lane {}", lane);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(v) = crate::lanes::ifma::Ifma::detect() {
            let native = v.vectorize(|| block_residues(v, &digits, &multiples));
            prop_assert_eq!(native, residues);
        }
        Ok(())
    }

    #[test]
    fn multiples_are_montgomery_friendly() {
        // One, the largest product below 2^448, and a small one.
        let mut largest = [u64::MAX; 8];
        largest[7] = 0;
        for d in [
            [1, 0, 0, 0, 0, 0, 0, 0],
            largest,
            [3 * 5 * 7 * 11, 0, 0, 0, 0, 0, 0, 0],
        ] {
            let m = crate::blocks::ifma_block_multiple(&d);
            let value = big_digits(&m, DIGIT_BITS);
            let d = big(&d);
            assert_eq!(&value % &d, BigUint::from(0u32));
            assert_eq!(m[0], DIGIT_MASK);
            assert!(value < BigUint::from(1u32) << 500u32);
        }
    }

    #[test]
    fn edge_numbers() {
        let ones = [[u64::MAX; 7]; LANES];
        // Under Miri, the shortest numbers and one as long as RSA-4096's.
        let longest = if cfg!(miri) { 64 } else { 128 };
        for widths in [[1, 2, 3, 4, 5, 6, 7, 7], [7; LANES]] {
            let products = products(&ones, &widths);
            for n in [
                vec![0u64],
                vec![1],
                vec![u64::MAX; 9],
                vec![u64::MAX; longest],
            ] {
                check(&n, &products).unwrap();
            }
            if cfg!(miri) {
                break;
            }
        }
        if !crate::ifma::ifma_available() {
            eprintln!("edge_numbers: the native path skipped, this CPU has no AVX-512 IFMA");
        }
    }

    proptest! {
        #![proptest_config(crate::ifma::tests::config(64))]

        /// Numbers of every length to 8,192 bits modulo random blocks.
        #[test]
        fn residues_match_num_bigint(
            n in prop::collection::vec(any::<u64>(), 1..=128),
            raw in any::<[[u64; 7]; LANES]>(),
            widths in any::<[usize; LANES]>(),
        ) {
            check(&n, &products(&raw, &widths.map(|w| w % 7 + 1)))?;
        }
    }
}
