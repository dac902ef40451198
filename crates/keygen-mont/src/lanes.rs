//! The eight-lane vector operations the IFMA kernel is written in, with two
//! implementations: the AVX-512 IFMA intrinsics and a plain-Rust emulation.
//!
//! The kernel (`ifma`) is generic over [`Lanes8`], so the code that runs on a
//! CPU with AVX-512 IFMA is the code the tests run through the emulation on
//! any CPU (and under Miri). Each operation is one instruction on AVX-512
//! and has that instruction's lane semantics exactly (Intel SDM, vol. 2:
//! VPMADD52LUQ, VPMADD52HUQ, VPADDQ, VPANDQ, VPSRLQ, VPSLLQ,
//! VPBLENDMQ, VPCMPEQQ), so the emulation is checked against a reference in
//! 128-bit integers and the intrinsics against the emulation.
//!
//! The implementations are zero-sized tokens: an operation is a method of
//! the token and vectors are its associated type, so that the intrinsic
//! implementation can only be used through a token made after detecting the
//! CPU's features (the design of the `pulp` crate; written here because the
//! kernels need only these eleven operations and the project keeps its
//! unsafe code in one crate it reviews).

use crate::LANES;

pub(crate) mod emulated;
#[cfg(target_arch = "x86_64")]
pub(crate) mod ifma;

/// Mask of the 52 bits the IFMA multiplications read of each operand.
pub(crate) const LOW52: u64 = (1 << 52) - 1;

/// Operations on eight 64-bit lanes. A mask `k` has bit i for lane i.
pub(crate) trait Lanes8: Copy {
    /// A vector of eight lanes.
    type V: Copy;

