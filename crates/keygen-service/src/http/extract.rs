//! Extractors: path parameters in the API's error format, and the scope
//! of a request (who asks, for which project and zone), checked before any
//! handler runs.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::{ApiError, ErrorCode};
use crate::AppState;
use crate::auth::Principal;
use crate::domain::{KeyPairId, ProjectId, ZoneName};

/// The path's parameters by name, decoded; a failure (such as
/// percent-encoded bytes that are not UTF-8) is a 400 (2006).
async fn path_params(parts: &mut Parts) -> Result<Vec<(String, String)>, ApiError> {
    Path::<Vec<(String, String)>>::from_request_parts(parts, &())
        .await
        .map(|Path(params)| params)
        .map_err(|e| ApiError::with_detail(ErrorCode::InvalidPathParameter, e.body_text()))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The scope of a request on a key-pair route, checked in this order:
/// path parameters decoded (400), a credential (401), the project id and
/// zone name well formed (400), the project granted and, for `WRITE`,
/// writing allowed (403), the zone served (404); for `WRITE`, the
/// `X-Requester-Id` header (400).
#[derive(Debug)]
pub(super) struct Scope<const WRITE: bool> {
    /// Who asks.
    pub(super) principal: Principal,
    /// The path's project.
    pub(super) project: ProjectId,
    /// The path's zone.
    pub(super) zone: ZoneName,
    /// Who is recorded as making the change: `X-Requester-Id`, or the
    /// credential's name when absent.
    pub(super) requester: String,
}

/// A scope that reads.
pub(super) type ReadScope = Scope<false>;
/// A scope that creates or deletes.
pub(super) type WriteScope = Scope<true>;

impl<const WRITE: bool> FromRequestParts<Arc<AppState>> for Scope<WRITE> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let params = path_params(parts).await?;
        let principal = state.auth.authenticate(&parts.headers)?;
        let project = ProjectId::new(param(&params, "projectId"))
            .map_err(|e| ApiError::with_detail(ErrorCode::InvalidPathParameter, e.to_string()))?;
        let zone = ZoneName::new(param(&params, "zoneName"))
            .map_err(|e| ApiError::with_detail(ErrorCode::InvalidPathParameter, e.to_string()))?;
        principal.authorize(&project, WRITE)?;
        if !state.config.zones.is_empty() && !state.config.zones.contains(&zone) {
            return Err(ErrorCode::ZoneNotServed.into());
        }
        let requester = if WRITE {
            requester(&parts.headers, &principal)?
        } else {
            principal.name.clone()
        };
        Ok(Self {
            principal,
            project,
            zone,
            requester,
        })
    }
}

/// `X-Requester-Id`, or the credential's name when absent.
fn requester(headers: &HeaderMap, principal: &Principal) -> Result<String, ApiError> {
    const RULE: &str = "X-Requester-Id: printable ASCII, at most 128 characters";
    match headers.get("x-requester-id") {
        None => Ok(principal.name.clone()),
        Some(v) => {
            let s = v
                .to_str()
                .map_err(|_| ApiError::with_detail(ErrorCode::InvalidHeader, RULE))?;
            if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(ApiError::with_detail(ErrorCode::InvalidHeader, RULE));
            }
            Ok(s.to_owned())
        }
    }
}

/// The item route's `keyPairId`: a UUID in any letter case, else 400
/// (2006) naming the parameter.
#[derive(Debug)]
pub(super) struct ItemId(pub(super) KeyPairId);

impl<S: Send + Sync> FromRequestParts<S> for ItemId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = path_params(parts).await?;
        KeyPairId::parse(param(&params, "keyPairId"))
            .map(Self)
            .map_err(|e| ApiError::with_detail(ErrorCode::InvalidPathParameter, e.to_string()))
    }
}
