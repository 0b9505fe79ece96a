//! `/systems`: the register of IT systems, and their lifecycle.
//!
//! Everyone with access reads. Admins register and delete systems. A system's owner and
//! delegates may change its description and move it through its lifecycle; only admins
//! change who owns it, and only admins and the owner change its delegates.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use systemejer_domain::lifecycle::{TransitionRequest, Unmet};
use systemejer_domain::system::{NewSystem, System, SystemChanges};
use systemejer_domain::{
    LifecycleState, OrgUnitId, OwnerHandover, OwnerHandoverRequest, PersonId, Prose, SystemId, TransitionRecord,
};
use systemejer_store::StoreError;
use systemejer_store::{SystemFilter, UnitScope};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, Query, if_match};
use crate::language::Reader;
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created, created_tagged, editable_system, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_systems)
        .service(create_system)
        .service(get_system)
        .service(update_system)
        .service(delete_system)
        .service(transition_system)
        .service(list_transitions)
        .service(get_readiness)
        .service(hand_over_owner)
        .service(list_owner_handovers);
}

/// Filters for listing systems.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SystemQuery {
    /// Name contains this text (case-insensitive).
    q: Option<String>,
    /// Only systems in this lifecycle state.
    lifecycle_state: Option<LifecycleState>,
    /// Only systems this person owns.
    owner_id: Option<PersonId>,
    /// Only systems of this unit (and, by default, of the units below it).
    org_unit_id: Option<OrgUnitId>,
    /// With `org_unit_id`: whether the units below it count too (default `true`: a
    /// directorate's filter takes its departments); `false` takes the unit alone.
    include_sub_units: Option<bool>,
    /// Only systems where this person is a delegate.
    delegate_id: Option<PersonId>,
    /// Only systems changed at or after this time (RFC 3339), for incremental sync.
    changed_since: Option<DateTime<Utc>>,
}

/// List systems
#[utoipa::path(
    tag = "systems",
    params(PageParams, SystemQuery),
    responses((status = 200, description = "A page of systems, in sync order", body = Page<System>)),
    security(("bearer" = []))
)]
#[get("/systems")]
async fn list_systems(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<SystemQuery>,
) -> Result<web::Json<Page<System>>, ApiError> {
    caller.require_reader()?;
    let page = page.0.to_request()?;
    let q = query.0;
    let filter = SystemFilter {
        q: q.q,
        lifecycle_state: q.lifecycle_state,
        owner_id: q.owner_id,
        org_unit_id: q.org_unit_id,
        org_unit_scope: UnitScope::with_sub_units(q.include_sub_units.unwrap_or(true)),
        delegate_id: q.delegate_id,
        changed_since: q.changed_since,
    };
    Ok(web::Json(blocking(&state, move |s| s.list_systems(&filter, &page)).await?.into()))
}

/// Register a system
///
/// The system starts in `procurement`. Only `name` and `kind` are required now; the rest of
/// the description must be complete before it goes into use. An owner must be eligible:
/// a director, head of department or of staff, or a leader reporting directly to one.
#[utoipa::path(
    tag = "systems",
    request_body = NewSystem,
    responses(
        (status = 201, description = "Registered", body = System, headers(("Location" = String, description = "The new system's URL"))),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems")]
async fn create_system(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewSystem>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let actor = caller.actor;
    let system = blocking(&state, move |s| s.create_system(body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/systems/{}", system.id), system.version, &system))
}

/// Get a system
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "The system", body = System), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}")]
async fn get_system(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    let found = blocking(&state, move |s| s.get_system(id)).await?;
    Ok(tagged(found.version, &found))
}

/// Change a system
///
/// Absent fields stay as they are; `null` clears a field; lists are replaced whole. The
/// lifecycle state changes only by a transition.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = SystemChanges,
    responses(
        (status = 200, description = "The changed system", body = System),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/systems/{id}")]
async fn update_system(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<SystemChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let current = editable_system(&state, &caller, id).await?;
    let (present, if_matched) = if_match(&req)?;
    let expected = if_matched.required(present)?;
    let changes = body.0;
    if !caller.has(Role::Admin) {
        if changes.owner_id.is_some() {
            return Err(ApiError::Forbidden("only an admin may change a system's owner".into()));
        }
        let is_owner = caller.person.as_ref().is_some_and(|p| current.owner_id == Some(p.id));
        if changes.delegates.is_some() && !is_owner {
            return Err(ApiError::Forbidden("only an admin or the owner may change a system's delegates".into()));
        }
    }
    let actor = caller.actor;
    let updated = blocking(&state, move |s| s.update_system(id, &changes, expected, &actor)).await?;
    Ok(tagged(updated.version, &updated))
}

/// Delete a system
///
/// For registrations made by mistake. A system that was used is retired, not deleted.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/systems/{id}")]
async fn delete_system(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (present, if_matched) = if_match(&req)?;
    let expected = if_matched.required(present)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    blocking(&state, move |s| s.delete_system(id, expected, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Move a system in its lifecycle
///
/// `procurement -> in_use | retired`, `in_use -> changing | decommissioning`,
/// `changing -> in_use`, `decommissioning -> retired`. Refused with 409 until every duty that
/// guards the move is done; the problem's `unmet` lists all of them, each with a stable `code`.
/// Entering `changing` takes `change_description` and `dpia_needed`; entering
/// `decommissioning` (with a `reason`) creates the exit checklist. The go-live
/// (`procurement -> in_use`) is the owner's to approve: only the owner, with a token for their
/// own email, makes it (`owner_approval_missing` otherwise); an admin or a delegate prepares.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The system in its new state", body = System),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/transitions")]
async fn transition_system(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    editable_system(&state, &caller, id).await?;
    let by = caller.person.as_ref().map(|p| p.id);
    let actor = caller.actor;
    let moved = blocking(&state, move |s| s.transition_system(id, &body.0, by, &actor)).await?;
    Ok(tagged(moved.version, &moved))
}

/// Lifecycle history
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses(
        (status = 200, description = "Every transition, oldest first", body = Page<TransitionRecord>),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/transitions")]
async fn list_transitions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<TransitionRecord>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_transitions(id)).await?)))
}

/// Which transition to preview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadinessQuery {
    /// The state to check; default: the next state in the system's ordinary course.
    to: Option<LifecycleState>,
}

