//! The `audit_events` table: what happened, by whom, with the entity before and after. The
//! database refuses to change or delete a row (triggers), so this module only adds and reads.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::history::split_via;
use systemejer_domain::{AuditAction, AuditEvent, EntityType};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::audit_events::dsl as a;
use crate::sql::{from_json, insert_all, parse};
use crate::{AnyConnection, StoreError};

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

/// One event as written: id, when, actor, action, entity type, entity id, before, after.
pub(crate) type NewEvent =
    (String, NaiveDateTime, String, AuditAction, EntityType, String, Option<String>, Option<String>);

/// Writes events, in multi-row statements.
pub(crate) fn insert(conn: &mut AnyConnection, events: Vec<NewEvent>) -> Result<(), StoreError> {
    let rows: Vec<_> = events
        .into_iter()
        .map(|(id, at, actor, action, entity_type, entity_id, before, after)| {
            // What came by another path than the API (an import) keeps that apart from who.
            let (who, via) = split_via(&actor);
            let (who, via) = (who.to_owned(), via.map(str::to_owned));
            (
                a::id.eq(id),
                a::occurred_at.eq(at),
                a::actor.eq(who),
                a::via.eq(via),
                a::action.eq(action.as_str()),
                a::entity_type.eq(entity_type.as_str()),
                a::entity_id.eq(entity_id),
                a::before_json.eq(before),
                a::after_json.eq(after),
            )
        })
        .collect();
    // 9 parameters a row.
    insert_all!(conn, a::audit_events, rows, 500);
    Ok(())
}

type AuditRow = (String, NaiveDateTime, String, String, String, String, Option<String>, Option<String>, Option<String>);

/// Audit events matching `filter`, oldest first.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>, StoreError> {
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
            a::via,
        ))
        .load(conn)?;
    Page::from_rows(
        rows,
        page.limit,
        total,
        |r| Cursor::new(r.1, &r.0),
        |r| {
            let json = |col: &str, v: Option<String>| v.map(|t| from_json::<serde_json::Value>(col, &t)).transpose();
            Ok(AuditEvent {
                id: parse("audit_events.id", &r.0)?,
                occurred_at: r.1.and_utc(),
                actor: r.2,
                via: r.8,
                action: parse("audit_events.action", &r.3)?,
                entity_type: parse("audit_events.entity_type", &r.4)?,
                entity_id: r.5,
                before: json("audit_events.before_json", r.6)?,
                after: json("audit_events.after_json", r.7)?,
            })
        },
    )
}

/// Every event before `end`, oldest first: entity type, entity id, the entity after.
pub(crate) fn before(
    conn: &mut AnyConnection,
    end: NaiveDateTime,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    Ok(a::audit_events
        .filter(a::occurred_at.lt(end))
        .order((a::occurred_at.asc(), a::id.asc()))
        .select((a::entity_type, a::entity_id, a::after_json))
        .load(conn)?)
}
