//! The scalar kernel: one 2048-bit modulus at a time in 32 words of 64 bits,
//! for CPUs without AVX-512.
//!
//! The portable kernel (28-bit digits, the vector kernel's twin) is the
//! reference; it spends a 64-bit multiplication on every 28-bit digit
//! product. Here each product is a full 64 × 64 → 128-bit multiplication,
//! so a 2048-bit number is 32 words and a Montgomery product about
//! 2·32² = 2048 word products instead of 2·74² = 10,952. (crypto-bigint has
//! the same Montgomery arithmetic on words, but on heap-allocated numbers of
//! any size and without a squaring of its own; this is the hot loop of the
//! prime search, fixed at 2048 bits, so it is written out here.)
//!
//! # Arithmetic
//!
//! R = 2^2048. Products are summed column by column (product scanning,
//! Comba 1990) into a three-word accumulator, and the Montgomery reduction
//! is folded into the same columns (the finely integrated product scanning
//! of Koç, Acar and Kaliski, 1996): column k < 32 fixes the digit
//! m_k = −t_k·N⁻¹ mod 2^64 that clears it, columns 32 to 63 are the result.
//! A squaring sums each product a_i·a_j (i < j) once and doubles the sum:
//! 528 word products for the square and 1,024 for the reduction, against
//! 2,048 for a product of two numbers. Every value is kept fully reduced,
//! below N: the result of a reduction is below 2·N (Montgomery 1985, for
//! inputs below N), and one subtraction of N, kept or not by a mask, brings
//! it below N. N ≥ 2^2047, so 2·N may reach 2^2048: the column sums' last
//! carry is the 2049th bit.
//!
//! The column sums are written as fixed-size loops and a macro over the 63
//! columns, so every index is a constant; the compiled squaring (about
//! 7,600 instructions, 733 of them `mul`) has no branch but the back edges
//! of a few loops with constant trip counts. It is bound by the compiler's
//! code for the three-word sums (`mul`, then `add`/`adc`/`adc`, with
//! spills). On CPUs with BMI2 and ADX the products and squarings go to
//! `adx` instead (rows of `mulx` with the two carry chains of `adcx` and
//! `adox`, which no intrinsic reaches), about 1.5 times as fast, and so do
//! the final subtractions (one `sbb` chain, then `cmov`); this code is then
//! the reference they are tested against, and what other CPUs and Miri run.
//! `Modulus::with_adx` picks either.
//!
//! # Constant time
//!
//! The same instructions run whatever the modulus, the exponent and the
//! intermediate values are: loop bounds are constants, the carries are
//! arithmetic (add with carry), the conditional subtraction and the doubling
//! select with masks, and the window table of Miller–Rabin is read in full.

use zeroize::Zeroize;

use crate::adx::Adx;
use crate::{TAIL_BITS, WINDOW_BITS, Words, eq_small, le_small};

/// Words of a number.
const LIMBS: usize = crate::WORDS;

/// A column accumulator of three words, `c0` + `c1`·2^64 + `c2`·2^128.
#[derive(Clone, Copy)]
struct Acc {
    c0: u64,
    c1: u64,
    c2: u64,
}

/// a + b + carry, and the carry out.
#[inline(always)]
fn adc(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(u64::from(carry));
    (s, c1 | c2)
}

impl Acc {
    const ZERO: Self = Self {
        c0: 0,
        c1: 0,
        c2: 0,
    };

    /// Adds a·b.
    #[inline(always)]
    fn mac(&mut self, a: u64, b: u64) {
        let p = u128::from(a) * u128::from(b);
        let (s0, k) = self.c0.overflowing_add(p as u64);
        let (s1, k) = adc(self.c1, (p >> 64) as u64, k);
        self.c0 = s0;
        self.c1 = s1;
        self.c2 += u64::from(k);
    }

    /// Adds another accumulator.
    #[inline(always)]
    fn add(&mut self, other: Self) {
        let (s0, k) = self.c0.overflowing_add(other.c0);
        let (s1, k) = adc(self.c1, other.c1, k);
        self.c0 = s0;
        self.c1 = s1;
        self.c2 += other.c2 + u64::from(k);
    }

