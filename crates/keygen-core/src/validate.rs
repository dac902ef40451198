//! Validators of the key-pair create request: `name`, `description`, `tags`
//! and `publicKey`, each refusal a typed [`Rejection`] with a stable reason.
//!
//! The CLI, the service and the fuzzers share this one implementation. A
//! validator is a newtype with a private field, checked in `new`; `FromStr`
//! delegates to `new`, and the validated value is read back with `as_str`
//! (or `as_map` for tags). Every refusal carries:
//!
//! - a [`Reason`] with a stable snake_case [`Reason::name`] and an integer
//!   [`Reason::code`] (the service's error body `code`; the catalogue is the
//!   table on [`Reason`]);
//! - the field it concerns, as the API spells it (`name`, `description`,
//!   `tags`, `publicKey`);
//! - a lowercase message naming the field and the rule, which never echoes
//!   more of the input than one offending character and its position;
//! - the accepted values, as text for the error body's `description`.

//!
//! Modules depend one way: the base ones (`reason`, `warning`, `key_type`,
//! `blob` over [`crate::ssh`]) know nothing of the validators; each key type
//! has its file (`rsa` with one file per weak-key check, `curves` for ECDSA,
//! `ed25519`); `public_key` reads the line and calls them.

mod blob;
mod blocklist;
mod curves;
mod ed25519;
mod fields;
mod key_line;
mod key_type;
mod public_key;
mod reason;
mod rsa;
mod warning;

pub use blocklist::{Blocklist, BlocklistError};
pub use fields::{Description, Name, Tags};
pub use key_line::split_key_line;
pub use key_type::KeyType;
pub use public_key::{PublicKeyLine, PublicKeyOptions};
pub use reason::{Reason, Rejection};
pub use warning::KeyWarning;
