//! The plain-text fields of the create request: `name`, `description`, `tags`.

use core::fmt;
use core::str::FromStr;
use std::collections::BTreeMap;

use super::reason::{Reason, Rejection, is_invisible, show_char};

/// A key-pair name: 1 to [`Name::MAX_LEN`] characters, each in `[A-Za-z0-9-]`,
/// as the API reference requires (`Value must match regular expression
/// [A-Za-z0-9-]`, `<= 40 characters`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// The most characters a name may have.
    pub const MAX_LEN: usize = 40;

    /// Checks a name.
    ///
    /// # Errors
    ///
    /// [`Reason::NameEmpty`] when empty, [`Reason::NameTooLong`] past
    /// [`Name::MAX_LEN`] characters, [`Reason::NameInvalidCharacter`] naming
    /// the first character outside `[A-Za-z0-9-]` and its 1-based position.
    pub fn new(name: &str) -> Result<Self, Rejection> {
        if name.is_empty() {
            return Err(Rejection::new(
                Reason::NameEmpty,
                "name: is required and must not be empty",
            ));
        }
        for (i, c) in name.chars().enumerate() {
            if i == Self::MAX_LEN {
                return Err(Rejection::new(
                    Reason::NameTooLong,
                    format!(
                        "name: must be at most {} characters, got {}",
                        Self::MAX_LEN,
                        name.chars().count()
                    ),
                ));
            }
            if !(c.is_ascii_alphanumeric() || c == '-') {
                return Err(Rejection::new(
                    Reason::NameInvalidCharacter,
                    format!(
                        "name: character {} at position {} is not in [A-Za-z0-9-]",
                        show_char(c),
                        i + 1
                    ),
                ));
            }
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Name {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        Self::new(s)
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Finds the first control or invisible formatting character, with its
/// 1-based position in characters.
fn first_unprintable(s: &str) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() || is_invisible(c))
        .map(|(i, c)| (i + 1, c))
}

/// A key-pair description: free text of at most [`Description::MAX_LEN`]
/// characters (Unicode scalar values), without control characters (C0,
/// DEL, C1, and the invisible formatting characters such as bidirectional
/// overrides). The API reference sets no limit; 255 is the usual column
/// size of a description in cloud APIs. An empty description is accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Description(String);

impl Description {
    /// The most characters a description may have.
    pub const MAX_LEN: usize = 255;

    /// Checks a description.
    ///
    /// # Errors
    ///
    /// [`Reason::DescriptionTooLong`] past [`Description::MAX_LEN`]
    /// characters, [`Reason::DescriptionControlCharacter`] naming the first
    /// control character and its position.
    pub fn new(description: &str) -> Result<Self, Rejection> {
        let len = description.chars().count();
        if len > Self::MAX_LEN {
            return Err(Rejection::new(
                Reason::DescriptionTooLong,
                format!(
                    "description: must be at most {} characters, got {len}",
                    Self::MAX_LEN
                ),
            ));
        }
        if let Some((pos, c)) = first_unprintable(description) {
            return Err(Rejection::new(
                Reason::DescriptionControlCharacter,
                format!(
                    "description: control character {} at position {pos} is not allowed",
                    show_char(c)
                ),
            ));
        }
        Ok(Self(description.to_owned()))
    }

    /// The description.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Description {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        Self::new(s)
    }
}

impl AsRef<str> for Description {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Key-pair tags: at most [`Tags::MAX_COUNT`] string-to-string pairs with
/// distinct keys of 1 to [`Tags::MAX_KEY_LEN`] characters and values of at
/// most [`Tags::MAX_VALUE_LEN`] characters (empty values are allowed),
/// without control characters in keys or values. The limits follow the
/// usual cloud tag limits (50 tags, 128-character keys, 256-character
/// values). Stored sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Tags(BTreeMap<String, String>);

impl Tags {
    /// The most tags a key pair may have.
    pub const MAX_COUNT: usize = 50;
    /// The most characters a tag key may have.
    pub const MAX_KEY_LEN: usize = 128;
    /// The most characters a tag value may have.
    pub const MAX_VALUE_LEN: usize = 256;

