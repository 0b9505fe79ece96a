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
        title = "systemejer API",
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
        (name = "imports", description = "What the municipality keeps elsewhere (OS2 Kitos), into the register"),
        (name = "audit", description = "The audit log and deletions, for auditors and syncing clients"),
        (name = "webhooks", description = "Subscriptions to the register's events, delivered signed (Standard Webhooks)"),
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

/// The resources that carry a version (`ETag`, `If-Match`): their member path, and whether
/// changing or deleting them requires `If-Match`.
const VERSIONED: &[(&str, bool)] = &[
    ("/api/v1/systems/{id}", true),
    ("/api/v1/people/{id}", false),
    ("/api/v1/org-units/{id}", false),
    ("/api/v1/processors/{id}", false),
    ("/api/v1/incidents/{id}", false),
    ("/api/v1/webhooks/{id}", false),
];

/// Finishes the document the handlers describe: the common responses, the `ETag` and
/// `If-Match` headers of versioned resources, and the links from each creation to what can
/// be done with what it created.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    add_common_responses(api);
    mark_open_operations(api);
    describe_parameter_schemas(api);
    refer_page_items(api);
    add_request_ids(api);
    add_versions(api);
    add_links(api);
}

/// Adds the responses every operation can give, in one place: 400 (a malformed parameter or
/// body, or an unknown query parameter), 401 and 403 where it needs a token, 503 where it
/// reads the database, 500, and 429 (the rate limit).
fn add_common_responses(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};
    for (path, item) in &mut api.paths.paths {
        for op in operations(item).into_iter().map(|(_, op)| op) {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut add = |status: &str, name: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            };
            // Every operation refuses a query parameter it does not know, those without any too.
            add("400", "BadRequest");
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

/// Says of each operation that needs no token that it needs none (`security: []`), so that a
/// reader or a linter does not take a missing word for an oversight.
fn mark_open_operations(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            if op.security.is_none() {
                op.security = Some(Vec::new());
            }
        }
    }
}

/// Gives each query parameter's own schema the parameter's description ("Items per page (1 to
/// 500, default 50)"): client generators (openapi-python-client) read a parameter's words from
/// its schema, and would leave the generated docstring blank. Schemas by reference keep their
/// own words.
fn describe_parameter_schemas(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    for item in api.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                let Some(words) = parameter.description.clone() else { continue };
                match parameter.schema.as_mut() {
                    Some(RefOr::T(Schema::Object(object))) if object.description.is_none() => {
                        object.description = Some(words);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Points each page's `items` at its item's schema (`Page_System` at `System`), where utoipa
/// copies the item's schema into every page: a generated client then has one class per
/// resource, not a second one per list of it.
fn refer_page_items(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ArrayBuilder, Schema};
    use utoipa::openapi::{Ref, RefOr};
    let Some(components) = api.components.as_mut() else { return };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name.strip_prefix("Page_") else { continue };
        if !components.schemas.contains_key(item) {
            continue;
        }
        let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&name) else { continue };
        let description = match page.properties.get("items") {
            Some(RefOr::T(Schema::Array(items))) => items.description.clone(),
            _ => None,
        };
        let items = ArrayBuilder::new().items(RefOr::Ref(Ref::from_schema_name(item))).description(description);
        page.properties.insert("items".into(), items.into());
    }
}

/// The `X-Request-Id` header on every response, the common problems' included.
fn add_request_ids(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::{ObjectBuilder, RefOr, Type};
    let header = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("The id of this request on the service's log lines (and in a problem body's `request_id`)"))
        .build();
    let mut responses: Vec<&mut utoipa::openapi::Response> = Vec::new();
    for item in api.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            responses.extend(op.responses.responses.values_mut().filter_map(|r| match r {
                RefOr::T(response) => Some(response),
                RefOr::Ref(_) => None,
            }));
        }
    }
    if let Some(components) = api.components.as_mut() {
        responses.extend(components.responses.values_mut().filter_map(|r| match r {
            RefOr::T(response) => Some(response),
            RefOr::Ref(_) => None,
        }));
    }
    for response in responses {
        response.headers.insert("X-Request-Id".into(), header.clone());
    }
}

/// The operations of a path, with their methods in lower case.
fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
        ("head", &mut item.head),
        ("options", &mut item.options),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
    .collect()
}

/// The `$ref` of the JSON body of a response, if it has one.
fn body_ref(response: &utoipa::openapi::RefOr<utoipa::openapi::Response>) -> Option<&str> {
    use utoipa::openapi::RefOr;
    let RefOr::T(response) = response else { return None };
    match response.content.get("application/json")?.schema.as_ref()? {
        RefOr::Ref(r) => Some(r.ref_location.as_str()),
        RefOr::T(_) => None,
    }
}

