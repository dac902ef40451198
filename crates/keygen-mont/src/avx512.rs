//! The AVX-512 kernel: eight moduli at once, one per 64-bit lane.
//!
//! The same digits and column order as the portable kernel, with each
//! `u64` replaced by a vector of eight. There is no `unsafe` here: inside a
//! function compiled with AVX-512F the arithmetic intrinsics are safe, and
//! every vector lives in an array indexed like any other. Calling these
//! functions is what needs the CPU check (see `dispatch`).

use core::arch::x86_64::{
    __m512d, __m512i, _CMP_EQ_OQ, _CMP_GE_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEG_INF,
    _mm512_add_epi64, _mm512_add_pd, _mm512_and_si512, _mm512_castsi512_pd, _mm512_cmp_pd_mask,
    _mm512_cmpeq_epi64_mask, _mm512_cvtps_pd, _mm512_fmadd_pd, _mm512_fnmadd_pd,
    _mm512_mask_add_epi64, _mm512_mask_blend_epi64, _mm512_mask_reduce_add_epi64,
    _mm512_mask_reduce_add_pd, _mm512_mask_sub_pd, _mm512_mul_epu32, _mm512_mul_pd,
    _mm512_or_si512, _mm512_roundscale_pd, _mm512_set_epi64, _mm512_set_pd, _mm512_set1_epi64,
    _mm512_set1_pd, _mm512_setzero_pd, _mm512_setzero_si512, _mm512_slli_epi64, _mm512_srli_epi64,
    _mm512_sub_pd,
};

use zeroize::Zeroize;

use crate::blocks::{
    BLOCK_DIGIT_BITS, BLOCK_DIGIT_MASK, BLOCK_DIGITS, LEAF_DIGITS, LEAF_WINDOW, LeafBlock,
    PrimeSlot, RESIDUE_DIGITS,
};
use crate::{
    BITS, DIGIT_BITS, DIGITS, LANES, Lane, MrContext, TAIL_BITS, WINDOW_BITS, Words, eq_small,
    finish,
};

type V = __m512i;

/// The bits of a digit in every lane.
#[target_feature(enable = "avx512f")]
fn digit_mask() -> V {
    _mm512_set1_epi64(crate::DIGIT_MASK.cast_signed())
}

/// Gathers digit `k` of each lane's number into one vector.
#[target_feature(enable = "avx512f")]
fn gather(lanes: &[Lane; LANES], f: impl Fn(&Lane) -> u64) -> V {
    from_lanes(|i| f(&lanes[i]))
}

/// The vector whose lane i is `f(i)`.
#[target_feature(enable = "avx512f")]
fn from_lanes(f: impl Fn(usize) -> u64) -> V {
    let v = |i: usize| f(i).cast_signed();
    _mm512_set_epi64(v(7), v(6), v(5), v(4), v(3), v(2), v(1), v(0))
}

/// Lane `i` of `v`.
#[target_feature(enable = "avx512f")]
fn lane(v: V, i: usize) -> u64 {
    _mm512_mask_reduce_add_epi64(1 << i, v).cast_unsigned()
}

// The list in `each_upper_digit` is written for 74 digits.
const _: () = assert!(DIGITS == 74);

/// Runs `$step!(j)` for j = 1, …, 73 (every digit but the lowest), written
/// out so that each index is a constant: no loop, no bounds check.
macro_rules! each_upper_digit {
    ($step:ident) => {
        each_upper_digit!(@ $step; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25
            26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54
            55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73)
    };
    (@ $step:ident; $($j:literal)*) => {
        $($step!($j);)*
    };
}