    /// Every lane zero.
    fn zero(self) -> Self::V;
    /// `x` in every lane.
    fn splat(self, x: u64) -> Self::V;
    /// The vector whose lane i is `x[i]`.
    fn load(self, x: [u64; LANES]) -> Self::V;
    /// The lanes of `v`.
    fn store(self, v: Self::V) -> [u64; LANES];
    /// a + b mod 2^64 (VPADDQ).
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// a AND b (VPANDQ).
    fn and(self, a: Self::V, b: Self::V) -> Self::V;
    /// a >> IMM, zeros shifted in; IMM below 64 (VPSRLQ).
    fn shr<const IMM: u32>(self, a: Self::V) -> Self::V;
    /// a << IMM mod 2^64, zeros shifted in; IMM below 64 (VPSLLQ).
    fn shl<const IMM: u32>(self, a: Self::V) -> Self::V;
    /// a + the low 52 bits of b[51:0]·c[51:0], mod 2^64 (VPMADD52LUQ).
    fn madd52lo(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// a + the high 52 bits of b[51:0]·c[51:0] (its bits 52 to 103), mod
    /// 2^64 (VPMADD52HUQ).
    fn madd52hi(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// a + b in the lanes selected by `k`, `src` in the others (masked
    /// VPADDQ).
    fn mask_add(self, src: Self::V, k: u8, a: Self::V, b: Self::V) -> Self::V;
    /// `b` in the lanes selected by `k`, `a` in the others (VPBLENDMQ).
    fn blend(self, k: u8, a: Self::V, b: Self::V) -> Self::V;
    /// The lanes where a = b (VPCMPEQQ into a mask register).
    fn eq(self, a: Self::V, b: Self::V) -> u8;
    /// Runs `f` where the implementation's CPU features are enabled, so
    /// that the operations `f` inlines compile to single instructions.
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R;
}

#[cfg(test)]
mod tests {
    //! The emulation against a reference in 128-bit integers, and the
    //! intrinsics against the emulation when the CPU has AVX-512 IFMA.

    use super::emulated::Emulated;
    use super::*;

    /// The SDM's VPMADD52LUQ/VPMADD52HUQ for one lane, in 128-bit integers.
    fn madd52_reference(a: u64, b: u64, c: u64) -> (u64, u64) {
        let p = u128::from(b & LOW52) * u128::from(c & LOW52);
        let lo = (p & u128::from(LOW52)) as u64;
        let hi = (p >> 52) as u64;
        (a.wrapping_add(lo), a.wrapping_add(hi))
    }

    /// Values at the edges of the 52-bit operands: zero, one, 2^52 − 1 and
    /// 2^52 (which reads as 0), all 64 bits set (reads as 2^52 − 1), bits
    /// only above 52, and a few ordinary ones.
    const EDGES: [u64; 12] = [
        0,
        1,
        LOW52,
        1 << 52,
        u64::MAX,
        !LOW52,
        (1 << 51) | 1,
        0x000f_ffff_ffff_fffe,
        0xfff0_0000_0000_0001,
        0x0123_4567_89ab_cdef,
        0xfedc_ba98_7654_3210,
        1 << 63,
    ];

    #[test]
    fn emulated_madd52_matches_the_sdm() {
        let s = Emulated;
        for &a in &EDGES {
            for &b in &EDGES {
                for k in 0..EDGES.len() {
                    // Lane i sees c rotated by i, so each lane is checked.
                    let cs: [u64; LANES] = core::array::from_fn(|i| EDGES[(k + i) % EDGES.len()]);
                    let lo = s.store(s.madd52lo(s.splat(a), s.splat(b), s.load(cs)));
                    let hi = s.store(s.madd52hi(s.splat(a), s.splat(b), s.load(cs)));
                    for i in 0..LANES {
                        let (want_lo, want_hi) = madd52_reference(a, b, cs[i]);
                        assert_eq!(lo[i], want_lo, "lo a={a:#x} b={b:#x} c={:#x}", cs[i]);
                        assert_eq!(hi[i], want_hi, "hi a={a:#x} b={b:#x} c={:#x}", cs[i]);
                    }
                }
            }
        }
        // The largest product: (2^52 − 1)² = 2^104 − 2^53 + 1, whose low 52
        // bits are 1 and high 52 bits 2^52 − 2; and the additions wrap.
        let m = s.splat(u64::MAX);
        assert_eq!(s.store(s.madd52lo(s.zero(), m, m)), [1; LANES]);
        assert_eq!(s.store(s.madd52hi(s.zero(), m, m)), [LOW52 - 1; LANES]);
        assert_eq!(s.store(s.madd52lo(m, m, m)), [0; LANES]);
        assert_eq!(s.store(s.madd52hi(m, m, m)), [LOW52 - 2; LANES]);
    }

    #[test]
    fn emulated_lane_operations() {
        let s = Emulated;
        let a = s.load(core::array::from_fn(|i| EDGES[i]));
        let b = s.load(core::array::from_fn(|i| EDGES[i + 4]));
        let (x, y) = (s.store(a), s.store(b));
        let lanes = |f: &dyn Fn(u64, u64) -> u64| -> [u64; LANES] {
            core::array::from_fn(|i| f(x[i], y[i]))
        };
        assert_eq!(s.store(s.add(a, b)), lanes(&|p, q| p.wrapping_add(q)));
        assert_eq!(s.store(s.and(a, b)), lanes(&|p, q| p & q));
        assert_eq!(s.store(s.shr::<52>(a)), lanes(&|p, _| p >> 52));
        assert_eq!(s.store(s.shl::<22>(a)), lanes(&|p, _| p << 22));
        assert_eq!(s.store(s.shl::<0>(a)), x);
        let k = 0b1010_0110;
        let pick = |i: usize| k >> i & 1 == 1;
        let masked: [u64; LANES] = core::array::from_fn(|i| {
            if pick(i) {
                x[i].wrapping_add(y[i])
            } else {
                x[i]
            }
        });
        assert_eq!(s.store(s.mask_add(a, k, a, b)), masked);
        let blended: [u64; LANES] = core::array::from_fn(|i| if pick(i) { y[i] } else { x[i] });
        assert_eq!(s.store(s.blend(k, a, b)), blended);
        assert_eq!(s.eq(a, s.blend(k, a, b)), !k | s.eq(a, b));
        assert_eq!(s.eq(a, a), 0xff);
        assert_eq!(s.eq(s.zero(), s.splat(0)), 0xff);
        assert_eq!(s.vectorize(|| 7), 7);
    }

    /// Every operation on the intrinsics against the emulation, on edge
    /// values and a stream of random ones; skipped (and said so) on a CPU
    /// without AVX-512 IFMA.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn intrinsics_match_the_emulation() {
        use super::ifma::Ifma;
        let Some(v) = Ifma::detect() else {
            eprintln!(
                "intrinsics_match_the_emulation: skipped, this CPU has no AVX-512 IFMA \
                 (the intrinsics are compiled but cannot run)"
            );
            return;
        };
        let e = Emulated;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..200 {
            let vector = |next: &mut dyn FnMut() -> u64| -> [u64; LANES] {
                core::array::from_fn(|i| {
                    let r = next();
                    if (round + i) % 3 == 0 {
                        EDGES[(r % 12) as usize]
                    } else {
                        r
                    }
                })
            };
            let (a, b, c) = (vector(&mut next), vector(&mut next), vector(&mut next));
            let k = next() as u8;
            let (ea, eb, ec) = (e.load(a), e.load(b), e.load(c));
            let (va, vb, vc) = (v.load(a), v.load(b), v.load(c));
            let (got, want) = (
                v.vectorize(|| {
                    [
                        v.store(v.madd52lo(va, vb, vc)),
                        v.store(v.madd52hi(va, vb, vc)),
                        v.store(v.add(va, vb)),
                        v.store(v.and(va, vb)),
                        v.store(v.shr::<52>(va)),
                        v.store(v.shl::<22>(va)),
                        v.store(v.mask_add(vc, k, va, vb)),
                        v.store(v.blend(k, va, vb)),
                        [u64::from(v.eq(va, v.blend(k, va, vb))); LANES],
                        v.store(v.splat(a[0])),
                        v.store(v.zero()),
                    ]
                }),
                [
                    e.store(e.madd52lo(ea, eb, ec)),
                    e.store(e.madd52hi(ea, eb, ec)),
                    e.store(e.add(ea, eb)),
                    e.store(e.and(ea, eb)),
                    e.store(e.shr::<52>(ea)),
                    e.store(e.shl::<22>(ea)),
                    e.store(e.mask_add(ec, k, ea, eb)),
                    e.store(e.blend(k, ea, eb)),
                    [u64::from(e.eq(ea, e.blend(k, ea, eb))); LANES],
                    e.store(e.splat(a[0])),
                    e.store(e.zero()),
                ],
            );
            assert_eq!(
                got, want,
                "round {round}: a={a:x?} b={b:x?} c={c:x?} k={k:#x}"
            );
        }
    }
}
