//! Residues of one public number modulo many products of small primes, for
//! the weak-key check of imported RSA moduli (keygen-core's small-prime
//! test), in two levels: the number modulo blocks (products below 2^448,
//! eight blocks at a time in AVX-512 lanes), then each block's residue
//! modulo its leaves (64-bit products, a block's leaves side by side in the
//! lanes). Both levels are the same reduction with different sizes.
//!
//! Numbers are written in 30-bit digits (the Miller–Rabin kernels use 28:
//! they sum up to 148 products per digit, these at most 15, and wider
//! digits mean fewer steps and shorter multiples). Each product D (below
//! 2^448) is used as its Montgomery-friendly multiple D'' = D·(−D⁻¹ mod
//! 2^30), whose lowest digit is 2^30 − 1. Montgomery's reduction, one digit
//! from the bottom at a time, then needs no multiplication to find the
//! multiple to add: it is the low digit itself. The result is congruent to
//! n·2^(−30k) modulo D'' — modulo every prime of D, which is all the
//! divisibility test needs, as 2 is a unit modulo an odd prime.
//!
//! The numbers are public keys: nothing here needs to be constant time (it
//! is anyway, apart from the number's length).

use crate::LANES;
use crate::small_factor::ScalarTable;
use crate::words::mul_word;

/// Bits of a digit of the block and leaf reductions.
pub const BLOCK_DIGIT_BITS: u32 = 30;
/// The bits of one such digit.
pub(crate) const BLOCK_DIGIT_MASK: u64 = (1 << BLOCK_DIGIT_BITS) - 1;
/// Digits of a block multiple D'' (below 2^478).
pub const BLOCK_DIGITS: usize = 16;

/// A block multiple D'' as 30-bit digits, least significant first.
pub type BlockDigits = [u64; BLOCK_DIGITS];

fn digit_at(words: &[u64], i: usize) -> u64 {
    crate::digit_of_width(words, i, BLOCK_DIGIT_BITS)
}

/// The Montgomery-friendly multiple D·(−D⁻¹ mod 2^30) of an odd `d` below
/// 2^448 (little-endian words), or `None` for an even or larger `d`.
#[must_use]
pub fn block_multiple(d: &[u64]) -> Option<BlockDigits> {
    let low = *d.first()?;
    let width = d.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    if low & 1 == 0 || width > 7 {
        return None;
    }
    let u = crate::neg_inverse_bits(low, BLOCK_DIGIT_BITS);
    // d·u, word by word (u < 2^30, so the product has at most 8 words).
    let mut product = [0u64; 8];
    let mut carry = 0u128;
    for (o, &w) in product
        .iter_mut()
        .zip(d.iter().chain(core::iter::repeat(&0)))
    {
        let s = u128::from(w) * u128::from(u) + carry;
        *o = s as u64;
        carry = s >> 64;
    }
    let digits = digits_of(&product);
    let mut out = [0u64; BLOCK_DIGITS];
    out.copy_from_slice(&digits[..BLOCK_DIGITS]);
    debug_assert_eq!(out[0], BLOCK_DIGIT_MASK);
    debug_assert!(digits[BLOCK_DIGITS..].iter().all(|&x| x == 0));
    Some(out)
}

/// Bits of a digit of the IFMA kernel's first level (`ifma::blocks`).
pub(crate) const IFMA_DIGIT_BITS: u32 = 52;
/// Digits of a block multiple for that level, D‴ = D·(−D⁻¹ mod 2^52) <
/// 2^500.
pub(crate) const IFMA_MULTIPLE_DIGITS: usize = 10;
/// The IFMA multiples of eight blocks, digit j of each block's in `[j]`.
pub(crate) type IfmaMultiples = [[u64; LANES]; IFMA_MULTIPLE_DIGITS];

