//! The private-key checker, as text (base64 or PEM) and as DER: no input
//! panics, and a key called sound carries its public key.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let der = keygen_core::check_private_key_der(data);
    assert!(!der.is_sound() || der.public_key.is_some());
    if let Ok(text) = std::str::from_utf8(data) {
        let report = keygen_core::check_private_key(text);
        assert!(!report.is_sound() || report.public_key.is_some());
        assert!(!report.checks.is_empty());
    }
});
