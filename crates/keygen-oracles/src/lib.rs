//! The properties keygen's fuzz targets check, one module per target, each
//! with `run(data: &[u8])`: it panics when a property fails, and returns
//! quietly for any input that holds them (including inputs it cannot use).
//!
//! The cargo-fuzz targets in `fuzz/` are one line each around these
//! functions; this crate's tests run the same functions over proptest's
//! random bytes and over the seed files, so the oracles are built, linted
//! and exercised by every `cargo test` of the workspace, not only by a fuzz
//! run.

pub mod create_body;
pub mod private_key_check;
pub mod request_fields;
pub mod ssh_blob_structured;
pub mod ssh_key_diff;
pub mod ssh_pubkey;
