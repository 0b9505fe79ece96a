//! The audit log as the changes write it: one event per change, inside the change's own
//! transaction, with the entity before and after; a deletion also leaves a record for the
//! clients that copy the register.

use chrono::{DateTime, Utc};
use serde::Serialize;
use systemejer_domain::{AuditAction, EntityType};

use crate::sql::to_json;
use crate::tables::{audit_events, deletions};
use crate::{AnyConnection, StoreError, new_id};

/// What an audit event is about: when, who, what was done, to which entity.
pub(crate) struct Entry<'a> {
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: AuditAction,
    pub entity_type: EntityType,
    pub entity_id: &'a str,
}

impl<'a> Entry<'a> {
    pub fn new(
        at: DateTime<Utc>,
        actor: &'a str,
        action: AuditAction,
        entity_type: EntityType,
        entity_id: &'a str,
    ) -> Self {
        Self { at, actor, action, entity_type, entity_id }
    }
}

fn event<B: Serialize, A: Serialize>(
    entry: &Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> audit_events::NewEvent {
    (
        new_id().to_string(),
        entry.at.naive_utc(),
        entry.actor.to_owned(),
        entry.action,
        entry.entity_type,
        entry.entity_id.to_owned(),
        before.map(to_json),
        after.map(to_json),
    )
}

/// Writes one audit event (inside the caller's transaction).
pub(crate) fn record<B: Serialize, A: Serialize>(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), StoreError> {
    audit_events::insert(conn, vec![event(entry, before, after)])
}

/// Writes the audit event of a deletion and the deletion record that syncing clients read.
pub(crate) fn record_deletion<B: Serialize>(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    before: &B,
) -> Result<(), StoreError> {
    record(conn, entry, Some(before), None::<&()>)?;
    deletions::insert(conn, entry.at, entry.actor, entry.entity_type, entry.entity_id)
}

/// Creation events gathered in memory and written in multi-row inserts (a bulk load).
pub(crate) struct Batch {
    actor: String,
    events: Vec<audit_events::NewEvent>,
}

impl Batch {
    pub fn new(actor: &str) -> Self {
        Self { actor: actor.to_owned(), events: Vec::new() }
    }

    /// The event of `after` being created at `at`.
    pub fn created<T: Serialize>(&mut self, at: DateTime<Utc>, entity: EntityType, id: &str, after: &T) {
        let entry = Entry::new(at, &self.actor, AuditAction::Create, entity, id);
        let event = event(&entry, None::<&()>, Some(after));
        self.events.push(event);
    }

    /// The event of an entity, given as its JSON, being created at `at`.
    pub fn created_json(&mut self, at: DateTime<Utc>, entity: EntityType, id: &str, after: String) {
        let entry = Entry::new(at, &self.actor, AuditAction::Create, entity, id);
        let mut event = event(&entry, None::<&()>, None::<&()>);
        event.7 = Some(after);
        self.events.push(event);
    }

    /// Writes the events; answers how many.
    pub fn flush(self, conn: &mut AnyConnection) -> Result<usize, StoreError> {
        let count = self.events.len();
        audit_events::insert(conn, self.events)?;
        Ok(count)
    }
}