/// a·b·R⁻¹ mod N in eight lanes, below 2·N for a, b below 4·N.
///
/// Row by row (coarsely integrated operand scanning): row i adds a_i·b and
/// m_i·N to the running sum t and shifts t down one digit, m_i chosen so that
/// the digit shifted out is zero. The digits of t are not carried between
/// rows: digit j of t is the sum of at most two products for each row it has
/// seen, at most 148 of them below 2^56 each, plus carries, so it stays below
/// 2^64. Every row is the same 74 steps, written out (no loop, no branch).
/// The portable kernel computes the same result column by column.
#[target_feature(enable = "avx512f")]
#[inline(never)]
fn mul(
    a: &[V; DIGITS],
    b: &[V; DIGITS],
    n: &[V; DIGITS],
    n_prime: V,
    t: &mut [V; DIGITS],
    out: &mut [V; DIGITS],
) {
    let mask = digit_mask();
    *t = [_mm512_setzero_si512(); DIGITS];
    for &ai in a {
        let u = _mm512_add_epi64(t[0], _mm512_mul_epu32(ai, b[0]));
        let mi = _mm512_and_si512(_mm512_mul_epu32(u, n_prime), mask);
        let carry =
            _mm512_srli_epi64::<DIGIT_BITS>(_mm512_add_epi64(u, _mm512_mul_epu32(mi, n[0])));
        macro_rules! step {
            ($j:literal) => {
                let p = _mm512_add_epi64(_mm512_mul_epu32(ai, b[$j]), _mm512_mul_epu32(mi, n[$j]));
                t[$j - 1] = _mm512_add_epi64(t[$j], p);
            };
        }
        each_upper_digit!(step);
        t[DIGITS - 1] = _mm512_setzero_si512();
        t[0] = _mm512_add_epi64(t[0], carry);
    }
    let mut carry = _mm512_setzero_si512();
    for (o, &d) in out.iter_mut().zip(t.iter()) {
        let v = _mm512_add_epi64(d, carry);
        *o = _mm512_and_si512(v, mask);
        carry = _mm512_srli_epi64::<DIGIT_BITS>(v);
    }
}

/// Doubles the lanes selected by `select` (a masked add runs in every lane
/// alike), then carries.
#[target_feature(enable = "avx512f")]
fn double_where(a: &mut [V; DIGITS], select: u8) {
    let mask = digit_mask();
    let mut carry = _mm512_setzero_si512();
    for d in a.iter_mut() {
        let t = _mm512_add_epi64(_mm512_mask_add_epi64(*d, select, *d, *d), carry);
        *d = _mm512_and_si512(t, mask);
        carry = _mm512_srli_epi64::<DIGIT_BITS>(t);
    }
}

/// 2^e mod N in each of eight lanes.
#[target_feature(enable = "avx512f")]
pub(crate) fn pow2(lanes: &[Lane; LANES]) -> [Words; LANES] {
    let mut n: [V; DIGITS] = core::array::from_fn(|k| gather(lanes, |l| l.n[k]));
    let n_prime = gather(lanes, |l| l.n_prime);
    let mut x: [V; DIGITS] = core::array::from_fn(|k| gather(lanes, |l| l.one[k]));
    let mut t = [_mm512_setzero_si512(); DIGITS];
    // The running sums of each multiplication, wiped once at the end.
    let mut scratch = [_mm512_setzero_si512(); DIGITS];
    for i in (0..BITS).rev() {
        mul(&x, &x, &n, n_prime, &mut scratch, &mut t);
        let mut select = 0u8;
        for (j, l) in lanes.iter().enumerate() {
            select |= (l.exponent_bit(i) as u8) << j;
        }
        double_where(&mut t, select);
        x = t;
    }
    let one: [V; DIGITS] = core::array::from_fn(|k| _mm512_set1_epi64(i64::from(k == 0)));
    mul(&x, &one, &n, n_prime, &mut scratch, &mut t);
    let out = core::array::from_fn(|j| {
        let mut digits: crate::Digits = core::array::from_fn(|k| lane(t[k], j));
        let words = finish(&digits, &lanes[j].n);
        digits.zeroize();
        words
    });
    x.zeroize();
    t.zeroize();
    n.zeroize();
    scratch.zeroize();
    out
}

/// `d` in every lane.
#[target_feature(enable = "avx512f")]
fn broadcast(d: &crate::Digits) -> [V; DIGITS] {
    core::array::from_fn(|k| _mm512_set1_epi64(d[k].cast_signed()))
}

