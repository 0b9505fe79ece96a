//! The error policy of the API, in one place.
//!
//! Every error answer is an RFC 9457 `application/problem+json` body ([`Problem`]):
//! - 400 `bad_request`: malformed JSON, or a query string or path that does not parse;
//! - 401 `unauthorized`: no token, or one that fails verification (with `WWW-Authenticate`);
//! - 403 `forbidden`: a valid token whose caller may not do this;
//! - 404 `not_found`: no such resource (or route);
//! - 409 `conflict`: the register's state forbids it (`code` says which rule), or a lifecycle
//!   transition whose `unmet` requirements are all listed;
//! - 412 `stale`: `If-Match` names a version that is no longer current; 428: `If-Match` is
//!   required (changing or deleting a system);
//! - 413, 415: body too large, or not JSON;
//! - 422 `validation`: well-formed input that breaks rules; `errors` names each field and rule;
//! - 503 `unavailable`: the database cannot be reached now (with `Retry-After`);
//! - 500 `internal`: anything else. The cause goes to the log, never to the client.
//!
//! Handlers return [`ApiError`]; store errors convert with `From`. A middleware turns any
//! other error response (e.g. actix's own 405) into a problem body too.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use systemejer_domain::{Refusal, Unmet, Violation};
use systemejer_store::StoreError;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, for programs (`type`, `status`, `code`) and people
/// (`title`, `detail`), with the offending fields or unmet requirements where there are any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI that identifies the kind of problem, e.g. `urn:systemejer:problem:validation`.
    #[serde(rename = "type")]
    #[schema(example = "urn:systemejer:problem:validation")]
    pub kind: String,
    /// A short summary of the kind of problem.
    #[schema(example = "The request breaks the register's rules")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A stable code of the rule that refused the request (409s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Each field that broke a rule (422s, and 400s for query parameters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<Violation>>,
    /// Every requirement a lifecycle transition found unmet (409s of transitions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmet: Option<Vec<Unmet>>,
    /// The id of this request, as in the `X-Request-Id` header and on the service's log lines
    /// about it: quote it when you report a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d")]
    pub request_id: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, slug: &str, title: &str, detail: Option<String>) -> Self {
        Self {
            kind: format!("urn:systemejer:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: None,
            errors: None,
            unmet: None,
            request_id: None,
        }
    }

    /// A bare problem for a status, for error responses that carry no detail of their own.
    pub fn for_status(status: StatusCode) -> Self {
        let (slug, title) = match status.as_u16() {
            404 => ("not_found", "Not found"),
            405 => ("method_not_allowed", "Method not allowed"),
            s if s >= 500 => ("internal", "Internal server error"),
            _ => ("http", status.canonical_reason().unwrap_or("Error")),
        };
        Self::new(status, slug, title, None)
    }

    /// The problem as an HTTP response.
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .body(serde_json::to_string(self).unwrap_or_default())
    }
}

/// Why a request failed, as the API answers it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read.
    #[error("bad request: {detail}")]
    BadRequest {
        /// What could not be read.
        detail: String,
        /// The offending parameters, if known.
        errors: Vec<Violation>,
    },
    /// 401: no valid token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: not allowed for this caller.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: the register's state forbids it.
    #[error("conflict ({code}): {detail}")]
    Conflict {
        /// Stable rule code.
        code: String,
        /// Explanation.
        detail: String,
    },
    /// 412: `If-Match` names another version than the current one.
    #[error("precondition failed")]
    PreconditionFailed(String),
    /// 428: `If-Match` is required here.
    #[error("precondition required")]
    PreconditionRequired,
    /// 409: a lifecycle transition was refused.
    #[error("transition refused")]
    TransitionRefused(Refusal),
    /// 413: the body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: fields break rules.
    #[error("validation failed: {0:?}")]
    Invalid(Vec<Violation>),
    /// 503: the database is unreachable.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a fault of ours; logged with every cause behind it, not shown.
    #[error("internal error")]
    Internal(#[source] systemejer_store::Cause),
}

/// What was being done when `cause` failed: the context of an internal error.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
struct Failed {
    what: &'static str,
    #[source]
    cause: systemejer_store::Cause,
}

impl ApiError {
    /// A 500 for a failure of ours while doing `what`; the cause is kept for the log.
    pub fn internal(what: &'static str, cause: impl Into<systemejer_store::Cause>) -> Self {
        ApiError::Internal(Box::new(Failed { what, cause: cause.into() }))
    }