    /// Checks tags given as `(key, value)` pairs, e.g. from a JSON object in
    /// document order.
    ///
    /// # Errors
    ///
    /// [`Reason::TagsTooMany`], [`Reason::TagsKeyEmpty`],
    /// [`Reason::TagsKeyTooLong`], [`Reason::TagsValueTooLong`],
    /// [`Reason::TagsControlCharacter`] or [`Reason::TagsDuplicateKey`],
    /// naming the offending tag by its position (and its key when that is
    /// short and printable).
    pub fn new<'a, I>(tags: I) -> Result<Self, Rejection>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut map = BTreeMap::new();
        for (i, (key, value)) in tags.into_iter().enumerate() {
            if i == Self::MAX_COUNT {
                return Err(Rejection::new(
                    Reason::TagsTooMany,
                    format!("tags: at most {} tags are allowed", Self::MAX_COUNT),
                ));
            }
            check_tag(i + 1, key, value)?;
            if map.insert(key.to_owned(), value.to_owned()).is_some() {
                return Err(Rejection::new(
                    Reason::TagsDuplicateKey,
                    format!("tags: tag {} repeats the key {}", i + 1, show_key(key)),
                ));
            }
        }
        Ok(Self(map))
    }

    /// Checks tags already collected in a map (keys are distinct by
    /// construction; positions in messages follow key order).
    ///
    /// # Errors
    ///
    /// As [`Tags::new`], except [`Reason::TagsDuplicateKey`].
    pub fn from_map(map: BTreeMap<String, String>) -> Result<Self, Rejection> {
        if map.len() > Self::MAX_COUNT {
            return Err(Rejection::new(
                Reason::TagsTooMany,
                format!(
                    "tags: at most {} tags are allowed, got {}",
                    Self::MAX_COUNT,
                    map.len()
                ),
            ));
        }
        for (i, (key, value)) in map.iter().enumerate() {
            check_tag(i + 1, key, value)?;
        }
        Ok(Self(map))
    }

    /// The tags, sorted by key.
    #[must_use]
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The tags as `(key, value)` pairs, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many tags there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no tags.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tags, sorted by key.
    #[must_use]
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}

/// Names a tag key in a message: the key itself when it is short and
/// printable, otherwise nothing of it.
fn show_key(key: &str) -> String {
    if key.chars().count() <= 32 && first_unprintable(key).is_none() {
        format!("{key:?}")
    } else {
        "(not shown)".to_owned()
    }
}

fn check_tag(pos: usize, key: &str, value: &str) -> Result<(), Rejection> {
    if key.is_empty() {
        return Err(Rejection::new(
            Reason::TagsKeyEmpty,
            format!("tags: tag {pos} has an empty key"),
        ));
    }
    let key_len = key.chars().count();
    if key_len > Tags::MAX_KEY_LEN {
        return Err(Rejection::new(
            Reason::TagsKeyTooLong,
            format!(
                "tags: key of tag {pos} must be at most {} characters, got {key_len}",
                Tags::MAX_KEY_LEN
            ),
        ));
    }
    if let Some((at, c)) = first_unprintable(key) {
        return Err(Rejection::new(
            Reason::TagsControlCharacter,
            format!(
                "tags: key of tag {pos} has control character {} at position {at}",
                show_char(c)
            ),
        ));
    }
    let value_len = value.chars().count();
    if value_len > Tags::MAX_VALUE_LEN {
        return Err(Rejection::new(
            Reason::TagsValueTooLong,
            format!(
                "tags: value of tag {} must be at most {} characters, got {value_len}",
                show_key(key),
                Tags::MAX_VALUE_LEN
            ),
        ));
    }
    if let Some((at, c)) = first_unprintable(value) {
        return Err(Rejection::new(
            Reason::TagsControlCharacter,
            format!(
                "tags: value of tag {} has control character {} at position {at}",
                show_key(key),
                show_char(c)
            ),
        ));
    }
    Ok(())
}

