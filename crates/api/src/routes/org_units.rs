//! `/org-units`: the organisation's units. Everyone with access reads; admins change.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use systemejer_domain::OrgUnitId;
use systemejer_domain::org::{NewOrgUnit, OrgUnit, OrgUnitChanges, OrgUnitKind};
use systemejer_store::OrgUnitFilter;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, Query, if_match};
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_org_units)
        .service(create_org_unit)
        .service(get_org_unit)
        .service(update_org_unit)
        .service(delete_org_unit);
}

/// Filters for listing units.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgUnitQuery {
    /// Name contains this text (case-insensitive).
    q: Option<String>,
    /// Only this kind of unit.
    kind: Option<OrgUnitKind>,
    /// Only the children of this unit.
    parent_id: Option<OrgUnitId>,
    /// Only units changed at or after this time (RFC 3339, e.g. `2026-11-01T00:00:00Z`).
    changed_since: Option<DateTime<Utc>>,
}

/// List org units
#[utoipa::path(
    tag = "org-units",
    params(PageParams, OrgUnitQuery),
    responses((status = 200, description = "A page of units, in sync order", body = Page<OrgUnit>)),
    security(("bearer" = []))
)]
#[get("/org-units")]
async fn list_org_units(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<OrgUnitQuery>,
) -> Result<web::Json<Page<OrgUnit>>, ApiError> {
    caller.require_reader()?;
    let page = page.0.to_request()?;
    let q = query.0;
    let filter = OrgUnitFilter { q: q.q, kind: q.kind, parent_id: q.parent_id, changed_since: q.changed_since };
    Ok(web::Json(blocking(&state, move |s| s.list_org_units(&filter, &page)).await?.into()))
}

/// Create an org unit
#[utoipa::path(
    tag = "org-units",
    request_body = NewOrgUnit,
    responses(
        (status = 201, description = "Created", body = OrgUnit, headers(("Location" = String, description = "The new unit's URL"))),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/org-units")]
async fn create_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewOrgUnit>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor;
    let unit = blocking(&state, move |s| s.create_org_unit(body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/org-units/{}", unit.id), unit.version, &unit))
}

/// Get an org unit
#[utoipa::path(
    tag = "org-units",
    params(("id" = OrgUnitId, Path, description = "The unit's id")),
    responses((status = 200, description = "The unit", body = OrgUnit), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/org-units/{id}")]
async fn get_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    let found = blocking(&state, move |s| s.get_org_unit(id)).await?;
    Ok(tagged(found.version, &found))
}

/// Change an org unit
///
/// Absent fields stay as they are; `null` clears a field.
#[utoipa::path(
    tag = "org-units",
    params(("id" = OrgUnitId, Path, description = "The unit's id")),
    request_body = OrgUnitChanges,
    responses(
        (status = 200, description = "The changed unit", body = OrgUnit),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/org-units/{id}")]
async fn update_org_unit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgUnitId>,
    body: Body<OrgUnitChanges>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    let unit = blocking(&state, move |s| s.update_org_unit(id, &body.0, expected, &actor)).await?;
    Ok(tagged(unit.version, &unit))
}

/// Delete an org unit
///
/// Refused (409) while sub-units, people or systems belong to it.
#[utoipa::path(
    tag = "org-units",
    params(("id" = OrgUnitId, Path, description = "The unit's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/org-units/{id}")]
async fn delete_org_unit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    blocking(&state, move |s| s.delete_org_unit(id, expected, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}