    /// Doubles (the value is below 2^191).
    #[inline(always)]
    fn double(&mut self) {
        self.c2 = (self.c2 << 1) | (self.c1 >> 63);
        self.c1 = (self.c1 << 1) | (self.c0 >> 63);
        self.c0 <<= 1;
    }

    /// The low word.
    #[inline(always)]
    fn low(&self) -> u64 {
        self.c0
    }

    /// Drops the low word (the value divided by 2^64).
    #[inline(always)]
    fn shift(&mut self) {
        self.c0 = self.c1;
        self.c1 = self.c2;
        self.c2 = 0;
    }
}

/// Adds Σ x_i·y_(k−i) for lo ≤ i < hi to `acc` (column k of x·y, or part
/// of it). Called with constant arguments only, so that the loop is
/// written out and its indices checked at compile time.
#[inline(always)]
fn column(acc: &mut Acc, x: &[u64; LIMBS], y: &[u64; LIMBS], k: usize, lo: usize, hi: usize) {
    for i in lo..hi {
        acc.mac(x[i], y[k - i]);
    }
}

/// Column K of the square: Σ_(i<j, i+j=K) 2·a_i·a_j + a_(K/2)² (K even).
#[inline(always)]
fn square_column<const K: usize>(acc: &mut Acc, a: &[u64; LIMBS]) {
    let lo = K.saturating_sub(LIMBS - 1);
    // i < j = K − i: i < ⌈K/2⌉.
    let mut off = Acc::ZERO;
    column(&mut off, a, a, K, lo, K.div_ceil(2));
    off.double();
    if K.is_multiple_of(2) {
        off.mac(a[K / 2], a[K / 2]);
    }
    acc.add(off);
}

/// Runs `$step!(k)` for each column k = 0, …, 62 of a product of two
/// 32-word numbers, written out so that each index is a constant.
macro_rules! each_column {
    ($step:ident) => {
        each_column!(@ $step; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25
            26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54
            55 56 57 58 59 60 61 62)
    };
    (@ $step:ident; $($k:literal)*) => {
        $($step!($k);)*
    };
}

// The list in `each_column` is written for 32 words.
const _: () = assert!(LIMBS == 32);

/// What the kernel needs to know about a modulus N.
pub(crate) struct Modulus {
    /// N.
    n: Words,
    /// −N⁻¹ mod 2^64.
    n_prime: u64,
    /// R mod N = 2^2048 − N (below N, as N > 2^2047): 1 in Montgomery form.
    one: Words,
    /// The token of the ADX product, when the CPU has it and it is wanted.
    adx: Option<Adx>,
    /// Scratch: the ADX products' 64 words before and during their
    /// reduction, and the difference of each final subtraction. One buffer
    /// for every operation of an exponentiation, wiped with the rest when
    /// the modulus is dropped rather than after each operation.
    scratch: [u64; 2 * LIMBS],
}

impl Drop for Modulus {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl core::fmt::Debug for Modulus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Modulus { .. }")
    }
}

impl Modulus {
    /// Zeroes what the context holds: N is a candidate for a secret prime,
    /// and the scratch holds the last operation's values.
    fn wipe(&mut self) {
        self.n.zeroize();
        self.n_prime.zeroize();
        self.one.zeroize();
        self.scratch.zeroize();
    }

    /// The context of `n`, or `None` unless it is odd and 2048 bits long;
    /// its products use ADX when the CPU has it.
    pub(crate) fn new(n: &Words) -> Option<Self> {
        Self::with_adx(n, Adx::new())
    }

