//! `/systems/{id}/obligations`: a system's recurring duties, how they are kept, and their
//! completions. Anyone who reads the register reads them; admins and the system's owner and
//! delegates change them and record completions.

use actix_web::{HttpResponse, get, patch, post, web};
use systemejer_domain::SystemId;
use systemejer_domain::obligations::{Completion, NewCompletion, Obligation, ObligationChanges, ObligationKind};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Body;
use crate::paging::Page;
use crate::respond::{blocking, created, editable_system};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_obligations).service(update_obligation).service(add_completion).service(list_completions);
}

/// A system's obligations
///
/// The recurring duties the system's facts call for, with their interval, assignee, last
/// done and next due date, and status today (`ok`, `due_soon` within 30 days, `overdue`).
#[utoipa::path(
    tag = "obligations",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "The obligations", body = Page<Obligation>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/obligations")]
async fn list_obligations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<Obligation>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_obligations(id)).await?)))
}

/// Change how a duty is kept
///
/// Sets a stricter (or looser) interval for this system, or who is reminded; `null` returns
/// to the default. Applies to every obligation of the kind (e.g. every processor supervised).
#[utoipa::path(
    tag = "obligations",
    params(("id" = SystemId, Path, description = "The system's id"), ("kind" = ObligationKind, Path, description = "The duty")),
    request_body = ObligationChanges,
    responses(
        (status = 200, description = "The obligations of that kind, changed", body = Page<Obligation>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/systems/{id}/obligations/{kind}")]
async fn update_obligation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, ObligationKind)>,
    body: Body<ObligationChanges>,
) -> Result<web::Json<Page<Obligation>>, ApiError> {
    let (id, kind) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.update_obligation(id, kind, &body.0, &actor)).await?)))
}

/// Record that a duty was done
///
/// `done_on` is the day it was done (not in the future); the next due date counts from it. A
/// `failed` result is recorded but does not count: the duty stays due. `risk_reassessment` and
/// `dpia_review` are done by the owner approving a new assessment instead.
#[utoipa::path(
    tag = "obligations",
    params(("id" = SystemId, Path, description = "The system's id"), ("kind" = ObligationKind, Path, description = "The duty")),
    request_body = NewCompletion,
    responses(
        (status = 201, description = "Recorded", body = Completion),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/obligations/{kind}/completions")]
async fn add_completion(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, ObligationKind)>,
    body: Body<NewCompletion>,
) -> Result<HttpResponse, ApiError> {
    let (id, kind) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    let completion = blocking(&state, move |s| s.add_completion(id, kind, body.0, &actor)).await?;
    Ok(created(format!("/api/v1/systems/{id}/obligations/{kind}/completions"), &completion))
}

/// Completions of a duty
#[utoipa::path(
    tag = "obligations",
    params(("id" = SystemId, Path, description = "The system's id"), ("kind" = ObligationKind, Path, description = "The duty")),
    responses(
        (status = 200, description = "Every completion, newest first", body = Page<Completion>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/obligations/{kind}/completions")]
async fn list_completions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, ObligationKind)>,
) -> Result<web::Json<Page<Completion>>, ApiError> {
    caller.require_reader()?;
    let (id, kind) = path.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_completions(id, kind)).await?)))
}
