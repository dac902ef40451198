//! The private-key checker, as text (base64 or PEM) and as DER: no input
//! panics, a key called sound carries its public key, and the `rsa` crate,
//! an independent implementation, reads every key called sound from the
//! same DER, validates it (`n = p·q`, `d·e ≡ 1 mod p − 1` and `q − 1`,
//! `d < n`, e odd and below n) and finds the same public key (n, e).
//!
//! The properties live in `keygen_oracles::private_key_check`, where `cargo test` runs
//! them too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keygen_oracles::private_key_check::run(data));
