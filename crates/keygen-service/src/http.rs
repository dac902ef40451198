//! The HTTP layer: the route table (from which the router, the `Allow`
//! header and the OpenAPI drift test all come), the middleware, and the
//! handlers per resource. Handlers parse requests into domain types, call
//! the key source and the store, and answer with `Serialize` structs;
//! every error becomes an [`ApiError`] in `error`.

mod body;
pub(crate) mod error;
mod extract;
mod find;
mod keypairs;
mod ops;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};

pub use self::body::{CreateRequest, parse_create_request};
use self::error::{ApiError, ErrorCode};
use crate::AppState;

/// The collection route.
pub const KEYPAIRS: &str = "/v1/projects/{projectId}/zones/{zoneName}/keypairs";
/// The item route.
pub const KEYPAIR: &str = "/v1/projects/{projectId}/zones/{zoneName}/keypairs/{keyPairId}";
/// The metrics route (served on `metrics_listen` instead, when set).
const METRICS: &str = "/metrics";

/// The OpenAPI document served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The route table, written once: each path with its methods and their
/// handlers. It defines [`ROUTES`] (paths and methods, for `Allow` and the
/// tests) and the function that adds the routes to a router.
macro_rules! route_table {
    ($($path:expr => { $($method:ident: $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Every route and the methods it serves (HEAD goes with GET).
        pub const ROUTES: &[(&str, &[&str])] = &[
            $(($path, &[$(stringify!($method)),+]),)+
        ];

        /// Adds every route for which `include(path)` holds.
        fn add_routes(
            mut router: Router<Arc<AppState>>,
            include: impl Fn(&str) -> bool,
        ) -> Router<Arc<AppState>> {
            $(
                if include($path) {
                    router = router.route($path, axum::routing::MethodRouter::new()
                        $(.merge(on(MethodFilter::$method, $handler)))+);
                }
            )+
            router
        }
    };
}

route_table! {
    KEYPAIRS => { GET: keypairs::find, POST: keypairs::create },
    KEYPAIR => { DELETE: keypairs::delete, GET: keypairs::get_one },
    "/healthz" => { GET: ops::healthz },
    "/readyz" => { GET: ops::readyz },
    METRICS => { GET: ops::metrics },
    "/v1/openapi.json" => { GET: ops::openapi },
}

/// The router over `state`, without the request-id and trace layers.
/// With `metrics_listen` configured, `/metrics` is served there (see
/// [`metrics_router`]) and not here.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let separate_metrics = state.config.metrics_listen.is_some();
    add_routes(Router::new(), |path| !(separate_metrics && path == METRICS))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found_route)
        .with_state(Arc::clone(&state))
        .layer(axum::middleware::from_fn_with_state(state, observe))
}

/// The router of the separate metrics address: `/metrics` only.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    add_routes(Router::new(), |path| path == METRICS)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found_route)
        .with_state(state)
}

/// The router with request ids (`x-request-id`, generated when absent and
/// echoed on every response) and a tracing span per request carrying it.
pub fn app_with_layers(state: Arc<AppState>) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
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
    router(state)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The route template of [`ROUTES`] that `path` matches, segment by
/// segment as the router matches it: a parameter takes one segment, which
/// may be empty unless it is the last one.
fn route_of(path: &str) -> Option<&'static (&'static str, &'static [&'static str])> {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES.iter().find(|(route, _)| {
        let template: Vec<&str> = route.split('/').collect();
        template.len() == segments.len()
            && template
                .iter()
                .zip(&segments)
                .enumerate()
                .all(|(i, (t, s))| {
                    if t.starts_with('{') && t.ends_with('}') {
                        !s.is_empty() || i + 1 < segments.len()
                    } else {
                        t == s
                    }
                })
    })
}

/// The `Allow` header of a route: its methods, with HEAD beside GET,
/// sorted (RFC 9110 section 10.2.1).
fn allow_header(methods: &[&str]) -> String {
    let mut all: Vec<&str> = methods.to_vec();
    if all.contains(&"GET") {
        all.push("HEAD");
    }
    all.sort_unstable();
    all.join(", ")
}

