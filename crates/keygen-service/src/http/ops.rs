//! The operational endpoints: liveness, readiness, metrics and the OpenAPI
//! document.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::OPENAPI;
use super::error::{ApiError, ErrorCode};
use crate::AppState;
use crate::store::StoreError;

/// The body of `/healthz`.
#[derive(Serialize)]
pub(super) struct Health {
    status: &'static str,
}

/// The body of `/readyz` when ready.
#[derive(Serialize)]
pub(super) struct Ready {
    status: &'static str,
    store: &'static str,
    pool: usize,
}

pub(super) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

pub(super) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => Json(Ready {
            status: "ready",
            store: "ok",
            pool: state.keys.pool_len(),
        })
        .into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            let reason = match &e {
                StoreError::Unavailable(reason) => reason.as_str(),
                _ => "the store failed; the log has the details",
            };
            ApiError::store_not_ready(reason).into_response()
        }
        Err(_) => ApiError::from(ErrorCode::StoreUnavailable).into_response(),
    }
}

pub(super) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

pub(super) async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
