//! The routes of the key-pair API and the operational endpoints.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use keygen_core::{Description, Name, PublicKeyLine, Tags};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::store::{FindQuery, Record, SortField, StoreError};

/// The collection route.
pub const KEYPAIRS: &str = "/v1/projects/{projectId}/zones/{zoneName}/keypairs";
/// The item route.
pub const KEYPAIR: &str = "/v1/projects/{projectId}/zones/{zoneName}/keypairs/{keyPairId}";

/// Every route and the methods it serves (HEAD goes with GET). The OpenAPI
/// drift test compares this table with `openapi.json`, and a unit test
/// checks that the router answers each entry and refuses other methods.
pub const ROUTES: &[(&str, &[&str])] = &[
    (KEYPAIRS, &["GET", "POST"]),
    (KEYPAIR, &["DELETE", "GET"]),
    ("/healthz", &["GET"]),
    ("/readyz", &["GET"]),
    ("/metrics", &["GET"]),
    ("/v1/openapi.json", &["GET"]),
];

/// The OpenAPI document served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Project ids: 1–64 characters of `[A-Za-z0-9._-]`, not `.` or `..`.
#[must_use]
pub fn project_is_well_formed(p: &str) -> bool {
    // "." and ".." would make Location and hRef resolve elsewhere.
    p != "."
        && p != ".."
        && (1..=64).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Zone names: 1–63 characters of `[a-z0-9-]`, not starting or ending
/// with `-` (a DNS label, as cloud zone names are).
#[must_use]
pub fn zone_is_well_formed(z: &str) -> bool {
    (1..=63).contains(&z.len())
        && z.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !z.starts_with('-')
        && !z.ends_with('-')
}

/// Builds the router over `state`.
/// With `metrics_listen` configured, `/metrics` is served there (see
/// [`metrics_router`]) and not here.
pub fn router(state: Arc<AppState>) -> Router {
    let mut api = Router::new()
        .route(KEYPAIRS, get(find).post(create))
        .route(KEYPAIR, get(get_one).delete(delete))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.config.metrics_listen.is_none() {
        api = api.route("/metrics", get(metrics));
    }
    let api = api
        .route("/v1/openapi.json", get(openapi))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found_route)
        .with_state(Arc::clone(&state));
    api.layer(axum::middleware::from_fn_with_state(state, observe))
}

/// The router of the separate metrics address: `/metrics` only.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found_route)
        .with_state(state)
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

fn allow_for(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "v1", "projects", _, "zones", _, "keypairs"] => Some("GET, HEAD, POST"),
        ["", "v1", "projects", _, "zones", _, "keypairs", _] => Some("DELETE, GET, HEAD"),
        ["", "healthz" | "readyz" | "metrics"] | ["", "v1", "openapi.json"] => Some("GET, HEAD"),
        _ => None,
    }
}

async fn method_not_allowed(request: Request) -> Response {
    let mut response = ApiError::method_not_allowed().into_response();
    if let Some(allow) = allow_for(request.uri().path()) {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

async fn not_found_route() -> ApiError {
    ApiError::route_not_found()
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => json_response(
            StatusCode::OK,
            &json!({"status": "ready", "store": "ok", "pool": state.keys.pool_len()}),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            let reason = match &e {
                StoreError::Unavailable(reason) => reason.as_str(),
                _ => "the store failed; the log has the details",
            };
            ApiError::store_not_ready(reason).into_response()
        }
        Err(_) => ApiError::store_unavailable().into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Runs a store call on the blocking pool and maps its errors.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn crate::store::Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(StoreError::Duplicate)) => Err(ApiError::duplicate_name()),
        Ok(Err(StoreError::Unavailable(e))) => {
            tracing::warn!(error = %e, "store unavailable");
            Err(ApiError::store_unavailable())
        }
        Ok(Err(StoreError::Other(e))) => {
            tracing::error!(error = %e, "store error");
            Err(ApiError::internal())
        }
        Err(e) => {
            tracing::error!(error = %e, "store task failed");
            Err(ApiError::internal())
        }
    }
}

