//! Organisational units: create, read, list, change, delete, each change audited.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::{AuditAction, EntityType, NewOrgUnit, OrgUnit, OrgUnitChanges, OrgUnitId, OrgUnitKind};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::OrgUnitRow;
use crate::schema::org_units::dsl as o;
use crate::{AnyConnection, Store, StoreError, audit, now};

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

pub(crate) fn get(conn: &mut AnyConnection, id: OrgUnitId) -> Result<OrgUnit, StoreError> {
    o::org_units
        .find(id.to_string())
        .select(OrgUnitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "org unit", id: id.to_string() })?
        .into_domain()
}

/// Refuses a reference to a unit that does not exist, naming the field.
pub(crate) fn require(conn: &mut AnyConnection, field: &str, id: Option<OrgUnitId>) -> Result<(), StoreError> {
    if let Some(id) = id {
        let found: i64 = o::org_units.filter(o::id.eq(id.to_string())).count().get_result(conn)?;
        if found == 0 {
            return Err(StoreError::invalid(field, "exists", format!("no org unit has the id {id}")));
        }
    }
    Ok(())
}

/// Refuses a parent that is the unit itself or one of its descendants.
fn check_parent(conn: &mut AnyConnection, unit: OrgUnitId, parent: Option<OrgUnitId>) -> Result<(), StoreError> {
    let mut cursor = parent;
    let mut steps = 0;
    while let Some(p) = cursor {
        if p == unit {
            return Err(StoreError::invalid("parent_id", "no_cycle", "a unit cannot be placed below itself"));
        }
        steps += 1;
        if steps > 100 {
            return Err(StoreError::invalid("parent_id", "max_depth", "the hierarchy is deeper than 100 levels"));
        }
        cursor = get(conn, p)?.parent_id;
    }
    Ok(())
}

impl Store {
    /// Registers a new unit.
    pub fn create_org_unit(&self, new: NewOrgUnit, actor: &str) -> Result<OrgUnit, StoreError> {
        self.write(|conn| {
            require(conn, "parent_id", new.parent_id)?;
            let at = now();
            let unit = OrgUnit {
                id: OrgUnitId::from_uuid(crate::new_id()),
                name: new.name.into_string(),
                kind: new.kind,
                parent_id: new.parent_id,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            diesel::insert_into(o::org_units).values(OrgUnitRow::from_domain(&unit)).execute(conn)?;
            audit::record(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Create, EntityType::OrgUnit, &unit.id.to_string()),
                None::<&()>,
                Some(&unit),
            )?;
            Ok(unit)
        })
    }

    /// One unit.
    pub fn get_org_unit(&self, id: OrgUnitId) -> Result<OrgUnit, StoreError> {
        self.read(|conn| get(conn, id))
    }

    /// Units matching `filter`, in sync order.
    pub fn list_org_units(&self, filter: &OrgUnitFilter, page: &PageRequest) -> Result<Page<OrgUnit>, StoreError> {
        let filtered = || {
            let mut q = o::org_units.into_boxed();
            if let Some(text) = &filter.q {
                q = q.filter(crate::systems::lower(o::name).like(crate::systems::contains_pattern(text)).escape('\\'));
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
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<OrgUnitRow> =
                keyset_page!(filtered(), o::updated_at, o::id, page).select(OrgUnitRow::as_select()).load(conn)?;
            Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.updated_at, &r.id), OrgUnitRow::into_domain)
        })
    }

    /// Changes a unit.
    pub fn update_org_unit(
        &self,
        id: OrgUnitId,
        changes: &OrgUnitChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<OrgUnit, StoreError> {
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            if let Some(parent) = changes.parent_id {
                require(conn, "parent_id", parent)?;
                check_parent(conn, id, parent)?;
            }
            let mut after = changes.apply(before.clone());
            let at = now();
            after.version = before.version + 1;
            after.updated_at = at;
            diesel::update(o::org_units.find(id.to_string())).set(OrgUnitRow::from_domain(&after)).execute(conn)?;
            audit::record(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Update, EntityType::OrgUnit, &id.to_string()),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a unit that nothing refers to any more.
    pub fn delete_org_unit(&self, id: OrgUnitId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        use crate::schema::{people::dsl as p, systems::dsl as s};
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let key = id.to_string();
            let children: i64 = o::org_units.filter(o::parent_id.eq(&key)).count().get_result(conn)?;
            let people: i64 = p::people.filter(p::org_unit_id.eq(&key)).count().get_result(conn)?;
            let systems: i64 = s::systems.filter(s::org_unit_id.eq(&key)).count().get_result(conn)?;
            if children + people + systems > 0 {
                return Err(StoreError::Conflict {
                    code: "org_unit_in_use",
                    message: format!(
                        "the unit still has {children} sub-unit(s), {people} person(s) and {systems} system(s); move them first"
                    ),
                });
            }
            diesel::delete(o::org_units.find(&key)).execute(conn)?;
            let at = now();
            audit::record_deletion(conn, &audit::Entry::new(at, actor, AuditAction::Delete, EntityType::OrgUnit, &key), &before)
        })
    }
}
