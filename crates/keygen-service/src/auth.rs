//! Credentials: Bearer tokens and API keys, compared as SHA-256 digests in
//! constant time, with per-project grants.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{Config, parse_hex_digest};
use crate::domain::ProjectId;

/// Why a request is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// No header carries a known secret.
    Unauthenticated,
    /// The credential is not granted the project.
    ProjectNotGranted,
    /// The credential may read but not write.
    ReadOnly,
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unauthenticated => "credentials are missing or not valid",
            Self::ProjectNotGranted => "this credential is not granted this project",
            Self::ReadOnly => "this credential may read but not create or delete",
        })
    }
}

impl std::error::Error for AuthError {}

#[derive(Clone, Debug)]
struct Entry {
    name: String,
    bearer: Option<[u8; 32]>,
    api_key: Option<[u8; 32]>,
    all_projects: bool,
    projects: Vec<String>,
    write: bool,
}

/// Who made a request.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    /// The credential's name (for per-credential limits and logs).
    pub(crate) name: String,
    all_projects: bool,
    projects: Vec<String>,
    write: bool,
}

impl Principal {
    /// Whether this principal may use `project` (and write, if asked).
    ///
    /// # Errors
    ///
    /// [`AuthError::ProjectNotGranted`] or [`AuthError::ReadOnly`].
    pub(crate) fn authorize(&self, project: &ProjectId, write: bool) -> Result<(), AuthError> {
        if !(self.all_projects || self.projects.iter().any(|p| p == project.as_str())) {
            return Err(AuthError::ProjectNotGranted);
        }
        if write && !self.write {
            return Err(AuthError::ReadOnly);
        }
        Ok(())
    }
}

/// The credential table.
#[derive(Clone, Debug)]
pub(crate) struct Authenticator {
    entries: Vec<Entry>,
}

impl Authenticator {
    /// Builds the table from the config plus the admin token's digest.
    #[must_use]
    pub(crate) fn new(config: &Config, admin_sha256: [u8; 32]) -> Self {
        let mut entries = vec![Entry {
            name: "admin".into(),
            bearer: Some(admin_sha256),
            api_key: Some(admin_sha256),
            all_projects: true,
            projects: Vec::new(),
            write: true,
        }];
        for c in &config.credentials {
            entries.push(Entry {
                name: c.name.clone(),
                bearer: c.bearer_sha256.as_deref().and_then(parse_hex_digest),
                api_key: c.api_key_sha256.as_deref().and_then(parse_hex_digest),
                all_projects: c.projects.iter().any(|p| p == "*"),
                projects: c.projects.clone(),
                write: c.write,
            });
        }
        Self { entries }
    }

    /// Finds the principal behind the request's `Authorization: Bearer` or
    /// `X-API-Key` header.
    ///
    /// Every stored digest is compared, in constant time, whatever matches
    /// first, so timing tells nothing about which credential exists.
    ///
    /// # Errors
    ///
    /// [`AuthError::Unauthenticated`] when no header carries a known secret.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, AuthError> {
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| Sha256::digest(t.trim().as_bytes()));
        let api_key = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(|k| Sha256::digest(k.trim().as_bytes()));
        if bearer.is_none() && api_key.is_none() {
            return Err(AuthError::Unauthenticated);
        }
        let mut found: Option<&Entry> = None;
        for entry in &self.entries {
            let mut hit = subtle::Choice::from(0);
            if let (Some(presented), Some(stored)) = (&bearer, &entry.bearer) {
                hit |= presented.as_slice().ct_eq(stored.as_slice());
            }
            if let (Some(presented), Some(stored)) = (&api_key, &entry.api_key) {
                hit |= presented.as_slice().ct_eq(stored.as_slice());
            }
            if bool::from(hit) && found.is_none() {
                found = Some(entry);
            }
        }
        let entry = found.ok_or(AuthError::Unauthenticated)?;
        Ok(Principal {
            name: entry.name.clone(),
            all_projects: entry.all_projects,
            projects: entry.projects.clone(),
            write: entry.write,
        })
    }
}