/// The multiple D·(−D⁻¹ mod 2^52) of an odd block product `d` below 2^448
/// (eight little-endian words, the last zero), as ten 52-bit digits, the
/// lowest 2^52 − 1.
pub(crate) fn ifma_block_multiple(d: &[u64; 8]) -> [u64; IFMA_MULTIPLE_DIGITS] {
    debug_assert!(d[0] & 1 == 1 && d[7] == 0, "an odd product below 2^448");
    let u = crate::neg_inverse_bits(d[0], IFMA_DIGIT_BITS);
    let mut product = [0u64; 9];
    let mut carry = 0u128;
    for (o, &w) in product.iter_mut().zip(d) {
        let s = u128::from(w) * u128::from(u) + carry;
        *o = s as u64;
        carry = s >> 64;
    }
    product[8] = carry as u64;
    let digits = core::array::from_fn(|j| crate::digit_of_width(&product, j, IFMA_DIGIT_BITS));
    debug_assert_eq!(digits[0], (1 << IFMA_DIGIT_BITS) - 1);
    debug_assert!(
        product[7] >> (500 - 448) == 0 && product[8] == 0,
        "below 2^500"
    );
    digits
}

/// Little-endian words to 30-bit digits (as many as the words need).
pub(crate) fn digits_of(words: &[u64]) -> Vec<u64> {
    let count = (words.len() * 64).div_ceil(BLOCK_DIGIT_BITS as usize);
    (0..count).map(|i| digit_at(words, i)).collect()
}

/// Digits of a leaf multiple L'' = L·(−L⁻¹ mod 2^30) (below 2^94).
pub(crate) const LEAF_DIGITS: usize = 4;
/// A leaf multiple as 30-bit digits, least significant first.
pub(crate) type LeafDigits = [u64; LEAF_DIGITS];
/// Digits of a block residue (below 2^511: 17 digits and one bit).
pub(crate) const RESIDUE_DIGITS: usize = BLOCK_DIGITS + 2;
/// The leaf window: one digit more than a leaf multiple.
pub(crate) const LEAF_WINDOW: usize = LEAF_DIGITS + 1;
/// Digits a leaf reduction takes off a block residue, read with one zero
/// digit on top (19 digits): the residue of a leaf is congruent to the
/// block residue times 2^(−30·LEAF_STEPS).
pub const LEAF_STEPS: u32 = (RESIDUE_DIGITS + 1 - LEAF_WINDOW) as u32;

/// A block of up to [`LANES`] leaves: the multiple of their product (for
/// the first level) and the leaves' multiples, stored digit by digit across
/// lanes (for the second; lanes past the last leaf repeat the first); and,
/// when made from primes, the primes of each leaf across the lanes. The
/// leaves and their primes are also kept as they are, for the scalar
/// kernel.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafBlock {
    pub(crate) block: BlockDigits,
    pub(crate) leaves: [[u64; LANES]; LEAF_DIGITS],
    pub(crate) count: usize,
    /// The leaves, in order.
    pub(crate) products: Vec<u64>,
    /// The primes of each leaf, in order (empty when made without primes).
    pub(crate) leaf_primes: Vec<Vec<u32>>,
    /// Slot s holds each lane's s-th prime, or its first once its own run
    /// out (a repeat tests nothing new).
    pub(crate) primes: Vec<PrimeSlot>,
}

/// One prime per lane, as an integer, a double, its reciprocal and the
/// weights 2^(30·j) mod p of the digits j = 1…3 of a leaf residue (the
/// vector kernel's divisibility test; the fifth digit is always zero).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PrimeSlot {
    pub(crate) p: [u32; LANES],
    pub(crate) p_f64: [f64; LANES],
    pub(crate) inverse: [f64; LANES],
    pub(crate) weights: [[f32; LANES]; LEAF_WINDOW - 2],
}

/// The largest prime (exclusive) a leaf block takes: the vector kernel
/// keeps residues modulo these primes exact in double precision.
pub const PRIME_LIMIT: u32 = 1 << 20;

