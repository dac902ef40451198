//! Near-valid OpenSSH public key lines, built field by field and fed to the
//! public-key validator.
//!
//! The properties live in `keygen_oracles::ssh_blob_structured`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::ssh_blob_structured::run(data));
