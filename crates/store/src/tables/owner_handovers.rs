//! The `owner_handovers` table: each handover of a system's ownership (*overdragelse*).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use systemejer_domain::{OwnerHandover, SystemId};

use crate::schema::owner_handovers::dsl as h;
use crate::sql::{parse, parse_opt};
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::owner_handovers)]
struct HandoverRow {
    id: String,
    system_id: String,
    from_owner_id: Option<String>,
    to_owner_id: String,
    reason: String,
    handed_over_by: String,
    handed_over_at: NaiveDateTime,
}

impl HandoverRow {
    fn into_domain(self) -> Result<OwnerHandover, StoreError> {
        Ok(OwnerHandover {
            id: parse("owner_handovers.id", &self.id)?,
            system_id: parse("owner_handovers.system_id", &self.system_id)?,
            from_owner_id: parse_opt("owner_handovers.from_owner_id", self.from_owner_id.as_deref())?,
            to_owner_id: parse("owner_handovers.to_owner_id", &self.to_owner_id)?,
            reason: self.reason,
            handed_over_by: self.handed_over_by,
            handed_over_at: self.handed_over_at.and_utc(),
        })
    }
}

/// The handovers of a system, oldest first.
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<OwnerHandover>, StoreError> {
    let rows: Vec<HandoverRow> = h::owner_handovers
        .filter(h::system_id.eq(system.to_string()))
        .select(HandoverRow::as_select())
        .order((h::handed_over_at.asc(), h::id.asc()))
        .load(conn)?;
    rows.into_iter().map(HandoverRow::into_domain).collect()
}

/// The handovers made at or after `since`, oldest first (a few a week).
pub(crate) fn made_since(
    conn: &mut AnyConnection,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<OwnerHandover>, StoreError> {
    let rows: Vec<HandoverRow> = h::owner_handovers
        .filter(h::handed_over_at.ge(since.naive_utc()))
        .select(HandoverRow::as_select())
        .order((h::handed_over_at.asc(), h::id.asc()))
        .load(conn)?;
    rows.into_iter().map(HandoverRow::into_domain).collect()
}

/// Writes a handover.
pub(crate) fn insert(conn: &mut AnyConnection, x: &OwnerHandover) -> Result<(), StoreError> {
    let row = HandoverRow {
        id: x.id.to_string(),
        system_id: x.system_id.to_string(),
        from_owner_id: x.from_owner_id.map(|p| p.to_string()),
        to_owner_id: x.to_owner_id.to_string(),
        reason: x.reason.clone(),
        handed_over_by: x.handed_over_by.clone(),
        handed_over_at: x.handed_over_at.naive_utc(),
    };
    diesel::insert_into(h::owner_handovers).values(row).execute(conn)?;
    Ok(())
}
