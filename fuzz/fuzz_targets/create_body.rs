//! A create request body from raw bytes to a validated request, exactly as
//! the service parses it: no input panics, and every refusal is a 400 with a
//! documented code.
//!
//! The properties live in `keygen_oracles::create_body`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::create_body::run(data));
