//! The lane operations as AVX-512 IFMA intrinsics, one instruction each.
//!
//! The crate's unsafe code outside `dispatch`: each operation calls an
//! intrinsic compiled for AVX-512F and AVX-512 IFMA from a function that is
//! not, which is sound only on a CPU with both. The operations are methods of
//! [`Ifma`], a token that only [`Ifma::detect`] makes, after finding both
//! features at run time; so every call below has a token, and a token exists
//! only on such a CPU. Inside [`Lanes8::vectorize`] the methods inline into
//! a function compiled with the features, where each is one instruction.
#![expect(
    unsafe_code,
    reason = "intrinsics called after run-time detection, proved by the token"
)]

use core::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_cmpeq_epi64_mask, _mm512_madd52hi_epu64,
    _mm512_madd52lo_epu64, _mm512_mask_add_epi64, _mm512_mask_blend_epi64, _mm512_set1_epi64,
    _mm512_setzero_si512, _mm512_slli_epi64, _mm512_srli_epi64,
};

use super::Lanes8;
use crate::LANES;

/// Proof that this CPU has AVX-512F and AVX-512 IFMA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ifma {
    /// Private: made only by [`Ifma::detect`].
    _detected: (),
}

impl Ifma {
    /// The token, if the CPU has both features (detected once, then cached
    /// by the standard library).
    pub(crate) fn detect() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma"))
        .then_some(Self { _detected: () })
    }
}

/// Runs `f` compiled with the features, so that the intrinsics it inlines
/// become instructions rather than calls.
#[target_feature(enable = "avx512f,avx512ifma")]
fn enabled<R>(f: impl FnOnce() -> R) -> R {
    f()
}

// SAFETY (every `unsafe` block below): the intrinsic's only precondition is
// the CPU features it is compiled with, AVX-512F (and AVX-512 IFMA for the
// multiplications); `self` is an `Ifma`, which `Ifma::detect` makes only
// after finding both features on this CPU.
impl Lanes8 for Ifma {
    type V = __m512i;

    #[inline(always)]
    fn zero(self) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_setzero_si512() }
    }
    #[inline(always)]
    fn splat(self, x: u64) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_set1_epi64(x.cast_signed()) }
    }
    #[inline(always)]
    fn load(self, x: [u64; LANES]) -> Self::V {
        bytemuck::cast(x)
    }
    #[inline(always)]
    fn store(self, v: Self::V) -> [u64; LANES] {
        bytemuck::cast(v)
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_add_epi64(a, b) }
    }
    #[inline(always)]
    fn and(self, a: Self::V, b: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_and_si512(a, b) }
    }
    #[inline(always)]
    fn shr<const IMM: u32>(self, a: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_srli_epi64::<IMM>(a) }
    }
    #[inline(always)]
    fn shl<const IMM: u32>(self, a: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_slli_epi64::<IMM>(a) }
    }

    #[inline(always)]
    fn madd52lo(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_madd52lo_epu64(a, b, c) }
    }
    #[inline(always)]
    fn madd52hi(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_madd52hi_epu64(a, b, c) }
    }
    #[inline(always)]
    fn mask_add(self, src: Self::V, k: u8, a: Self::V, b: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_mask_add_epi64(src, k, a, b) }
    }
    #[inline(always)]
    fn blend(self, k: u8, a: Self::V, b: Self::V) -> Self::V {
        // SAFETY: see above the impl.
        unsafe { _mm512_mask_blend_epi64(k, a, b) }
    }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> u8 {
        // SAFETY: see above the impl.
        unsafe { _mm512_cmpeq_epi64_mask(a, b) }
    }
    #[inline(always)]
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `enabled`'s only precondition is its target features; see
        // above the impl.
        unsafe { enabled(f) }
    }
}
