//! name, description and tags: no input panics; what is accepted reads back
//! unchanged and is accepted again.

use keygen_core::{Description, Name, Tags};

/// Checks the properties above on one input.
///
/// # Panics
///
/// When a property does not hold.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(name) = Name::new(text) {
        assert_eq!(name.as_str(), text);
        assert!(
            name.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }
    if let Ok(d) = Description::new(text) {
        assert_eq!(d.as_str(), text);
    }
    // Tags from "key=value" lines.
    let pairs: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('=')).collect();
    if let Ok(tags) = Tags::new(pairs.iter().copied()) {
        let again = Tags::new(tags.iter()).expect("accepted tags are accepted again");
        assert_eq!(again.len(), tags.len());
    }
}
