//! `/systems/{id}/...`: the records kept about each system. Anyone who reads the register
//! reads them; admins and the system's owner and delegates add them; only the owner approves.

use actix_web::{HttpResponse, delete, get, post, put, web};
use systemejer_domain::exit::{ExitStep, ExitStepKind, ExitStepUpdate};
use systemejer_domain::gdpr::{NewProcessingAgreement, ProcessingAgreement, ProcessingRecord, RetentionRule};
use systemejer_domain::operations::{ContingencyPlan, Procedure};
use systemejer_domain::records::{Recorded, SystemChange};
use systemejer_domain::risk::{Dpia, DpiaDecision, RiskAssessment};
use systemejer_domain::{RecordId, SystemId};
use systemejer_store::records::RecordKind;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{blocking, created, editable_system};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::Body;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_risk_assessments)
        .service(add_risk_assessment)
        .service(get_risk_assessment)
        .service(delete_risk_assessment)
        .service(approve_risk_assessment)
        .service(list_dpias)
        .service(add_dpia)
        .service(get_dpia)
        .service(delete_dpia)
        .service(approve_dpia)
        .service(list_retention_rules)
        .service(add_retention_rule)
        .service(get_retention_rule)
        .service(delete_retention_rule)
        .service(list_procedures)
        .service(add_procedure)
        .service(get_procedure)
        .service(delete_procedure)
        .service(get_dpia_decision)
        .service(put_dpia_decision)
        .service(get_processing_record)
        .service(put_processing_record)
        .service(get_contingency_plan)
        .service(put_contingency_plan)
        .service(approve_contingency_plan)
        .service(list_processing_agreements)
        .service(add_processing_agreement)
        .service(delete_processing_agreement)
        .service(get_exit_checklist)
        .service(update_exit_step)
        .service(list_changes);
}

/// The approver: the caller as a person in the register (the store checks they own the system).
fn approver(caller: &Caller) -> Result<systemejer_domain::PersonId, ApiError> {
    caller.person.as_ref().map(|p| p.id).ok_or_else(|| {
        ApiError::Forbidden("only the system's owner may approve, with a token for their own email".into())
    })
}

/// Every record of one kind of a system, oldest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RecordList<D> {
    /// The records.
    pub items: Vec<Recorded<D>>,
}

async fn list_of<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: &Caller,
    id: SystemId,
) -> Result<web::Json<RecordList<D>>, ApiError> {
    caller.require_reader()?;
    let items = blocking(state, move |s| s.list_records::<D>(id)).await?;
    Ok(web::Json(RecordList { items }))
}

async fn add_to<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: Caller,
    id: SystemId,
    record: D,
    collection: &str,
) -> Result<HttpResponse, ApiError> {
    editable_system(state, &caller, id).await?;
    let actor = caller.actor;
    let recorded = blocking(state, move |s| s.add_record(id, record, &actor)).await?;
    Ok(created(format!("/api/v1/systems/{id}/{collection}/{}", recorded.id), &recorded))
}

async fn get_one<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: &Caller,
    id: SystemId,
    rid: Option<RecordId>,
) -> Result<web::Json<Recorded<D>>, ApiError> {
    caller.require_reader()?;
    Ok(web::Json(blocking(state, move |s| s.get_record::<D>(id, rid)).await?))
}

async fn put_one<D: RecordKind + PartialEq>(
    state: &web::Data<AppState>,
    caller: Caller,
    id: SystemId,
    record: D,
) -> Result<web::Json<Recorded<D>>, ApiError> {
    editable_system(state, &caller, id).await?;
    let actor = caller.actor;
    Ok(web::Json(blocking(state, move |s| s.put_record(id, record, &actor)).await?))
}

async fn delete_one<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: Caller,
    id: SystemId,
    rid: RecordId,
) -> Result<HttpResponse, ApiError> {
    editable_system(state, &caller, id).await?;
    let actor = caller.actor;
    blocking(state, move |s| s.delete_record::<D>(id, rid, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn approve<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: Caller,
    id: SystemId,
    rid: Option<RecordId>,
) -> Result<web::Json<Recorded<D>>, ApiError> {
    let approver = approver(&caller)?;
    let actor = caller.actor;
    Ok(web::Json(blocking(state, move |s| s.approve_record::<D>(id, rid, approver, &actor)).await?))
}

/// List a system's risk assessments
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every one, oldest first", body = RecordList<RiskAssessment>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/risk-assessments")]
async fn list_risk_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<RecordList<RiskAssessment>>, ApiError> {
    list_of(&state, &caller, id.into_inner()).await
}

