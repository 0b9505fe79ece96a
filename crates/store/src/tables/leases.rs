//! The `leases` table: one holder at a time of a named job, until a time.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::leases::dsl as l;
use crate::{AnyConnection, StoreError};

/// The holder of `name` and until when, if anyone holds it.
pub(crate) fn get(conn: &mut AnyConnection, name: &str) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
    let row: Option<(String, NaiveDateTime)> =
        l::leases.filter(l::name.eq(name)).select((l::holder, l::until)).first(conn).optional()?;
    Ok(row.map(|(holder, until)| (holder, until.and_utc())))
}

/// Gives `name` to `holder` until `until`, replacing a lease that ran out.
pub(crate) fn put(conn: &mut AnyConnection, name: &str, holder: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::delete(l::leases.filter(l::name.eq(name))).execute(conn)?;
    diesel::insert_into(l::leases)
        .values((l::name.eq(name), l::holder.eq(holder), l::until.eq(until.naive_utc())))
        .execute(conn)?;
    Ok(())
}

/// Ends `holder`'s lease of `name` (another's is left alone).
pub(crate) fn remove(conn: &mut AnyConnection, name: &str, holder: &str) -> Result<(), StoreError> {
    diesel::delete(l::leases.filter(l::name.eq(name)).filter(l::holder.eq(holder))).execute(conn)?;
    Ok(())
}
