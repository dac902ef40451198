//! Keys shared by the tests of one test binary: RSA-4096 generation is too
//! slow to repeat per test.

use std::sync::OnceLock;

use keygen_core::RsaKeyPair;
use rand_core::SeedableRng;

/// Two keys generated once from fixed seeds.
pub(crate) fn keys() -> &'static [RsaKeyPair; 2] {
    static KEYS: OnceLock<[RsaKeyPair; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [1u8, 2].map(|seed| {
            let mut rng = chacha20::ChaCha20Rng::from_seed([seed; 32]);
            RsaKeyPair::generate(&mut rng).expect("generation")
        })
    })
}