    /// [`Modulus::new`] with the products in plain Rust (`adx` `None`) or
    /// in the ADX assembly.
    pub(crate) fn with_adx(n: &Words, adx: Option<Adx>) -> Option<Self> {
        if !crate::is_valid_modulus(n) {
            return None;
        }
        let mut one = [0u64; LIMBS];
        let mut borrow = 0u64;
        for (o, &w) in one.iter_mut().zip(n) {
            let (d, b1) = 0u64.overflowing_sub(w);
            let (d, b2) = d.overflowing_sub(borrow);
            *o = d;
            borrow = u64::from(b1 | b2);
        }
        Some(Self {
            n: *n,
            n_prime: crate::neg_inverse_bits(n[0], 64),
            one,
            adx,
            scratch: [0; 2 * LIMBS],
        })
    }

    /// Reduces `t` + carry·2^2048 (below 2·N) to below N in place, as
    /// [`subtract_once`], the value copied to the scratch first.
    #[inline(always)]
    fn reduce_once(&mut self, t: &mut Words, carry: u64) {
        let value = &mut self.scratch[..LIMBS];
        value.copy_from_slice(t);
        subtract_once(self.adx, &self.n, t, value, carry);
    }

    /// The reduction columns: adds Σ m_i·N_(k−i) to column k, and for k < 32
    /// fixes m_k; for k ≥ 32 writes the column's low word to out[k − 32].
    #[inline(always)]
    fn reduce_column<const K: usize>(&self, acc: &mut Acc, m: &mut Words, out: &mut Words) {
        if K < LIMBS {
            column(acc, m, &self.n, K, 0, K);
            let mk = acc.low().wrapping_mul(self.n_prime);
            m[K] = mk;
            acc.mac(mk, self.n[0]);
        } else {
            column(acc, m, &self.n, K, K + 1 - LIMBS, LIMBS);
            out[K - LIMBS] = acc.low();
        }
        acc.shift();
    }

    /// x ← x²·R⁻¹ mod N, for x below N.
    #[inline(never)]
    pub(crate) fn square(&mut self, x: &mut Words) {
        #[cfg(target_arch = "x86_64")]
        if let Some(adx) = self.adx {
            let carry = crate::adx::sqr(adx, &mut self.scratch, x, &self.n, self.n_prime);
            subtract_once(Some(adx), &self.n, x, &self.scratch[LIMBS..], carry);
            return;
        }
        *x = self.sqr_words(x);
    }

    /// a²·R⁻¹ mod N, for a below N.
    #[cfg(test)]
    pub(crate) fn sqr(&mut self, a: &Words) -> Words {
        let mut x = *a;
        self.square(&mut x);
        x
    }

    /// a²·R⁻¹ mod N in plain Rust, for a below N.
    fn sqr_words(&mut self, a: &Words) -> Words {
        let mut m = [0u64; LIMBS];
        let mut out = [0u64; LIMBS];
        let mut acc = Acc::ZERO;
        macro_rules! step {
            ($k:literal) => {
                square_column::<$k>(&mut acc, a);
                self.reduce_column::<$k>(&mut acc, &mut m, &mut out);
            };
        }
        each_column!(step);
        out[LIMBS - 1] = acc.low();
        acc.shift();
        let carry = acc.low();
        self.reduce_once(&mut out, carry);
        m.zeroize();
        acc.c0.zeroize();
        out
    }

    /// a·b·R⁻¹ mod N on the ADX kernel, for a, b below N.
    #[cfg(target_arch = "x86_64")]
    fn mul_adx(&mut self, adx: Adx, a: &Words, b: &Words) -> Words {
        let carry = crate::adx::mul(adx, &mut self.scratch, a, b, &self.n, self.n_prime);
        let mut out = [0u64; LIMBS];
        subtract_once(Some(adx), &self.n, &mut out, &self.scratch[LIMBS..], carry);
        out
    }

