//! Organization units: Kitos's tree of units becomes the register's, parents first.
//!
//! Kitos does not say what kind a unit is; the register needs one. The kind is read from the
//! unit's depth, which is how a Danish municipality's tree is usually laid out: the root is the
//! municipality, its children directorates (*direktørområder*), theirs departments
//! (*fagområder*), and anything deeper a section. One finding says so, for an admin to correct
//! the staff functions and the exceptions.

use std::collections::{HashMap, HashSet};

use systemejer_domain::org::OrgUnitKind;
use systemejer_domain::{Name, NewOrgUnit};
use systemejer_kitos::Snapshot;
use uuid::Uuid;

use crate::drafts::UnitDraft;
use crate::finding::{Finding, Place, Subject, SubjectKind};

/// The unit drafts of `snapshot`, parents before children.
pub(crate) fn map(snapshot: &Snapshot, findings: &mut Vec<Finding>) -> Vec<UnitDraft> {
    let index: HashMap<Uuid, usize> = snapshot.units.iter().enumerate().map(|(i, unit)| (unit.uuid, i)).collect();
    let mut drafts: Vec<(usize, usize, UnitDraft)> = Vec::new();
    let mut left_out: HashSet<Uuid> = HashSet::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    for (i, unit) in snapshot.units.iter().enumerate() {
        let subject = Subject::new(SubjectKind::Unit, unit.uuid, &unit.name);
        if !seen.insert(unit.uuid) {
            findings.push(
                Finding::error(
                    "uuid_repeated",
                    "another unit earlier in the file has the same uuid: this one is not imported",
                )
                .about(&subject)
                .at(Place::unit(i, "uuid")),
            );
            continue;
        }
        let Some(depth) = depth(snapshot, &index, i) else {
            findings.push(
                Finding::error("unit_in_a_loop", "the unit's chain of parents loops in Kitos: it is not imported")
                    .about(&subject)
                    .at(Place::unit(i, "parentOrganizationUnit")),
            );
            left_out.insert(unit.uuid);
            continue;
        };
        let name = match Name::parse(&unit.name) {
            Ok(name) => name,
            Err(e) => {
                findings.push(
                    Finding::error("unit_name_invalid", format!("the unit's name {}: it is not imported", e.message))
                        .about(&subject)
                        .at(Place::unit(i, "name")),
                );
                left_out.insert(unit.uuid);
                continue;
            }
        };
        let parent = unit.parent_uuid();
        if let Some(parent) = parent.filter(|p| !index.contains_key(p)) {
            findings.push(
                Finding::warning(
                    "unit_parent_unknown",
                    format!("the parent unit {parent} is not among the units read: the unit is imported as a top unit"),
                )
                .about(&subject)
                .at(Place::unit(i, "parentOrganizationUnit.uuid")),
            );
        }
        let kind = match depth {
            0 => OrgUnitKind::Municipality,
            1 => OrgUnitKind::Directorate,
            2 => OrgUnitKind::Department,
            _ => OrgUnitKind::Section,
        };
        let parent = parent.filter(|p| index.contains_key(p));
        let draft = UnitDraft { kitos_uuid: unit.uuid, parent, unit: NewOrgUnit { name, kind, parent_id: None } };
        drafts.push((depth, i, draft));
    }
    drafts.sort_by_key(|(depth, i, _)| (*depth, *i));
    let mut out: Vec<UnitDraft> = Vec::with_capacity(drafts.len());
    for (_, i, mut draft) in drafts {
        if let Some(parent) = draft.parent.filter(|p| left_out.contains(p)) {
            let name = draft.unit.name.as_str().to_owned();
            findings.push(
                Finding::warning(
                    "unit_parent_not_imported",
                    format!("the parent unit {parent} is not imported: the unit is imported as a top unit"),
                )
                .about(&Subject::new(SubjectKind::Unit, draft.kitos_uuid, name))
                .at(Place::unit(i, "parentOrganizationUnit.uuid")),
            );
            draft.parent = None;
        }
        out.push(draft);
    }
    if !out.is_empty() {
        findings.push(Finding::warning(
            "unit_kinds_guessed",
            "Kitos does not say what kind a unit is: the root is read as the municipality, its children as \
             directorates, theirs as departments, and deeper units as sections; correct staff functions and \
             exceptions in the register",
        ));
    }
    out
}

/// The number of ancestors of the unit at `i`; `None` when the chain loops.
fn depth(snapshot: &Snapshot, index: &HashMap<Uuid, usize>, i: usize) -> Option<usize> {
    let mut seen = HashSet::from([i]);
    let mut at = i;
    let mut depth = 0;
    while let Some(parent) = snapshot.units[at].parent_uuid().and_then(|p| index.get(&p).copied()) {
        if !seen.insert(parent) {
            return None;
        }
        depth += 1;
        at = parent;
    }
    Some(depth)
}
