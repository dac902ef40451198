//! The one error type of the API and its catalogue of stable codes.
//!
//! Every 4xx and 5xx body is `{"code", "message", "description"}`. Codes
//! 1000–1199 are the validators' (keygen-core's `Reason::code`); the
//! service's own codes are:
//!
//! | code | status | name |
//! |---|---|---|
//! | 2000 | 400 | `malformed_json` |
//! | 2001 | 400 | `unsupported_content_type` |
//! | 2002 | 400 | `body_too_large` |
//! | 2003 | 400 | `invalid_body` (unknown field, wrong type, missing field) |
//! | 2004 | 400 | `duplicate_name` |
//! | 2005 | 400 | `invalid_query_parameter` |
//! | 2006 | 400 | `invalid_path_parameter` |
//! | 2007 | 400 | `invalid_header` (`X-Requester-Id`) |
//! | 2100 | 401 | `unauthenticated` |
//! | 2101 | 403 | `forbidden` |
//! | 2200 | 404 | `not_found` |
//! | 2201 | 404 | `zone_not_served` |
//! | 2202 | 404 | `route_not_found` |
//! | 2300 | 405 | `method_not_allowed` |
//! | 2400 | 408 | `body_timeout` (the connection is closed after it) |
//! | 2500 | 500 | `internal` |
//! | 2600 | 503 | `generation_busy` |
//! | 2601 | 503 | `store_unavailable` |
//! | 2602 | 503 | `shutting_down` |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keygen_core::Rejection;
use serde::Serialize;

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// An API error: status, stable code, message and detail.
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
    fn new(
        status: StatusCode,
        code: u16,
        message: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
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

    /// 400: the body is not JSON.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2000,
            "request body is not valid json",
            detail,
        )
    }

    /// 400: wrong or missing `Content-Type`.
    pub fn unsupported_content_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2001,
            "content type must be application/json",
            "send the body with the header Content-Type: application/json",
        )
    }

    /// 400: the body exceeds the limit; it was not read past it.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2002,
            "request body is too large",
            format!("the body may be at most {limit} bytes"),
        )
    }

    /// 400: JSON of the wrong shape.
    pub fn invalid_body(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2003,
            "request body does not match the schema",
            detail,
        )
    }

    /// 400: the name is taken in this project and zone.
    pub fn duplicate_name() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2004,
            "name: a key pair with this name already exists in this project and zone",
            "names are unique per project and zone; choose another name or delete the existing key pair",
        )
    }

    /// 400: a query parameter is invalid.
    pub fn invalid_query(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2005,
            "invalid query parameter",
            detail,
        )
    }

    /// 400: a path segment is invalid.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2006,
            "invalid path parameter",
            detail,
        )
    }

    /// 400: a request header is invalid.
    pub fn invalid_header(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2007,
            "invalid request header",
            detail,
        )
    }

    /// 401: no usable credential.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            2100,
            "credentials are missing or not valid",
            "send Authorization: Bearer <token> or X-API-Key: <key>",
        )
    }

    /// 403: valid credential, not allowed here.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            2101,
            "not enough privileges for this operation",
            detail,
        )
    }

    /// 404: no such key pair in this project and zone.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            2200,
            "key pair not found",
            "no key pair with this id exists in this project and zone",
        )
    }

    /// 404: the zone is not served.
    pub fn zone_not_served() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            2201,
            "zone not found",
            "this service does not serve that zone",
        )
    }

    /// 404: no such route.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            2202,
            "unknown resource",
            "see /v1/openapi.json for the routes this service serves",
        )
    }

    /// 405: method not allowed on a known route.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            2300,
            "method not allowed on this resource",
            "the Allow header lists the methods this route accepts",
        )
    }

    /// 500: details go to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            2500,
            "unexpected error",
            "the request id in the x-request-id header identifies it in the service's logs",
        )
    }

    /// 503: no capacity to generate a key now.
    pub fn generation_busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            2600,
            "no capacity to generate a key pair now",
            "retry after the number of seconds in Retry-After, or send a publicKey",
        )
    }

    /// 503: the store cannot be reached.
    pub fn store_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            2601,
            "storage is unavailable",
            "retry after the number of seconds in Retry-After",
        )
    }

    /// 503 from `/readyz`: the store does not answer; `reason` says why
    /// (never SQL, connection strings or stored data).
    pub fn store_not_ready(reason: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            2601,
            "storage is unavailable",
            format!("not ready: {reason}; retry after the number of seconds in Retry-After"),
        )
    }

    /// 408: the body did not arrive within `body_timeout`.
    pub fn body_timeout(timeout: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            2400,
            "request body not received in time",
            format!(
                "the whole body must arrive within {} seconds of the request head",
                timeout.as_secs_f64()
            ),
        )
    }

    /// 503: the service is stopping.
    pub fn shutting_down() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            2602,
            "service is shutting down",
            "retry on another instance",
        )
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            r.code(),
            r.message(),
            format!("accepted: {}", r.accepted()),
        )
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