/// Add a risk assessment
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = RiskAssessment,
    responses(
        (status = 201, description = "Recorded", body = Recorded<RiskAssessment>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/risk-assessments")]
async fn add_risk_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<RiskAssessment>,
) -> Result<HttpResponse, ApiError> {
    add_to(&state, caller, id.into_inner(), body.0, "risk-assessments").await
}

/// Get a risk assessment
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 200, description = "The record", body = Recorded<RiskAssessment>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/risk-assessments/{rid}")]
async fn get_risk_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<RiskAssessment>>, ApiError> {
    let (id, rid) = path.into_inner();
    get_one(&state, &caller, id, Some(rid)).await
}

/// Delete a risk assessment
///
/// For records made by mistake or superseded; the audit log keeps them.
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}/risk-assessments/{rid}")]
async fn delete_risk_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    delete_one::<RiskAssessment>(&state, caller, id, rid).await
}

/// Approve a risk assessment (the owner)
///
/// Only the system's owner, calling with a token for their own email, may approve.
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses(
        (status = 200, description = "Approved", body = Recorded<RiskAssessment>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/risk-assessments/{rid}/approve")]
async fn approve_risk_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<RiskAssessment>>, ApiError> {
    let (id, rid) = path.into_inner();
    approve(&state, caller, id, Some(rid)).await
}

/// Get the DPIA decision
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The record", body = Recorded<DpiaDecision>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/dpia-decision")]
async fn get_dpia_decision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Recorded<DpiaDecision>>, ApiError> {
    get_one(&state, &caller, id.into_inner(), None).await
}

/// Record the DPIA decision (after consulting the DPO)
///
/// Replaces the one before; an approval does not carry over to changed content.
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = DpiaDecision,
    responses(
        (status = 200, description = "Recorded", body = Recorded<DpiaDecision>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/systems/{id}/dpia-decision")]
async fn put_dpia_decision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<DpiaDecision>,
) -> Result<web::Json<Recorded<DpiaDecision>>, ApiError> {
    put_one(&state, caller, id.into_inner(), body.0).await
}

/// List a system's DPIAs
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every one, oldest first", body = RecordList<Dpia>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/dpias")]
async fn list_dpias(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<RecordList<Dpia>>, ApiError> {
    list_of(&state, &caller, id.into_inner()).await
}

/// Add a DPIA
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = Dpia,
    responses(
        (status = 201, description = "Recorded", body = Recorded<Dpia>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/dpias")]
async fn add_dpia(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<Dpia>,
) -> Result<HttpResponse, ApiError> {
    add_to(&state, caller, id.into_inner(), body.0, "dpias").await
}

/// Get a DPIA
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 200, description = "The record", body = Recorded<Dpia>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/dpias/{rid}")]
async fn get_dpia(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<Dpia>>, ApiError> {
    let (id, rid) = path.into_inner();
    get_one(&state, &caller, id, Some(rid)).await
}

/// Delete a DPIA
///
/// For records made by mistake or superseded; the audit log keeps them.
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}/dpias/{rid}")]
async fn delete_dpia(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    delete_one::<Dpia>(&state, caller, id, rid).await
}

/// Approve a DPIA (the owner)
///
/// Only the system's owner, calling with a token for their own email, may approve.
#[utoipa::path(
    tag = "risk",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses(
        (status = 200, description = "Approved", body = Recorded<Dpia>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/dpias/{rid}/approve")]
async fn approve_dpia(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<Dpia>>, ApiError> {
    let (id, rid) = path.into_inner();
    approve(&state, caller, id, Some(rid)).await
}

/// List a system's retention rules
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every one, oldest first", body = RecordList<RetentionRule>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/retention-rules")]
async fn list_retention_rules(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<RecordList<RetentionRule>>, ApiError> {
    list_of(&state, &caller, id.into_inner()).await
}

/// Add a retention rule
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = RetentionRule,
    responses(
        (status = 201, description = "Recorded", body = Recorded<RetentionRule>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/retention-rules")]
async fn add_retention_rule(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<RetentionRule>,
) -> Result<HttpResponse, ApiError> {
    add_to(&state, caller, id.into_inner(), body.0, "retention-rules").await
}

/// Get a retention rule
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 200, description = "The record", body = Recorded<RetentionRule>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/retention-rules/{rid}")]
async fn get_retention_rule(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<RetentionRule>>, ApiError> {
    let (id, rid) = path.into_inner();
    get_one(&state, &caller, id, Some(rid)).await
}

/// Delete a retention rule
///
/// For records made by mistake or superseded; the audit log keeps them.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}/retention-rules/{rid}")]
async fn delete_retention_rule(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    delete_one::<RetentionRule>(&state, caller, id, rid).await
}

/// Get the record of processing (art. 30)
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The record", body = Recorded<ProcessingRecord>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/processing-record")]
async fn get_processing_record(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Recorded<ProcessingRecord>>, ApiError> {
    get_one(&state, &caller, id.into_inner(), None).await
}

/// Write the record of processing (art. 30)
///
/// Replaces the one before; an approval does not carry over to changed content.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = ProcessingRecord,
    responses(
        (status = 200, description = "Recorded", body = Recorded<ProcessingRecord>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/systems/{id}/processing-record")]
async fn put_processing_record(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<ProcessingRecord>,
) -> Result<web::Json<Recorded<ProcessingRecord>>, ApiError> {
    put_one(&state, caller, id.into_inner(), body.0).await
}

/// List a system's procedures
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every one, oldest first", body = RecordList<Procedure>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/procedures")]
async fn list_procedures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<RecordList<Procedure>>, ApiError> {
    list_of(&state, &caller, id.into_inner()).await
}

/// Add a procedure
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = Procedure,
    responses(
        (status = 201, description = "Recorded", body = Recorded<Procedure>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/procedures")]
async fn add_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<Procedure>,
) -> Result<HttpResponse, ApiError> {
    add_to(&state, caller, id.into_inner(), body.0, "procedures").await
}

/// Get a procedure
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 200, description = "The record", body = Recorded<Procedure>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/procedures/{rid}")]
async fn get_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<web::Json<Recorded<Procedure>>, ApiError> {
    let (id, rid) = path.into_inner();
    get_one(&state, &caller, id, Some(rid)).await
}

/// Delete a procedure
///
/// For records made by mistake or superseded; the audit log keeps them.
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}/procedures/{rid}")]
async fn delete_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    delete_one::<Procedure>(&state, caller, id, rid).await
}

/// Get the contingency plan
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The record", body = Recorded<ContingencyPlan>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/contingency-plan")]
async fn get_contingency_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Recorded<ContingencyPlan>>, ApiError> {
    get_one(&state, &caller, id.into_inner(), None).await
}

/// Write the contingency plan
///
/// Replaces the one before; an approval does not carry over to changed content.
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = ContingencyPlan,
    responses(
        (status = 200, description = "Recorded", body = Recorded<ContingencyPlan>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/systems/{id}/contingency-plan")]
async fn put_contingency_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<ContingencyPlan>,
) -> Result<web::Json<Recorded<ContingencyPlan>>, ApiError> {
    put_one(&state, caller, id.into_inner(), body.0).await
}

/// Approve the contingency plan (the owner)
///
/// Only the system's owner, calling with a token for their own email, may approve.
#[utoipa::path(
    tag = "operations",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Approved", body = Recorded<ContingencyPlan>),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/contingency-plan/approve")]
async fn approve_contingency_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Recorded<ContingencyPlan>>, ApiError> {
    approve(&state, caller, id.into_inner(), None).await
}

/// List a system's processing agreements
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every agreement, oldest first", body = Vec<ProcessingAgreement>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/processing-agreements")]
async fn list_processing_agreements(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Vec<ProcessingAgreement>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |s| s.list_agreements(id)).await?))
}

