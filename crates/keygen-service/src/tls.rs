//! HTTPS: the certificate chain and private key (PEM files), reloaded
//! without a restart, and the rustls server configuration (TLS 1.2 and 1.3
//! only, HTTP/2 and HTTP/1.1 by ALPN, RFC 7301).
//!
//! The pair in force is swapped atomically: handshakes after a reload see
//! the new certificate, connections already open keep theirs. A reload that
//! fails (unreadable file, bad PEM, a key that does not match the
//! certificate, a key readable by others) keeps the old pair.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::metrics::Metrics;

/// The ALPN protocols offered, in order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// What identifies a file's version: a rewrite, a rename over it or a
/// symbolic link moved to a new target (as a Kubernetes secret volume
/// does) changes one of these.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
    device: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
        inode: meta.ino(),
        device: meta.dev(),
    })
}

/// The certificate and key in force, and where they come from.
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    /// The files' stamps at the last load attempt, successful or not: a
    /// failed load is retried when a file changes again, not every poll.
    seen: Mutex<(Option<Stamp>, Option<Stamp>)>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for CertStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertStore")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

/// Why a certificate, a key or a CA file cannot be used, or TLS cannot be
/// configured. Messages name the file; never the key's bytes.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A file cannot be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not PEM certificates.
    NotPem {
        /// The file.
        path: PathBuf,
        /// What the PEM parser says.
        detail: String,
    },
    /// A file has no (usable) certificate.
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// What was looked for.
        what: &'static str,
    },
    /// A private key file may be read or written by others than its owner.
    KeyPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file has no PEM private key.
    NoPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the key, the certificate, or the configuration.
    Rustls {
        /// The file concerned, if any.
        path: Option<PathBuf>,
        /// Why.
        source: rustls::Error,
    },
    /// The key does not match the certificate.
    KeyMismatch {
        /// The key file.
        key: PathBuf,
        /// The certificate file.
        cert: PathBuf,
        /// Why.
        source: rustls::Error,
    },
    /// A verifying `sslmode` without CA certificates.
    CaFileNeeded,
    /// The CA certificates cannot make a verifier.
    Verifier {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::NotPem { path, detail } => {
                write!(f, "{}: not PEM certificates: {detail}", path.display())
            }
            Self::NoCertificate { path, what } => write!(f, "{}: no {what} found", path.display()),
            Self::KeyPermissions { path, mode } => write!(
                f,
                "{}: permissions {mode:04o} are too open: a private key must be readable by its \
                 owner only (chmod 600 {})",
                path.display(),
                path.display()
            ),
            Self::NoPrivateKey { path } => write!(
                f,
                "{}: no PEM private key (PKCS#8 \"PRIVATE KEY\", PKCS#1 \"RSA PRIVATE KEY\" or \
                 SEC1 \"EC PRIVATE KEY\") found",
                path.display()
            ),
            Self::Rustls {
                path: Some(path),
                source,
            } => {
                write!(f, "{}: unsupported private key: {source}", path.display())
            }
            Self::Rustls { path: None, source } => write!(f, "tls configuration: {source}"),
            Self::KeyMismatch { key, cert, source } => write!(
                f,
                "{} does not match the certificate of {}: {source}",
                key.display(),
                cert.display()
            ),
            Self::CaFileNeeded => f.write_str(
                "sslmode=verify-ca and verify-full need the CA certificates that the database's \
                 certificate chains to: --database-ca-file (KEYGEN_DATABASE_CA_FILE, \
                 database_ca_file) or sslrootcert= in the URL",
            ),
            Self::Verifier { path, detail } => write!(f, "{}: {detail}", path.display()),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Rustls { source, .. } | Self::KeyMismatch { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl CertStore {
    /// Loads the pair.
    ///
    /// # Errors
    ///
    /// A [`TlsError`] naming the file and what is wrong with it.
    pub fn load(
        cert_path: &Path,
        key_path: &Path,
        metrics: Arc<Metrics>,
    ) -> Result<Self, TlsError> {
        let seen = (stamp(cert_path), stamp(key_path));
        let pair = load_pair(cert_path, key_path)?;
        Ok(Self {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            current: RwLock::new(Arc::new(pair)),
            seen: Mutex::new(seen),
            metrics,
        })
    }

    /// Reads both files again and puts the pair in force; on failure the
    /// old pair stays. Either way the outcome is logged and counted.
    ///
    /// # Errors
    ///
    /// Why the new pair was refused.
    pub fn reload(&self) -> Result<(), TlsError> {
        let seen = (stamp(&self.cert_path), stamp(&self.key_path));
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = seen;
        match load_pair(&self.cert_path, &self.key_path) {
            Ok(pair) => {
                let fingerprint = fingerprint(&pair);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(pair);
                self.metrics.tls_reloads_ok.inc();
                tracing::info!(
                    cert = %self.cert_path.display(),
                    sha256 = %fingerprint,
                    "tls certificate and key reloaded"
                );
                Ok(())
            }
            Err(e) => {
                self.metrics.tls_reloads_failed.inc();
                tracing::error!(error = %e, "tls reload failed: keeping the certificate and key in force");
                Err(e)
            }
        }
    }

    /// Reloads when either file changed since the last attempt.
    pub fn reload_if_changed(&self) {
        let now = (stamp(&self.cert_path), stamp(&self.key_path));
        let changed = *self.seen.lock().unwrap_or_else(PoisonError::into_inner) != now;
        if changed {
            let _ = self.reload();
        }
    }

    /// The SHA-256 of the certificate in force (hex), for logs.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The rustls configuration serving this store's pair.
    ///
    /// # Errors
    ///
    /// When the crypto provider supports neither protocol version (never
    /// with ring).
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|source| TlsError::Rustls { path: None, source })?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        // Session resumption (RFC 8446 section 2.2, RFC 5246 section 7.3)
        // from a server-side cache; entries outlive a certificate reload.
        config.session_storage = rustls::server::ServerSessionMemoryCache::new(4096);
        Ok(Arc::new(config))
    }

    /// Reloads on SIGHUP, and when the files change (checked every
    /// `interval`). Runs until the process ends.
    pub async fn watch(self: Arc<Self>, interval: Duration) {
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGHUP; reloading on file changes only");
                None
            }
        };
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            let hup = async {
                match &mut hangup {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = hup => {
                    tracing::info!("SIGHUP: reloading the tls certificate and key");
                    let _ = self.reload();
                }
                _ = tick.tick() => self.reload_if_changed(),
            }
        }
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

