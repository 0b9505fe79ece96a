//! `/systems/{id}/dpo-advice`: the data protection officer's own voice. Only the `dpo` role
//! gives advice and records whether the owner followed it; the decision stays the owner's.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use systemejer_domain::advice::{DpoAdvice, DpoAdviceChanges, NewDpoAdvice};
use systemejer_domain::{RecordId, SystemId};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, if_match};
use crate::paging::Page;
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_dpo_advice).service(add_dpo_advice).service(get_dpo_advice).service(update_dpo_advice);
}

/// The DPO's voice is the DPO's: an admin cannot speak for them.
fn require_dpo(caller: &Caller) -> Result<(), ApiError> {
    if caller.has(Role::Dpo) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only the data protection officer (the `dpo` role) gives advice".into()))
    }
}

/// The DPO's advice on a system
///
/// On the DPIA decision, on its DPIAs and on its changes, oldest first, each with whether the
/// owner followed it.
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "Every piece of advice, oldest first", body = Page<DpoAdvice>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/dpo-advice")]
async fn list_dpo_advice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<DpoAdvice>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_dpo_advice(id)).await?)))
}

/// One piece of the DPO's advice
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("aid" = RecordId, Path, description = "The advice's id")),
    responses((status = 200, description = "The advice", body = DpoAdvice), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/dpo-advice/{aid}")]
async fn get_dpo_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let (id, aid) = path.into_inner();
    let found = blocking(&state, move |s| s.list_dpo_advice(id)).await?.into_iter().find(|a| a.id == aid);
    let advice = found.ok_or_else(|| ApiError::NotFound(format!("no advice has the id {aid}")))?;
    Ok(tagged(advice.version, &advice))
}

/// Give advice (the DPO)
///
/// The DPO's advice on the system's DPIA decision (`topic: dpia_decision`), one of its DPIAs
/// (`dpia`, with `about_id`) or one of its changes (`change`, with `about_id`), and, once
/// known, whether the owner followed it. Only the `dpo` role; the owner's decision stays theirs.
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = NewDpoAdvice,
    responses(
        (status = 201, description = "The advice as recorded", body = DpoAdvice),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/dpo-advice")]
async fn add_dpo_advice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<NewDpoAdvice>,
) -> Result<HttpResponse, ApiError> {
    require_dpo(&caller)?;
    let id = id.into_inner();
    let actor = caller.actor;
    let advice = blocking(&state, move |s| s.add_dpo_advice(id, body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/systems/{id}/dpo-advice/{}", advice.id), advice.version, &advice))
}

/// Correct advice, or record whether it was followed (the DPO)
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("aid" = RecordId, Path, description = "The advice's id")),
    request_body = DpoAdviceChanges,
    responses(
        (status = 200, description = "The advice as changed", body = DpoAdvice),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/systems/{id}/dpo-advice/{aid}")]
async fn update_dpo_advice(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
    body: Body<DpoAdviceChanges>,
) -> Result<HttpResponse, ApiError> {
    require_dpo(&caller)?;
    let (id, aid) = path.into_inner();
    let (_, IfMatch(expected)) = if_match(&req)?;
    let actor = caller.actor;
    let advice = blocking(&state, move |s| s.update_dpo_advice(id, aid, &body.0, expected, &actor)).await?;
    Ok(tagged(advice.version, &advice))
}
