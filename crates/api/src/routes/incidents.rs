//! `/incidents`: security incidents and personal data breaches. Never shown to integrations:
//! admins, auditors and the DPO see all of them; owners and delegates see, record and handle
//! those that touch their systems.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use systemejer_domain::incidents::{AuthorityReport, Incident, IncidentChanges, NewIncident};
use systemejer_domain::{RecordId, SystemId};
use systemejer_store::IncidentFilter;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, Query, if_match};
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_incidents)
        .service(create_incident)
        .service(get_incident)
        .service(update_incident)
        .service(add_incident_report);
}

/// Whether the caller sees and handles every incident.
fn sees_all(caller: &Caller) -> bool {
    caller.has(Role::Admin) || caller.has(Role::Auditor) || caller.has(Role::Dpo)
}

/// Allows the caller to handle incidents touching `systems`: admins and the DPO always;
/// others when they own or are a delegate of one of them (`all`: of every one).
async fn require_handler(
    state: &web::Data<AppState>,
    caller: &Caller,
    systems: Vec<SystemId>,
    all: bool,
) -> Result<(), ApiError> {
    if caller.has(Role::Admin) || caller.has(Role::Dpo) {
        return Ok(());
    }
    caller.require_reader()?;
    let loaded =
        blocking(state, move |s| systems.into_iter().map(|id| s.get_system(id)).collect::<Result<Vec<_>, _>>()).await;
    let loaded = match loaded {
        Err(ApiError::NotFound(_)) if all => return Ok(()), // the store names the unknown system (422)
        other => other?,
    };
    let mine = |s: &systemejer_domain::System| caller.is_owner_or_delegate(s);
    let allowed = if all { loaded.iter().all(mine) } else { loaded.iter().any(mine) };
    if allowed && !loaded.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only admins, the DPO, and the owners and delegates of the systems affected may do this".into(),
        ))
    }
}

/// Filters for listing incidents.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Only incidents touching this system (owners and delegates must give one of theirs).
    system_id: Option<SystemId>,
    /// Only personal data breaches (`true`) or only other incidents (`false`).
    personal_data_breach: Option<bool>,
    /// Only incidents not yet closed.
    #[serde(default)]
    open: bool,
    /// Only incidents changed at or after this time (RFC 3339).
    changed_since: Option<DateTime<Utc>>,
}

/// List incidents
#[utoipa::path(
    tag = "incidents",
    params(PageParams, IncidentQuery),
    responses((status = 200, description = "A page of incidents, in sync order", body = Page<Incident>)),
    security(("bearer" = []))
)]
#[get("/incidents")]
async fn list_incidents(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<IncidentQuery>,
) -> Result<web::Json<Page<Incident>>, ApiError> {
    let q = query.0;
    if !sees_all(&caller) {
        match q.system_id {
            Some(system) => require_handler(&state, &caller, vec![system], false).await?,
            None => {
                return Err(ApiError::Forbidden("give `system_id` of a system you own or are a delegate for".into()));
            }
        }
    }
    let page = page.0.to_request()?;
    let filter = IncidentFilter {
        system_id: q.system_id,
        personal_data_breach: q.personal_data_breach,
        open_only: q.open,
        changed_since: q.changed_since,
    };
    Ok(web::Json(blocking(&state, move |s| s.list_incidents(&filter, &page)).await?.into()))
}

/// Record an incident
///
/// For a personal data breach, `authority_deadline` (discovery + 72 hours) is when it must be
/// reported to Datatilsynet, unless the decision not to report is recorded. Every system named
/// gets its risk reassessment due at once.
#[utoipa::path(
    tag = "incidents",
    request_body = NewIncident,
    responses(
        (status = 201, description = "Recorded", body = Incident, headers(("Location" = String, description = "The incident's URL"))),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/incidents")]
async fn create_incident(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewIncident>,
) -> Result<HttpResponse, ApiError> {
    require_handler(&state, &caller, body.0.system_ids.clone(), true).await?;
    let actor = caller.actor;
    let incident = blocking(&state, move |s| s.create_incident(body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/incidents/{}", incident.id), incident.version, &incident))
}

async fn visible(state: &web::Data<AppState>, caller: &Caller, id: RecordId) -> Result<Incident, ApiError> {
    let incident = blocking(state, move |s| s.get_incident(id)).await?;
    if !sees_all(caller) {
        require_handler(state, caller, incident.system_ids.clone(), false).await?;
    }
    Ok(incident)
}

/// Get an incident
#[utoipa::path(
    tag = "incidents",
    params(("id" = RecordId, Path, description = "The incident's id")),
    responses((status = 200, description = "The incident", body = Incident), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/incidents/{id}")]
async fn get_incident(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RecordId>,
) -> Result<HttpResponse, ApiError> {
    let incident = visible(&state, &caller, id.into_inner()).await?;
    Ok(tagged(incident.version, &incident))
}

/// Change an incident
///
/// An incident closes only with its `cause` and `measures` (`required_to_close`); a breach
/// also only once reported or decided not to be (`breach_undecided`), with its `risk_level`
/// assessed and, where high, the data subjects told or the art. 34(3) ground recorded.
/// Record the decision not to report (`not_reported_reason`), that the data subjects were told
/// (art. 34) or why not, the measures, and closing. A breach cannot be closed before it is
/// reported or the decision not to report is recorded.
#[utoipa::path(
    tag = "incidents",
    params(("id" = RecordId, Path, description = "The incident's id")),
    request_body = IncidentChanges,
    responses(
        (status = 200, description = "The changed incident", body = Incident),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/incidents/{id}")]
async fn update_incident(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RecordId>,
    body: Body<IncidentChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let incident = visible(&state, &caller, id).await?;
    if caller.has(Role::Auditor) && !caller.has(Role::Admin) && !caller.has(Role::Dpo) {
        require_handler(&state, &caller, incident.system_ids, false).await?;
    }
    let (_, IfMatch(expected)) = if_match(&req)?;
    let actor = caller.actor;
    let updated = blocking(&state, move |s| s.update_incident(id, &body.0, expected, &actor)).await?;
    Ok(tagged(updated.version, &updated))
}

/// Record a report to Datatilsynet
///
/// The first report, or a supplementary one (art. 33(4)). A first report after the 72-hour
/// deadline needs `late_report_reason`.
#[utoipa::path(
    tag = "incidents",
    params(("id" = RecordId, Path, description = "The incident's id")),
    request_body = AuthorityReport,
    responses(
        (status = 201, description = "The incident with the report", body = Incident),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/incidents/{id}/reports")]
async fn add_incident_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RecordId>,
    body: Body<AuthorityReport>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let incident = visible(&state, &caller, id).await?;
    if caller.has(Role::Auditor) && !caller.has(Role::Admin) && !caller.has(Role::Dpo) {
        require_handler(&state, &caller, incident.system_ids, false).await?;
    }
    let actor = caller.actor;
    let updated = blocking(&state, move |s| s.add_incident_report(id, body.0, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/incidents/{id}"), updated.version, &updated))
}