    /// a·b·R⁻¹ mod N, for a, b below N.
    #[inline(never)]
    pub(crate) fn mul(&mut self, a: &Words, b: &Words) -> Words {
        #[cfg(target_arch = "x86_64")]
        if let Some(adx) = self.adx {
            return self.mul_adx(adx, a, b);
        }
        let mut m = [0u64; LIMBS];
        let mut out = [0u64; LIMBS];
        let mut acc = Acc::ZERO;
        macro_rules! step {
            ($k:literal) => {
                let k: usize = $k;
                column(
                    &mut acc,
                    a,
                    b,
                    k,
                    k.saturating_sub(LIMBS - 1),
                    k.min(LIMBS - 1) + 1,
                );
                self.reduce_column::<$k>(&mut acc, &mut m, &mut out);
            };
        }
        each_column!(step);
        out[LIMBS - 1] = acc.low();
        acc.shift();
        let carry = acc.low();
        self.reduce_once(&mut out, carry);
        m.zeroize();
        acc.c0.zeroize();
        out
    }

    /// 2·a mod N where `bit` is 1, a where it is 0 (a below N), without a
    /// branch on `bit`.
    #[inline(always)]
    fn double_if(&mut self, a: &mut Words, bit: u64) {
        let mask = bit.wrapping_neg();
        let mut carry = false;
        // The sum goes to the scratch, and its reduction back to `a`.
        let sum = &mut self.scratch[..LIMBS];
        for (s, &x) in sum.iter_mut().zip(a.iter()) {
            (*s, carry) = x.carrying_add(x & mask, carry);
        }
        subtract_once(self.adx, &self.n, a, sum, u64::from(carry));
    }

    /// `a` (below 2^2048 < 2·N) reduced below N.
    fn reduce_input(&mut self, a: &Words) -> Words {
        let mut t = *a;
        self.reduce_once(&mut t, 0);
        t
    }

    /// R² mod N, by 2048 doublings of R mod N.
    fn r_squared(&mut self) -> Words {
        let mut x = self.one;
        for _ in 0..crate::BITS {
            self.double_if(&mut x, 1);
        }
        x
    }

    /// a·R⁻¹ mod N (out of Montgomery form), for a below N.
    fn out_of_montgomery(&mut self, a: &Words) -> Words {
        self.mul(a, &crate::ONE)
    }
}

