#![doc = include_str!("../README.md")]

mod auth;
pub mod config;
mod domain;
mod http;
mod keys;
mod metrics;
mod serve;
mod state;
pub mod store;
mod tls;

pub use crate::domain::{DomainError, KeyPairId, ProjectId, ProvisioningState, ZoneName};
pub use crate::http::error::{ApiError, ErrorCode};
pub use crate::http::{KEYPAIR, KEYPAIRS, OPENAPI, ROUTES, app_with_layers, metrics_router};
pub use crate::state::AppState;
pub use crate::tls::TlsError;

/// The router, ready to serve (without the request-id and trace layers,
/// which [`app_with_layers`] adds).
pub fn app(state: std::sync::Arc<AppState>) -> axum::Router {
    http::router(state)
}

/// Hooks for the service's binary, its tests and fuzz targets: not part of
/// the API, and free to change.
#[doc(hidden)]
pub mod internal {
    pub use crate::http::error::catalogue_markdown;
    pub use crate::http::{CreateRequest, parse_create_request};
    pub use crate::metrics::Metrics;
    pub use crate::serve::{Limits, Server, shutdown_signal};
    pub use crate::tls::CertStore;

    /// The state's metrics, for the listeners and the certificate store.
    #[must_use]
    pub fn metrics(state: &crate::AppState) -> std::sync::Arc<Metrics> {
        std::sync::Arc::clone(&state.metrics)
    }
}
