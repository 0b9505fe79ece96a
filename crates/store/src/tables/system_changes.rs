//! The `system_changes` table: each time a system in use was changed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::SystemId;
use systemejer_domain::records::SystemChange;

use crate::schema::system_changes::dsl as c;
use crate::sql::parse;
use crate::{AnyConnection, StoreError};

type ChangeRow = (String, String, String, bool, String, NaiveDateTime, Option<NaiveDateTime>);

fn columns() -> (c::id, c::system_id, c::description, c::dpia_needed, c::started_by, c::started_at, c::ended_at) {
    (c::id, c::system_id, c::description, c::dpia_needed, c::started_by, c::started_at, c::ended_at)
}

fn decode(row: ChangeRow) -> Result<SystemChange, StoreError> {
    Ok(SystemChange {
        id: parse("system_changes.id", &row.0)?,
        system_id: parse("system_changes.system_id", &row.1)?,
        description: row.2,
        dpia_needed: row.3,
        started_by: row.4,
        started_at: row.5.and_utc(),
        ended_at: row.6.map(|t| t.and_utc()),
    })
}

/// The open change of each of the systems `ids` that has one (at most 500 ids).
pub(crate) fn open_of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, SystemChange>, StoreError> {
    let rows: Vec<ChangeRow> = c::system_changes
        .filter(c::system_id.eq_any(ids))
        .filter(c::ended_at.is_null())
        .select(columns())
        .load(conn)?;
    rows.into_iter().map(|row| Ok((row.1.clone(), decode(row)?))).collect()
}

/// Every change begun before `end`, by system: what the report of a past day reads.
pub(crate) fn begun_before(
    conn: &mut AnyConnection,
    end: NaiveDateTime,
) -> Result<HashMap<SystemId, Vec<SystemChange>>, StoreError> {
    let rows: Vec<ChangeRow> = c::system_changes.filter(c::started_at.lt(end)).select(columns()).load(conn)?;
    let mut out: HashMap<SystemId, Vec<SystemChange>> = HashMap::new();
    for row in rows {
        let change = decode(row)?;
        out.entry(change.system_id).or_default().push(change);
    }
    Ok(out)
}

/// The changes begun at or after `since` (a few a week).
pub(crate) fn begun_since(conn: &mut AnyConnection, since: DateTime<Utc>) -> Result<Vec<SystemChange>, StoreError> {
    let rows: Vec<ChangeRow> =
        c::system_changes.filter(c::started_at.ge(since.naive_utc())).select(columns()).load(conn)?;
    rows.into_iter().map(decode).collect()
}

/// A system's changes, oldest first.
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<SystemChange>, StoreError> {
    let rows: Vec<ChangeRow> = c::system_changes
        .filter(c::system_id.eq(system.to_string()))
        .select(columns())
        .order(c::started_at.asc())
        .load(conn)?;
    rows.into_iter().map(decode).collect()
}

/// Writes a new change.
pub(crate) fn insert(conn: &mut AnyConnection, change: &SystemChange) -> Result<(), StoreError> {
    diesel::insert_into(c::system_changes)
        .values((
            c::id.eq(change.id.to_string()),
            c::system_id.eq(change.system_id.to_string()),
            c::description.eq(&change.description),
            c::dpia_needed.eq(change.dpia_needed),
            c::started_by.eq(&change.started_by),
            c::started_at.eq(change.started_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Closes a system's open change.
pub(crate) fn end_open(conn: &mut AnyConnection, system: SystemId, at: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::update(c::system_changes.filter(c::system_id.eq(system.to_string())).filter(c::ended_at.is_null()))
        .set(c::ended_at.eq(Some(at.naive_utc())))
        .execute(conn)?;
    Ok(())
}
