//! keygen-service: the key-pair API of CONTRACT.md over keygen-core —
//! create, find, get and delete key pairs, with auth, a SQLite store,
//! bounded key generation, a key pool, Prometheus metrics, and HTTPS with
//! limits on slow and idle clients.

pub mod auth;
pub mod config;
pub mod error;
pub mod keys;
pub mod metrics;
pub mod routes;
pub mod serve;
pub mod store;
pub mod tls;

use std::sync::Arc;

use auth::Authenticator;
use config::Config;
use keys::KeySource;
use metrics::Metrics;
use store::Store;

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct AppState {
    /// The configuration in force.
    pub config: Config,
    /// Credentials.
    pub auth: Authenticator,
    /// The key-pair store.
    pub store: Arc<dyn Store>,
    /// Generated keys.
    pub keys: Arc<KeySource>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The operator's blocklist of compromised keys, beside the built-in one.
    pub blocklist: Option<keygen_core::Blocklist>,
}

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl AppState {
    /// Builds the state; starts nothing.
    #[must_use]
    pub fn new(
        config: Config,
        admin_sha256: [u8; 32],
        store: Arc<dyn Store>,
        blocklist: Option<keygen_core::Blocklist>,
    ) -> Self {
        let metrics = Arc::new(Metrics::new());
        let keys = Arc::new(KeySource::new(
            config.pool_size,
            config.workers,
            config.queue,
            config.per_credential_generations,
            Arc::clone(&metrics),
        ));
        Self {
            auth: Authenticator::new(&config, admin_sha256),
            config,
            store,
            keys,
            metrics,
            blocklist,
        }
    }

    /// The public-key policy for imports.
    #[must_use]
    pub fn public_key_options(&self) -> keygen_core::PublicKeyOptions<'_> {
        let options = keygen_core::PublicKeyOptions::api().min_rsa_bits(self.config.min_rsa_bits);
        match &self.blocklist {
            Some(list) => options.blocklist(list),
            None => options,
        }
    }
}

/// The router, ready to serve (without the request-id and trace layers,
/// which [`app_with_layers`] adds).
pub fn app(state: Arc<AppState>) -> axum::Router {
    routes::router(state)
}

/// The router with request ids (`x-request-id`, generated when absent and
/// echoed on every response) and a tracing span per request carrying it.
pub fn app_with_layers(state: Arc<AppState>) -> axum::Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::info_span!("request", request_id = %id)
        })
        .on_request(())
        .on_response(())
        .on_failure(());
    routes::router(state)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
