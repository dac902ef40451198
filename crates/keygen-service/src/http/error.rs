//! The API's error codes (one table) and the one error type every handler
//! returns, with the mapping from each layer's errors to HTTP.
//!
//! Every 4xx and 5xx body is `{"code", "message", "description"}`. Codes
//! 1000–1199 are keygen-core's validator refusals (`Reason::code`); the
//! service's own codes are in [`ErrorCode`], documented in
//! `docs/api-errors.md` (generated from the table, checked by a test).

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keygen_core::Rejection;
use serde::Serialize;

use crate::auth::AuthError;
use crate::keys::KeySourceError;
use crate::store::StoreError;

/// Seconds a client should wait before retrying a 503.
pub(crate) const RETRY_AFTER_SECONDS: u32 = 1;

/// Defines [`ErrorCode`] from one table: variant, code, status, name,
/// message and the description sent when the site gives none.
macro_rules! error_codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $code:literal, $status:ident, $name:literal, $message:literal, $description:literal;
    )*) => {
        /// The service's error codes: each with its status, a stable name
        /// and the message its body carries.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stable number in the body's `code`.
            #[must_use]
            pub const fn code(self) -> u16 {
                match self { $(Self::$variant => $code,)* }
            }

            /// The HTTP status it travels with.
            #[must_use]
            pub const fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status,)* }
            }

            /// A stable snake-case name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The body's `message`.
            #[must_use]
            pub const fn message(self) -> &'static str {
                match self { $(Self::$variant => $message,)* }
            }

            /// The body's `description` when the error carries no detail.
            const fn default_description(self) -> &'static str {
                match self { $(Self::$variant => $description,)* }
            }
        }
    };
}

error_codes! {
    /// The body is not JSON.
    MalformedJson = 2000, BAD_REQUEST, "malformed_json", "request body is not valid json", "";
    /// Wrong or missing `Content-Type`.
    UnsupportedContentType = 2001, BAD_REQUEST, "unsupported_content_type", "content type must be application/json", "send the body with the header Content-Type: application/json";
    /// The body exceeds the limit; it was not read past it.
    BodyTooLarge = 2002, BAD_REQUEST, "body_too_large", "request body is too large", "";
    /// JSON of the wrong shape: not an object, unknown, repeated, missing
    /// or mistyped member.
    InvalidBody = 2003, BAD_REQUEST, "invalid_body", "request body does not match the schema", "";
    /// The name is taken in this project and zone.
    DuplicateName = 2004, BAD_REQUEST, "duplicate_name", "name: a key pair with this name already exists in this project and zone", "names are unique per project and zone; choose another name or delete the existing key pair";
    /// A query parameter is invalid.
    InvalidQueryParameter = 2005, BAD_REQUEST, "invalid_query_parameter", "invalid query parameter", "";
    /// A path segment is invalid.
    InvalidPathParameter = 2006, BAD_REQUEST, "invalid_path_parameter", "invalid path parameter", "";
    /// A request header is invalid (`X-Requester-Id`).
    InvalidHeader = 2007, BAD_REQUEST, "invalid_header", "invalid request header", "";
    /// No usable credential.
    Unauthenticated = 2100, UNAUTHORIZED, "unauthenticated", "credentials are missing or not valid", "send Authorization: Bearer <token> or X-API-Key: <key>";
    /// A valid credential, not allowed here.
    Forbidden = 2101, FORBIDDEN, "forbidden", "not enough privileges for this operation", "";
    /// No such key pair in this project and zone.
    NotFound = 2200, NOT_FOUND, "not_found", "key pair not found", "no key pair with this id exists in this project and zone";
    /// The zone is not served.
    ZoneNotServed = 2201, NOT_FOUND, "zone_not_served", "zone not found", "this service does not serve that zone";
    /// No such route.
    RouteNotFound = 2202, NOT_FOUND, "route_not_found", "unknown resource", "see /v1/openapi.json for the routes this service serves";
    /// The method is not allowed on a known route.
    MethodNotAllowed = 2300, METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this resource", "the Allow header lists the methods this route accepts";
    /// The body did not arrive in time; the connection is closed after it.
    BodyTimeout = 2400, REQUEST_TIMEOUT, "body_timeout", "request body not received in time", "";
    /// Anything unexpected: details go to the log, not to the client.
    Internal = 2500, INTERNAL_SERVER_ERROR, "internal", "unexpected error", "the request id in the x-request-id header identifies it in the service's logs";
    /// No capacity to generate a key pair now.
    GenerationBusy = 2600, SERVICE_UNAVAILABLE, "generation_busy", "no capacity to generate a key pair now", "retry after the number of seconds in Retry-After, or send a publicKey";
    /// The store cannot be reached.
    StoreUnavailable = 2601, SERVICE_UNAVAILABLE, "store_unavailable", "storage is unavailable", "retry after the number of seconds in Retry-After";
    /// The service is stopping.
    ShuttingDown = 2602, SERVICE_UNAVAILABLE, "shutting_down", "service is shutting down", "retry on another instance";
}

impl ErrorCode {
    /// The row of this code in the catalogue's Markdown table:
    /// `| code | status | name | message |`.
    #[must_use]
    pub fn markdown_row(self) -> String {
        format!(
            "| {} | {} | {} | {} |",
            self.code(),
            self.status().as_u16(),
            self.name(),
            self.message()
        )
    }
}

