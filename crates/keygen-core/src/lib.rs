#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod check;
mod error;
mod fingerprint;
mod generate;
mod keypair;
mod num;
mod params;
mod private_file;
mod read;
#[cfg(feature = "serde")]
mod serde_impls;
mod ssh;

/// The `rand_core` crate (0.10) whose [`CryptoRng`](rand_core::CryptoRng)
/// [`RsaKeyPair::generate`] takes: name it through this path to get the
/// same major version as keygen-core. rand 0.8's `OsRng` implements the
/// older rand_core 0.6 traits and does not fit; use
/// [`RsaKeyPair::generate_os`], or a generator of rand_core 0.10 such as
/// chacha20's `ChaCha20Rng`.
pub use rand_core;
/// The `zeroize` crate (1.x) whose [`Zeroize`](zeroize::Zeroize) trait
/// [`RsaKeyPair`] implements.
pub use zeroize;
/// zeroize's wrapper that wipes its content on drop, which the private-key
/// encoders return.
pub use zeroize::Zeroizing;

pub use check::{
    Check, CheckName, MAX_CHECKED_MODULUS_BITS, MIN_SOUND_MODULUS_BITS, PrivateKeyFormat,
    PrivateKeyReport, UnknownCheckName, check_private_key_der,
};
pub use error::{EncodingError, Error, KeyParseError, Result, RngError};
pub use fingerprint::{md5_fingerprint, sha256_fingerprint};
pub use generate::{GenerateOptions, GenerationStats, MODULUS_BITS, PUBLIC_EXPONENT, PrimeSearch};
#[cfg(feature = "serde")]
pub use keypair::ExposedKeyPair;
pub use keypair::{EncodedKeyPair, RsaKeyPair, RsaPublicKey};
pub use private_file::{
    DecryptError, check_private_key, check_private_key_with_passphrase, private_key_is_encrypted,
};

// validators: begin
mod validate;
#[doc(hidden)]
pub use validate::split_key_line;
pub use validate::{
    Blocklist, BlocklistError, Description, KeyType, KeyWarning, Name, PublicKeyLine,
    PublicKeyOptions, Reason, Rejection, Tags,
};
// validators: end
