//! A certificate authority made at run time (rcgen), certificates it
//! signs for 127.0.0.1 and localhost, and HTTPS clients that trust it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// A CA: its certificate (PEM) and the issuer that signs leaves.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf certificate for 127.0.0.1 and localhost: (certificate PEM,
    /// PKCS#8 key PEM, certificate DER).
    pub fn leaf(&self, common_name: &str) -> (String, String, Vec<u8>) {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }

    pub fn roots(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.issuer.der().clone()).unwrap();
        roots
    }

    /// Writes the CA certificate to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.pem()).unwrap();
    }
}

/// Writes a certificate and key the way a rotation tool does: each to a
/// temporary file renamed over the old one; the key with mode 600.
pub fn write_pair(dir: &Path, cert_pem: &str, key_pem: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let (cert_tmp, key_tmp) = (dir.join(".cert.pem.tmp"), dir.join(".key.pem.tmp"));
    std::fs::write(&cert_tmp, cert_pem).unwrap();
    std::fs::write(&key_tmp, key_pem).unwrap();
    std::fs::set_permissions(&key_tmp, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::rename(&cert_tmp, &cert).unwrap();
    std::fs::rename(&key_tmp, &key).unwrap();
    (cert, key)
}

/// A rustls client configuration trusting `ca`, offering `alpn`.
pub fn client_config(ca: &Ca, alpn: &[&[u8]]) -> rustls::ClientConfig {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(ca.roots())
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// An HTTPS client trusting `ca`, offering `alpn`, reporting the server's
/// certificate on every response (`reqwest::tls::TlsInfo`).
pub fn https_client(ca: &Ca, alpn: &[&[u8]]) -> reqwest::Client {
    super::install_crypto_provider();
    reqwest::Client::builder()
        .use_preconfigured_tls(client_config(ca, alpn))
        .tls_info(true)
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap()
}

/// The certificate (DER) a response came over.
pub fn peer_certificate(response: &reqwest::Response) -> Vec<u8> {
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .expect("a TLS response")
        .to_vec()
}

/// Starts a server on `dir` serving HTTPS with `cert` and `key`.
pub fn start(
    dir: &Path,
    cert: &Path,
    key: &Path,
    config: Option<&str>,
    pool: usize,
) -> super::Server {
    let (mut cmd, log) = super::command(dir, config, pool);
    cmd.arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .env_remove("KEYGEN_DATABASE_URL");
    super::spawn(cmd, dir, log)
}