/// Bit i set where lane i of `x` equals lane i of `c`.
#[target_feature(enable = "avx512f")]
fn eq_mask(x: &[V; DIGITS], c: &[V; DIGITS]) -> u8 {
    x.iter()
        .zip(c)
        .fold(0xff, |m, (a, b)| m & _mm512_cmpeq_epi64_mask(*a, *b))
}

/// `b` in the lanes selected by `mask`, `a` in the others.
#[target_feature(enable = "avx512f")]
fn blend(mask: u8, a: &mut [V; DIGITS], b: &[V; DIGITS]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = _mm512_mask_blend_epi64(mask, *x, *y);
    }
}

/// 0xff if `bit` is 1, 0 if it is 0.
fn lane_mask(bit: u64) -> u8 {
    (bit as u8).wrapping_neg()
}

/// The strong probable-prime test of the context's modulus to eight bases
/// at once (one per lane); see `portable::strong_test`. Bit i of the answer
/// is set when the modulus passes to `bases[i]`.
#[target_feature(enable = "avx512f")]
pub(crate) fn strong_test(ctx: &MrContext, bases: &[crate::Digits; LANES]) -> u8 {
    let mut n = broadcast(&ctx.n);
    let n_prime = _mm512_set1_epi64(ctx.n_prime.cast_signed());
    let mut scratch = [_mm512_setzero_si512(); DIGITS];
    let mut t = [_mm512_setzero_si512(); DIGITS];
    let mut b = [_mm512_setzero_si512(); DIGITS];
    {
        let mut raw: [V; DIGITS] = core::array::from_fn(|k| from_lanes(|i| bases[i][k]));
        let mut r2 = broadcast(&ctx.r2);
        mul(&raw, &r2, &n, n_prime, &mut scratch, &mut b);
        raw.zeroize();
        r2.zeroize();
    }
    let mut one = broadcast(&ctx.ones[0]);
    let mut table = [one; 1 << WINDOW_BITS];
    table[1] = b;
    for k in 2..table.len() {
        let previous = table[k - 1];
        mul(&previous, &b, &n, n_prime, &mut scratch, &mut table[k]);
    }
    let mut x = one;
    for w in (TAIL_BITS / WINDOW_BITS..BITS / WINDOW_BITS).rev() {
        for _ in 0..WINDOW_BITS {
            mul(&x, &x, &n, n_prime, &mut scratch, &mut t);
            x = t;
        }
        let index = ctx.window(w);
        let mut entry = [_mm512_setzero_si512(); DIGITS];
        for (k, e) in table.iter().enumerate() {
            blend(lane_mask(eq_small(k as u64, index)), &mut entry, e);
        }
        mul(&x, &entry, &n, n_prime, &mut scratch, &mut t);
        x = t;
        entry.zeroize();
    }
    let mut ones = [broadcast(&ctx.ones[0]), broadcast(&ctx.ones[1])];
    let mut minus_ones = [broadcast(&ctx.minus_ones[0]), broadcast(&ctx.minus_ones[1])];
    let mut y = [_mm512_setzero_si512(); DIGITS];
    let mut pass = 0u8;
    for j in (0..TAIL_BITS).rev() {
        mul(&x, &x, &n, n_prime, &mut scratch, &mut t);
        x = t;
        mul(&x, &b, &n, n_prime, &mut scratch, &mut y);
        blend(lane_mask(ctx.tail_bit(j)), &mut x, &y);
        let is_one = eq_mask(&x, &ones[0]) | eq_mask(&x, &ones[1]);
        let is_minus_one = eq_mask(&x, &minus_ones[0]) | eq_mask(&x, &minus_ones[1]);
        let (at_s, up_to_s) = ctx.tail_rules(j);
        pass |= (is_one & lane_mask(at_s)) | (is_minus_one & lane_mask(up_to_s));
    }
    b.zeroize();
    table.zeroize();
    x.zeroize();
    y.zeroize();
    t.zeroize();
    scratch.zeroize();
    n.zeroize();
    one.zeroize();
    ones.zeroize();
    minus_ones.zeroize();
    pass
}

