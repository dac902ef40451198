//! keygen-core: RSA-4096 SSH key pairs in a cloud key-pair API's exact
//! format, a checker for private keys, and strict validators for the fields
//! of a key-pair create request, imported public keys above all.
//!
//! The crate does no I/O, has no global state and never blocks on anything
//! but the operating system's random number generator.
//!
//! # Generate a key pair
//!
//! ```
//! use keygen_core::RsaKeyPair;
//!
//! # fn main() -> keygen_core::Result<()> {
//! let key = RsaKeyPair::generate_os()?;
//! let encoded = key.to_encoded()?;
//! // The API's publicKey: "ssh-rsa " and the RFC 4253 blob, 724 characters.
//! assert_eq!(encoded.public_key.len(), 724);
//! // The API's privateKey: one line of base64 PKCS#8 DER.
//! assert!(encoded.private_key.starts_with("MIIJ"));
//! // Which the checker finds sound, naming every check it ran.
//! let report = keygen_core::check_private_key(&encoded.private_key);
//! assert!(report.is_sound());
//! assert_eq!(report.public_key.unwrap().to_openssh(), encoded.public_key);
//! # Ok(())
//! # }
//! ```
//!
//! # Validate an imported public key
//!
//! ```
//! use keygen_core::{PublicKeyLine, PublicKeyOptions};
//!
//! let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant";
//! let options = PublicKeyOptions::api().without_min_length();
//! // The Vagrant insecure key is on the built-in blocklist.
//! let refused = PublicKeyLine::with_options(line, &options).unwrap_err();
//! assert_eq!(refused.field(), "publicKey");
//! assert_eq!(refused.name(), "public_key_blocklisted");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod check;
mod error;
mod fingerprint;
mod generate;
mod keypair;
mod private_file;

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
pub use validate::{
    Blocklist, BlocklistError, Description, KeyType, KeyWarning, Name, PublicKeyLine,
    PublicKeyOptions, Reason, Rejection, Tags,
};
// validators: end
