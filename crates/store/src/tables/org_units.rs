//! The `org_units` table: the municipality's organisation.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::org::{UnitScope, unit_and_below};
use systemejer_domain::{OrgUnit, OrgUnitId, OrgUnitKind};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::org_units::dsl as o;
use crate::sql::{contains_pattern, fold, insert_all, parse, parse_opt};
use crate::{AnyConnection, StoreError};

/// Which units to list.
#[derive(Debug, Clone, Default)]
pub struct OrgUnitFilter {
    /// Name contains this (case-insensitive).
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<OrgUnitKind>,
    /// Only children of this unit.
    pub parent_id: Option<OrgUnitId>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

/// The units a filter on `unit` takes: `unit`, and with
/// [`UnitScope::WithSubUnits`] every unit below it, at any depth. The whole tree is read: a
/// municipality has hundreds of units, not millions.
pub(crate) fn in_scope(
    conn: &mut AnyConnection,
    unit: OrgUnitId,
    scope: UnitScope,
) -> Result<Vec<OrgUnitId>, StoreError> {
    if scope == UnitScope::UnitAlone {
        return Ok(vec![unit]);
    }
    let rows: Vec<(String, Option<String>)> = o::org_units.select((o::id, o::parent_id)).load(conn)?;
    let mut tree = Vec::with_capacity(rows.len());
    for (id, parent) in rows {
        tree.push((parse("org_units.id", &id)?, parse_opt("org_units.parent_id", parent.as_deref())?));
    }
    Ok(unit_and_below(unit, tree))
}

/// The units a filter takes, as the text the tables keep them in.
pub(crate) fn keys_in_scope(
    conn: &mut AnyConnection,
    unit: Option<OrgUnitId>,
    scope: UnitScope,
) -> Result<Option<Vec<String>>, StoreError> {
    let Some(unit) = unit else { return Ok(None) };
    Ok(Some(in_scope(conn, unit, scope)?.iter().map(ToString::to_string).collect()))
}

/// A unit's row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::org_units, treat_none_as_null = true)]
pub(crate) struct OrgUnitRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrgUnitRow {
    pub fn from_domain(u: &OrgUnit) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            parent_id: u.parent_id.map(|p| p.to_string()),
            version: u.version,
            created_at: u.created_at.naive_utc(),
            updated_at: u.updated_at.naive_utc(),
        }
    }

    pub fn into_domain(self) -> Result<OrgUnit, StoreError> {
        Ok(OrgUnit {
            id: parse("org_units.id", &self.id)?,
            name: self.name,
            kind: parse("org_units.kind", &self.kind)?,
            parent_id: parse_opt("org_units.parent_id", self.parent_id.as_deref())?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The unit, its row locked until the transaction ends (`sql::lock_row`): what a change
/// reads first.
pub(crate) fn get_for_update(conn: &mut AnyConnection, id: OrgUnitId) -> Result<OrgUnit, StoreError> {
    crate::sql::lock_row(conn, "org_units", &id.to_string())?;
    get(conn, id)
}

/// One unit.
pub(crate) fn get(conn: &mut AnyConnection, id: OrgUnitId) -> Result<OrgUnit, StoreError> {
    o::org_units
        .find(id.to_string())
        .select(OrgUnitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "org unit", id: id.to_string() })?
        .into_domain()
}

/// Whether the unit exists.
pub(crate) fn exists(conn: &mut AnyConnection, id: OrgUnitId) -> Result<bool, StoreError> {
    let found: i64 = o::org_units.filter(o::id.eq(id.to_string())).count().get_result(conn)?;
    Ok(found > 0)
}

/// Refuses a reference to a unit that does not exist, naming the field.
pub(crate) fn require(conn: &mut AnyConnection, field: &str, id: Option<OrgUnitId>) -> Result<(), StoreError> {
    match id {
        Some(id) if !exists(conn, id)? => {
            Err(StoreError::invalid(field, "exists", format!("no org unit has the id {id}")))
        }
        _ => Ok(()),
    }
}

/// How many units have `id` as their parent.
pub(crate) fn count_children(conn: &mut AnyConnection, id: OrgUnitId) -> Result<i64, StoreError> {
    Ok(o::org_units.filter(o::parent_id.eq(id.to_string())).count().get_result(conn)?)
}

pub(crate) fn insert(conn: &mut AnyConnection, unit: &OrgUnit) -> Result<(), StoreError> {
    diesel::insert_into(o::org_units).values(OrgUnitRow::from_domain(unit)).execute(conn)?;
    Ok(())
}

pub(crate) fn update(conn: &mut AnyConnection, unit: &OrgUnit) -> Result<(), StoreError> {
    diesel::update(o::org_units.find(unit.id.to_string())).set(OrgUnitRow::from_domain(unit)).execute(conn)?;
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: OrgUnitId) -> Result<(), StoreError> {
    diesel::delete(o::org_units.find(id.to_string())).execute(conn)?;
    Ok(())
}

/// Units matching `filter`, in sync order.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &OrgUnitFilter,
    page: &PageRequest,
) -> Result<Page<OrgUnit>, StoreError> {
    let filtered = || {
        let mut q = o::org_units.into_boxed();
        if let Some(text) = &filter.q {
            q = q.filter(fold(o::name).like(contains_pattern(text)).escape('\\'));
        }
        if let Some(kind) = filter.kind {
            q = q.filter(o::kind.eq(kind.as_str()));
        }
        if let Some(parent) = filter.parent_id {
            q = q.filter(o::parent_id.eq(parent.to_string()));
        }
        if let Some(since) = filter.changed_since {
            q = q.filter(o::updated_at.ge(since.naive_utc()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<OrgUnitRow> =
        keyset_page!(filtered(), o::updated_at, o::id, page).select(OrgUnitRow::as_select()).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.updated_at, &r.id), OrgUnitRow::into_domain)
}

/// The rows of `units`, for a bulk insert.
pub(crate) fn rows(units: &[OrgUnit]) -> Vec<OrgUnitRow> {
    units.iter().map(OrgUnitRow::from_domain).collect()
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[OrgUnitRow]) -> Result<(), StoreError> {
    insert_all!(conn, o::org_units, rows, 500);
    Ok(())
}
