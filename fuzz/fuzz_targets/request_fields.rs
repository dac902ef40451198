//! name, description and tags: no input panics; what is accepted reads back
//! unchanged and is accepted again.
//!
//! The properties live in `keygen_oracles::request_fields`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::request_fields::run(data));