/// The path's project and zone, checked: well formed, granted, served.
fn scope(
    state: &AppState,
    headers: &HeaderMap,
    project: &str,
    zone: &str,
    write: bool,
) -> Result<crate::auth::Principal, ApiError> {
    let principal = state.auth.authenticate(headers)?;
    if !project_is_well_formed(project) {
        return Err(ApiError::invalid_path(
            "projectId: 1 to 64 characters of [A-Za-z0-9._-]",
        ));
    }
    if !zone_is_well_formed(zone) {
        return Err(ApiError::invalid_path(
            "zoneName: 1 to 63 characters of [a-z0-9-], not starting or ending with '-'",
        ));
    }
    principal.authorize(project, write)?;
    if !state.config.zones.is_empty() && !state.config.zones.iter().any(|z| z == zone) {
        return Err(ApiError::zone_not_served());
    }
    Ok(principal)
}

/// `X-Requester-Id`, or the credential's name when absent.
fn requester(headers: &HeaderMap, principal: &crate::auth::Principal) -> Result<String, ApiError> {
    match headers.get("x-requester-id") {
        None => Ok(principal.name.clone()),
        Some(v) => {
            let s = v.to_str().map_err(|_| {
                ApiError::invalid_header("X-Requester-Id: printable ASCII, at most 128 characters")
            })?;
            if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(ApiError::invalid_header(
                    "X-Requester-Id: printable ASCII, at most 128 characters",
                ));
            }
            Ok(s.to_owned())
        }
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn rfc3339(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn href(r: &Record) -> String {
    format!("/projects/{}/zones/{}/keypairs/{}", r.project, r.zone, r.id)
}

fn resource(r: &Record) -> Value {
    let mut v = json!({
        "id": r.id,
        "hRef": href(r),
        "name": r.name,
        "tags": r.tags,
        "createdDate": rfc3339(r.created_us),
        "lastModifiedDate": rfc3339(r.modified_us),
        "lastRequesterId": r.requester,
        "provisioningState": r.state,
        "publicKey": r.public_key,
        "fingerprint": r.fingerprint,
    });
    if let (Some(d), Some(obj)) = (&r.description, v.as_object_mut()) {
        obj.insert("description".into(), Value::String(d.clone()));
    }
    v
}

/// The create request body. Unknown fields are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default, deserialize_with = "present")]
    description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    tags: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "publicKey", deserialize_with = "present")]
    public_key: Option<String>,
}

/// An optional field that, when present, must have its type: `null` is not
/// a string (the OpenAPI schema does not make these fields nullable), and
/// a `"publicKey": null` must not quietly turn an import into a generation.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Reads a JSON body: content type first, then at most `limit` bytes (no
/// further), within `timeout`. Every failure is a 400 in the API's format,
/// but a body that does not arrive in time, a 408.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::unsupported_content_type());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::body_too_large(limit));
    }
    let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| ApiError::body_timeout(timeout))?;
    read.map_err(|e| {
        if format!("{e:?}").contains("LengthLimit") {
            ApiError::body_too_large(limit)
        } else {
            ApiError::malformed_json("the request body could not be read")
        }
    })
}

/// A create request, every field validated by keygen-core.
#[derive(Debug)]
pub struct CreateRequest {
    /// The key pair's name.
    pub name: Name,
    /// Its description.
    pub description: Option<Description>,
    /// Its tags.
    pub tags: Tags,
    /// The imported public key; `None` asks for a generated key pair.
    pub public_key: Option<PublicKeyLine>,
}

/// Parses and validates a create request body (raw bytes, as received):
/// JSON syntax, the schema (unknown fields refused), then each field.
///
/// # Errors
///
/// The 400 the API answers: malformed JSON (2000), schema (2003), or the
/// validator's refusal (1000–1199).
pub fn parse_create_request(
    body: &[u8],
    options: &keygen_core::PublicKeyOptions<'_>,
) -> Result<CreateRequest, ApiError> {
    let req: CreateBody = serde_json::from_slice(body).map_err(|e| {
        let mut detail = e.to_string();
        // Cut on a character boundary: the message may quote the input.
        let cut = detail
            .char_indices()
            .map(|(i, _)| i)
            .take_while(|&i| i <= 200)
            .last()
            .unwrap_or(0);
        detail.truncate(cut);
        match e.classify() {
            serde_json::error::Category::Data => ApiError::invalid_body(detail),
            _ => ApiError::malformed_json(detail),
        }
    })?;
    Ok(CreateRequest {
        name: Name::new(&req.name)?,
        description: req
            .description
            .as_deref()
            .map(Description::new)
            .transpose()?,
        tags: Tags::from_map(req.tags.unwrap_or_default())?,
        public_key: req
            .public_key
            .as_deref()
            .map(|line| PublicKeyLine::with_options(line, options))
            .transpose()?,
    })
}

