//! Organisational units: create, change, delete.

use systemejer_domain::{AuditAction, EntityType, NewOrgUnit, OrgUnit, OrgUnitChanges, OrgUnitId};

use crate::audit::{self, Entry};
use crate::tables::origins::{self, Origin};
use crate::tables::{org_units, people, systems};
use crate::{AnyConnection, Store, StoreError, check_version, new_id, now};

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
        cursor = org_units::get(conn, p)?.parent_id;
    }
    Ok(())
}

/// Writes a new unit and its audit event.
fn insert_new(conn: &mut AnyConnection, new: NewOrgUnit, actor: &str) -> Result<OrgUnit, StoreError> {
    org_units::require(conn, "parent_id", new.parent_id)?;
    let at = now();
    let unit = OrgUnit {
        id: OrgUnitId::from_uuid(new_id()),
        name: new.name.into_string(),
        kind: new.kind,
        parent_id: new.parent_id,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    org_units::insert(conn, &unit)?;
    let key = unit.id.to_string();
    audit::record(
        conn,
        &Entry::new(at, actor, AuditAction::Create, EntityType::OrgUnit, &key),
        None::<&()>,
        Some(&unit),
    )?;
    Ok(unit)
}

impl Store {
    /// Registers a new unit.
    pub fn create_org_unit(&self, new: NewOrgUnit, actor: &str) -> Result<OrgUnit, StoreError> {
        self.write(|conn| insert_new(conn, new, actor))
    }

    /// Registers a unit an import brings, with where it came from (`origin`, whose entity id
    /// is the new unit's), in one transaction.
    pub fn import_org_unit(&self, new: NewOrgUnit, mut origin: Origin, actor: &str) -> Result<OrgUnit, StoreError> {
        self.write(|conn| {
            let unit = insert_new(conn, new, actor)?;
            origin.entity_id = unit.id.to_string();
            origins::insert(conn, std::slice::from_ref(&origin))?;
            Ok(unit)
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
            let before = org_units::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            if let Some(parent) = changes.parent_id {
                org_units::require(conn, "parent_id", parent)?;
                check_parent(conn, id, parent)?;
            }
            let mut after = changes.apply(before.clone());
            let at = now();
            after.version = before.version + 1;
            after.updated_at = at;
            org_units::update(conn, &after)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Update, EntityType::OrgUnit, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a unit that nothing refers to any more.
    pub fn delete_org_unit(&self, id: OrgUnitId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = org_units::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let children = org_units::count_children(conn, id)?;
            let people = people::count_in_unit(conn, id)?;
            let systems = systems::count_in_unit(conn, id)?;
            if children + people + systems > 0 {
                return Err(StoreError::Conflict {
                    code: "org_unit_in_use",
                    message: format!(
                        "the unit still has {children} sub-unit(s), {people} person(s) and {systems} system(s); move them first"
                    ),
                });
            }
            org_units::delete(conn, id)?;
            let key = id.to_string();
            audit::record_deletion(conn, &Entry::new(now(), actor, AuditAction::Delete, EntityType::OrgUnit, &key), &before)
        })
    }
}