/// Register a processing agreement
///
/// One per processor and system. It counts for going into use once signed and unexpired.
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = NewProcessingAgreement,
    responses(
        (status = 201, description = "Registered", body = ProcessingAgreement),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/processing-agreements")]
async fn add_processing_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<NewProcessingAgreement>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    let agreement = blocking(&state, move |s| s.add_agreement(id, body.0, &actor)).await?;
    Ok(created(format!("/api/v1/systems/{id}/processing-agreements/{}", agreement.id), &agreement))
}

/// Delete a processing agreement
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The agreement's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}/processing-agreements/{rid}")]
async fn delete_processing_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, RecordId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, rid) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    blocking(&state, move |s| s.delete_agreement(id, rid, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The exit checklist
///
/// Created, every step open, when the system enters `decommissioning`; empty before.
#[utoipa::path(
    tag = "exit",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The steps", body = Vec<ExitStep>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/exit-checklist")]
async fn get_exit_checklist(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Vec<ExitStep>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |s| s.exit_checklist(id)).await?))
}

/// Record progress on an exit step
///
/// `done` needs `done_on`; `not_applicable` needs a `reason`. Where the data must be
/// preserved, `archived` always applies and must be done before `vendor_data_deleted`.
#[utoipa::path(
    tag = "exit",
    params(("id" = SystemId, Path, description = "The system's id"), ("step" = ExitStepKind, Path, description = "The step")),
    request_body = ExitStepUpdate,
    responses(
        (status = 200, description = "The step as recorded", body = ExitStep),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/systems/{id}/exit-checklist/{step}")]
async fn update_exit_step(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SystemId, ExitStepKind)>,
    body: Body<ExitStepUpdate>,
) -> Result<web::Json<ExitStep>, ApiError> {
    let (id, step) = path.into_inner();
    editable_system(&state, &caller, id).await?;
    let actor = caller.actor;
    Ok(web::Json(blocking(&state, move |s| s.update_exit_step(id, step, &body.0, &actor)).await?))
}

/// A system's changes
///
/// Each time the system entered `changing`: what was changed, the owner's DPIA answer, and
/// when it went back into use.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "Every change, oldest first", body = Vec<SystemChange>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/changes")]
async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Vec<SystemChange>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |s| s.list_changes(id)).await?))
}
