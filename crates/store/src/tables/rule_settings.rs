//! The `rule_settings` table: the settings the stored duties' dates were worked out with.

use diesel::prelude::*;

use crate::schema::rule_settings::dsl as r;
use crate::{AnyConnection, StoreError};

/// The value stored under `name`, if any.
pub(crate) fn get(conn: &mut AnyConnection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(r::rule_settings.filter(r::name.eq(name)).select(r::value).first::<String>(conn).optional()?)
}

/// Stores `value` under `name`, replacing what was there.
pub(crate) fn put(conn: &mut AnyConnection, name: &str, value: &str) -> Result<(), StoreError> {
    diesel::delete(r::rule_settings.filter(r::name.eq(name))).execute(conn)?;
    diesel::insert_into(r::rule_settings).values((r::name.eq(name), r::value.eq(value))).execute(conn)?;
    Ok(())
}
