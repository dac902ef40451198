//! The service's own vocabulary, checked once where it enters: project ids,
//! zone names, key-pair ids and provisioning states. Records, find queries,
//! the stores and the configuration use these types, so a value that got
//! this far is well formed.

use std::fmt;

/// Why a project id, zone name or key-pair id is refused; the message
/// names the parameter and what it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainError {
    /// Not 1–64 characters of `[A-Za-z0-9._-]`, or `.` or `..`.
    ProjectId,
    /// Not a DNS label of `[a-z0-9-]`.
    ZoneName,
    /// Not a UUID in its hyphenated form.
    KeyPairId,
    /// Not one of the states.
    ProvisioningState,
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProjectId => "projectId: 1 to 64 characters of [A-Za-z0-9._-]",
            Self::ZoneName => {
                "zoneName: 1 to 63 characters of [a-z0-9-], not starting or ending with '-'"
            }
            Self::KeyPairId => "keyPairId: a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6",
            Self::ProvisioningState => {
                "provisioningState: one of creating, updating, deleting, active, error"
            }
        })
    }
}

impl std::error::Error for DomainError {}

/// A project id: 1–64 characters of `[A-Za-z0-9._-]`, not `.` or `..`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProjectId(String);

impl ProjectId {
    /// Checks `id`.
    ///
    /// # Errors
    ///
    /// [`DomainError::ProjectId`] when it is not well formed.
    pub fn new(id: &str) -> Result<Self, DomainError> {
        // "." and ".." would make Location and hRef resolve elsewhere.
        let ok = id != "."
            && id != ".."
            && (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(DomainError::ProjectId)
        }
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A zone name: 1–63 characters of `[a-z0-9-]`, not starting or ending
/// with `-` (a DNS label, RFC 1035 section 2.3.1, as cloud zone names are).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneName(String);

impl ZoneName {
    /// Checks `name`.
    ///
    /// # Errors
    ///
    /// [`DomainError::ZoneName`] when it is not a DNS label.
    pub fn new(name: &str) -> Result<Self, DomainError> {
        let ok = (1..=63).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(DomainError::ZoneName)
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for ZoneName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::new(&name).map_err(|_| {
            serde::de::Error::custom(format_args!(
                "zone {name:?} is not a well-formed zone name (1 to 63 characters of [a-z0-9-], \
                 not starting or ending with '-')"
            ))
        })
    }
}

/// A key pair's id: a UUID, written in its hyphenated lower-case form
/// (RFC 9562 section 4), read in any letter case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPairId(uuid::Uuid);

impl KeyPairId {
    /// A fresh random id (UUID version 4).
    #[must_use]
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4())
    }

    /// Parses the hyphenated form, in any letter case.
    ///
    /// # Errors
    ///
    /// [`DomainError::KeyPairId`] for anything else (also the braced, URN
    /// and unhyphenated forms, which would be other spellings of one URL).
    pub fn parse(id: &str) -> Result<Self, DomainError> {
        if id.len() == 36
            && let Ok(uuid) = uuid::Uuid::parse_str(id)
        {
            return Ok(Self(uuid));
        }
        Err(DomainError::KeyPairId)
    }
}

impl fmt::Display for KeyPairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// A key pair's provisioning state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProvisioningState {
    /// `creating`
    Creating,
    /// `updating`
    Updating,
    /// `deleting`
    Deleting,
    /// `active`
    Active,
    /// `error`
    Error,
}

impl ProvisioningState {
    /// The API's (and the store's) spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Updating => "updating",
            Self::Deleting => "deleting",
            Self::Active => "active",
            Self::Error => "error",
        }
    }

    /// Parses the API's spelling.
    ///
    /// # Errors
    ///
    /// [`DomainError::ProvisioningState`] for anything else.
    pub fn parse(state: &str) -> Result<Self, DomainError> {
        Ok(match state {
            "creating" => Self::Creating,
            "updating" => Self::Updating,
            "deleting" => Self::Deleting,
            "active" => Self::Active,
            "error" => Self::Error,
            _ => return Err(DomainError::ProvisioningState),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_projects_and_zones() {
        let project = |p: &str| ProjectId::new(p).is_ok();
        let zone = |z: &str| ZoneName::new(z).is_ok();
        assert!(project("p1") && project("Proj_1.a-b"));
        assert!(!project(".") && !project(".."));
        assert!(!project("") && !project("a/b") && !project(&"a".repeat(65)));
        assert!(zone("eu-west-0") && zone("a"));
        assert!(!zone("-a") && !zone("a-") && !zone("EU") && !zone(""));
    }

    #[test]
    fn key_pair_ids_in_any_case_one_spelling() {
        let id = KeyPairId::parse("3FA85F64-5717-4562-b3fc-2C963F66AFA6").unwrap();
        assert_eq!(id.to_string(), "3fa85f64-5717-4562-b3fc-2c963f66afa6");
        for bad in [
            "",
            "not-a-uuid",
            "3fa85f6457174562b3fc2c963f66afa6",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
            "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "3fa85f64-5717-4562-b3fc-2c963f66afaz",
        ] {
            assert_eq!(KeyPairId::parse(bad), Err(DomainError::KeyPairId), "{bad}");
        }
    }

    #[test]
    fn states_round_trip() {
        for state in [
            ProvisioningState::Creating,
            ProvisioningState::Updating,
            ProvisioningState::Deleting,
            ProvisioningState::Active,
            ProvisioningState::Error,
        ] {
            assert_eq!(ProvisioningState::parse(state.as_str()), Ok(state));
        }
        assert!(ProvisioningState::parse("Active").is_err());
    }
}
