//! `/notifications`: the outbox, for admins and auditors (everything) and for each person
//! (what was sent to them).

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use systemejer_domain::SystemId;
use systemejer_store::{MessageStatus, NotificationFilter, StoredMessage};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::paging::{Page, PageParams};
use crate::respond::blocking;
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications);
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting to be delivered (or to be tried again).
    Queued,
    /// Delivered to the mail server.
    Sent,
    /// Given up after the last attempt.
    Failed,
}

/// A mail the worker wrote to the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    /// Identifier.
    pub id: String,
    /// `reminder`, `breach_alert`, `failed_result` or `exit_steps`.
    pub kind: String,
    /// Where it goes.
    pub recipient: String,
    /// Who it goes to.
    pub recipient_name: Option<String>,
    /// `da` or `en`.
    pub language: String,
    /// Its subject.
    pub subject: String,
    /// What it tells of, one object each, by `kind`: `reminder`, the duties (`system_id`,
    /// `system`, `kind`, `subject`, `due_on`, `days_left`, `stage`, …); `breach_alert`, the
    /// breach (`incident_id`, `hours_after_discovery`, `authority_deadline`); `failed_result`,
    /// the failed test (`completion_id`, `system_id`, `kind`, `done_on`); `exit_steps`, each
    /// system's open steps (`system_id`, `steps`).
    #[schema(value_type = Vec<std::collections::HashMap<String, serde_json::Value>>)]
    pub items: Vec<serde_json::Value>,
    /// The systems it concerns.
    pub system_ids: Vec<String>,
    /// Where it stands.
    pub status: NotificationStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<StoredMessage> for Notification {
    fn from(m: StoredMessage) -> Self {
        Self {
            status: match MessageStatus::from_name(&m.status) {
                Some(MessageStatus::Sent) => NotificationStatus::Sent,
                Some(MessageStatus::Failed) => NotificationStatus::Failed,
                Some(MessageStatus::Queued) | None => NotificationStatus::Queued,
            },
            items: serde_json::from_str(&m.items).unwrap_or_default(),
            system_ids: serde_json::from_str(&m.system_ids).unwrap_or_default(),
            id: m.id,
            kind: m.kind,
            recipient: m.recipient_email,
            recipient_name: m.recipient_name,
            language: m.language,
            subject: m.subject,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at.and_utc(),
            sent_at: m.sent_at.map(|t| t.and_utc()),
        }
    }
}

/// Filters for notifications.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only with this status.
    #[param(inline)]
    status: Option<NotificationStatus>,
    /// Only to this address (people without a role see only their own).
    recipient: Option<String>,
    /// Only concerning this system.
    system_id: Option<SystemId>,
}

/// List notifications
///
/// The reminders and alerts the worker wrote, with their delivery status, attempts and last
/// error, oldest first. Admins and auditors see all; a person sees those sent to them.
#[utoipa::path(
    tag = "notifications",
    params(PageParams, NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = Page<Notification>)),
    security(("bearer" = []))
)]
#[get("/notifications")]
async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
    query: Query<NotificationQuery>,
) -> Result<web::Json<Page<Notification>>, ApiError> {
    let q = query.0;
    let recipient = if caller.has(Role::Admin) || caller.has(Role::Auditor) {
        q.recipient
    } else {
        let me = caller.person.as_ref().filter(|p| p.active).map(|p| p.email.to_string());
        match (me, q.recipient) {
            (Some(me), None) => Some(me),
            (Some(me), Some(r)) if r.eq_ignore_ascii_case(&me) => Some(me),
            _ => return Err(ApiError::Forbidden("a person sees only the notifications sent to them".into())),
        }
    };
    let page = page.0.to_request()?;
    let status = q.status.map(|s| match s {
        NotificationStatus::Queued => MessageStatus::Queued,
        NotificationStatus::Sent => MessageStatus::Sent,
        NotificationStatus::Failed => MessageStatus::Failed,
    });
    let filter = NotificationFilter { status, recipient, system_id: q.system_id };
    let found = blocking(&state, move |s| s.list_notifications(&filter, &page)).await?;
    Ok(web::Json(Page {
        items: found.items.into_iter().map(Notification::from).collect(),
        total: found.total,
        next_cursor: found.next_cursor,
    }))
}
