//! Service configuration: defaults, the optional TOML file, and credentials.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::domain::ZoneName;

/// Hex SHA-256 of a secret, the form in which credentials are configured
/// and stored (`bearer_sha256`, `api_key_sha256`, the admin token).
#[must_use]
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits (a SHA-256 digest).
#[must_use]
pub fn parse_hex_digest(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Why a configuration cannot be used. Messages name the file or setting
/// and never repeat a secret (a database URL, a digest).
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of this schema.
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: Box<toml::de::Error>,
    },
    /// The file is readable, but a setting in it cannot work.
    Invalid {
        /// The file.
        path: PathBuf,
        /// Which setting and why.
        source: Box<ConfigError>,
    },
    /// A count that must be at most `max`.
    TooLarge {
        /// The setting.
        setting: &'static str,
        /// Its largest value.
        max: usize,
    },
    /// A count that must be at least `min`.
    TooSmall {
        /// The setting.
        setting: &'static str,
        /// Its least value.
        min: usize,
    },
    /// A duration that must be more than zero.
    ZeroDuration {
        /// The setting.
        setting: &'static str,
    },
    /// `database_url` is not a PostgreSQL URL.
    DatabaseUrlScheme,
    /// Only one of `tls_cert` and `tls_key` is set.
    TlsPair,
    /// `metrics_listen` is `listen`.
    MetricsListenIsListen,
    /// A credential has no secret at all.
    CredentialWithoutSecret {
        /// Its name.
        name: String,
    },
    /// A credential's digest is not 64 hex digits.
    CredentialDigest {
        /// Its name.
        name: String,
        /// Which one (`bearer_sha256` or `api_key_sha256`).
        field: &'static str,
    },
    /// Plain HTTP on an address that is not loopback, without
    /// `allow_plaintext`.
    PlaintextOffLoopback {
        /// The address.
        listen: SocketAddr,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid { path, source } => write!(f, "{}: {source}", path.display()),
            Self::TooSmall { setting, min } => write!(f, "{setting} must be at least {min}"),
            Self::TooLarge { setting, max } => write!(f, "{setting} must be at most {max}"),
            Self::ZeroDuration { setting } => write!(f, "{setting} must be more than 0 seconds"),
            Self::DatabaseUrlScheme => {
                f.write_str("database_url must start with postgres:// or postgresql://")
            }
            Self::TlsPair => f.write_str("tls_cert and tls_key go together: give both or neither"),
            Self::MetricsListenIsListen => f.write_str("metrics_listen must differ from listen"),
            Self::CredentialWithoutSecret { name } => write!(
                f,
                "credential {name:?} has neither bearer_sha256 nor api_key_sha256"
            ),
            Self::CredentialDigest { name, field } => write!(
                f,
                "credential {name:?}: {field} is not 64 hex digits (the hex SHA-256 of the secret)"
            ),
            Self::PlaintextOffLoopback { listen } => write!(
                f,
                "refusing to serve plain HTTP on {listen}, which is not a loopback address: \
                 created key pairs carry private keys; configure TLS with --tls-cert and \
                 --tls-key (KEYGEN_TLS_CERT, KEYGEN_TLS_KEY), or, behind a TLS-terminating \
                 proxy, pass --allow-plaintext (KEYGEN_ALLOW_PLAINTEXT=1)"
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Parse { source, .. } => Some(source.as_ref()),
            Self::Invalid { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

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
    pub zones: Vec<ZoneName>,
    /// Smallest RSA modulus accepted in an imported public key.
    pub min_rsa_bits: u32,
    /// Fewest characters of an imported public key line (normalised), 0
    /// for none. The contract's 512 is the default; lowering it departs
    /// from the contract so that Ed25519, ECDSA and RSA-2048 lines import
    /// without a padding comment.
    pub min_public_key_length: usize,
    /// Whether an imported RSA key whose modulus is itself prime is refused
    /// (`rsa_modulus_prime`). Off by default: the test costs one
    /// exponentiation modulo n per imported RSA key (milliseconds for
    /// RSA-4096, a hundred times every other check).
    pub check_prime_modulus: bool,
    /// A blocklist file of compromised keys (the format of
    /// `keygen_core::Blocklist::parse`), checked beside the built-in list.
    pub blocklist_file: Option<PathBuf>,
    /// Credentials, besides the admin token.
    pub credentials: Vec<Credential>,
    /// The TLS certificate chain (PEM): with [`Config::tls_key`], the
    /// service speaks HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM: PKCS#8, PKCS#1 or SEC1), readable by its
    /// owner only.
    pub tls_key: Option<PathBuf>,
    /// How often the certificate and key files are checked for changes
    /// (they are reloaded when they change, and on SIGHUP).
    #[serde(deserialize_with = "seconds")]
    pub tls_watch_interval: Duration,
    /// Serve plain HTTP on an address that is not loopback (behind a
    /// TLS-terminating proxy).
    pub allow_plaintext: bool,
    /// Time from a connection's start (after the TLS handshake), or from
    /// the first byte of a request, to the end of its head; also the limit
    /// of a TLS handshake.
    #[serde(deserialize_with = "seconds")]
    pub header_timeout: Duration,
    /// Time to receive a request's whole body, from the end of its head.
    #[serde(deserialize_with = "seconds")]
    pub body_timeout: Duration,
    /// Time a keep-alive connection may stay idle between requests.
    #[serde(deserialize_with = "seconds")]
    pub idle_timeout: Duration,
    /// Connections open at once; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// A separate address serving `/metrics` (then absent from `listen`).
    pub metrics_listen: Option<SocketAddr>,
    /// CA certificates (PEM) that PostgreSQL's certificate must chain to,
    /// for `sslmode=verify-ca` and `verify-full` (and `require`, which then
    /// verifies the chain as libpq does).
    pub database_ca_file: Option<PathBuf>,
}

/// A duration in seconds, from a TOML integer or float.
fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Int(u64),
        Float(f64),
    }
    match Number::deserialize(deserializer)? {
        Number::Int(n) => Ok(Duration::from_secs(n)),
        Number::Float(x) => Duration::try_from_secs_f64(x)
            .map_err(|_| serde::de::Error::custom("expected a number of seconds, at least 0")),
    }
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
            min_public_key_length: keygen_core::PublicKeyLine::MIN_LEN,
            check_prime_modulus: false,
            blocklist_file: None,
            credentials: Vec::new(),
            tls_cert: None,
            tls_key: None,
            tls_watch_interval: Duration::from_secs(10),
            allow_plaintext: false,
            // Go's and nginx's orders of magnitude: a head is a few hundred
            // bytes, a body at most max_body_bytes (16 KiB by default).
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            // One file descriptor each (and a task with some KiB of
            // buffers): 512 stays below the usual soft limit of 1024 open
            // files, leaving room for the store's files and connections.
            max_connections: 512,
            metrics_listen: None,
            database_ca_file: None,
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
    /// [`ConfigError::Read`], [`ConfigError::Parse`], or
    /// [`ConfigError::Invalid`] naming the file and the setting.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        config.check().map_err(|source| ConfigError::Invalid {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        Ok(config)
    }

    /// Rejects settings that cannot work.
    ///
    /// # Errors
    ///
    /// The first setting that cannot work.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (setting, value, min) in [
            ("workers", self.workers, 1),
            ("database_connections", self.database_connections, 1),
            (
                "per_credential_generations",
                self.per_credential_generations,
                1,
            ),
            ("max_body_bytes", self.max_body_bytes, 1024),
            ("max_connections", self.max_connections, 1),
        ] {
            if value < min {
                return Err(ConfigError::TooSmall { setting, min });
            }
        }
        // A minimum above the contract's maximum would refuse every key.
        if self.min_public_key_length > keygen_core::PublicKeyLine::MAX_LEN {
            return Err(ConfigError::TooLarge {
                setting: "min_public_key_length",
                max: keygen_core::PublicKeyLine::MAX_LEN,
            });
        }
        if let Some(url) = &self.database_url
            && !(url.0.starts_with("postgres://") || url.0.starts_with("postgresql://"))
        {
            return Err(ConfigError::DatabaseUrlScheme);
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(ConfigError::TlsPair);
        }
        for (setting, value) in [
            ("header_timeout", self.header_timeout),
            ("body_timeout", self.body_timeout),
            ("idle_timeout", self.idle_timeout),
            ("tls_watch_interval", self.tls_watch_interval),
        ] {
            if value.is_zero() {
                return Err(ConfigError::ZeroDuration { setting });
            }
        }
        if self
            .metrics_listen
            .is_some_and(|m| m == self.listen && m.port() != 0)
        {
            return Err(ConfigError::MetricsListenIsListen);
        }
        for c in &self.credentials {
            if c.bearer_sha256.is_none() && c.api_key_sha256.is_none() {
                return Err(ConfigError::CredentialWithoutSecret {
                    name: c.name.clone(),
                });
            }
            for (field, digest) in [
                ("bearer_sha256", &c.bearer_sha256),
                ("api_key_sha256", &c.api_key_sha256),
            ] {
                if digest
                    .as_deref()
                    .is_some_and(|h| parse_hex_digest(h).is_none())
                {
                    return Err(ConfigError::CredentialDigest {
                        name: c.name.clone(),
                        field,
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether TLS is configured.
    #[must_use]
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// Refuses plain HTTP on an address other hosts can reach, unless
    /// [`Config::allow_plaintext`] says a proxy terminates TLS in front.
    /// Returns a warning to log when plain HTTP is served off loopback.
    ///
    /// # Errors
    ///
    /// [`ConfigError::PlaintextOffLoopback`], naming TLS and the way out.
    pub fn check_transport(&self) -> Result<Option<String>, ConfigError> {
        if self.tls() || self.listen.ip().is_loopback() {
            return Ok(None);
        }
        if self.allow_plaintext {
            return Ok(Some(format!(
                "serving plain HTTP on {} (allow_plaintext): private keys cross the network \
                 unencrypted unless a proxy terminates TLS in front of this service",
                self.listen
            )));
        }
        Err(ConfigError::PlaintextOffLoopback {
            listen: self.listen,
        })
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
        let e = config.check().unwrap_err().to_string();
        assert!(!e.contains("s3cret"), "{e}");
        let config: Config = toml::from_str("database_connections = 0\n").unwrap();
        assert!(config.check().is_err());
    }

    #[test]
    fn timeouts_are_seconds_and_tls_needs_both_files() {
        let config: Config =
            toml::from_str("header_timeout = 2.5\nbody_timeout = 3\nmax_connections = 7\n")
                .unwrap();
        config.check().unwrap();
        assert_eq!(config.header_timeout, Duration::from_millis(2500));
        assert_eq!(config.body_timeout, Duration::from_secs(3));
        assert_eq!(config.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.max_connections, 7);
        for bad in [
            "header_timeout = 0\n",
            "idle_timeout = -1\n",
            "max_connections = 0\n",
            "tls_cert = \"c.pem\"\n",
            "tls_key = \"k.pem\"\n",
            "zones = [\"EU\"]\n",
            "[[credentials]]\nname = \"c\"\nprojects = []\nbearer_sha256 = \"abc\"\n",
        ] {
            let parsed: Result<Config, _> = toml::from_str(bad);
            assert!(parsed.map_or(true, |c| c.check().is_err()), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_setting_never_the_value() {
        let text = "[[credentials]]\nname = \"ci\"\nprojects = [\"*\"]\nbearer_sha256 = \"my-raw-token\"\n";
        let config: Config = toml::from_str(text).unwrap();
        let e = config.check().unwrap_err();
        assert!(matches!(
            e,
            ConfigError::CredentialDigest {
                field: "bearer_sha256",
                ..
            }
        ));
        let e = e.to_string();
        assert!(e.contains("\"ci\"") && !e.contains("my-raw-token"), "{e}");
        let e = toml::from_str::<Config>("zones = [\"Bad_Zone\"]\n").unwrap_err();
        assert!(e.to_string().contains("not a well-formed zone name"), "{e}");
        let config: Config = toml::from_str("workers = 0\n").unwrap();
        assert_eq!(
            config.check().unwrap_err().to_string(),
            "workers must be at least 1"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keygen.toml");
        std::fs::write(&path, "max_body_bytes = 10\n").unwrap();
        let e = Config::from_file(&path).unwrap_err();
        assert!(matches!(e, ConfigError::Invalid { .. }));
        assert!(
            e.to_string()
                .ends_with("max_body_bytes must be at least 1024"),
            "{e}"
        );
    }

    #[test]
    fn the_prime_modulus_check_is_off_unless_configured() {
        let parse = |text: &str| toml::from_str::<Config>(text);
        assert!(!parse("").unwrap().check_prime_modulus);
        assert!(
            parse("check_prime_modulus = true\n")
                .unwrap()
                .check_prime_modulus
        );
        let e = parse("check_prime_modulus = 1\n").unwrap_err().to_string();
        assert!(e.contains("check_prime_modulus"), "{e}");
    }

    #[test]
    fn the_public_key_minimum_is_configurable() {
        let parse = |text: &str| toml::from_str::<Config>(text);
        let config = parse("").unwrap();
        assert_eq!(config.min_public_key_length, 512);
        config.check().unwrap();
        let config = parse("min_public_key_length = 0\n").unwrap();
        assert_eq!(config.min_public_key_length, 0);
        config.check().unwrap();
        let config = parse("min_public_key_length = 80\n").unwrap();
        assert_eq!(config.min_public_key_length, 80);
        config.check().unwrap();
        for garbage in [
            "min_public_key_length = \"short\"\n",
            "min_public_key_length = -1\n",
            "min_public_key_length = 1.5\n",
        ] {
            let e = parse(garbage).unwrap_err().to_string();
            assert!(e.contains("min_public_key_length"), "{garbage}: {e}");
        }
        let config = parse("min_public_key_length = 2001\n").unwrap();
        assert_eq!(
            config.check().unwrap_err().to_string(),
            "min_public_key_length must be at most 2000"
        );
    }

    #[test]
    fn plain_http_is_refused_off_loopback_unless_allowed() {
        let mut config = Config::default();
        assert!(config.check_transport().unwrap().is_none());
        config.listen = "[::1]:8080".parse().unwrap();
        assert!(config.check_transport().unwrap().is_none());
        config.listen = "0.0.0.0:8080".parse().unwrap();
        let e = config.check_transport().unwrap_err().to_string();
        assert!(e.contains("TLS") && e.contains("--allow-plaintext"), "{e}");
        config.allow_plaintext = true;
        assert!(
            config
                .check_transport()
                .unwrap()
                .unwrap()
                .contains("plain HTTP")
        );
        config.allow_plaintext = false;
        config.tls_cert = Some("c.pem".into());
        config.tls_key = Some("k.pem".into());
        assert!(config.check_transport().unwrap().is_none());
    }
}