/// `out` = v + carry·2^2048 (v the 32 words of `value`, the sum below 2·N)
/// reduced below N: out = v − N, then out takes v back unless the
/// subtraction borrowed past the carry, by a mask. Two passes and no buffer
/// of its own: the difference is written where the result goes.
/// With `adx`, the same in assembly ([`crate::adx::subtract_once`]).
#[inline(always)]
fn subtract_once(adx: Option<Adx>, n: &Words, out: &mut Words, value: &[u64], carry: u64) {
    let value: &Words = value.try_into().expect("32 words");
    #[cfg(target_arch = "x86_64")]
    if let Some(adx) = adx {
        crate::adx::subtract_once(adx, n, out, value, carry);
        return;
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = adx;
    let mut borrow = false;
    for ((o, &a), &b) in out.iter_mut().zip(value).zip(n) {
        (*o, borrow) = a.borrowing_sub(b, borrow);
    }
    // Keep the difference when carry = 1 or borrow = 0: carry ≥ borrow.
    let keep_d = (carry | u64::from(!borrow)).wrapping_neg();
    for (o, &v) in out.iter_mut().zip(value) {
        *o = (*o & keep_d) | (v & !keep_d);
    }
}

/// 1 if a = b, else 0, without a branch.
fn eq_words(a: &Words, b: &Words) -> u64 {
    let diff = a.iter().zip(b).fold(0u64, |acc, (x, y)| acc | (x ^ y));
    ((diff | diff.wrapping_neg()) >> 63) ^ 1
}

/// `b` where `pick_b` is 1, `a` where it is 0, without a branch.
fn select(a: &mut Words, b: &Words, pick_b: u64) {
    let mask = pick_b.wrapping_neg();
    for (x, &y) in a.iter_mut().zip(b) {
        *x = (y & mask) | (*x & !mask);
    }
}

/// Bit i of `e`, as 0 or 1.
fn bit(e: &Words, i: u32) -> u64 {
    (e[(i / 64) as usize] >> (i % 64)) & 1
}

/// 2^e mod N, by 2048 squarings each followed by a doubling where the
/// exponent's bit is set.
pub(crate) fn pow2(m: &mut Modulus, e: &Words) -> Words {
    let mut x = m.one;
    for i in (0..crate::BITS).rev() {
        m.square(&mut x);
        m.double_if(&mut x, bit(e, i));
    }
    let out = m.out_of_montgomery(&x);
    x.zeroize();
    out
}

/// The strong probable-prime test of N to base 2 (FIPS 186-5 B.3.1 with
/// b = 2): 2^(N−1) by squarings and doublings as in [`pow2`], where each of
/// the values 2^⌊(N−1)/2^j⌋ for j < 64 is compared with 1 and −1 and the
/// verdict collected without a branch, as in [`strong_test`]. It costs what
/// the base-2 Fermat test costs and refuses its liars too. `None` when 2^64
/// divides N − 1.
pub(crate) fn strong_test_base_two(m: &mut Modulus) -> Option<bool> {
    let exponent = crate::minus_one(&m.n);
    let s = tail_zeros(&exponent)?;
    let mut minus_one = [0u64; LIMBS];
    sub_into(&mut minus_one, &m.n, &m.one);
    let mut x = m.one;
    for i in (TAIL_BITS..crate::BITS).rev() {
        m.square(&mut x);
        m.double_if(&mut x, bit(&exponent, i));
    }
    let mut pass = 0u64;
    for j in (0..TAIL_BITS).rev() {
        m.square(&mut x);
        m.double_if(&mut x, bit(&exponent, j));
        pass |= verdict(&x, &m.one, &minus_one, s, j);
    }
    x.zeroize();
    minus_one.zeroize();
    let mut e = exponent;
    e.zeroize();
    Some(pass == 1)
}

/// s for N − 1 = d·2^s, or `None` when s ≥ 64 (the tail holds only 64
/// bits). Not secret in the sense that matters: a 2048-bit candidate's s is
/// one of a few small values, and only whether it is ≥ 64 is branched on.
fn tail_zeros(exponent: &Words) -> Option<u64> {
    let low = exponent[0];
    (low != 0).then(|| u64::from(low.trailing_zeros()))
}

/// out = a − b for a ≥ b.
fn sub_into(out: &mut Words, a: &Words, b: &Words) {
    let mut borrow = 0u64;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (v, b1) = x.overflowing_sub(y);
        let (v, b2) = v.overflowing_sub(borrow);
        *o = v;
        borrow = u64::from(b1 | b2);
    }
}

/// 1 if position j of the chain decides the test in favour (the value is 1
/// at j = s, or −1 at some 1 ≤ j ≤ s), without a branch on s or the value.
fn verdict(x: &Words, one: &Words, minus_one: &Words, s: u64, j: u32) -> u64 {
    let j = u64::from(j);
    let at_s = eq_small(j, s);
    let up_to_s = le_small(1, j) & le_small(j, s);
    (eq_words(x, one) & at_s) | (eq_words(x, minus_one) & up_to_s)
}

