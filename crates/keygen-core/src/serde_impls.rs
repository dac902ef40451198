//! The `serde` feature's impls for the validators' types: each name-like
//! enum as its stable name (the strings the service's error bodies and the
//! CLI's JSON carry), a [`Rejection`] as the service's error body fields.

use std::borrow::Cow;

use serde::de::Error as _;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{KeyType, KeyWarning, Reason, Rejection};

/// Reads a string and looks it up with `find`, naming `what` on failure.
fn by_name<'de, D, T>(
    deserializer: D,
    what: &str,
    find: impl Fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let name = Cow::<'de, str>::deserialize(deserializer)?;
    find(&name).ok_or_else(|| {
        let shown: String = name.chars().take(48).collect();
        D::Error::custom(format!("unknown {what} {shown:?}"))
    })
}

impl Serialize for Reason {
    /// As [`Reason::name`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Reason {
    /// From [`Reason::name`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        by_name(deserializer, "reason", Reason::from_name)
    }
}

impl Serialize for KeyType {
    /// As [`KeyType::as_str`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    /// From [`KeyType::as_str`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        by_name(deserializer, "key type", KeyType::from_name)
    }
}

impl Serialize for KeyWarning {
    /// As [`KeyWarning::name`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for KeyWarning {
    /// From [`KeyWarning::name`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        by_name(deserializer, "key warning", KeyWarning::from_name)
    }
}

impl Serialize for Rejection {
    /// As the fields of the service's error body: `reason` (the stable
    /// name), `code`, `field`, `message` and `accepted`. Serialise only: a
    /// rejection comes from a validator, not from data.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Rejection", 5)?;
        s.serialize_field("reason", &self.reason())?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("field", self.field())?;
        s.serialize_field("message", self.message())?;
        s.serialize_field("accepted", self.accepted())?;
        s.end()
    }
}
