//! Service configuration: defaults, the optional TOML file, and credentials.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the service needs to start. Every field has a default, so a
/// fresh clone runs with no configuration at all.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the SQLite database (unused with PostgreSQL).
    pub data_dir: PathBuf,
    /// A PostgreSQL connection URL: with one, key pairs are kept in that
    /// database (shared by every instance using it) instead of SQLite.
    pub database_url: Option<DatabaseUrl>,
    /// Connections to PostgreSQL this instance opens at most.
    pub database_connections: usize,
    /// Keys kept pre-generated in memory (0 disables the pool).
    pub pool_size: usize,
    /// Threads generating keys for requests.
    pub workers: usize,
    /// Generations that may wait for a worker before new ones get 503.
    pub queue: usize,
    /// Concurrent generations (running or queued) one credential may hold.
    pub per_credential_generations: usize,
    /// Largest request body read, in bytes.
    pub max_body_bytes: usize,
    /// Zones served; empty means any well-formed zone name.
    pub zones: Vec<String>,
    /// Smallest RSA modulus accepted in an imported public key.
    pub min_rsa_bits: u32,
    /// A blocklist file of compromised keys (the format of
    /// `keygen_core::Blocklist::parse`), checked beside the built-in list.
    pub blocklist_file: Option<PathBuf>,
    /// Credentials, besides the admin token.
    pub credentials: Vec<Credential>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("keygen-data"),
            database_url: None,
            database_connections: 16,
            // Two cores: a pool of 8 absorbs a burst of 8 creates at once and
            // refills in a few seconds; its keys cost ~40 KiB of memory.
            pool_size: 8,
            workers: 2,
            queue: 16,
            per_credential_generations: 4,
            max_body_bytes: 16 * 1024,
            zones: Vec::new(),
            min_rsa_bits: 2048,
            blocklist_file: None,
            credentials: Vec::new(),
        }
    }
}

/// A database connection URL. It may hold a password, so it never prints:
/// `Debug` shows `[REDACTED]`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL.
    #[must_use]
    pub fn new(url: String) -> Self {
        Self(url)
    }

    /// The URL itself, to connect with.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// One credential: a Bearer token or an X-API-Key value, stored as the hex
/// SHA-256 of the secret, never the secret itself.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// A name for logs and metrics (never the secret).
    pub name: String,
    /// Hex SHA-256 of the Bearer token.
    #[serde(default)]
    pub bearer_sha256: Option<String>,
    /// Hex SHA-256 of the X-API-Key value.
    #[serde(default)]
    pub api_key_sha256: Option<String>,
    /// Projects this credential may use; `"*"` means all.
    pub projects: Vec<String>,
    /// Whether it may create and delete.
    #[serde(default)]
    pub write: bool,
}

impl Config {
    /// Reads a TOML config file; fields it leaves out keep their defaults.
    ///
    /// # Errors
    ///
    /// A message naming the file and what is wrong with it.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config: Self = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    /// Rejects settings that cannot work.
    ///
    /// # Errors
    ///
    /// A message naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if self.workers == 0 {
            return Err("workers must be at least 1".into());
        }
        if self.database_connections == 0 {
            return Err("database_connections must be at least 1".into());
        }
        if let Some(url) = &self.database_url
            && !(url.0.starts_with("postgres://") || url.0.starts_with("postgresql://"))
        {
            return Err("database_url must start with postgres:// or postgresql://".into());
        }
        if self.per_credential_generations == 0 {
            return Err("per_credential_generations must be at least 1".into());
        }
        if self.max_body_bytes < 1024 {
            return Err("max_body_bytes must be at least 1024".into());
        }
        for zone in &self.zones {
            if !crate::routes::zone_is_well_formed(zone) {
                return Err(format!("zone {zone:?} is not a well-formed zone name"));
            }
        }
        for c in &self.credentials {
            if c.bearer_sha256.is_none() && c.api_key_sha256.is_none() {
                return Err(format!(
                    "credential {:?} has neither bearer_sha256 nor api_key_sha256",
                    c.name
                ));
            }
            for h in [&c.bearer_sha256, &c.api_key_sha256].into_iter().flatten() {
                if crate::auth::parse_hex_digest(h).is_none() {
                    return Err(format!(
                        "credential {:?}: {h:?} is not 64 hex digits",
                        c.name
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_in_the_file_never_prints() {
        let config: Config =
            toml::from_str("database_url = \"postgres://keygen:s3cret@127.0.0.1:5432/keygen\"\n")
                .unwrap();
        config.check().unwrap();
        assert_eq!(
            config.database_url.as_ref().unwrap().expose(),
            "postgres://keygen:s3cret@127.0.0.1:5432/keygen"
        );
        assert!(!format!("{config:?}").contains("s3cret"));
        let config: Config = toml::from_str("database_url = \"mysql://u:s3cret@h/db\"\n").unwrap();
        let e = config.check().unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        let config: Config = toml::from_str("database_connections = 0\n").unwrap();
        assert!(config.check().is_err());
    }
}
