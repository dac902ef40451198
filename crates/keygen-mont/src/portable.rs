//! The portable kernel: one modulus at a time in plain 64-bit integers.
//!
//! It is the reference the AVX-512 kernel is tested against, and what runs
//! on CPUs without AVX-512 (and under Miri). It follows the same digits and
//! the same column order as the vector kernel, so that the two can be
//! compared step by step, but shares no code with it.

use zeroize::Zeroize;

use crate::{
    BITS, DIGIT_BITS, DIGIT_MASK, DIGITS, Digits, Lane, MrContext, TAIL_BITS, WINDOW_BITS, Words,
    eq_digits, eq_small, finish, select_digits,
};

/// a·a·R⁻¹ mod N, below 2·N for a below 4·N.
pub(crate) fn sqr(a: &Digits, n: &Digits, n_prime: u64) -> Digits {
    mul(a, a, n, n_prime)
}

/// a·R⁻¹ mod N, at most N, for a below 4·N: a Montgomery multiplication by 1.
pub(crate) fn reduce(a: &Digits, n: &Digits, n_prime: u64) -> Digits {
    let mut one = [0u64; DIGITS];
    one[0] = 1;
    mul(a, &one, n, n_prime)
}

/// Doubles `a` where `bit` is 1 (adds `a & −bit`), then carries, without a
/// branch on `bit`.
pub(crate) fn double_if(a: &mut Digits, bit: u64) {
    let mask = bit.wrapping_neg();
    let mut carry = 0;
    for d in a.iter_mut() {
        let t = *d + (*d & mask) + carry;
        *d = t & DIGIT_MASK;
        carry = t >> DIGIT_BITS;
    }
}

/// 2^e mod N for one lane.
pub(crate) fn pow2(lane: &Lane) -> Words {
    let mut x = lane.one;
    for i in (0..BITS).rev() {
        x = sqr(&x, &lane.n, lane.n_prime);
        double_if(&mut x, lane.exponent_bit(i));
    }
    let mut r = reduce(&x, &lane.n, lane.n_prime);
    let out = finish(&r, &lane.n);
    x.zeroize();
    r.zeroize();
    out
}

/// a·b·R⁻¹ mod N, below 2·N for a, b below 4·N (digits below 2^28).
///
/// Column k of a·b + m·N is summed in `acc`; for k < 74 the Montgomery digit
/// m_k makes the column's low digit zero, after that the column's low digit
/// is the output's digit k − 74. Every column sum stays below
/// 148·2^56 + 2^37 < 2^64.
pub(crate) fn mul(a: &Digits, b: &Digits, n: &Digits, n_prime: u64) -> Digits {
    let mut m = [0u64; DIGITS];
    let mut out = [0u64; DIGITS];
    let mut acc = 0u64;
    for k in 0..2 * DIGITS - 1 {
        let lo = k.saturating_sub(DIGITS - 1);
        for i in lo..=k.min(DIGITS - 1) {
            acc += a[i] * b[k - i];
        }
        for i in lo..k.min(DIGITS) {
            acc += m[i] * n[k - i];
        }
        if k < DIGITS {
            let mk = (acc.wrapping_mul(n_prime)) & DIGIT_MASK;
            m[k] = mk;
            acc += mk * n[0];
        } else {
            out[k - DIGITS] = acc & DIGIT_MASK;
        }
        acc >>= DIGIT_BITS;
    }
    out[DIGITS - 1] = acc;
    m.zeroize();
    out
}