async fn create(
    State(state): State<Arc<AppState>>,
    ApiPath((project, zone)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = scope(&state, &headers, &project, &zone, true)?;
    let requester = requester(&headers, &principal)?;
    let bytes = read_body(
        &headers,
        body,
        state.config.max_body_bytes,
        state.config.body_timeout,
    )
    .await?;
    let CreateRequest {
        name,
        description,
        tags,
        public_key,
    } = parse_create_request(&bytes, &state.public_key_options())?;

    let (public_key, fingerprint, generated) = match public_key {
        Some(key) => (
            key.as_str().to_owned(),
            key.fingerprint_sha256().to_owned(),
            None,
        ),
        None => {
            // Refuse a duplicate before spending a key on it; the unique
            // index still decides races.
            let (p, z, n) = (project.clone(), zone.clone(), name.as_str().to_owned());
            let (taken, _) = blocking(&state, move |s| {
                s.find(&FindQuery {
                    project: p,
                    zone: z,
                    name: Some(n),
                    state: None,
                    offset: 0,
                    limit: 1,
                    sort: vec![],
                })
            })
            .await?;
            if taken > 0 {
                return Err(ApiError::duplicate_name());
            }
            let key = state.keys.take(&principal.name).await?;
            (
                key.public_key().to_owned(),
                key.fingerprint().to_owned(),
                Some(key),
            )
        }
    };
    let now = now_us();
    let record = Record {
        id: uuid::Uuid::new_v4().to_string(),
        project,
        zone,
        name: name.as_str().to_owned(),
        description: description.map(|d| d.as_str().to_owned()),
        tags: tags.into_map(),
        public_key,
        fingerprint,
        created_us: now,
        modified_us: now,
        requester,
        state: "active".into(),
    };
    let stored = record.clone();
    blocking(&state, move |s| s.insert(&stored)).await?;

    let location = format!("/v1{}", href(&record));
    let created = Created {
        id: &record.id,
        href: &href(&record),
        public_key: &record.public_key,
        private_key: generated.as_ref().map(|k| k.private_key().as_str()),
    };
    // Serialised straight into a buffer sized for the whole body, so it is
    // never reallocated (which would leave unwiped copies of the private
    // key behind), and zeroized when hyper releases it.
    let capacity = 256
        + created.id.len()
        + created.href.len()
        + created.public_key.len()
        + created.private_key.map_or(0, str::len);
    let mut buffer = zeroize::Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *buffer, &created).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise the create response");
        ApiError::internal()
    })?;
    let body_bytes = Bytes::from_owner(ZeroizingBody(buffer));
    let mut response = (StatusCode::CREATED, body_bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The 201 body of a create.
#[derive(serde::Serialize)]
struct Created<'a> {
    id: &'a str,
    #[serde(rename = "hRef")]
    href: &'a str,
    #[serde(rename = "publicKey")]
    public_key: &'a str,
    #[serde(rename = "privateKey", skip_serializing_if = "Option::is_none")]
    private_key: Option<&'a str>,
}

/// Path parameters, with failures (such as percent-encoded bytes that are
/// not UTF-8) answered in the API's error format.
struct ApiPath<T>(T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e| ApiError::invalid_path(e.body_text()))
    }
}

/// A response buffer that is zeroized when dropped.
struct ZeroizingBody(zeroize::Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for ZeroizingBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

async fn get_one(
    State(state): State<Arc<AppState>>,
    ApiPath((project, zone, id)): ApiPath<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    scope(&state, &headers, &project, &zone, false)?;
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::not_found());
    }
    let record = blocking(&state, move |s| s.get(&project, &zone, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &resource(&record)))
}

async fn delete(
    State(state): State<Arc<AppState>>,
    ApiPath((project, zone, id)): ApiPath<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let principal = scope(&state, &headers, &project, &zone, true)?;
    // Checked for the same rules as on create, though a deleted resource
    // keeps no record of who deleted it.
    requester(&headers, &principal)?;
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::not_found());
    }
    if blocking(&state, move |s| s.delete(&project, &zone, &id)).await? {
        Ok(StatusCode::ACCEPTED.into_response())
    } else {
        Err(ApiError::not_found())
    }
}

