//! `/processors`: the data processors the municipality's systems use. Everyone with access
//! reads; admins change.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use systemejer_domain::ProcessorId;
use systemejer_domain::gdpr::{NewProcessor, Processor};
use systemejer_store::ProcessorFilter;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, Query, if_match};
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_processors)
        .service(create_processor)
        .service(get_processor)
        .service(replace_processor)
        .service(delete_processor);
}

/// Filters for listing processors.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcessorQuery {
    /// Name contains this text (case-insensitive).
    q: Option<String>,
    /// Only processors changed at or after this time (RFC 3339).
    changed_since: Option<DateTime<Utc>>,
}

/// List processors
#[utoipa::path(
    tag = "gdpr",
    params(PageParams, ProcessorQuery),
    responses((status = 200, description = "A page of processors, in sync order", body = Page<Processor>)),
    security(("bearer" = []))
)]
#[get("/processors")]
async fn list_processors(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<ProcessorQuery>,
) -> Result<web::Json<Page<Processor>>, ApiError> {
    caller.require_reader()?;
    let page = page.0.to_request()?;
    let filter = ProcessorFilter { q: query.0.q, changed_since: query.0.changed_since };
    Ok(web::Json(blocking(&state, move |s| s.list_processors(&filter, &page)).await?.into()))
}

/// Register a processor
#[utoipa::path(
    tag = "gdpr",
    request_body = NewProcessor,
    responses(
        (status = 201, description = "Registered", body = Processor, headers(("Location" = String, description = "The new processor's URL"))),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/processors")]
async fn create_processor(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewProcessor>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor;
    let processor = blocking(&state, move |s| s.create_processor(body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/processors/{}", processor.id), processor.version, &processor))
}

/// Get a processor
#[utoipa::path(
    tag = "gdpr",
    params(("id" = ProcessorId, Path, description = "The processor's id")),
    responses((status = 200, description = "The processor", body = Processor), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/processors/{id}")]
async fn get_processor(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<ProcessorId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    let found = blocking(&state, move |s| s.get_processor(id)).await?;
    Ok(tagged(found.version, &found))
}

/// Replace a processor's details
#[utoipa::path(
    tag = "gdpr",
    params(("id" = ProcessorId, Path, description = "The processor's id")),
    request_body = NewProcessor,
    responses(
        (status = 200, description = "The processor as it is now", body = Processor),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/processors/{id}")]
async fn replace_processor(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<ProcessorId>,
    body: Body<NewProcessor>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    let updated = blocking(&state, move |s| s.replace_processor(id, body.0, expected, &actor)).await?;
    Ok(tagged(updated.version, &updated))
}

/// Delete a processor
///
/// Refused (409) while an agreement refers to it.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = ProcessorId, Path, description = "The processor's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/processors/{id}")]
async fn delete_processor(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<ProcessorId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    blocking(&state, move |s| s.delete_processor(id, expected, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}
