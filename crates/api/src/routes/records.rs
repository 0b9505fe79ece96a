//! `/systems/{id}/...`: the records kept about each system. Anyone who reads the register
//! reads them; admins and the system's owner and delegates add them; only the owner approves.

use actix_web::{HttpResponse, delete, get, post, put, web};
use systemejer_domain::exit::{ExitStep, ExitStepKind, ExitStepUpdate};
use systemejer_domain::gdpr::{NewProcessingAgreement, ProcessingAgreement, ProcessingRecord, RetentionRule};
use systemejer_domain::operations::{ContingencyPlan, Procedure};
use systemejer_domain::records::{Recorded, SystemChange};
use systemejer_domain::risk::{Dpia, DpiaDecision, RiskAssessment};
use systemejer_domain::{RecordId, SystemId};
use systemejer_store::RecordKind;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Body;
use crate::paging::Page;
use crate::respond::{blocking, created, editable_system};
use crate::state::AppState;

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

async fn list_of<D: RecordKind>(
    state: &web::Data<AppState>,
    caller: &Caller,
    id: SystemId,
) -> Result<web::Json<Page<Recorded<D>>>, ApiError> {
    caller.require_reader()?;
    Ok(web::Json(Page::whole(blocking(state, move |s| s.list_records::<D>(id)).await?)))
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

/// Handlers for a kind of record a system has many of: list, add, get, delete.
macro_rules! many_records {
    (
        $kind:ident, $tag:tt, $collection:tt, $item:tt, $segment:tt,
        $list:ident = $list_doc:tt, $add:ident = $add_doc:tt, $get:ident = $get_doc:tt, $delete:ident = $delete_doc:tt
    ) => {
        #[doc = $list_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id")),
            responses(
                (status = 200, description = "Every one, oldest first", body = Page<Recorded<$kind>>),
                (status = 404, response = crate::openapi::NotFound),
            ),
            security(("bearer" = []))
        )]
        #[get($collection)]
        async fn $list(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<SystemId>,
        ) -> Result<web::Json<Page<Recorded<$kind>>>, ApiError> {
            list_of(&state, &caller, id.into_inner()).await
        }

        #[doc = $add_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id")),
            request_body = $kind,
            responses(
                (status = 201, description = "Recorded", body = Recorded<$kind>),
                (status = 404, response = crate::openapi::NotFound),
                (status = 413, response = crate::openapi::PayloadTooLarge),
                (status = 415, response = crate::openapi::UnsupportedMediaType),
                (status = 422, response = crate::openapi::Unprocessable),
            ),
            security(("bearer" = []))
        )]
        #[post($collection)]
        async fn $add(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<SystemId>,
            body: Body<$kind>,
        ) -> Result<HttpResponse, ApiError> {
            add_to(&state, caller, id.into_inner(), body.0, $segment).await
        }

        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
            responses((status = 200, description = "The record", body = Recorded<$kind>), (status = 404, response = crate::openapi::NotFound)),
            security(("bearer" = []))
        )]
        #[get($item)]
        async fn $get(
            state: web::Data<AppState>,
            caller: Caller,
            path: web::Path<(SystemId, RecordId)>,
        ) -> Result<web::Json<Recorded<$kind>>, ApiError> {
            let (id, rid) = path.into_inner();
            get_one(&state, &caller, id, Some(rid)).await
        }

        #[doc = $delete_doc]
        #[doc = ""]
        #[doc = "For records made by mistake or superseded; the audit log keeps them."]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
            responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
            security(("bearer" = []))
        )]
        #[delete($item)]
        async fn $delete(state: web::Data<AppState>, caller: Caller, path: web::Path<(SystemId, RecordId)>) -> Result<HttpResponse, ApiError> {
            let (id, rid) = path.into_inner();
            delete_one::<$kind>(&state, caller, id, rid).await
        }
    };
}

/// Handlers for a kind of record a system has one of: get and put.
macro_rules! one_record {
    ($kind:ident, $tag:tt, $path:tt, $get:ident = $get_doc:tt, $put:ident = $put_doc:tt) => {
        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id")),
            responses((status = 200, description = "The record", body = Recorded<$kind>), (status = 404, response = crate::openapi::NotFound)),
            security(("bearer" = []))
        )]
        #[get($path)]
        async fn $get(state: web::Data<AppState>, caller: Caller, id: web::Path<SystemId>) -> Result<web::Json<Recorded<$kind>>, ApiError> {
            get_one(&state, &caller, id.into_inner(), None).await
        }

        #[doc = $put_doc]
        #[doc = ""]
        #[doc = "Replaces the one before; an approval does not carry over to changed content."]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id")),
            request_body = $kind,
            responses(
                (status = 200, description = "Recorded", body = Recorded<$kind>),
                (status = 404, response = crate::openapi::NotFound),
                (status = 413, response = crate::openapi::PayloadTooLarge),
                (status = 415, response = crate::openapi::UnsupportedMediaType),
                (status = 422, response = crate::openapi::Unprocessable),
            ),
            security(("bearer" = []))
        )]
        #[put($path)]
        async fn $put(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<SystemId>,
            body: Body<$kind>,
        ) -> Result<web::Json<Recorded<$kind>>, ApiError> {
            put_one(&state, caller, id.into_inner(), body.0).await
        }
    };
}

