//! The `lifecycle_transitions` table: each move of a system through its lifecycle.

use diesel::prelude::*;
use systemejer_domain::{SystemId, TransitionRecord};

use crate::schema::lifecycle_transitions::dsl as t;
use crate::sql::parse;
use crate::{AnyConnection, StoreError};

type TransitionRow = (String, String, String, String, Option<String>, String, chrono::NaiveDateTime);

/// A system's moves, oldest first.
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<TransitionRecord>, StoreError> {
    let rows: Vec<TransitionRow> = t::lifecycle_transitions
        .filter(t::system_id.eq(system.to_string()))
        .select((t::id, t::system_id, t::from_state, t::to_state, t::reason, t::actor, t::occurred_at))
        .order((t::occurred_at.asc(), t::id.asc()))
        .load(conn)?;
    decode(rows)
}

/// The moves into `to` made at or after `since`, oldest first (a few a week).
pub(crate) fn into_since(
    conn: &mut AnyConnection,
    to: systemejer_domain::LifecycleState,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<TransitionRecord>, StoreError> {
    let rows: Vec<TransitionRow> = t::lifecycle_transitions
        .filter(t::to_state.eq(to.as_str()))
        .filter(t::occurred_at.ge(since.naive_utc()))
        .select((t::id, t::system_id, t::from_state, t::to_state, t::reason, t::actor, t::occurred_at))
        .order((t::occurred_at.asc(), t::id.asc()))
        .load(conn)?;
    decode(rows)
}

fn decode(rows: Vec<TransitionRow>) -> Result<Vec<TransitionRecord>, StoreError> {
    rows.into_iter()
        .map(|r| {
            Ok(TransitionRecord {
                id: parse("lifecycle_transitions.id", &r.0)?,
                system_id: parse("lifecycle_transitions.system_id", &r.1)?,
                from: parse("lifecycle_transitions.from_state", &r.2)?,
                to: parse("lifecycle_transitions.to_state", &r.3)?,
                reason: r.4,
                actor: r.5,
                occurred_at: r.6.and_utc(),
            })
        })
        .collect()
}

pub(crate) fn insert(conn: &mut AnyConnection, record: &TransitionRecord) -> Result<(), StoreError> {
    diesel::insert_into(t::lifecycle_transitions)
        .values((
            t::id.eq(record.id.to_string()),
            t::system_id.eq(record.system_id.to_string()),
            t::from_state.eq(record.from.as_str()),
            t::to_state.eq(record.to.as_str()),
            t::reason.eq(&record.reason),
            t::actor.eq(&record.actor),
            t::occurred_at.eq(record.occurred_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a system's moves (with the system; the audit log keeps them).
pub(crate) fn delete_of(conn: &mut AnyConnection, system: SystemId) -> Result<(), StoreError> {
    diesel::delete(t::lifecycle_transitions.filter(t::system_id.eq(system.to_string()))).execute(conn)?;
    Ok(())
}