impl LeafBlock {
    /// The block of `leaves`: one to [`LANES`] odd 64-bit numbers whose
    /// product is below 2^448 (seven leaves always are), or `None`.
    #[must_use]
    pub fn new(leaves: &[u64]) -> Option<Self> {
        if leaves.is_empty() || leaves.len() > LANES || leaves.iter().any(|&l| l & 1 == 0) {
            return None;
        }
        // The product, word by word: eight 64-bit leaves fit eight words.
        let mut product = [1, 0, 0, 0, 0, 0, 0, 0];
        for &l in leaves {
            mul_word(&mut product, l);
        }
        // `None` when the product is 2^448 or more.
        let block = block_multiple(&product)?;
        let multiples: Vec<LeafDigits> = leaves.iter().map(|&l| leaf_multiple(l)).collect();
        Some(Self {
            block,
            leaves: core::array::from_fn(|j| {
                core::array::from_fn(|i| multiples.get(i).unwrap_or(&multiples[0])[j])
            }),
            count: leaves.len(),
            products: leaves.to_vec(),
            leaf_primes: vec![Vec::new(); leaves.len()],
            primes: Vec::new(),
        })
    }

    /// The block of leaves given by their primes: one to [`LANES`] leaves,
    /// each a nonempty list of odd numbers from 3 to below [`PRIME_LIMIT`]
    /// (primes, for [`smallest_factor`](crate::smallest_factor) to mean
    /// what it says), increasing through the whole block, each leaf's
    /// product below 2^64 and the block's below 2^448; or `None`.
    #[must_use]
    pub fn with_primes(leaves: &[&[u32]]) -> Option<Self> {
        let all = leaves.iter().flat_map(|leaf| leaf.iter());
        let increasing = all.clone().zip(all.clone().skip(1)).all(|(a, b)| a < b);
        if !increasing
            || leaves.iter().any(|leaf| leaf.is_empty())
            || all
                .clone()
                .any(|&p| p < 3 || p % 2 == 0 || p >= PRIME_LIMIT)
        {
            return None;
        }
        let products = leaves
            .iter()
            .map(|leaf| {
                leaf.iter()
                    .try_fold(1u64, |m, &p| m.checked_mul(u64::from(p)))
            })
            .collect::<Option<Vec<u64>>>()?;
        let mut block = Self::new(&products)?;
        block.leaf_primes = leaves.iter().map(|leaf| leaf.to_vec()).collect();
        let slots = leaves.iter().map(|leaf| leaf.len()).max().unwrap_or(0);
        block.primes = (0..slots)
            .map(|s| {
                let p: [u32; LANES] = core::array::from_fn(|i| {
                    let leaf = leaves.get(i).unwrap_or(&leaves[0]);
                    leaf.get(s).copied().unwrap_or(leaf[0])
                });
                PrimeSlot {
                    p,
                    p_f64: p.map(f64::from),
                    inverse: p.map(|p| 1.0 / f64::from(p)),
                    weights: core::array::from_fn(|j| {
                        p.map(|p| {
                            let shift = BLOCK_DIGIT_BITS * (j as u32 + 1);
                            // Below 2^20: exact in single precision.
                            ((1u128 << shift) % u128::from(p)) as f32
                        })
                    }),
                }
            })
            .collect();
        Some(block)
    }

    /// The number of leaves.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the block has no leaves (never: [`LeafBlock::new`] refuses
    /// an empty list).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The multiple L·(−L⁻¹ mod 2^30) of an odd 64-bit `l`, as digits.
fn leaf_multiple(l: u64) -> LeafDigits {
    let product = u128::from(l) * u128::from(crate::neg_inverse_bits(l, BLOCK_DIGIT_BITS));
    let digits = digits_of(&[product as u64, (product >> 64) as u64]);
    debug_assert_eq!(digits[0], BLOCK_DIGIT_MASK);
    debug_assert!(digits[LEAF_DIGITS..].iter().all(|&d| d == 0));
    core::array::from_fn(|j| digits[j])
}

/// Blocks of leaves laid out for the kernels: the blocks in order, and for
/// each batch of [`LANES`] blocks the digits of their multiples across the
/// lanes (lanes past the last block repeat the batch's first), for the
/// AVX-512F kernel; and the same blocks in 64-bit words for the scalar
/// kernel. Built once, then used for any number of numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafTable {
    pub(crate) blocks: Vec<LeafBlock>,
    pub(crate) batches: Vec<[[u64; LANES]; BLOCK_DIGITS]>,
    /// The same batches' multiples in 52-bit digits, for the IFMA kernel's
    /// first level.
    pub(crate) batches52: Vec<IfmaMultiples>,
    pub(crate) scalar: ScalarTable,
}

