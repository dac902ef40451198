//! What every request handler reaches: the configuration, the credentials,
//! the store, the key source, the metrics and the blocklist.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::keys::KeySource;
use crate::metrics::Metrics;
use crate::store::Store;

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct AppState {
    /// The configuration in force.
    pub config: Config,
    pub(crate) auth: Authenticator,
    /// The key-pair store.
    pub store: Arc<dyn Store>,
    pub(crate) keys: Arc<KeySource>,
    pub(crate) metrics: Arc<Metrics>,
    /// The operator's blocklist of compromised keys, beside the built-in one.
    pub blocklist: Option<keygen_core::Blocklist>,
}

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl AppState {
    /// Builds the state; starts nothing. `admin_sha256` is the SHA-256 of
    /// the admin token (see [`crate::config::hash_secret`] and
    /// [`crate::config::parse_hex_digest`]).
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
        let options = keygen_core::PublicKeyOptions::api()
            .min_rsa_bits(self.config.min_rsa_bits)
            .with_min_length(self.config.min_public_key_length)
            .prime_modulus_check(self.config.check_prime_modulus);
        match &self.blocklist {
            Some(list) => options.blocklist(list),
            None => options,
        }
    }

    /// Keeps the key pool full until the returned future is dropped (spawn
    /// it on the runtime that serves the router).
    pub fn refill_pool(&self) -> impl Future<Output = ()> + Send + 'static {
        Arc::clone(&self.keys).run_refill()
    }

    /// The metrics in the Prometheus text format, as `/metrics` serves them.
    #[must_use]
    pub fn encode_metrics(&self) -> String {
        self.metrics.encode()
    }
}