/// Is N a strong probable prime to `base` (read as a number below 2^2048,
/// reduced modulo N)? The portable kernel's method (`portable::strong_test`)
/// on words: fixed 4-bit windows down to bit 64, each table entry found by
/// reading all sixteen, then bit by bit, multiplying always and keeping the
/// product only where the bit is set. `None` when 2^64 divides N − 1.
pub(crate) fn strong_test(m: &mut Modulus, base: &Words) -> Option<bool> {
    let exponent = crate::minus_one(&m.n);
    let s = tail_zeros(&exponent)?;
    let mut r2 = m.r_squared();
    let mut reduced = m.reduce_input(base);
    let mut b = m.mul(&reduced, &r2);
    reduced.zeroize();
    r2.zeroize();
    let mut table = [m.one; 1 << WINDOW_BITS];
    table[1] = b;
    for k in 2..table.len() {
        table[k] = m.mul(&table[k - 1], &b);
    }
    let mut x = m.one;
    let mut entry = [0u64; LIMBS];
    for w in (TAIL_BITS / WINDOW_BITS..crate::BITS / WINDOW_BITS).rev() {
        for _ in 0..WINDOW_BITS {
            m.square(&mut x);
        }
        let at = w * WINDOW_BITS;
        let index = (exponent[(at / 64) as usize] >> (at % 64)) & ((1 << WINDOW_BITS) - 1);
        entry = [0; LIMBS];
        for (k, t) in table.iter().enumerate() {
            select(&mut entry, t, eq_small(k as u64, index));
        }
        x = m.mul(&x, &entry);
    }
    let mut minus_one = [0u64; LIMBS];
    sub_into(&mut minus_one, &m.n, &m.one);
    let mut pass = 0u64;
    let mut y;
    for j in (0..TAIL_BITS).rev() {
        m.square(&mut x);
        y = m.mul(&x, &b);
        select(&mut x, &y, bit(&exponent, j));
        y.zeroize();
        pass |= verdict(&x, &m.one, &minus_one, s, j);
    }
    b.zeroize();
    table.zeroize();
    x.zeroize();
    entry.zeroize();
    minus_one.zeroize();
    let mut e = exponent;
    e.zeroize();
    Some(pass == 1)
}

#[cfg(test)]
mod tests {
    //! The kernel's pieces on a few values, small enough to run under Miri
    //! (`cargo +nightly miri test -p keygen-mont --lib scalar`), checked
    //! with num-bigint.

    use num_bigint::BigUint;

    use super::*;

    fn big(w: &Words) -> BigUint {
        BigUint::from_slice(
            &w.iter()
                .flat_map(|x| [*x as u32, (*x >> 32) as u32])
                .collect::<Vec<_>>(),
        )
    }

    /// Odd 2048-bit moduli (the two extremes and two from a fixed stream)
    /// and values below them.
    fn samples() -> Vec<(Words, Words, Words)> {
        let mut state = 0x243f_6a88_85a3_08d3_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = Vec::new();
        for k in 0..4 {
            let mut n = [0u64; LIMBS];
            let mut a = [0u64; LIMBS];
            let mut b = [0u64; LIMBS];
            for i in 0..LIMBS {
                n[i] = next();
                a[i] = next();
                b[i] = next();
            }
            match k {
                0 => n = [u64::MAX; LIMBS],
                1 => {
                    n = [0; LIMBS];
                    n[0] = 1;
                }
                _ => {}
            }
            n[0] |= 1;
            n[LIMBS - 1] |= 1 << 63;
            // Below N: clear the top bit (N has it set).
            a[LIMBS - 1] >>= 1;
            b[LIMBS - 1] >>= 1;
            if k == 0 {
                // The largest value below N.
                a = n;
                a[0] -= 1;
            }
            out.push((n, a, b));
        }
        out
    }

    /// The plain-Rust products, and the ADX ones where the CPU has them.
    fn kernels(n: &Words) -> Vec<Modulus> {
        let mut out = vec![Modulus::with_adx(n, None).unwrap()];
        match Adx::new() {
            Some(adx) => out.push(Modulus::with_adx(n, Some(adx)).unwrap()),
            None => eprintln!("no BMI2 and ADX here (or Miri): the ADX product is not tested"),
        }
        out
    }

    #[test]
    fn products_squares_and_doublings_match_num_bigint() {
        let r = BigUint::from(1u32) << 2048u32;
        for (n, a, b) in samples() {
            for mut m in kernels(&n) {
                let nb = big(&n);
                let (ab, bb) = (big(&a), big(&b));
                assert!(ab < nb && bb < nb);
                assert_eq!(big(&m.one), &r % &nb);
                // out·R ≡ a·b (mod N), fully reduced.
                let prod = big(&m.mul(&a, &b));
                assert!(prod < nb);
                assert_eq!(&prod * &r % &nb, &ab * &bb % &nb);
                let square = big(&m.sqr(&a));
                assert!(square < nb);
                assert_eq!(&square * &r % &nb, &ab * &ab % &nb);
                let mut x = a;
                m.double_if(&mut x, 0);
                assert_eq!(x, a);
                m.double_if(&mut x, 1);
                assert_eq!(big(&x), &ab * 2u32 % &nb);
                assert_eq!(big(&m.out_of_montgomery(&a)) * &r % &nb, ab);
            }
        }
    }

