//! The public-key line validator: no input panics, and an accepted key
//! re-validates from its normalised form to the same key.

use keygen_core::{PublicKeyLine, PublicKeyOptions};

/// Checks the properties above on one input.
///
/// # Panics
///
/// When a property does not hold.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = PublicKeyOptions::api().without_min_length();
    if let Ok(key) = PublicKeyLine::with_options(text, &options) {
        let again = PublicKeyLine::with_options(key.as_str(), &options)
            .expect("normalised key re-validates");
        assert_eq!(again, key);
        assert!(key.fingerprint_sha256().starts_with("SHA256:"));
    }
}