/// The bits of a 30-bit digit of the block reduction in every lane.
#[target_feature(enable = "avx512f")]
fn block_digit_mask() -> V {
    _mm512_set1_epi64(BLOCK_DIGIT_MASK.cast_signed())
}

/// One step of the reduction (`blocks::step`) on a lazily summed window of
/// `W` = `D` + 1 vectors of 30-bit digits, by multiples whose lowest digit
/// is 2^30 − 1.
#[target_feature(enable = "avx512f")]
#[inline]
fn step<const D: usize, const W: usize>(t: &mut [V; W], d: &[V; D], entering: V) {
    let m = _mm512_and_si512(t[0], block_digit_mask());
    let carry = _mm512_add_epi64(_mm512_srli_epi64::<BLOCK_DIGIT_BITS>(t[0]), m);
    for j in 1..D {
        t[j - 1] = _mm512_add_epi64(t[j], _mm512_mul_epu32(m, d[j]));
    }
    t[D - 1] = t[D];
    t[D] = entering;
    t[0] = _mm512_add_epi64(t[0], carry);
}

/// Montgomery's reduction of `n` (30-bit digits) modulo eight block
/// multiples at once (digit j of each in `multiples[j]`, one block per
/// lane), the 17-digit window in registers: each step adds m·D'' (m the
/// low digit) and shifts one digit down, taking in the next digit of n. A
/// digit of the window sums at most 15 products below 2^60, a digit of n
/// and a carry (below 2^35): less than 2^64. The window starts below 2^510
/// and each step maps its value W to (W + m·D'')/2^30 + entering·2^480 with
/// m < 2^30 and D'' < 2^478, so it stays below 2^510 + 2^479 < 2^511. The
/// residues come out carried, as 18 normalised digits in every lane.
#[target_feature(enable = "avx512f")]
fn block_residues(
    n: &[u64],
    multiples: &[[u64; LANES]; BLOCK_DIGITS],
) -> [[u64; LANES]; RESIDUE_DIGITS] {
    const WINDOW: usize = BLOCK_DIGITS + 1;
    let mask = block_digit_mask();
    let mut d = [_mm512_setzero_si512(); BLOCK_DIGITS];
    for (v, lanes) in d.iter_mut().zip(multiples) {
        *v = bytemuck::cast(*lanes);
    }
    let mut t = [_mm512_setzero_si512(); WINDOW];
    for (v, &digit) in t.iter_mut().zip(n) {
        *v = _mm512_set1_epi64(digit.cast_signed());
    }
    for &entering in n.get(WINDOW..).unwrap_or(&[]) {
        step(&mut t, &d, _mm512_set1_epi64(entering.cast_signed()));
    }
    let mut carry = _mm512_setzero_si512();
    let mut digits = [[0u64; LANES]; RESIDUE_DIGITS];
    for (digit, &sum) in digits.iter_mut().zip(&t) {
        let v = _mm512_add_epi64(sum, carry);
        *digit = bytemuck::cast(_mm512_and_si512(v, mask));
        carry = _mm512_srli_epi64::<BLOCK_DIGIT_BITS>(v);
    }
    digits[WINDOW] = bytemuck::cast(carry);
    digits
}

/// Blocks whose leaf reductions run side by side: one block's steps form a
/// chain (each needs the previous one's low digit), so independent chains
/// keep the multiplier busy.
const LEAF_CHAINS: usize = 4;