/// Is N (the context's modulus) a strong probable prime to `base`?
///
/// b^(N−1) by fixed 4-bit windows down to bit 64 (each window's table entry
/// found by reading all sixteen), then bit by bit, multiplying always and
/// keeping the product only where the bit is set, so that every value
/// b^⌊(N−1)/2^j⌋ for j < 64 is seen; the verdict collects, without a
/// branch, whether the value at j = s is 1 or a value at 1 ≤ j ≤ s is −1.
pub(crate) fn strong_test(ctx: &MrContext, base: &Digits) -> bool {
    let (n, np) = (&ctx.n, ctx.n_prime);
    let mut b = mul(base, &ctx.r2, n, np);
    let mut table = [ctx.ones[0]; 1 << WINDOW_BITS];
    table[1] = b;
    for k in 2..table.len() {
        table[k] = mul(&table[k - 1], &b, n, np);
    }
    let mut x = ctx.ones[0];
    for w in (TAIL_BITS / WINDOW_BITS..BITS / WINDOW_BITS).rev() {
        for _ in 0..WINDOW_BITS {
            x = sqr(&x, n, np);
        }
        let index = ctx.window(w);
        let mut entry = [0u64; DIGITS];
        for (k, t) in table.iter().enumerate() {
            entry = select_digits(eq_small(k as u64, index), t, &entry);
        }
        x = mul(&x, &entry, n, np);
        entry.zeroize();
    }
    let mut pass = 0u64;
    for j in (0..TAIL_BITS).rev() {
        x = sqr(&x, n, np);
        let mut y = mul(&x, &b, n, np);
        x = select_digits(ctx.tail_bit(j), &y, &x);
        y.zeroize();
        let is_one = eq_digits(&x, &ctx.ones[0]) | eq_digits(&x, &ctx.ones[1]);
        let is_minus_one = eq_digits(&x, &ctx.minus_ones[0]) | eq_digits(&x, &ctx.minus_ones[1]);
        let (at_s, up_to_s) = ctx.tail_rules(j);
        pass |= (is_one & at_s) | (is_minus_one & up_to_s);
    }
    b.zeroize();
    table.zeroize();
    x.zeroize();
    pass == 1
}

#[cfg(test)]
mod tests {
    //! The portable kernel's pieces on a few values, small enough to run
    //! under Miri (`cargo +nightly miri test -p keygen-mont --lib`), checked
    //! with num-bigint.

    use num_bigint::BigUint;

    use super::*;
    use crate::digits::{DIGITS, from_digits, neg_inverse_digit, r_mod_n, to_digits};
    use crate::words::WORDS;

    fn big(w: &Words) -> BigUint {
        BigUint::from_slice(
            &w.iter()
                .flat_map(|x| [*x as u32, (*x >> 32) as u32])
                .collect::<Vec<_>>(),
        )
    }

    /// Three odd 2048-bit moduli and values below them, from a fixed stream.
    fn samples() -> Vec<(Words, Words, Words)> {
        let mut state = 0x243f_6a88_85a3_08d3_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..3)
            .map(|_| {
                let mut n = [0u64; WORDS];
                let mut a = [0u64; WORDS];
                let mut b = [0u64; WORDS];
                for i in 0..WORDS {
                    n[i] = next();
                    a[i] = next();
                    b[i] = next();
                }
                n[0] |= 1;
                n[WORDS - 1] |= 1 << 63;
                a[WORDS - 1] >>= 1;
                b[WORDS - 1] >>= 1;
                (n, a, b)
            })
            .collect()
    }

    #[test]
    fn montgomery_multiplication_matches_num_bigint() {
        let r = BigUint::from(1u32) << (DIGITS as u32 * DIGIT_BITS);
        for (n, a, b) in samples() {
            let (nd, np) = (to_digits(&n), neg_inverse_digit(n[0]));
            let out = mul(&to_digits(&a), &to_digits(&b), &nd, np);
            // out·R ≡ a·b (mod N), and out < 2N.
            let out_big = out
                .iter()
                .enumerate()
                .fold(BigUint::from(0u32), |acc, (i, &d)| {
                    acc + (BigUint::from(d) << (i as u32 * DIGIT_BITS))
                });
            let nb = big(&n);
            assert!(out_big < &nb * 2u32);
            assert_eq!(&out_big * &r % &nb, big(&a) * big(&b) % &nb);
            assert!(out.iter().all(|&d| d <= DIGIT_MASK));
        }
    }

    #[test]
    fn conversions_and_doubling() {
        for (n, a, _) in samples() {
            let nd = to_digits(&n);
            let nb = big(&n);
            // R mod N.
            let r = BigUint::from(1u32) << (DIGITS as u32 * DIGIT_BITS);
            assert_eq!(big(&from_digits(&r_mod_n(&n, &nd))), &r % &nb);
            // Montgomery form out again: reduce(a·R mod N) = a.
            let ar = words_of(&(big(&a) * &r % &nb));
            let back = reduce(&to_digits(&ar), &nd, neg_inverse_digit(n[0]));
            assert_eq!(finish(&back, &nd), a);
            // double_if doubles only when asked.
            let mut x = to_digits(&a);
            double_if(&mut x, 0);
            assert_eq!(from_digits(&x), a);
            double_if(&mut x, 1);
            assert_eq!(big(&from_digits(&x)), big(&a) * 2u32);
        }
    }

    fn words_of(b: &BigUint) -> Words {
        let mut w = [0u64; WORDS];
        for (o, d) in w.iter_mut().zip(b.to_u64_digits()) {
            *o = d;
        }
        w
    }
}
