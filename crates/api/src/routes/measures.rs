//! `/systems/{id}/risk-measures`: the measures (*foranstaltninger*) an approved risk assessment
//! calls for, with who is responsible and by when. A measure still planned past its day is an
//! overdue `risk_measure` duty, reminded to the person responsible.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use systemejer_domain::risk::{NewRiskMeasure, RiskMeasure, RiskMeasureChanges};
use systemejer_domain::{RecordId, SystemId};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, if_match};
use crate::paging::Page;
use crate::respond::{blocking, created_tagged, editable_system, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_risk_measures)
        .service(list_assessment_measures)
        .service(add_risk_measure)
        .service(get_risk_measure)
        .service(update_risk_measure);
}

/// A system's risk measures
///
/// Every measure its risk assessments call for, by its day.
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The measures, by their day", body = Page<RiskMeasure>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/risk-measures")]
async fn list_risk_measures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<RiskMeasure>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_risk_measures(id, None)).await?)))
}

/// The measures of one risk assessment
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The risk assessment's id")),
    responses((status = 200, description = "The measures, by their day", body = Page<RiskMeasure>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/risk-assessments/{rid}/measures")]
async fn list_assessment_measures(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Page<RiskMeasure>>, ApiError> {
    caller.require_reader()?;
    let (id, rid) = path.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_risk_measures(id, Some(rid))).await?)))
}

/// Add a measure to an approved risk assessment
///
/// What is to be done, who is responsible (an active person in the register) and by when.
/// A measure is listed on an assessment the owner has approved (409 `not_approved` before).
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The risk assessment's id")),
    request_body = NewRiskMeasure,
    responses(
        (status = 201, description = "The measure as recorded", body = RiskMeasure),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/risk-assessments/{rid}/measures")]
async fn add_risk_measure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
    body: Body<NewRiskMeasure>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    let measure = blocking(&state, move |s| s.add_risk_measure(id, rid, body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/systems/{id}/risk-measures/{}", measure.id), measure.version, &measure))
}

/// One risk measure
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("mid" = RecordId, Path, description = "The measure's id")),
    responses((status = 200, description = "The measure", body = RiskMeasure), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/risk-measures/{mid}")]
async fn get_risk_measure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let (id, mid) = path.into_inner();
    let measure = blocking(&state, move |s| s.get_risk_measure(id, mid)).await?;
    Ok(tagged(measure.version, &measure))
}

/// Change a risk measure
///
/// Record it `implemented` (with `implemented_on`) or `rejected` (with `rejection_reason`),
/// move its day, or give it to someone else. Its duty follows: it ends when the measure is no
/// longer planned. Admins, the owner and delegates change it, and so does the person
/// responsible for it. `If-Match` with the ETag read guards against overwriting another's
/// change.
#[utoipa::path(
    tag = "records",
    params(("id" = SystemId, Path, description = "The system's id"), ("mid" = RecordId, Path, description = "The measure's id")),
    request_body = RiskMeasureChanges,
    responses(
        (status = 200, description = "The measure as changed", body = RiskMeasure),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/systems/{id}/risk-measures/{mid}")]
async fn update_risk_measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
    body: Body<RiskMeasureChanges>,
) -> Result<HttpResponse, ApiError> {
    let (id, mid) = path.into_inner();
    // The person responsible records their own measure, as the owner and delegates do.
    if let Err(refused) = editable_system(&state, &caller, id).await {
        let Some(me) = caller.person.as_ref().map(|p| p.id) else { return Err(refused) };
        let measure = blocking(&state, move |s| s.get_risk_measure(id, mid)).await?;
        if measure.responsible_id != me {
            return Err(refused);
        }
    }
    let (_, IfMatch(expected)) = if_match(&req)?;
    let actor = caller.actor;
    let measure = blocking(&state, move |s| s.update_risk_measure(id, mid, &body.0, expected, &actor)).await?;
    Ok(tagged(measure.version, &measure))
}
