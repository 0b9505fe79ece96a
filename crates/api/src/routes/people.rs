//! `/people`: possible owners, delegates and managers. Everyone with access reads; admins
//! change.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use systemejer_domain::org::{NewPerson, Person, PersonChanges};
use systemejer_domain::{EmailAddress, OrgUnitId, PersonId, Position};
use systemejer_store::{PersonFilter, UnitScope};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, Query, if_match};
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_people).service(create_person).service(get_person).service(update_person).service(delete_person);
}

/// Filters for listing people.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Name or email contains this text (case-insensitive).
    q: Option<String>,
    /// Exactly this email.
    #[param(value_type = Option<String>, format = "email")]
    email: Option<EmailAddress>,
    /// Only members of this unit (and, by default, of the units below it).
    org_unit_id: Option<OrgUnitId>,
    /// With `org_unit_id`: whether the units below it count too (default `true`: a
    /// directorate's filter takes its departments); `false` takes the unit alone.
    include_sub_units: Option<bool>,
    /// Only people reporting to this manager.
    manager_id: Option<PersonId>,
    /// Only this position.
    position: Option<Position>,
    /// Only active (`true`) or inactive (`false`) people.
    active: Option<bool>,
    /// Only people changed at or after this time (RFC 3339).
    changed_since: Option<DateTime<Utc>>,
}

/// List people
#[utoipa::path(
    tag = "people",
    params(PageParams, PersonQuery),
    responses((status = 200, description = "A page of people, in sync order", body = Page<Person>)),
    security(("bearer" = []))
)]
#[get("/people")]
async fn list_people(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<PersonQuery>,
) -> Result<web::Json<Page<Person>>, ApiError> {
    caller.require_reader()?;
    let page = page.0.to_request()?;
    let q = query.0;
    let filter = PersonFilter {
        q: q.q,
        email: q.email,
        org_unit_id: q.org_unit_id,
        org_unit_scope: UnitScope::with_sub_units(q.include_sub_units.unwrap_or(true)),
        manager_id: q.manager_id,
        position: q.position,
        active: q.active,
        changed_since: q.changed_since,
    };
    Ok(web::Json(blocking(&state, move |s| s.list_people(&filter, &page)).await?.into()))
}

/// Register a person
#[utoipa::path(
    tag = "people",
    request_body = NewPerson,
    responses(
        (status = 201, description = "Created", body = Person, headers(("Location" = String, description = "The new person's URL"))),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/people")]
async fn create_person(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewPerson>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor;
    let person = blocking(&state, move |s| s.create_person(body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/people/{}", person.id), person.version, &person))
}

/// Get a person
#[utoipa::path(
    tag = "people",
    params(("id" = PersonId, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = Person), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/people/{id}")]
async fn get_person(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PersonId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    let found = blocking(&state, move |s| s.get_person(id)).await?;
    Ok(tagged(found.version, &found))
}

/// Change a person
///
/// Absent fields stay as they are; `null` clears a field. People who leave are made
/// inactive (`"active": false`) rather than deleted.
#[utoipa::path(
    tag = "people",
    params(("id" = PersonId, Path, description = "The person's id")),
    request_body = PersonChanges,
    responses(
        (status = 200, description = "The changed person", body = Person),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/people/{id}")]
async fn update_person(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PersonId>,
    body: Body<PersonChanges>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    let updated = blocking(&state, move |s| s.update_person(id, &body.0, expected, &actor)).await?;
    Ok(tagged(updated.version, &updated))
}

/// Delete a person
///
/// Refused (409) while the person owns a system, is a delegate, or manages someone.
#[utoipa::path(
    tag = "people",
    params(("id" = PersonId, Path, description = "The person's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/people/{id}")]
async fn delete_person(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PersonId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    blocking(&state, move |s| s.delete_person(id, expected, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}
