//! Conversions between the kernels' words and num-bigint.

use keygen_mont::{WORDS, Words};
use num_bigint::BigUint;

#[allow(dead_code)]
pub(crate) fn big(w: &[u64]) -> BigUint {
    BigUint::from_slice(
        &w.iter()
            .flat_map(|x| [*x as u32, (*x >> 32) as u32])
            .collect::<Vec<_>>(),
    )
}

#[allow(dead_code)]
pub(crate) fn words(b: &BigUint) -> Words {
    let mut w = [0u64; WORDS];
    for (o, d) in w.iter_mut().zip(b.to_u64_digits()) {
        *o = d;
    }
    w
}
