//! `/audit-events` (admins and auditors) and `/deleted` (anyone who reads the register).

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use systemejer_domain::{AuditEvent, Deletion, EntityType};
use systemejer_store::AuditFilter;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::paging::{Page, PageParams};
use crate::respond::blocking;
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events).service(list_deletions);
}

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this kind of entity.
    entity_type: Option<EntityType>,
    /// Only this entity.
    #[param(value_type = Option<String>, min_length = 1, max_length = 200)]
    entity_id: Option<systemejer_domain::Name>,
    /// Only by this actor (an email or client id).
    #[param(value_type = Option<String>, min_length = 1, max_length = 200)]
    actor: Option<systemejer_domain::Name>,
    /// From this time (inclusive, RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Before this time (exclusive, RFC 3339).
    until: Option<DateTime<Utc>>,
}

/// Read the audit log
///
/// Every create, update, delete and transition, oldest first, with the entity before and
/// after. Admins and auditors only.
#[utoipa::path(
    tag = "audit",
    params(PageParams, AuditQuery),
    responses((status = 200, description = "A page of audit events", body = Page<AuditEvent>)),
    security(("bearer" = []))
)]
#[get("/audit-events")]
async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEvent>>, ApiError> {
    caller.require_any(&[Role::Auditor])?;
    let page = page.0.to_request()?;
    let q = query.0;
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id.map(systemejer_domain::Name::into_string),
        actor: q.actor.map(systemejer_domain::Name::into_string),
        since: q.since,
        until: q.until,
    };
    Ok(web::Json(blocking(&state, move |s| s.list_audit_events(&filter, &page)).await?.into()))
}

/// Filters for deletions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletedQuery {
    /// Deleted at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Only this kind of entity.
    entity_type: Option<EntityType>,
}

/// Deletions since a time
///
/// For clients that copy the register: what to delete on their side.
#[utoipa::path(
    tag = "audit",
    params(PageParams, DeletedQuery),
    responses((status = 200, description = "A page of deletions, oldest first", body = Page<Deletion>)),
    security(("bearer" = []))
)]
#[get("/deleted")]
async fn list_deletions(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<DeletedQuery>,
) -> Result<web::Json<Page<Deletion>>, ApiError> {
    caller.require_reader()?;
    let page = page.0.to_request()?;
    let DeletedQuery { since, entity_type } = query.0;
    Ok(web::Json(blocking(&state, move |s| s.list_deletions(since, entity_type, &page)).await?.into()))
}
