//! `/systems/{id}/processing-agreements/{rid}`: one data processing agreement, changed (a
//! renewal, the sub-processors, a transfer basis) and terminated. Registering and listing them
//! is with the system's other records.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use systemejer_domain::gdpr::{AgreementTermination, ProcessingAgreement, ProcessingAgreementChanges};
use systemejer_domain::{RecordId, SystemId};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, if_match};
use crate::respond::{blocking, editable_system, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(get_processing_agreement).service(update_processing_agreement).service(terminate_processing_agreement);
}

/// One processing agreement
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The agreement's id")),
    responses((status = 200, description = "The agreement", body = ProcessingAgreement), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/processing-agreements/{rid}")]
async fn get_processing_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let (id, rid) = path.into_inner();
    let agreement = blocking(&state, move |s| s.get_agreement(id, rid)).await?;
    Ok(tagged(agreement.version, &agreement))
}

/// Change a processing agreement
///
/// Renew it (a new `expires_on`: its `agreement_expiry` duty moves with it), record its
/// signing, its sub-processors or the transfer basis for a processor outside the EU/EEA. Fields
/// left out keep their value. A terminated agreement no longer changes (409
/// `agreement_terminated`): register its successor. `If-Match` with the ETag read guards
/// against overwriting another's change.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The agreement's id")),
    request_body = ProcessingAgreementChanges,
    responses(
        (status = 200, description = "The agreement as changed", body = ProcessingAgreement),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/systems/{id}/processing-agreements/{rid}")]
async fn update_processing_agreement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
    body: Body<ProcessingAgreementChanges>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let actor = caller.actor;
    let agreement = blocking(&state, move |s| s.update_agreement(id, rid, &body.0, expected, &actor)).await?;
    Ok(tagged(agreement.version, &agreement))
}

/// Terminate a processing agreement (*opsigelse*)
///
/// It stays in force to `terminated_on` (which may lie ahead: notice given, but not past its
/// expiry), then no longer counts; it is supervised no more, and its expiry is no longer a
/// duty. It is kept as history, and a successor with the same processor may be registered.
/// Terminating it again corrects the day or the reason.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The agreement's id")),
    request_body = AgreementTermination,
    responses(
        (status = 200, description = "The agreement, terminated", body = ProcessingAgreement),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/processing-agreements/{rid}/termination")]
async fn terminate_processing_agreement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
    body: Body<AgreementTermination>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let actor = caller.actor;
    let agreement = blocking(&state, move |s| s.terminate_agreement(id, rid, &body.0, expected, &actor)).await?;
    Ok(tagged(agreement.version, &agreement))
}