impl LeafTable {
    /// The table of `blocks`, in order ([`smallest_factor`](crate::smallest_factor)
    /// returns the first prime found, which is the smallest when the
    /// blocks' primes increase from one block to the next).
    #[must_use]
    pub fn new(blocks: Vec<LeafBlock>) -> Self {
        let batches = blocks
            .chunks(LANES)
            .map(|batch| {
                core::array::from_fn(|j| {
                    core::array::from_fn(|i| batch.get(i).unwrap_or(&batch[0]).block[j])
                })
            })
            .collect();
        let batches52 = blocks
            .chunks(LANES)
            .map(|batch| {
                let each: [[u64; IFMA_MULTIPLE_DIGITS]; LANES] = core::array::from_fn(|i| {
                    let block = batch.get(i).unwrap_or(&batch[0]);
                    let mut product = [1, 0, 0, 0, 0, 0, 0, 0];
                    for &leaf in &block.products {
                        mul_word(&mut product, leaf);
                    }
                    ifma_block_multiple(&product)
                });
                core::array::from_fn(|j| core::array::from_fn(|i| each[i][j]))
            })
            .collect();
        let described: Vec<Vec<(u64, &[u32])>> = blocks
            .iter()
            .map(|block| {
                block
                    .products
                    .iter()
                    .zip(&block.leaf_primes)
                    .map(|(&m, primes)| (m, primes.as_slice()))
                    .collect()
            })
            .collect();
        // `LeafBlock::new` took only odd leaves with a product below 2^448,
        // the bounds of both kernels' blocks.
        let scalar = ScalarTable::new(described.iter().map(Vec::as_slice))
            .expect("a leaf block's leaves are odd, their product below 2^448");
        Self {
            blocks,
            batches,
            batches52,
            scalar,
        }
    }

    /// The table of `primes` (increasing odd numbers from 3 to below
    /// [`PRIME_LIMIT`]) in greedy leaves, consecutive primes while their
    /// product stays below 2^64, and greedy blocks, consecutive leaves while
    /// there are at most `max_leaves` (one to eight) and their product stays
    /// below 2^448; or `None`.
    #[must_use]
    pub fn from_primes(primes: &[u32], max_leaves: usize) -> Option<Self> {
        if primes.is_empty()
            || !(1..=LANES).contains(&max_leaves)
            || primes.windows(2).any(|pair| pair[0] >= pair[1])
        {
            return None;
        }
        let mut leaves: Vec<(&[u32], u64)> = Vec::new();
        let (mut start, mut product) = (0, 1u64);
        for (i, &p) in primes.iter().enumerate() {
            match product.checked_mul(u64::from(p)) {
                Some(m) => product = m,
                None => {
                    leaves.push((&primes[start..i], product));
                    (start, product) = (i, u64::from(p));
                }
            }
        }
        leaves.push((&primes[start..], product));
        let mut blocks = Vec::new();
        let mut group: Vec<&[u32]> = Vec::new();
        let mut block_product = [0u64; 8];
        for (leaf, m) in leaves {
            let mut next = block_product;
            if group.is_empty() {
                next = [1, 0, 0, 0, 0, 0, 0, 0];
            }
            mul_word(&mut next, m);
            // Below 2^448: the eighth word is zero (eight 64-bit leaves
            // cannot carry out of it).
            if group.len() == max_leaves || next[7] != 0 {
                blocks.push(LeafBlock::with_primes(&group)?);
                group.clear();
                next = [1, 0, 0, 0, 0, 0, 0, 0];
                mul_word(&mut next, m);
            }
            group.push(leaf);
            block_product = next;
        }
        blocks.push(LeafBlock::with_primes(&group)?);
        Some(Self::new(blocks))
    }

    /// The blocks, in order.
    #[must_use]
    pub fn blocks(&self) -> &[LeafBlock] {
        &self.blocks
    }

    /// The number of leaves in all blocks.
    #[must_use]
    pub fn leaves(&self) -> usize {
        self.blocks.iter().map(LeafBlock::len).sum()
    }
}
