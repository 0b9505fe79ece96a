//! The audit log: written inside each change's transaction, read by admins and auditors.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use systemejer_domain::{AuditAction, AuditEvent, EntityType};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::{parse, to_json};
use crate::schema::audit_events::dsl as a;
use crate::{AnyConnection, Store, StoreError};

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

/// Writes one audit event on `conn` (inside the caller's transaction).
pub(crate) fn record<B: Serialize, A: Serialize>(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), StoreError> {
    diesel::insert_into(a::audit_events)
        .values((
            a::id.eq(crate::new_id().to_string()),
            a::occurred_at.eq(entry.at.naive_utc()),
            a::actor.eq(entry.actor),
            a::action.eq(entry.action.as_str()),
            a::entity_type.eq(entry.entity_type.as_str()),
            a::entity_id.eq(entry.entity_id),
            a::before_json.eq(before.map(to_json)),
            a::after_json.eq(after.map(to_json)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes the audit event of a deletion and the deletion record that syncing clients read.
pub(crate) fn record_deletion<B: Serialize>(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    before: &B,
) -> Result<(), StoreError> {
    record(conn, entry, Some(before), None::<&()>)?;
    crate::deletions::record(conn, entry.at, entry.actor, entry.entity_type, entry.entity_id)
}

/// Which audit events to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this kind of entity.
    pub entity_type: Option<EntityType>,
    /// Only this entity.
    pub entity_id: Option<String>,
    /// Only by this actor.
    pub actor: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub until: Option<DateTime<Utc>>,
}

type AuditRow = (String, NaiveDateTime, String, String, String, String, Option<String>, Option<String>);

impl Store {
    /// Audit events matching `filter`, oldest first.
    pub fn list_audit_events(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEvent>, StoreError> {
        let filtered = || {
            let mut q = a::audit_events.into_boxed();
            if let Some(t) = filter.entity_type {
                q = q.filter(a::entity_type.eq(t.as_str()));
            }
            if let Some(id) = &filter.entity_id {
                q = q.filter(a::entity_id.eq(id.clone()));
            }
            if let Some(actor) = &filter.actor {
                q = q.filter(a::actor.eq(actor.clone()));
            }
            if let Some(since) = filter.since {
                q = q.filter(a::occurred_at.ge(since.naive_utc()));
            }
            if let Some(until) = filter.until {
                q = q.filter(a::occurred_at.lt(until.naive_utc()));
            }
            q
        };
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<AuditRow> = keyset_page!(filtered(), a::occurred_at, a::id, page)
                .select((
                    a::id,
                    a::occurred_at,
                    a::actor,
                    a::action,
                    a::entity_type,
                    a::entity_id,
                    a::before_json,
                    a::after_json,
                ))
                .load(conn)?;
            Page::from_rows(
                rows,
                page.limit,
                total,
                |r| Cursor::new(r.1, &r.0),
                |r| {
                    let json = |col: &str, v: Option<String>| {
                        v.map(|t| crate::rows::from_json::<serde_json::Value>(col, &t)).transpose()
                    };
                    Ok(AuditEvent {
                        id: parse("audit_events.id", &r.0)?,
                        occurred_at: r.1.and_utc(),
                        actor: r.2,
                        action: parse("audit_events.action", &r.3)?,
                        entity_type: parse("audit_events.entity_type", &r.4)?,
                        entity_id: r.5,
                        before: json("audit_events.before_json", r.6)?,
                        after: json("audit_events.after_json", r.7)?,
                    })
                },
            )
        })
    }
}