/// Records metrics for every request and logs one line per request (method,
/// route, status, latency; never headers or bodies).
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    // A fixed set of labels: hyper accepts any token as a method, and each
    // new label value would be a new series kept forever.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    let m = &state.metrics;
    m.requests
        .get_or_create(&crate::metrics::RequestLabels {
            route: route.clone(),
            method: method.to_string(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&crate::metrics::RouteLabels {
            route: route.clone(),
            method: method.to_string(),
        })
        .observe(elapsed.as_secs_f64());
    tracing::info!(%method, %route, status, latency_us = elapsed.as_micros() as u64, "request");
    response
}

async fn method_not_allowed(request: Request) -> Response {
    let mut response = ApiError::from(ErrorCode::MethodNotAllowed).into_response();
    if let Some((_, methods)) = route_of(request.uri().path())
        && let Ok(allow) = HeaderValue::from_str(&allow_header(methods))
    {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

async fn not_found_route() -> ApiError {
    ErrorCode::RouteNotFound.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    fn state(dir: &std::path::Path) -> Arc<AppState> {
        let store = crate::store::SqliteStore::open(dir, 1).unwrap();
        let config = crate::config::Config {
            pool_size: 0,
            ..Default::default()
        };
        Arc::new(AppState::new(config, [0; 32], Arc::new(store), None))
    }

    fn concrete(route: &str) -> String {
        route
            .replace("{projectId}", "p1")
            .replace("{zoneName}", "z1")
            .replace("{keyPairId}", "00000000-0000-4000-8000-000000000000")
    }

    #[tokio::test]
    async fn the_router_serves_exactly_the_route_table() {
        let dir = tempfile::tempdir().unwrap();
        let app = router(state(dir.path()));
        let all = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        for (route, methods) in ROUTES {
            let uri = concrete(route);
            for method in all {
                let request = Request::builder()
                    .method(method)
                    .uri(&uri)
                    .body(Body::empty())
                    .unwrap();
                let response = app.clone().oneshot(request).await.unwrap();
                if methods.contains(&method) {
                    assert_ne!(
                        response.status(),
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{method} {route}"
                    );
                    assert_ne!(response.status(), StatusCode::NOT_FOUND, "{method} {route}");
                } else {
                    assert_eq!(
                        response.status(),
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{method} {route}"
                    );
                    assert_eq!(
                        response.headers()[header::ALLOW],
                        allow_header(methods).as_str(),
                        "{method} {route}"
                    );
                }
            }
        }
    }

    #[test]
    fn allow_lists_head_with_get_in_order() {
        assert_eq!(allow_header(&["GET", "POST"]), "GET, HEAD, POST");
        assert_eq!(allow_header(&["DELETE", "GET"]), "DELETE, GET, HEAD");
        assert_eq!(allow_header(&["GET"]), "GET, HEAD");
        assert_eq!(
            route_of("/v1/projects/p/zones/z/keypairs").unwrap().0,
            KEYPAIRS
        );
        assert_eq!(
            route_of("/v1/projects/p/zones/z/keypairs/x").unwrap().0,
            KEYPAIR
        );
        assert_eq!(
            route_of("/v1/projects//zones/z/keypairs").unwrap().0,
            KEYPAIRS
        );
        assert!(route_of("/v1/projects/p/zones/z/keypairs/").is_none());
        assert!(route_of("/v1/nothing").is_none());
    }

    #[tokio::test]
    async fn unknown_methods_share_one_metrics_label() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path());
        let app = router(Arc::clone(&state));
        for m in ["FOO1", "FOO2", "FOO3"] {
            let request = Request::builder()
                .method(m)
                .uri("/healthz")
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let text = state.metrics.encode();
        assert!(text.contains("method=\"OTHER\""));
        assert!(!text.contains("FOO"));
    }
}
