//! The public-key line validator: no input panics, and an accepted key
//! re-validates from its normalised form to the same key.
//!
//! The properties live in `keygen_oracles::ssh_pubkey`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::ssh_pubkey::run(data));