/// The leaf level for up to eight blocks: the first level reduces `n`
/// (digits) modulo the blocks, one per lane (`multiples` holds their
/// multiples across the lanes); the second reduces each block's residue
/// modulo its leaves, one per lane, [`LEAF_CHAINS`] blocks at a time, and
/// carries the results. With `out`, their values are appended to it
/// (`reduce_leaves`); without, each is tested against its leaf's primes and
/// the smallest prime dividing `n` is returned (`smallest_factor`).
///
/// A leaf step maps the window's value W (below 2^150 at the start) to
/// (W + m·L'')/2^30 + entering·2^120 with m < 2^30 and L'' < 2^94. The
/// block residue is below 2^511, so its top digit is 0 or 1: after the step
/// that takes it in, W < 2^120 + 2^94 + 2^120, and after the zero digit the
/// result is below 2^91 + 2^94 < 2^95 — its fifth digit is always zero. A
/// digit sums at most three products below 2^60, an entering digit and a
/// carry.
#[target_feature(enable = "avx512f")]
pub(crate) fn leaves(
    n: &[u64],
    multiples: &[[u64; LANES]; BLOCK_DIGITS],
    blocks: &[LeafBlock],
    out: Option<&mut Vec<u128>>,
) -> Option<u32> {
    leaf_level(&block_residues(n, multiples), blocks, out)
}

