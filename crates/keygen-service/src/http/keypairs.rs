//! The key-pair resource: create, find, get and delete.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::body::{CreateRequest, parse_create_request, read_body};
use super::error::{ApiError, ErrorCode};
use super::extract::{ItemId, ReadScope, WriteScope};
use super::find::parse_find;
use crate::AppState;
use crate::domain::{KeyPairId, ProjectId, ProvisioningState, ZoneName};
use crate::store::{FindQuery, Record, Store, StoreError};

/// Runs a store call on the blocking pool; its errors map to HTTP in
/// `error`.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "store task failed");
            Err(ErrorCode::Internal.into())
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

/// The resource path relative to the API base (which ends in `/v1`).
fn href(project: &ProjectId, zone: &ZoneName, id: KeyPairId) -> String {
    format!(
        "/projects/{}/zones/{}/keypairs/{id}",
        project.as_str(),
        zone.as_str()
    )
}

/// A key-pair resource, as find and get answer it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
    id: String,
    #[serde(rename = "hRef")]
    href: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    tags: &'a BTreeMap<String, String>,
    created_date: String,
    last_modified_date: String,
    last_requester_id: &'a str,
    provisioning_state: &'static str,
    public_key: &'a str,
    fingerprint: &'a str,
}

impl<'a> Resource<'a> {
    fn new(r: &'a Record) -> Self {
        Self {
            id: r.id.to_string(),
            href: href(&r.project, &r.zone, r.id),
            name: &r.name,
            description: r.description.as_deref(),
            tags: &r.tags,
            created_date: rfc3339(r.created_us),
            last_modified_date: rfc3339(r.modified_us),
            last_requester_id: &r.requester,
            provisioning_state: r.state.as_str(),
            public_key: &r.public_key,
            fingerprint: &r.fingerprint,
        }
    }
}

/// The 201 body of a create.
#[derive(Serialize)]
struct Created<'a> {
    id: &'a str,
    #[serde(rename = "hRef")]
    href: &'a str,
    #[serde(rename = "publicKey")]
    public_key: &'a str,
    #[serde(rename = "privateKey", skip_serializing_if = "Option::is_none")]
    private_key: Option<&'a str>,
}

/// A response buffer that is zeroized when dropped.
struct ZeroizingBody(zeroize::Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for ZeroizingBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

pub(super) async fn create(
    State(state): State<Arc<AppState>>,
    scope: WriteScope,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
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
    let WriteScope {
        principal,
        project,
        zone,
        requester,
    } = scope;

    let (public_key, fingerprint, generated) = match public_key {
        Some(key) => (
            key.as_str().to_owned(),
            key.fingerprint_sha256().to_owned(),
            None,
        ),
        None => {
            // Refuse a duplicate before spending a key on it; the unique
            // index still decides races.
            let query = FindQuery {
                name: Some(name.as_str().to_owned()),
                limit: 1,
                ..FindQuery::new(project.clone(), zone.clone())
            };
            let (taken, _) = blocking(&state, move |s| s.find(&query)).await?;
            if taken > 0 {
                return Err(ErrorCode::DuplicateName.into());
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
        id: KeyPairId::random(),
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
        state: ProvisioningState::Active,
    };
    let stored = record.clone();
    blocking(&state, move |s| s.insert(&stored)).await?;

    let id = record.id.to_string();
    let href = href(&record.project, &record.zone, record.id);
    let location = format!("/v1{href}");
    let created = Created {
        id: &id,
        href: &href,
        public_key: &record.public_key,
        private_key: generated.as_ref().map(|k| k.private_key()),
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
        ApiError::from(ErrorCode::Internal)
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

pub(super) async fn get_one(
    State(state): State<Arc<AppState>>,
    scope: ReadScope,
    ItemId(id): ItemId,
) -> Result<Response, ApiError> {
    let ReadScope { project, zone, .. } = scope;
    let record = blocking(&state, move |s| s.get(&project, &zone, id))
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::NotFound))?;
    Ok(Json(Resource::new(&record)).into_response())
}

pub(super) async fn delete(
    State(state): State<Arc<AppState>>,
    scope: WriteScope,
    ItemId(id): ItemId,
) -> Result<Response, ApiError> {
    // The requester was checked for the same rules as on create, though a
    // deleted resource keeps no record of who deleted it.
    let WriteScope { project, zone, .. } = scope;
    if blocking(&state, move |s| s.delete(&project, &zone, id)).await? {
        Ok(StatusCode::ACCEPTED.into_response())
    } else {
        Err(ErrorCode::NotFound.into())
    }
}

pub(super) async fn find(
    State(state): State<Arc<AppState>>,
    scope: ReadScope,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = parse_find(raw.as_deref(), scope.project, scope.zone)?;
    let (total, records) = blocking(&state, move |s| s.find(&query)).await?;
    let items: Vec<Resource<'_>> = records.iter().map(Resource::new).collect();
    let mut response = Json(items).into_response();
    let h = response.headers_mut();
    h.insert("x-total-count", HeaderValue::from(total));
    h.insert("x-result-count", HeaderValue::from(records.len()));
    Ok(response)
}
