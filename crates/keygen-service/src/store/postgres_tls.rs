//! TLS to PostgreSQL: libpq's `sslmode` values over rustls.
//!
//! The rust-postgres client knows `disable`, `prefer` and `require` only;
//! `verify-ca` and `verify-full` (and libpq's `sslrootcert`) are taken out
//! of the URL here, and the certificate checks they ask for are made by the
//! rustls configuration handed to the client. As in libpq
//! (<https://www.postgresql.org/docs/current/libpq-ssl.html>, table 32.1):
//!
//! | sslmode | encrypted | server certificate checked |
//! |---|---|---|
//! | `disable` | no | - |
//! | `prefer` (default) | if the server offers TLS | no |
//! | `require` | yes | no; with a CA file, its chain (as `verify-ca`) |
//! | `verify-ca` | yes | its chain, to the CA file |
//! | `verify-full` | yes | its chain, and that it names the host |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::config::SslMode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::tls::TlsError;

/// What a URL's `sslmode` asks of the server's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verify {
    /// No TLS at all.
    Disable,
    /// Encrypted (when the server offers it, for `prefer`), certificate
    /// unchecked.
    None,
    /// The chain to a trusted CA.
    Ca,
    /// The chain, and the host name (or IP address) in the certificate.
    Full,
}

/// The URL as the client parses it, and the TLS it needs.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The URL without `sslrootcert`, and with `verify-*` as `require`.
    pub url: String,
    pub verify: Verify,
    pub ca_file: Option<PathBuf>,
}

/// Takes libpq's TLS parameters out of a `postgres://` URL. Other forms
/// (libpq's `key=value`) pass unchanged.
pub(crate) fn parse(url: &str, ca_file: Option<&Path>) -> Parsed {
    let mut ca_file = ca_file.map(Path::to_path_buf);
    let mut mode = None;
    let url = match url.split_once('?') {
        Some((base, query))
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            let mut kept = form_urlencoded::Serializer::new(String::new());
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                match &*key {
                    "sslrootcert" => {
                        if ca_file.is_none() {
                            ca_file = Some(PathBuf::from(&*value));
                        }
                    }
                    "sslmode" if value == "verify-ca" || value == "verify-full" => {
                        mode = Some(if value == "verify-ca" {
                            Verify::Ca
                        } else {
                            Verify::Full
                        });
                        kept.append_pair("sslmode", "require");
                    }
                    _ => {
                        kept.append_pair(&key, &value);
                    }
                }
            }
            let kept = kept.finish();
            if kept.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{kept}")
            }
        }
        _ => url.to_owned(),
    };
    Parsed {
        url,
        verify: mode.unwrap_or(Verify::None),
        ca_file,
    }
}

/// The verification a parsed configuration gets, given the client's own
/// reading of `sslmode` (for the modes it knows).
pub(crate) fn effective(parsed: &Parsed, mode: SslMode) -> Verify {
    match (mode, parsed.verify) {
        (SslMode::Disable, _) => Verify::Disable,
        (_, v @ (Verify::Ca | Verify::Full)) => v,
        // libpq: `require` with a root certificate file verifies the chain.
        (SslMode::Require, _) if parsed.ca_file.is_some() => Verify::Ca,
        _ => Verify::None,
    }
}

/// The rustls client configuration for `verify` (never [`Verify::Disable`]).
///
/// # Errors
///
/// A [`TlsError`] naming the CA file and what is wrong with it, or saying
/// that the mode needs one.
pub(crate) fn client_config(
    verify: Verify,
    ca_file: Option<&Path>,
) -> Result<ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|source| TlsError::Rustls { path: None, source })?;
    let mut config = match verify {
        Verify::Disable | Verify::None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth(),
        Verify::Ca | Verify::Full => {
            let path = ca_file.ok_or(TlsError::CaFileNeeded)?;
            let roots = load_roots(path)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| TlsError::Verifier {
                        path: path.to_path_buf(),
                        detail: e.to_string(),
                    })?;
            let verifier: Arc<dyn ServerCertVerifier> = if verify == Verify::Full {
                webpki
            } else {
                Arc::new(ChainOnly(webpki))
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth()
        }
    };
    postgres_rustls::set_postgresql_alpn(&mut config);
    Ok(config)
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let pem = crate::tls::read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::NotPem {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
            what: "usable CA certificate",
        });
    }
    Ok(roots)
}

/// `verify-ca`: the chain is checked, the name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a CA: encryption against passive
/// eavesdropping only, as in libpq; any certificate is accepted (the
/// handshake's signatures are still checked).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_and_the_root_certificate_leave_the_url() {
        let p = parse(
            "postgres://u:pw@db.example:5432/keys?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            None,
        );
        assert_eq!(p.verify, Verify::Full);
        assert_eq!(p.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(
            p.url,
            "postgres://u:pw@db.example:5432/keys?sslmode=require&application_name=x"
        );
        let p = parse(
            "postgres://u@h/db?sslrootcert=ca.pem",
            Some(Path::new("flag.pem")),
        );
        assert_eq!(p.ca_file.as_deref(), Some(Path::new("flag.pem")));
        assert_eq!(p.url, "postgres://u@h/db");
        assert_eq!(effective(&p, SslMode::Require), Verify::Ca);
        assert_eq!(effective(&p, SslMode::Prefer), Verify::None);
        assert_eq!(effective(&p, SslMode::Disable), Verify::Disable);
        let p = parse("postgres://u@h/db?sslmode=verify-ca", None);
        assert_eq!(effective(&p, SslMode::Require), Verify::Ca);
        let e = client_config(Verify::Ca, None).unwrap_err().to_string();
        assert!(e.contains("--database-ca-file"), "{e}");
    }
}
