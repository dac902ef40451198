//! Differential: the public-key validator against the `ssh-key` crate's
//! OpenSSH parser (`PublicKey::from_openssh`), on the same line.
//!
//! The properties live in `keygen_oracles::ssh_key_diff`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::ssh_key_diff::run(data));
