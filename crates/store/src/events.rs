//! The webhook events as the changes write them: one event per change that a subscriber may
//! want, inside the change's own transaction (as the audit event is), queued for each active
//! subscription that wants it. An event is never lost, and never sent for a change that was
//! rolled back. What the worker finds due (a duty's stage, a breach's hours) is emitted under a
//! key, once, however many workers find it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use systemejer_domain::webhooks::EventType;

use crate::sql::to_json;
use crate::tables::outbox;
use crate::tables::webhook_deliveries::{self, NewEvent};
use crate::{AnyConnection, StoreError, new_id};

/// An event: what happened, when, to what (the resource as the API shows it, and its path in
/// the API), and what more there is to say.
pub(crate) struct Event<'a, R: Serialize + ?Sized> {
    pub kind: EventType,
    pub at: DateTime<Utc>,
    pub resource: &'a R,
    pub path: Option<String>,
    pub details: Option<serde_json::Value>,
}

impl<'a, R: Serialize + ?Sized> Event<'a, R> {
    /// `kind` happened to `resource` (at `path` in the API) at `at`.
    pub fn new(kind: EventType, at: DateTime<Utc>, resource: &'a R, path: Option<String>) -> Self {
        Self { kind, at, resource, path, details: None }
    }

    /// The same event, saying more.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    fn row(&self, id: String) -> NewEvent {
        NewEvent {
            id,
            kind: self.kind,
            occurred_at: self.at.naive_utc(),
            resource: to_json(self.resource),
            resource_path: self.path.clone(),
            details: self.details.as_ref().map(to_json),
        }
    }
}

/// Emits `event` (inside the caller's transaction): one statement, whatever the number of
/// subscriptions. Answers how many subscriptions it was queued for.
pub(crate) fn emit<R: Serialize + ?Sized>(conn: &mut AnyConnection, event: &Event<'_, R>) -> Result<usize, StoreError> {
    webhook_deliveries::fan_out(conn, &event.row(new_id().to_string()))
}

/// Emits `event` under `key` unless an event (or a message) was written under it before, by
/// this worker or another; answers whether it was emitted now.
pub(crate) fn emit_once<R: Serialize + ?Sized>(
    conn: &mut AnyConnection,
    key: &str,
    event: &Event<'_, R>,
) -> Result<bool, StoreError> {
    let id = new_id().to_string();
    if !outbox::claim_key(conn, key, &id, event.at.naive_utc())? {
        return Ok(false);
    }
    webhook_deliveries::fan_out(conn, &event.row(id))?;
    Ok(true)
}

/// A system's path in the API.
pub(crate) fn system_path(id: impl std::fmt::Display) -> String {
    format!("/api/v1/systems/{id}")
}

/// An incident's path in the API.
pub(crate) fn incident_path(id: impl std::fmt::Display) -> String {
    format!("/api/v1/incidents/{id}")
}