/// The catalogue of error codes as Markdown, the text of
/// `docs/api-errors.md`.
#[must_use]
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# API error codes\n\n\
         <!-- Generated from the table in crates/keygen-service/src/http/error.rs; \
         a test of that crate checks this file. -->\n\n\
         Every 4xx and 5xx answer of the key-pair API carries the body\n\
         `{\"code\": 2006, \"message\": \"...\", \"description\": \"...\"}`:\n\
         `code` is stable, `message` is the short text below, and\n\
         `description` names the offending field, parameter or header and\n\
         what is accepted. A 401 carries `WWW-Authenticate: Bearer realm=\"keygen\"`;\n\
         a 503 carries `Retry-After`.\n\n\
         Codes 1000 to 1199 (status 400) are the validators' refusals of a\n\
         `name`, `description`, `tags` or `publicKey`: keygen-core's\n\
         `Reason::code`, each naming the field and the rule.\n\n\
         | code | status | name | message |\n\
         |---|---|---|---|\n",
    );
    for code in ErrorCode::ALL {
        let _ = writeln!(out, "{}", code.markdown_row());
    }
    out
}

/// An API error: a code (the service's or a validator's) and the detail
/// its body's `description` carries.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: u16,
    message: String,
    description: String,
}

#[derive(Serialize)]
struct Body<'a> {
    code: u16,
    message: &'a str,
    description: &'a str,
}

impl ApiError {
    /// `code` with `description` as its detail.
    #[must_use]
    pub fn with_detail(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code: code.code(),
            message: code.message().to_owned(),
            description: description.into(),
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The detail (the body's `description`).
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// 400 (2002): the body exceeds `limit` bytes.
    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::with_detail(
            ErrorCode::BodyTooLarge,
            format!("the body may be at most {limit} bytes"),
        )
    }

    /// 408 (2400): the body did not arrive within `timeout`.
    pub(crate) fn body_timeout(timeout: std::time::Duration) -> Self {
        Self::with_detail(
            ErrorCode::BodyTimeout,
            format!(
                "the whole body must arrive within {} seconds of the request head",
                timeout.as_secs_f64()
            ),
        )
    }

    /// 503 (2601) from `/readyz`: `reason` says why (never SQL,
    /// connection strings or stored data).
    pub(crate) fn store_not_ready(reason: &str) -> Self {
        Self::with_detail(
            ErrorCode::StoreUnavailable,
            format!("not ready: {reason}; retry after the number of seconds in Retry-After"),
        )
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::with_detail(code, code.default_description())
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: r.code(),
            message: r.message().to_owned(),
            description: format!("accepted: {}", r.accepted()),
        }
    }
}

// The mapping of each layer's errors to HTTP, in one place.

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthenticated => ErrorCode::Unauthenticated.into(),
            AuthError::ProjectNotGranted | AuthError::ReadOnly => {
                Self::with_detail(ErrorCode::Forbidden, e.to_string())
            }
        }
    }
}

impl From<KeySourceError> for ApiError {
    fn from(e: KeySourceError) -> Self {
        match e {
            KeySourceError::Busy => ErrorCode::GenerationBusy.into(),
            KeySourceError::ShuttingDown => ErrorCode::ShuttingDown.into(),
            KeySourceError::Failed(reason) => {
                tracing::error!(error = %reason, "key generation failed");
                ErrorCode::Internal.into()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => ErrorCode::DuplicateName.into(),
            StoreError::Unavailable(reason) => {
                tracing::warn!(error = %reason, "store unavailable");
                ErrorCode::StoreUnavailable.into()
            }
            other => {
                tracing::error!(error = %other, "store error");
                ErrorCode::Internal.into()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body {
            code: self.code,
            message: &self.message,
            description: &self.description,
        })
        .unwrap_or_else(|_| {
            b"{\"code\":2500,\"message\":\"unexpected error\",\"description\":\"\"}".to_vec()
        });
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110 section 11.6.1: a 401 names the scheme it wants;
            // RFC 6750 section 3: Bearer, with a realm.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"keygen\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // RFC 9110 section 15.5.9: the server closes the connection.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_their_status_range() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.code()), "{code:?} repeats a code");
            assert!((2000..3000).contains(&code.code()), "{code:?}");
            // House style: lowercase, no trailing period.
            assert!(!code.message().is_empty() && !code.message().ends_with('.'));
            assert_eq!(code.message(), code.message().to_lowercase(), "{code:?}");
        }
    }

    /// `docs/api-errors.md` is the generated catalogue; on drift the test
    /// prints the text the file must have.
    #[test]
    fn the_documented_catalogue_is_the_table() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api-errors.md");
        let expected = catalogue_markdown();
        if std::env::var_os("KEYGEN_WRITE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} differs from the error table (KEYGEN_WRITE_DOCS=1 rewrites it); it must \
             read:\n{expected}",
            path.display()
        );
    }

    /// The OpenAPI document lists every code, row for row, in its
    /// `info.description`.
    #[test]
    fn the_openapi_document_lists_every_code() {
        let doc: serde_json::Value = serde_json::from_str(crate::http::OPENAPI).unwrap();
        let description = doc["info"]["description"].as_str().unwrap();
        let lines: Vec<&str> = description.lines().map(str::trim).collect();
        for code in ErrorCode::ALL {
            let row = code.markdown_row();
            assert_eq!(
                lines.iter().filter(|l| **l == row).count(),
                1,
                "openapi.json info.description must hold the row once:\n{row}"
            );
        }
    }

    #[test]
    fn a_401_asks_for_a_bearer_token() {
        let response = ApiError::from(ErrorCode::Unauthenticated).into_response();
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"keygen\""
        );
        let response = ApiError::from(ErrorCode::Forbidden).into_response();
        assert!(!response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