/// Largest page a find returns.
pub const MAX_LIMIT: u64 = 1000;
/// Largest offset (2^53 − 1: exact in every JSON client).
pub const MAX_OFFSET: u64 = (1 << 53) - 1;

fn parse_find(raw: Option<&str>, project: String, zone: String) -> Result<FindQuery, ApiError> {
    let mut q = FindQuery {
        project,
        zone,
        name: None,
        state: None,
        offset: 0,
        limit: 100,
        sort: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !seen.insert(key.clone().into_owned()) {
            return Err(ApiError::invalid_query(format!(
                "{key}: given more than once"
            )));
        }
        match key.as_ref() {
            "name" => {
                let name = Name::new(&value).map_err(|e| ApiError::invalid_query(e.to_string()))?;
                q.name = Some(name.as_str().to_owned());
            }
            "provisioningState" => match value.as_ref() {
                "creating" | "updating" | "deleting" | "active" | "error" => {
                    q.state = Some(value.into_owned())
                }
                _ => {
                    return Err(ApiError::invalid_query(
                        "provisioningState: one of creating, updating, deleting, active, error",
                    ));
                }
            },
            "offset" => {
                q.offset = value
                    .parse()
                    .ok()
                    .filter(|o| *o <= MAX_OFFSET)
                    .ok_or_else(|| {
                        ApiError::invalid_query(format!(
                            "offset: an integer from 0 to {MAX_OFFSET}"
                        ))
                    })?;
            }
            "limit" => {
                q.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        ApiError::invalid_query(format!("limit: an integer from 1 to {MAX_LIMIT}"))
                    })?;
            }
            "sort" => {
                if value.len() > 100 {
                    return Err(ApiError::invalid_query("sort: at most 100 characters"));
                }
                for part in value.split(',') {
                    let (desc, field) = part.strip_prefix('-').map_or((false, part), |f| (true, f));
                    let field = SortField::parse(field).ok_or_else(|| {
                        ApiError::invalid_query(
                            "sort: comma-separated fields among name, createdDate, lastModifiedDate, provisioningState, id, description; a leading '-' sorts descending",
                        )
                    })?;
                    q.sort.push((field, desc));
                }
            }
            other => {
                return Err(ApiError::invalid_query(format!(
                    "unknown parameter {:?}; accepted: name, provisioningState, offset, limit, sort",
                    other.chars().take(40).collect::<String>()
                )));
            }
        }
    }
    Ok(q)
}

async fn find(
    State(state): State<Arc<AppState>>,
    ApiPath((project, zone)): ApiPath<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    scope(&state, &headers, &project, &zone, false)?;
    let query = parse_find(raw.as_deref(), project, zone)?;
    let (total, records) = blocking(&state, move |s| s.find(&query)).await?;
    let items: Vec<Value> = records.iter().map(resource).collect();
    let mut response = json_response(StatusCode::OK, &Value::Array(items));
    let h = response.headers_mut();
    h.insert("x-total-count", HeaderValue::from(total));
    h.insert("x-result-count", HeaderValue::from(records.len()));
    Ok(response)
}

/// The methods a route serves, for tests.
#[must_use]
pub fn methods_of(route: &str) -> Vec<Method> {
    ROUTES
        .iter()
        .filter(|(r, _)| *r == route)
        .flat_map(|(_, m)| {
            m.iter()
                .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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
                    assert!(
                        response.headers().contains_key(header::ALLOW),
                        "{method} {route}"
                    );
                }
            }
        }
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

    #[test]
    fn names_of_projects_and_zones() {
        assert!(project_is_well_formed("p1") && project_is_well_formed("Proj_1.a-b"));
        assert!(!project_is_well_formed(".") && !project_is_well_formed(".."));
        assert!(
            !project_is_well_formed("")
                && !project_is_well_formed("a/b")
                && !project_is_well_formed(&"a".repeat(65))
        );
        assert!(zone_is_well_formed("eu-west-0") && zone_is_well_formed("a"));
        assert!(
            !zone_is_well_formed("-a")
                && !zone_is_well_formed("a-")
                && !zone_is_well_formed("EU")
                && !zone_is_well_formed("")
        );
    }
}
