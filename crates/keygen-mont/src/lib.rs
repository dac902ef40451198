#![doc = include_str!("../README.md")]
//!
//! # The crate's modules
//!
//! `words` has the numbers the kernels take; `digits` the shared
//! Montgomery arithmetic (28-bit digits, the per-modulus precomputations);
//! `adx` the scalar kernel's products in `mulx`/`adcx`/`adox` assembly for
//! CPUs with BMI2 and ADX; `portable` and `scalar` are the Miller–Rabin
//! kernels without vectors;
//! `small_factor` is the scalar kernel of the small-prime check of RSA
//! moduli (64-bit words), and `blocks` lays a table of small primes out for
//! it and for the vector kernel; `residues` serves the sieve; `avx512` and
//! `ifma` (over the lane operations of `lanes`, native or emulated) are the
//! vector kernels; `kernels` their entry points on one named kernel;
//! `dispatch` picks the kernel by the CPU. Each module uses only those
//! before it in this list.

#[allow(unsafe_code)] // Its one `asm!` block, behind a CPU check (see the module).
mod adx;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod blocks;
mod digits;
mod dispatch;
mod ifma;
mod kernels;
mod lanes;
mod portable;
mod residues;
mod scalar;
mod small_factor;
mod words;

// What keygen-core uses: the public, documented surface.
pub use adx::adx_available;
pub use blocks::LeafTable;
pub use dispatch::{
    LaneKernel, avx512_available, fermat_base_two, fermat_base_two_on, fermat_base_two_or_stop,
    miller_rabin, miller_rabin_on, sieve_offsets, small_residues, smallest_factor,
    smallest_factor_on,
};
pub use kernels::{miller_rabin_scalar, strong_base_two_scalar};
pub use residues::{OFFSET_PRIME_LIMIT, OffsetTable, sieve_offsets_scalar};
pub use small_factor::{FOLD_LANES, fast_remainder, fold_leaf, fold_leaves, montgomery_remainder};
pub use words::{LANES, WORDS, Words};

// For the crate's tests, benches and examples, and the fuzz oracles: public
// so that they can reach it, hidden because no application should.
#[doc(hidden)]
pub use blocks::{
    BLOCK_DIGIT_BITS, BLOCK_DIGITS, BlockDigits, LEAF_STEPS, LeafBlock, PRIME_LIMIT, block_multiple,
};
#[doc(hidden)]
pub use dispatch::{pow2_mod, reduce_leaves, reduce_leaves_scalar, smallest_factor_scalar};
#[doc(hidden)]
pub use ifma::{
    IfmaLanes, IfmaUnavailable, fermat_base_two_ifma, ifma_available, miller_rabin_ifma,
    pow2_mod_ifma,
};
#[doc(hidden)]
pub use kernels::{
    miller_rabin_portable, miller_rabin_words, pow2_mod_portable, pow2_mod_scalar, pow2_mod_words,
    strong_base_two_words,
};
#[doc(hidden)]
pub use residues::{RESIDUE_PRIME_LIMIT, small_residues_portable};
#[doc(hidden)]
pub use words::{BITS, is_valid_modulus};

// The kernels' shared arithmetic, at the crate root where they name it.
pub(crate) use digits::{
    DIGIT_BITS, DIGIT_MASK, DIGITS, Digits, Lane, MrContext, TAIL_BITS, WINDOW_BITS,
    digit_of_width, eq_digits, eq_small, finish, le_small, neg_inverse_bits, put_digit_of_width,
    select_digits, to_digits,
};
pub(crate) use words::{ONE, minus_one};