fn fingerprint(pair: &CertifiedKey) -> String {
    pair.cert.first().map_or_else(String::new, |c| {
        Sha256::digest(c.as_ref())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// Refuses a private key file that its owner's group or anyone else may
/// read or write, as OpenSSH does for its keys (`chmod 600` or `400`).
///
/// # Errors
///
/// [`TlsError::KeyPermissions`], naming the file, its mode and the fix.
pub(crate) fn check_key_permissions(path: &Path) -> Result<(), TlsError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(TlsError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// The bytes of `path`.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and checks a certificate chain and its private key.
fn load_pair(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    check_key_permissions(key_path)?;
    let cert_pem = read(cert_path)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::NotPem {
            path: cert_path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_path.to_path_buf(),
            what: "certificate (a PEM \"BEGIN CERTIFICATE\" block)",
        });
    }
    // The file's bytes hold the key: cleared when dropped. (The parsed key
    // then lives in ring's key object, for as long as it is in force.)
    let key_pem = Zeroizing::new(read(key_path)?);
    // Never the parser's detail: it might quote the file.
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoPrivateKey {
        path: key_path.to_path_buf(),
    })?;
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|source| TlsError::Rustls {
            path: Some(key_path.to_path_buf()),
            source,
        })?;
    let pair = CertifiedKey::new(chain, signing_key);
    pair.keys_match().map_err(|source| TlsError::KeyMismatch {
        key: key_path.to_path_buf(),
        cert: cert_path.to_path_buf(),
        source,
    })?;
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, "x").unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o400, true),
            (0o640, false),
            (0o604, false),
            (0o660, false),
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let result = check_key_permissions(&path);
            assert_eq!(result.is_ok(), ok, "{mode:o}: {result:?}");
            if let Err(e) = result {
                let e = e.to_string();
                assert!(e.contains("too open") && e.contains("chmod 600"), "{e}");
            }
        }
    }
}