/// A handler for the owner's approval of a record (`with_id`: one of many, by `rid`).
macro_rules! approve_record {
    ($kind:ident, $tag:tt, $path:tt, $name:ident = $doc:tt, with_id) => {
        #[doc = $doc]
        #[doc = ""]
        #[doc = "Only the system's owner, calling with a token for their own email, may approve."]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id"), ("rid" = RecordId, Path, description = "The record's id")),
            responses(
                (status = 200, description = "Approved", body = Recorded<$kind>),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, response = crate::openapi::Conflict),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            path: web::Path<(SystemId, RecordId)>,
        ) -> Result<web::Json<Recorded<$kind>>, ApiError> {
            let (id, rid) = path.into_inner();
            approve(&state, caller, id, Some(rid)).await
        }
    };
    ($kind:ident, $tag:tt, $path:tt, $name:ident = $doc:tt) => {
        #[doc = $doc]
        #[doc = ""]
        #[doc = "Only the system's owner, calling with a token for their own email, may approve."]
        #[utoipa::path(
            tag = $tag,
            params(("id" = SystemId, Path, description = "The system's id")),
            responses(
                (status = 200, description = "Approved", body = Recorded<$kind>),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, response = crate::openapi::Conflict),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        async fn $name(state: web::Data<AppState>, caller: Caller, id: web::Path<SystemId>) -> Result<web::Json<Recorded<$kind>>, ApiError> {
            approve(&state, caller, id.into_inner(), None).await
        }
    };
}

many_records!(
    RiskAssessment,
    "risk",
    "/systems/{id}/risk-assessments",
    "/systems/{id}/risk-assessments/{rid}",
    "risk-assessments",
    list_risk_assessments = "List a system's risk assessments",
    add_risk_assessment = "Add a risk assessment",
    get_risk_assessment = "Get a risk assessment",
    delete_risk_assessment = "Delete a risk assessment"
);
approve_record!(
    RiskAssessment,
    "risk",
    "/systems/{id}/risk-assessments/{rid}/approve",
    approve_risk_assessment = "Approve a risk assessment (the owner)",
    with_id
);
one_record!(
    DpiaDecision,
    "risk",
    "/systems/{id}/dpia-decision",
    get_dpia_decision = "Get the DPIA decision",
    put_dpia_decision = "Record the DPIA decision (after consulting the DPO)"
);
many_records!(
    Dpia,
    "risk",
    "/systems/{id}/dpias",
    "/systems/{id}/dpias/{rid}",
    "dpias",
    list_dpias = "List a system's DPIAs",
    add_dpia = "Add a DPIA",
    get_dpia = "Get a DPIA",
    delete_dpia = "Delete a DPIA"
);
approve_record!(
    Dpia,
    "risk",
    "/systems/{id}/dpias/{rid}/approve",
    approve_dpia = "Approve a DPIA (the owner)",
    with_id
);
many_records!(
    RetentionRule,
    "gdpr",
    "/systems/{id}/retention-rules",
    "/systems/{id}/retention-rules/{rid}",
    "retention-rules",
    list_retention_rules = "List a system's retention rules",
    add_retention_rule = "Add a retention rule",
    get_retention_rule = "Get a retention rule",
    delete_retention_rule = "Delete a retention rule"
);
one_record!(
    ProcessingRecord,
    "gdpr",
    "/systems/{id}/processing-record",
    get_processing_record = "Get the record of processing (art. 30)",
    put_processing_record = "Write the record of processing (art. 30)"
);
many_records!(
    Procedure,
    "operations",
    "/systems/{id}/procedures",
    "/systems/{id}/procedures/{rid}",
    "procedures",
    list_procedures = "List a system's procedures",
    add_procedure = "Add a procedure",
    get_procedure = "Get a procedure",
    delete_procedure = "Delete a procedure"
);
one_record!(
    ContingencyPlan,
    "operations",
    "/systems/{id}/contingency-plan",
    get_contingency_plan = "Get the contingency plan",
    put_contingency_plan = "Write the contingency plan"
);
approve_record!(
    ContingencyPlan,
    "operations",
    "/systems/{id}/contingency-plan/approve",
    approve_contingency_plan = "Approve the contingency plan (the owner)"
);

/// List a system's processing agreements
#[utoipa::path(
    tag = "gdpr",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every agreement, oldest first", body = Page<ProcessingAgreement>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/processing-agreements")]
async fn list_processing_agreements(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<ProcessingAgreement>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_agreements(id)).await?)))
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
    responses((status = 200, description = "The steps", body = Page<ExitStep>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/exit-checklist")]
async fn get_exit_checklist(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<ExitStep>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.exit_checklist(id)).await?)))
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
    responses((status = 200, description = "Every change, oldest first", body = Page<SystemChange>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/changes")]
async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<SystemChange>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_changes(id)).await?)))
}