impl TryFrom<BTreeMap<String, String>> for Tags {
    type Error = Rejection;
    fn try_from(map: BTreeMap<String, String>) -> Result<Self, Rejection> {
        Self::from_map(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "A-b-0", "-", "0", &"x".repeat(40)] {
            assert_eq!(Name::new(ok).unwrap().as_str(), ok);
            assert_eq!(ok.parse::<Name>().unwrap().as_str(), ok);
        }
        let cases: &[(&str, Reason, &str)] = &[
            ("", Reason::NameEmpty, "required"),
            (&"x".repeat(41), Reason::NameTooLong, "at most 40"),
            ("my_key", Reason::NameInvalidCharacter, "'_' at position 3"),
            ("ab c", Reason::NameInvalidCharacter, "' ' at position 3"),
            ("é", Reason::NameInvalidCharacter, "'é' at position 1"),
            (
                "a\u{0}",
                Reason::NameInvalidCharacter,
                "U+0000 at position 2",
            ),
            ("a\n", Reason::NameInvalidCharacter, "U+000A at position 2"),
            ("key.", Reason::NameInvalidCharacter, "position 4"),
        ];
        for (input, reason, needle) in cases {
            let e = Name::new(input).unwrap_err();
            assert_eq!(e.reason(), *reason, "{input:?}");
            assert!(e.message().contains(needle), "{}", e.message());
            assert!(e.message().starts_with("name: "));
            assert_eq!(e.field(), "name");
            assert!(!e.message().ends_with('.'));
        }
        // 40 multibyte characters are too long only by character count.
        assert_eq!(
            Name::new(&"é".repeat(41)).unwrap_err().reason(),
            Reason::NameInvalidCharacter
        );
    }

    #[test]
    fn descriptions() {
        for ok in [
            "",
            "web servers",
            "clé d'accès",
            "tab\u{a0}ok",
            &"é".repeat(255),
        ] {
            assert_eq!(Description::new(ok).unwrap().as_str(), ok);
        }
        let e = Description::new(&"é".repeat(256)).unwrap_err();
        assert_eq!(e.reason(), Reason::DescriptionTooLong);
        for bad in [
            "a\tb",
            "a\nb",
            "\u{7f}",
            "\u{85}",
            "x\u{202e}y",
            "\u{1b}[31m",
        ] {
            let e = Description::new(bad).unwrap_err();
            assert_eq!(e.reason(), Reason::DescriptionControlCharacter, "{bad:?}");
            assert_eq!(e.field(), "description");
        }
        assert!(
            Description::new("ab\u{7}")
                .unwrap_err()
                .message()
                .contains("U+0007 at position 3")
        );
    }

    #[test]
    fn tags() {
        let t = Tags::new([("env", "prod"), ("team", ""), ("a", "b")]).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.iter().next(), Some(("a", "b")));
        assert!(Tags::new([]).unwrap().is_empty());

        let k128 = "k".repeat(128);
        let v256 = "v".repeat(256);
        assert!(Tags::new([(k128.as_str(), v256.as_str())]).is_ok());

        let k129 = "k".repeat(129);
        let v257 = "v".repeat(257);
        let cases: Vec<(Vec<(&str, &str)>, Reason)> = vec![
            (vec![("", "x")], Reason::TagsKeyEmpty),
            (vec![(k129.as_str(), "x")], Reason::TagsKeyTooLong),
            (vec![("k", v257.as_str())], Reason::TagsValueTooLong),
            (vec![("k\n", "x")], Reason::TagsControlCharacter),
            (vec![("k", "x\u{0}")], Reason::TagsControlCharacter),
            (vec![("k", "1"), ("k", "2")], Reason::TagsDuplicateKey),
        ];
        for (tags, reason) in cases {
            let e = Tags::new(tags.iter().copied()).unwrap_err();
            assert_eq!(e.reason(), reason);
            assert_eq!(e.field(), "tags");
            assert!(e.message().starts_with("tags: "));
        }

        let many: Vec<(String, String)> =
            (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        let e = Tags::new(many.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
        assert_eq!(e.reason(), Reason::TagsTooMany);
        assert!(Tags::new(many.iter().take(50).map(|(k, v)| (k.as_str(), v.as_str()))).is_ok());

        let map: BTreeMap<String, String> = many.into_iter().collect();
        assert_eq!(
            Tags::from_map(map).unwrap_err().reason(),
            Reason::TagsTooMany
        );
        let mut map = BTreeMap::new();
        map.insert(String::new(), "x".to_owned());
        assert_eq!(
            Tags::try_from(map).unwrap_err().reason(),
            Reason::TagsKeyEmpty
        );
    }

    #[test]
    fn messages_do_not_echo_long_input() {
        let long = "x".repeat(10_000);
        for e in [
            Name::new(&long).unwrap_err(),
            Description::new(&long).unwrap_err(),
            Tags::new([(long.as_str(), "v")]).unwrap_err(),
            Tags::new([("k", long.as_str())]).unwrap_err(),
        ] {
            assert!(e.message().len() < 200, "{}", e.message());
        }
    }
}
