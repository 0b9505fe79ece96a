//! The `origins` table: where an entity came from when an import made it, and the values as
//! last imported.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::schema::origins::dsl as o;
use crate::{AnyConnection, StoreError};

/// Where an entity of the register came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Origin {
    /// The source (`kitos`).
    pub source: String,
    /// What the entity is (`system`, `person`, `org_unit`, `processor`).
    pub entity_type: String,
    /// Its id in the source (a Kitos uuid).
    pub external_id: String,
    /// Its id in the register.
    pub entity_id: String,
    /// The values as last imported (a JSON object of the fields the import keeps in step).
    pub imported: serde_json::Value,
    /// When it was last imported.
    pub imported_at: DateTime<Utc>,
}

type Row = (String, String, String, String, String, NaiveDateTime);

fn from_row((source, entity_type, external_id, entity_id, imported, imported_at): Row) -> Result<Origin, StoreError> {
    let imported = serde_json::from_str(&imported)
        .map_err(|e| StoreError::internal(format!("origins.imported of {entity_type} {entity_id}: {e}")))?;
    Ok(Origin { source, entity_type, external_id, entity_id, imported, imported_at: imported_at.and_utc() })
}

/// Every origin from `source`.
pub(crate) fn list(conn: &mut AnyConnection, source: &str) -> Result<Vec<Origin>, StoreError> {
    let rows: Vec<Row> = o::origins
        .filter(o::source.eq(source))
        .order((o::entity_type, o::external_id))
        .select((o::source, o::entity_type, o::external_id, o::entity_id, o::imported, o::imported_at))
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Writes `origins`, each replacing the one of the same source, kind and external id.
pub(crate) fn put(conn: &mut AnyConnection, origins: &[Origin]) -> Result<(), StoreError> {
    for origin in origins {
        diesel::delete(
            o::origins
                .filter(o::source.eq(&origin.source))
                .filter(o::entity_type.eq(&origin.entity_type))
                .filter(o::external_id.eq(&origin.external_id)),
        )
        .execute(conn)?;
        diesel::insert_into(o::origins)
            .values((
                o::source.eq(&origin.source),
                o::entity_type.eq(&origin.entity_type),
                o::external_id.eq(&origin.external_id),
                o::entity_id.eq(&origin.entity_id),
                o::imported.eq(origin.imported.to_string()),
                o::imported_at.eq(origin.imported_at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes `origins` as new: one already kept for the same source, kind and external id fails
/// the write (two imports creating the same thing at once: the second one's transaction is
/// refused, not a second copy made).
pub(crate) fn insert(conn: &mut AnyConnection, origins: &[Origin]) -> Result<(), StoreError> {
    for origin in origins {
        diesel::insert_into(o::origins)
            .values((
                o::source.eq(&origin.source),
                o::entity_type.eq(&origin.entity_type),
                o::external_id.eq(&origin.external_id),
                o::entity_id.eq(&origin.entity_id),
                o::imported.eq(origin.imported.to_string()),
                o::imported_at.eq(origin.imported_at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
