#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod check;
mod error;
mod fingerprint;
mod generate;
mod keypair;
mod num;

pub use check::{
    Check, MAX_CHECKED_MODULUS_BITS, MIN_SOUND_MODULUS_BITS, PrivateKeyFormat, PrivateKeyReport,
    check_private_key, check_private_key_der,
};
pub use error::{Error, Result};
pub use fingerprint::{md5_fingerprint, sha256_fingerprint};
pub use generate::{
    GenerateOptions, GenerationStats, MIN_PRIME_DISTANCE_LOG2, MODULUS_BITS, MR_RANDOM_ROUNDS,
    PRIME_BITS, PUBLIC_EXPONENT, PrimeSearch, SIEVE_LIMIT,
};
pub use keypair::{EncodedKeyPair, RsaKeyPair, RsaPublicKey};

// validators: begin
mod validate;
pub use validate::{
    Blocklist, BlocklistError, Description, KeyType, KeyWarning, Name, PublicKeyLine,
    PublicKeyOptions, Reason, Rejection, Tags,
};
// validators: end