    /// A 422 for one field.
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![Violation::new(field, rule, message)])
    }

    /// The problem body of this error.
    pub fn problem(&self) -> Problem {
        use StatusCode as S;
        match self {
            ApiError::BadRequest { detail, errors } => {
                let mut p =
                    Problem::new(S::BAD_REQUEST, "bad_request", "The request could not be read", Some(detail.clone()));
                p.errors = (!errors.is_empty()).then(|| errors.clone());
                p
            }
            ApiError::Unauthorized(d) => {
                Problem::new(S::UNAUTHORIZED, "unauthorized", "A valid bearer token is required", Some(d.clone()))
            }
            ApiError::Forbidden(d) => {
                Problem::new(S::FORBIDDEN, "forbidden", "Not allowed for this caller", Some(d.clone()))
            }
            ApiError::NotFound(d) => Problem::new(S::NOT_FOUND, "not_found", "Not found", Some(d.clone())),
            ApiError::Conflict { code, detail } => {
                let mut p = Problem::new(
                    S::CONFLICT,
                    "conflict",
                    "The register's current state does not allow this",
                    Some(detail.clone()),
                );
                p.code = Some(code.clone());
                p
            }
            ApiError::TransitionRefused(Refusal::NotAllowed { from, to }) => {
                let mut p = Problem::new(
                    S::CONFLICT,
                    "transition_not_allowed",
                    "The lifecycle has no such transition",
                    Some(format!(
                        "a system cannot move from {from} to {to}; from {from} it may move to: {}",
                        list_or_none(from.successors())
                    )),
                );
                p.code = Some("transition_not_allowed".into());
                p
            }
            ApiError::TransitionRefused(Refusal::Unmet(unmet)) => {
                let mut p = Problem::new(
                    S::CONFLICT,
                    "transition_refused",
                    "The transition is refused until its requirements are met",
                    Some(format!("{} requirement(s) are not met; see `unmet`", unmet.len())),
                );
                p.code = Some("requirements_unmet".into());
                p.unmet = Some(unmet.clone());
                p
            }
            ApiError::PreconditionFailed(d) => {
                let mut p = Problem::new(
                    S::PRECONDITION_FAILED,
                    "stale",
                    "The resource has changed since you read it",
                    Some(d.clone()),
                );
                p.code = Some("stale".into());
                p
            }
            ApiError::PreconditionRequired => Problem::new(
                S::PRECONDITION_REQUIRED,
                "precondition_required",
                "Send If-Match with the resource's ETag",
                Some("read the resource, then send its ETag in If-Match, so that no one else's change is lost".into()),
            ),
            ApiError::PayloadTooLarge(limit) => Problem::new(
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large",
                Some(format!("the body may be at most {limit} bytes")),
            ),
            ApiError::UnsupportedMediaType => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be JSON",
                Some("send the body with Content-Type: application/json".into()),
            ),
            ApiError::Invalid(errors) => {
                let detail = errors
                    .iter()
                    .map(|e| if e.field.is_empty() { e.message.clone() } else { format!("{}: {}", e.field, e.message) })
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "validation",
                    "The request breaks the register's rules",
                    Some(detail),
                );
                p.errors = Some(errors.clone());
                p
            }
            ApiError::Unavailable(_) => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "The register is unavailable",
                Some("the database cannot be reached right now; try again shortly".into()),
            ),
            ApiError::Internal(_) => Problem::new(
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                Some("the failure was logged; nothing was changed".into()),
            ),
        }
    }
}

fn list_or_none(states: &[systemejer_domain::LifecycleState]) -> String {
    if states.is_empty() {
        "nothing (it is final)".into()
    } else {
        states.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => {
                let error = systemejer_store::ErrorChain(cause.as_ref());
                tracing::error!(%error, "request failed");
            }
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = self.problem().response();
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, id } => ApiError::NotFound(format!("no {entity} has the id {id}")),
            StoreError::Invalid(v) => ApiError::Invalid(v),
            StoreError::Conflict { code, message } => ApiError::Conflict { code: code.to_owned(), detail: message },
            StoreError::Refused(r) => ApiError::TransitionRefused(r),
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::Stale { expected, current } => ApiError::PreconditionFailed(format!(
                "If-Match names version {expected}, but the resource is at version {current} (ETag \"v{current}\"): read it again"
            )),
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            e @ StoreError::Internal { .. } => ApiError::Internal(Box::new(e)),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}