/// `ETag` on every response that carries a versioned resource (reading, creating, changing it,
/// and actions under it that answer with it); `If-Match` (with 412, and 428 where required) on
/// every change and deletion of one.
fn add_versions(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Ref, RefOr, Required, Type};

    for &(member, required) in VERSIONED {
        let collection = member.rsplit_once('/').map_or(member, |(c, _)| c);
        let resource = api
            .paths
            .paths
            .get(member)
            .and_then(|item| item.get.as_ref())
            .and_then(|get| get.responses.responses.get("200"))
            .and_then(body_ref)
            .map(str::to_owned);
        for (path, item) in &mut api.paths.paths {
            let under = path.strip_prefix(member).is_some_and(|rest| rest.starts_with('/'));
            if path != member && path != collection && !under {
                continue;
            }
            for (method, op) in operations(item) {
                let etag = HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r#"^"v[0-9]+"$"#)))
                    .description(Some("The version of the resource; send it back in `If-Match` to change it"))
                    .build();
                for (status, response) in &mut op.responses.responses {
                    let carries = status.starts_with('2') && body_ref(response) == resource.as_deref();
                    if carries && let RefOr::T(response) = response {
                        response.headers.insert("ETag".into(), etag.clone());
                    }
                }
                if path == member && matches!(method, "put" | "patch" | "delete") {
                    let if_match = ParameterBuilder::new()
                        .name("If-Match")
                        .parameter_in(ParameterIn::Header)
                        .required(if required { Required::True } else { Required::False })
                        .description(Some(if required {
                            "The `ETag` of the version you read (required): a change to any other version is refused with 412"
                        } else {
                            "The `ETag` of the version you read: a change to any other version is refused with 412"
                        }))
                        .schema(Some(
                            ObjectBuilder::new().schema_type(Type::String).pattern(Some(r#"^(\*|(W/)?"v[0-9]+")$"#)),
                        ))
                        .build();
                    op.parameters.get_or_insert_with(Vec::new).push(if_match);
                    let mut add = |status: &str, name: &str| {
                        op.responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                    };
                    add("412", "PreconditionFailed");
                    if required {
                        add("428", "PreconditionRequired");
                    }
                }
            }
        }
    }
}

/// Links from each operation that creates a resource (a POST answering 201 under a collection
/// whose member path exists) to every operation on the new resource and below it whose path
/// parameters can be filled: the new id from the response body, the others from the request's
/// path, and `If-Match` from the response's `ETag` where the resource is versioned. Clients and
/// stateful fuzzers follow them.
fn add_links(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::extensions::Extensions;
    use utoipa::openapi::link::LinkBuilder;

    fn params(path: &str) -> Vec<&str> {
        path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
    }

    let paths: Vec<String> = api.paths.paths.keys().cloned().collect();
    // (creating path, member path, the member's id parameter)
    let mut creations = Vec::new();
    for path in &paths {
        let creates = api.paths.paths[path].post.as_ref().is_some_and(|op| op.responses.responses.contains_key("201"));
        if !creates {
            continue;
        }
        let known = params(path);
        for member in &paths {
            let Some(rest) = member.strip_prefix(path.as_str()).and_then(|r| r.strip_prefix('/')) else { continue };
            if let Some(new) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
                && !rest.contains('/')
                && !known.contains(&new)
            {
                creations.push((path.clone(), member.clone(), new.to_owned()));
            }
        }
    }

    for (creating, member, new) in creations {
        let known = params(&creating);
        let versioned = VERSIONED.iter().any(|(m, _)| *m == member);
        let mut links = Vec::new();
        for target in &paths {
            let under = target == &member || target.strip_prefix(member.as_str()).is_some_and(|r| r.starts_with('/'));
            let fillable = params(target).iter().all(|p| *p == new || known.contains(p));
            if !under || !fillable {
                continue;
            }
            let Some(item) = api.paths.paths.get_mut(target) else { continue };
            for (method, op) in operations(item) {
                let Some(id) = op.operation_id.clone() else { continue };
                let mut link = LinkBuilder::new()
                    .description(format!("{} the resource just created", method.to_uppercase()))
                    // utoipa 5 writes `operation_id` under its Rust name; the field OpenAPI
                    // names `operationId` goes in as an extension, which is written as is.
                    .extensions(Some(Extensions::from_iter([("operationId", serde_json::Value::from(id.clone()))])));
                for p in params(target) {
                    let value = if p == new { "$response.body#/id".to_owned() } else { format!("$request.path.{p}") };
                    link = link.parameter(format!("path.{p}"), value);
                }
                if versioned && target == &member && matches!(method, "put" | "patch" | "delete") {
                    link = link.parameter("header.If-Match", "$response.header.ETag");
                }
                links.push((id, link.build()));
            }
        }
        let post = api.paths.paths.get_mut(&creating).and_then(|item| item.post.as_mut());
        if let Some(RefOr::T(created)) = post.and_then(|post| post.responses.responses.get_mut("201")) {
            for (id, link) in links {
                created.links.insert(id, RefOr::T(link));
            }
        }
    }
}
