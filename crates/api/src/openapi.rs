//! The frame of the OpenAPI document: its info, the bearer scheme, and the reusable problem
//! responses. Paths and schemas are collected from the handlers as they are registered.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;

macro_rules! problem_responses {
    ($( $(#[$doc:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(utoipa::ToResponse)]
        pub enum $name {
            /// The problem.
            Problem(#[content("application/problem+json")] Problem),
        }
    )+};
}

problem_responses! {
    /// The request could not be read: malformed JSON, or a query or path parameter that does not parse.
    BadRequest,
    /// No valid bearer token (missing, expired, wrong signature, wrong issuer or audience).
    Unauthorized,
    /// The token is valid, but its caller may not do this.
    Forbidden,
    /// No such resource.
    NotFound,
    /// The register's current state does not allow this; `code` names the rule, and for a
    /// lifecycle transition `unmet` lists every requirement that is not met.
    Conflict,
    /// `If-Match` names a version that is no longer current: read the resource again.
    PreconditionFailed,
    /// `If-Match` is required: send the `ETag` of the version you read.
    PreconditionRequired,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// The request body is not JSON.
    UnsupportedMediaType,
    /// The input is well-formed but breaks rules; `errors` names each field and rule.
    Unprocessable,
    /// The database cannot be reached right now; retry after `Retry-After` seconds.
    Unavailable,
    /// Too many requests from this client; retry after `Retry-After` seconds.
    TooManyRequests,
    /// An unexpected failure; it was logged and nothing was changed.
    Internal,
}

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "systemejer",
        description = "The register of a municipality's IT systems and of the duties of their owners (systemejere): \
                       systems, owners and delegates, the lifecycle and its gates, and the audit log.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    components(
        schemas(Problem),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, PayloadTooLarge, UnsupportedMediaType, Unprocessable, Unavailable, TooManyRequests, Internal)
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "org-units", description = "The organisation: directorates, departments, staff functions, sections"),
        (name = "people", description = "People who own systems, do tasks for owners, or manage others"),
        (name = "systems", description = "IT systems, their description, owner, delegates and lifecycle"),
        (name = "risk", description = "Risk assessments, the DPIA decision and DPIAs, approved by the owner"),
        (name = "gdpr", description = "Processors and agreements, retention rules, the record of processing"),
        (name = "operations", description = "Procedures and the contingency plan"),
        (name = "obligations", description = "Recurring duties, their due dates and completions"),
        (name = "incidents", description = "Security incidents and personal data breaches (72 hours)"),
        (name = "exit", description = "The exit checklist of a system being shut down"),
        (name = "notifications", description = "Reminders and alerts in the outbox, and their delivery"),
        (name = "reports", description = "The compliance overview and the record of processing activities"),
        (name = "audit", description = "The audit log and deletions, for auditors and syncing clients"),
        (name = "health", description = "Liveness and readiness")
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description = Some("A JWT signed with HS256 (see `systemejer token`)".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// Adds the responses every operation can give, in one place: 400 where it takes parameters
/// or a body, 401 and 403 where it needs a token, 503 where it reads the database, 500, and
/// 412/428 where a resource is changed or deleted (`If-Match`), and 429 (the rate limit).
pub fn add_common_responses(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};
    for (path, item) in api.paths.paths.iter_mut() {
        for op in [&mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            let resource = path.ends_with('}');
            if resource {
                for (status, name) in [("412", "PreconditionFailed"), ("428", "PreconditionRequired")] {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let takes_input = op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, name: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            };
            if takes_input {
                add("400", "BadRequest");
            }
            if secured {
                add("401", "Unauthorized");
                add("403", "Forbidden");
            }
            if path != "/healthz" {
                add("503", "Unavailable");
            }
            add("429", "TooManyRequests");
            add("500", "Internal");
        }
    }
}
