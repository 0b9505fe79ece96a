//! `/imports`: what the municipality keeps elsewhere, into the register (OS2 Kitos).

use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use systemejer_domain::Violation;
use systemejer_import::MapOptions;
use systemejer_import::apply::{self, Plan};
use systemejer_kitos::Snapshot;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::respond::blocking;
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(import_kitos);
}

/// The largest Kitos export accepted: a municipality's usages, registrations, units, users and
/// catalogue systems (3 000 usages are some tens of megabytes).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// How to import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: answer what the import would do, writing nothing.
    dry_run: Option<bool>,
    /// The usage role whose holder is the system owner (default `Systemejer`).
    #[param(value_type = Option<String>, min_length = 1, max_length = 200)]
    owner_role: Option<systemejer_domain::Name>,
}

/// Import from OS2 Kitos
///
/// The body is one JSON object of Kitos API v2 responses, as Kitos answers them (2026 or 2025
/// build): `itSystemUsages`, `dataProcessingRegistrations`, `organizationUnits`, `users`,
/// `itSystems` (the catalogue systems the usages name), and optionally
/// `itSystemUsageRoleTypes` and `deletedEntities` (the delta feed). Units, the people who hold
/// a kept role, processors and systems (with their imported risk assessment and DPIA,
/// unapproved; their agreements and past supervisions) are created, each system whole or not
/// at all; the import never moves a system past a gate. Idempotent by the Kitos uuid: a second
/// run changes nothing; a later one updates what Kitos changed and reports as a conflict what
/// was also edited here. With `dry_run=true`, the same plan without writing. Admins only; the
/// audit log names the admin, via `kitos-import`. One import runs at a time (another is `409
/// import_running`); an `owner_role` that names no role Kitos has is refused (`422`), as it
/// would take the owner off every system.
#[utoipa::path(
    tag = "imports",
    params(ImportQuery),
    request_body(content = Object, content_type = "application/json", description = "Kitos API v2 responses, by name"),
    responses(
        (status = 200, description = "What the import did (or, with `dry_run`, would do), item by item, with the mapping's findings", body = Plan),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/imports/kitos")]
async fn import_kitos(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ImportQuery>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest { detail: format!("the body could not be read: {e}"), errors: vec![] })?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_IMPORT_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    // An object of named responses; a list would be read as the object's fields in order.
    let starts = body.iter().copied().find(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf);
    if starts != Some(b'{') {
        return Err(ApiError::Invalid(vec![Violation::new(
            "",
            "object",
            "the body must be a JSON object of Kitos responses by name (itSystemUsages, dataProcessingRegistrations, \
             organizationUnits, users, itSystems)",
        )]));
    }
    let snapshot = Snapshot::from_bundle("body", &body).map_err(|e| match e {
        systemejer_kitos::Error::Json { path, message, .. } => {
            ApiError::Invalid(vec![Violation::new(path, "kitos_shape", message)])
        }
        systemejer_kitos::Error::MissingPart { part, .. } => {
            ApiError::Invalid(vec![Violation::new(part, "required", "Kitos's responses need this part")])
        }
        other => ApiError::Invalid(vec![Violation::new("", "kitos_shape", other.to_string())]),
    })?;
    let dry_run = query.0.dry_run.unwrap_or(false);
    let owner_role = query.0.owner_role.map(systemejer_domain::Name::into_string);
    let actor = apply::actor(&caller.actor);
    let plan = blocking(&state, move |store| {
        let mut options = MapOptions::new(store.today());
        if let Some(role) = owner_role {
            options.owner_role = role;
        }
        apply::import(store, &snapshot, &options, dry_run, &actor)
    })
    .await?;
    Ok(HttpResponse::Ok().json(plan))
}
