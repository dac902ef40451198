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
mod params;
mod private_file;
mod ssh;

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
pub use private_file::{
    DecryptError, OPENSSH_BCRYPT_ROUNDS, PKCS8_PBKDF2_ITERATIONS, PPK_ARGON2_MEMORY_KIB,
    PPK_ARGON2_PASSES, check_private_key_with_passphrase, private_key_is_encrypted,
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