/// What a transition would find now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// The system's current state.
    from: LifecycleState,
    /// The state checked.
    to: LifecycleState,
    /// Whether the move would pass now (a reason, where needed, is not counted as missing).
    ready: bool,
    /// Every requirement not met now.
    unmet: Vec<Unmet>,
    /// For a system past procurement: its owner is missing or no longer eligible (who left,
    /// or changed position), with the rule broken; `null` when the owner is in order.
    owner_ineligible: Option<Unmet>,
}

/// Preview a transition
///
/// Evaluates the same gates as a transition, without moving. A reason is assumed to be
/// given, since it is supplied with the transition itself. The answer is for the caller: a
/// go-live asks for the owner's approval (`owner_approval_missing`) unless the owner asks.
/// With `Accept-Language: da` the messages are in Danish (their codes are not).
#[utoipa::path(
    tag = "systems",
    params(
        ("id" = SystemId, Path, description = "The system's id"),
        ReadinessQuery,
        ("Accept-Language" = Option<String>, Header, description = "`da` (weighing more than `en`) for the messages in Danish; codes never change")
    ),
    responses(
        (status = 200, description = "What is missing, if anything", body = Readiness),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[get("/systems/{id}/readiness")]
async fn get_readiness(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    query: Query<ReadinessQuery>,
    reader: Reader,
) -> Result<HttpResponse, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    let target = query.0.to;
    // Whether the caller may make the move themselves: a go-live is the owner's to approve.
    let by = caller.person.as_ref().map(|p| p.id);
    let (from, to, unmet, owner_ineligible) = blocking(&state, move |s| {
        let system = s.get_system(id)?;
        let from = system.lifecycle_state;
        let to = target.or(from.natural_successor()).unwrap_or(from);
        // What comes with the transition itself (a reason, the change's description and DPIA
        // answer) is taken as given: the preview is about the duties.
        let given = Prose::parse("(given with the transition)")
            .map_err(|e| StoreError::internal_from("a fixed text does not parse", e))?;
        let request = TransitionRequest {
            to,
            reason: Some(given.clone()),
            change_description: Some(given),
            dpia_needed: Some(false),
        };
        let (unmet, flagged) = s.readiness(id, &request, by)?;
        Ok((from, to, unmet, flagged))
    })
    .await?;
    let (mut unmet, mut owner_ineligible) = (unmet, owner_ineligible);
    reader.unmet(&mut unmet);
    reader.unmet(owner_ineligible.as_mut_slice());
    let answer = Readiness { from, to, ready: unmet.is_empty(), unmet, owner_ineligible };
    Ok(HttpResponse::Ok().insert_header(reader.content_language()).json(answer))
}

/// Hand a system over to a new owner (admin)
///
/// *Overdragelse*: the new owner (an active person the eligibility rule admits) takes over, and
/// the register keeps who handed it over, from whom, to whom and why. A system past
/// procurement changes owner only this way (a PATCH of its `owner_id` is refused with
/// `use_owner_handover`). A delegate who becomes the owner stops being a delegate.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    request_body = OwnerHandoverRequest,
    responses(
        (status = 201, description = "The handover as recorded", body = OwnerHandover),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/systems/{id}/owner-handover")]
async fn hand_over_owner(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
    body: Body<OwnerHandoverRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let actor = caller.actor;
    let handover = blocking(&state, move |s| s.hand_over_owner(id, &body.0, &actor)).await?;
    Ok(created(format!("/api/v1/systems/{id}/owner-handovers"), &handover))
}

/// A system's handovers
///
/// Each time its ownership was handed over: from whom, to whom, by whom and why.
#[utoipa::path(
    tag = "systems",
    params(("id" = SystemId, Path, description = "The system's id")),
    responses((status = 200, description = "Every handover, oldest first", body = Page<OwnerHandover>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/systems/{id}/owner-handovers")]
async fn list_owner_handovers(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SystemId>,
) -> Result<web::Json<Page<OwnerHandover>>, ApiError> {
    caller.require_reader()?;
    let id = id.into_inner();
    Ok(web::Json(Page::whole(blocking(&state, move |s| s.list_owner_handovers(id)).await?)))
}