/// The second level of [`leaves`] on block residues from either first
/// level (this kernel's, or the IFMA kernel's in 52-bit digits): normalised
/// 30-bit digits below 2^511, digit j of each block's in `residues[j]`.
#[target_feature(enable = "avx512f")]
pub(crate) fn leaf_level(
    residues: &[[u64; LANES]; RESIDUE_DIGITS],
    blocks: &[LeafBlock],
    mut out: Option<&mut Vec<u128>>,
) -> Option<u32> {
    // Closures here were not inlined (profiles showed them as functions of
    // their own, called in the inner loops): the loops below are written
    // out.
    let mask = block_digit_mask();
    let used = blocks.len().min(LANES);
    for first in (0..used).step_by(LEAF_CHAINS) {
        // Chains past `used` repeat the last block; their results are dropped.
        let mut index = [0usize; LEAF_CHAINS];
        let mut leaves = [[_mm512_setzero_si512(); LEAF_DIGITS]; LEAF_CHAINS];
        let mut t = [[_mm512_setzero_si512(); LEAF_WINDOW]; LEAF_CHAINS];
        for c in 0..LEAF_CHAINS {
            index[c] = (first + c).min(used - 1);
            for (v, lanes) in leaves[c].iter_mut().zip(&blocks[index[c]].leaves) {
                *v = bytemuck::cast(*lanes);
            }
            for (v, row) in t[c].iter_mut().zip(residues) {
                *v = _mm512_set1_epi64(row[index[c]].cast_signed());
            }
        }
        // Digit j of each block's residue in every lane, then one zero digit.
        for row in residues[LEAF_WINDOW..].iter().chain(&[[0; LANES]]) {
            for c in 0..LEAF_CHAINS {
                step(
                    &mut t[c],
                    &leaves[c],
                    _mm512_set1_epi64(row[index[c]].cast_signed()),
                );
            }
        }
        // Carry the five digits (the value is below 2^95, so nothing is
        // left over).
        let mut d = t;
        for chain in &mut d {
            let mut carry = _mm512_setzero_si512();
            for digit in chain.iter_mut() {
                let v = _mm512_add_epi64(*digit, carry);
                carry = _mm512_srli_epi64::<BLOCK_DIGIT_BITS>(v);
                *digit = _mm512_and_si512(v, mask);
            }
        }
        let chains = LEAF_CHAINS.min(used - first);
        match out.as_deref_mut() {
            Some(out) => {
                for c in 0..chains {
                    let count = blocks[index[c]].count;
                    out.extend(pack_leaf_values(&d[c]).into_iter().take(count));
                }
            }
            None => {
                let chain_blocks = &blocks[first..first + chains];
                if let Some(p) = smallest_prime_of_leaves(&d, chain_blocks) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// The values of carried 30-bit digits below 2^95, lane by lane.
#[target_feature(enable = "avx512f")]
fn pack_leaf_values(d: &[V; LEAF_WINDOW]) -> [u128; LANES] {
    // The shifts are written for five 30-bit digits.
    const _: () = assert!(BLOCK_DIGIT_BITS == 30 && LEAF_WINDOW == 5);
    let low = _mm512_or_si512(
        _mm512_or_si512(d[0], _mm512_slli_epi64::<30>(d[1])),
        _mm512_slli_epi64::<60>(d[2]),
    );
    let high = _mm512_or_si512(
        _mm512_or_si512(_mm512_srli_epi64::<4>(d[2]), _mm512_slli_epi64::<26>(d[3])),
        _mm512_slli_epi64::<56>(d[4]),
    );
    let (low, high): ([u64; LANES], [u64; LANES]) = (bytemuck::cast(low), bytemuck::cast(high));
    core::array::from_fn(|k| u128::from(high[k]) << 64 | u128::from(low[k]))
}

/// The smallest prime dividing the leaf residues of `blocks` (at most
/// [`LEAF_CHAINS`]), whose carried digits are `d[c]` (leaf k of block c in
/// lane k), if any; the blocks are in increasing order of their primes.
///
/// Each slot of primes is one remainder per lane in double precision: the
/// digits times their weights 2^(30·j) mod p, summed exactly (each product
/// is below 2^50, the sum below 2^52), then q = sum·(1/p) rounded to the
/// nearest integer (by adding and subtracting 1.5·2^52 in a fused
/// multiply-add) is within 3/4 of sum/p, and r = sum − q·p, exact in one
/// fused multiply-add, is below p in size: the leaf residue is divisible by
/// p exactly when r is 0. A block's slots run without a branch; only a
/// block with a hit is looked at again.
#[target_feature(enable = "avx512f")]
#[inline(never)]
fn smallest_prime_of_leaves(
    d: &[[V; LEAF_WINDOW]; LEAF_CHAINS],
    blocks: &[LeafBlock],
) -> Option<u32> {
    // Digits below 2^52 to doubles: put the digit in the mantissa of 2^52
    // and subtract 2^52.
    let two_52 = _mm512_set1_epi64(0x4330_0000_0000_0000);
    let mut f = [[_mm512_setzero_pd(); LEAF_WINDOW]; LEAF_CHAINS];
    for (f, d) in f.iter_mut().zip(d) {
        for (f, &x) in f.iter_mut().zip(d) {
            *f = _mm512_sub_pd(
                _mm512_castsi512_pd(_mm512_or_si512(x, two_52)),
                _mm512_castsi512_pd(two_52),
            );
        }
    }
    let round = _mm512_set1_pd(6_755_399_441_055_744.0); // 1.5·2^52
    for (f, block) in f.iter().zip(blocks) {
        let lanes = u8::try_from((1u16 << block.count) - 1).unwrap_or(u8::MAX);
        let mut any = 0u8;
        for slot in &block.primes {
            any |= divisible(f, slot, round) & lanes;
        }
        if any != 0 {
            // The block holds the smallest prime dividing: find it.
            return block
                .primes
                .iter()
                .flat_map(|slot| {
                    let hits = divisible(f, slot, round) & lanes;
                    (0..LANES)
                        .filter(move |&k| hits >> k & 1 == 1)
                        .map(|k| slot.p[k])
                })
                .min();
        }
    }
    None
}

/// Lanes whose leaf residue (carried digits `f` as doubles) is divisible by
/// the slot's prime (see [`smallest_prime_of_leaves`]).
#[target_feature(enable = "avx512f")]
#[inline]
fn divisible(f: &[__m512d; LEAF_WINDOW], slot: &PrimeSlot, round: __m512d) -> u8 {
    const _: () = assert!(LEAF_WINDOW == 5);
    let p: __m512d = bytemuck::cast(slot.p_f64);
    let inverse: __m512d = bytemuck::cast(slot.inverse);
    // The weights are below 2^20, exact in single precision: half the
    // memory to read. The fifth digit is always zero (the leaf residue is
    // below 2^95, see `leaves`).
    let w: [__m512d; LEAF_WINDOW - 2] = [
        _mm512_cvtps_pd(bytemuck::cast(slot.weights[0])),
        _mm512_cvtps_pd(bytemuck::cast(slot.weights[1])),
        _mm512_cvtps_pd(bytemuck::cast(slot.weights[2])),
    ];
    // Two partial sums side by side, then their sum.
    let a = _mm512_fmadd_pd(f[1], w[0], f[0]);
    let b = _mm512_fmadd_pd(f[3], w[2], _mm512_mul_pd(f[2], w[1]));
    let sum = _mm512_add_pd(a, b);
    let q = _mm512_sub_pd(_mm512_fmadd_pd(sum, inverse, round), round);
    let r = _mm512_fnmadd_pd(q, p, sum);
    _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(r, _mm512_setzero_pd())
}

/// Primes per call of [`small_residues`]: eight vectors of eight, so that
/// eight independent Horner chains hide the latency of each step (one chain
/// alone waits about 25 cycles per digit on its own results).
pub(crate) const RESIDUE_BLOCK: usize = 8 * LANES;

/// n mod p for 64 primes below 2^20 at once (see `residues`): `digits` are
/// n's 32-bit digits, most significant first, as doubles. With `OFFSETS`,
/// instead the sieve's offset of each prime: the least k ≥ 0 with
/// p | n + 2k, that is (p − n mod p)·(p + 1)/2 mod p (with (p + 1)/2 the
/// inverse of 2), a product below 2^40 reduced as the digits are.
#[target_feature(enable = "avx512f")]
pub(crate) fn small_residues<const OFFSETS: bool>(
    digits: &[f64; 64],
    primes: &[u32; RESIDUE_BLOCK],
) -> [u32; RESIDUE_BLOCK] {
    const CHAINS: usize = RESIDUE_BLOCK / LANES;
    let p: [__m512d; CHAINS] = core::array::from_fn(|c| {
        let v = |i: usize| f64::from(primes[c * LANES + i]);
        _mm512_set_pd(v(7), v(6), v(5), v(4), v(3), v(2), v(1), v(0))
    });
    // 1/p rounded down by two units in the last place, so that x·(1/p),
    // rounded, stays below x/p: the quotient estimate is the true quotient
    // or one less, and a single correction finishes (`residues`).
    let inverse: [__m512d; CHAINS] = core::array::from_fn(|c| {
        let v = |i: usize| f64::from_bits((1.0 / f64::from(primes[c * LANES + i])).to_bits() - 2);
        _mm512_set_pd(v(7), v(6), v(5), v(4), v(3), v(2), v(1), v(0))
    });
    let radix = _mm512_set1_pd(4_294_967_296.0);
    let mut r = [_mm512_setzero_pd(); CHAINS];
    for &d in digits {
        let d = _mm512_set1_pd(d);
        for c in 0..CHAINS {
            // x = r·2^32 + d < 2^52 + 2^32: exact.
            let x = _mm512_fmadd_pd(r[c], radix, d);
            let q = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(
                _mm512_mul_pd(x, inverse[c]),
            );
            // x − q·p, exact, in [0, 2p); then into [0, p).
            let t = _mm512_fnmadd_pd(q, p[c], x);
            r[c] = _mm512_mask_sub_pd(t, _mm512_cmp_pd_mask::<_CMP_GE_OQ>(t, p[c]), t, p[c]);
        }
    }
    if OFFSETS {
        let half = _mm512_set1_pd(0.5);
        for c in 0..CHAINS {
            // p − r in [1, p], then into [0, p).
            let t = _mm512_sub_pd(p[c], r[c]);
            let t = _mm512_mask_sub_pd(t, _mm512_cmp_pd_mask::<_CMP_GE_OQ>(t, p[c]), t, p[c]);
            // x = t·(p + 1)/2 < 2^40, exact; reduced as above.
            let x = _mm512_mul_pd(t, _mm512_fmadd_pd(p[c], half, half));
            let q = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(
                _mm512_mul_pd(x, inverse[c]),
            );
            let t = _mm512_fnmadd_pd(q, p[c], x);
            r[c] = _mm512_mask_sub_pd(t, _mm512_cmp_pd_mask::<_CMP_GE_OQ>(t, p[c]), t, p[c]);
        }
    }
    core::array::from_fn(|i| _mm512_mask_reduce_add_pd(1 << (i % LANES), r[i / LANES]) as u32)
}
