//! The lane operations in plain Rust on `[u64; 8]`: the instructions' lane
//! semantics, for tests on any CPU and under Miri.

use super::{LOW52, Lanes8};
use crate::LANES;

/// The emulation: any CPU, no `unsafe`, slow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Emulated;

/// Lane i of the result is `f(i)`.
#[inline(always)]
fn each(f: impl Fn(usize) -> u64) -> [u64; LANES] {
    core::array::from_fn(f)
}

/// Whether mask `k` selects lane `i`.
#[inline(always)]
fn selected(k: u8, i: usize) -> bool {
    (k >> i) & 1 == 1
}

/// The 104-bit product of the low 52 bits of `b` and `c`.
#[inline(always)]
fn product52(b: u64, c: u64) -> u128 {
    u128::from(b & LOW52) * u128::from(c & LOW52)
}

impl Lanes8 for Emulated {
    type V = [u64; LANES];

    #[inline(always)]
    fn zero(self) -> Self::V {
        [0; LANES]
    }
    #[inline(always)]
    fn splat(self, x: u64) -> Self::V {
        [x; LANES]
    }
    #[inline(always)]
    fn load(self, x: [u64; LANES]) -> Self::V {
        x
    }
    #[inline(always)]
    fn store(self, v: Self::V) -> [u64; LANES] {
        v
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        each(|i| a[i].wrapping_add(b[i]))
    }
    #[inline(always)]
    fn and(self, a: Self::V, b: Self::V) -> Self::V {
        each(|i| a[i] & b[i])
    }
    #[inline(always)]
    fn shr<const IMM: u32>(self, a: Self::V) -> Self::V {
        const { assert!(IMM < 64) };
        each(|i| a[i] >> IMM)
    }
    #[inline(always)]
    fn shl<const IMM: u32>(self, a: Self::V) -> Self::V {
        const { assert!(IMM < 64) };
        each(|i| a[i] << IMM)
    }

    #[inline(always)]
    fn madd52lo(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        each(|i| a[i].wrapping_add((product52(b[i], c[i]) as u64) & LOW52))
    }
    #[inline(always)]
    fn madd52hi(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        each(|i| a[i].wrapping_add((product52(b[i], c[i]) >> 52) as u64))
    }
    #[inline(always)]
    fn mask_add(self, src: Self::V, k: u8, a: Self::V, b: Self::V) -> Self::V {
        each(|i| {
            if selected(k, i) {
                a[i].wrapping_add(b[i])
            } else {
                src[i]
            }
        })
    }
    #[inline(always)]
    fn blend(self, k: u8, a: Self::V, b: Self::V) -> Self::V {
        each(|i| if selected(k, i) { b[i] } else { a[i] })
    }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> u8 {
        (0..LANES).fold(0, |m, i| m | (u8::from(a[i] == b[i]) << i))
    }
    #[inline(always)]
    fn vectorize<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }
}