    /// The ADX products and squarings give the plain-Rust ones' words on
    /// many random values and on the extremes (every word all ones, the
    /// largest values below N), where every carry of the rows is taken.
    #[test]
    fn adx_products_match_the_plain_ones() {
        let Some(adx) = Adx::new() else {
            eprintln!("no BMI2 and ADX here (or Miri): the ADX product is not tested");
            return;
        };
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let cases = if cfg!(debug_assertions) { 300 } else { 3000 };
        for k in 0..cases {
            let mut n: Words = core::array::from_fn(|_| next());
            if k % 3 == 0 {
                n = [u64::MAX; LIMBS];
            }
            n[0] |= 1;
            n[LIMBS - 1] |= 1 << 63;
            let below_n = |mut w: Words, top: bool| {
                if top {
                    w = n;
                    w[0] -= 1;
                } else {
                    w[LIMBS - 1] >>= 1;
                }
                w
            };
            let a = below_n(core::array::from_fn(|_| next()), k % 5 == 0);
            let b = below_n(core::array::from_fn(|_| next()), k % 7 == 0);
            let mut plain = Modulus::with_adx(&n, None).unwrap();
            let mut fast = Modulus::with_adx(&n, Some(adx)).unwrap();
            assert_eq!(fast.mul(&a, &b), plain.mul(&a, &b), "product, case {k}");
            assert_eq!(fast.sqr(&a), plain.sqr(&a), "square, case {k}");
            // A chain on one modulus, as an exponentiation runs: each
            // operation finds the scratch as the last one left it.
            let (mut x, mut y) = (a, a);
            for step in 0..4u64 {
                fast.square(&mut x);
                plain.square(&mut y);
                assert_eq!(x, y, "square {step} of a chain, case {k}");
                fast.double_if(&mut x, step & 1);
                plain.double_if(&mut y, step & 1);
                assert_eq!(x, y, "doubling {step} of a chain, case {k}");
                x = fast.mul(&x, &b);
                y = plain.mul(&y, &b);
                assert_eq!(x, y, "product {step} of a chain, case {k}");
            }
        }
    }

    #[test]
    fn the_verdict_reads_one_at_s_and_minus_one_up_to_s() {
        let (one, minus_one) = ([1u64; LIMBS], [2u64; LIMBS]);
        let other = [3u64; LIMBS];
        assert_eq!(verdict(&one, &one, &minus_one, 5, 5), 1);
        assert_eq!(verdict(&one, &one, &minus_one, 5, 4), 0);
        assert_eq!(verdict(&minus_one, &one, &minus_one, 5, 5), 1);
        assert_eq!(verdict(&minus_one, &one, &minus_one, 5, 1), 1);
        assert_eq!(verdict(&minus_one, &one, &minus_one, 5, 0), 0);
        assert_eq!(verdict(&minus_one, &one, &minus_one, 5, 6), 0);
        assert_eq!(verdict(&other, &one, &minus_one, 5, 5), 0);
    }

    #[test]
    fn the_modulus_is_wiped_and_never_printed() {
        let (n, _, _) = samples().remove(2);
        let mut m = Modulus::new(&n).unwrap();
        assert_eq!(format!("{m:?}"), "Modulus { .. }");
        // A squaring and a doubling leave their values in the scratch.
        let mut x = m.one;
        m.square(&mut x);
        m.double_if(&mut x, 1);
        assert!(m.scratch.iter().any(|&w| w != 0));
        let mut m = core::mem::ManuallyDrop::new(m);
        // What `drop` does, observed before the memory is released.
        m.wipe();
        assert!(m.n.iter().chain(&m.one).chain(&m.scratch).all(|&w| w == 0) && m.n_prime == 0);
    }
}
