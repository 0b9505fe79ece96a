//! What an import would do, worked out from the mapped snapshot and the register as it stands,
//! writing nothing.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};
use systemejer_domain::{LifecycleState, OrgUnitId, OwnerCandidate, PersonId, ProcessorId, RecordId, SystemId};
use systemejer_store::{Origin, Store, StoreError};
use uuid::Uuid;

use super::SOURCE;
use super::merge::{self, FieldChange, FieldConflict, SYSTEM_FIELDS};
use crate::drafts::{Mapped, SystemDraft};
use crate::finding::{Finding, Severity, Subject, SubjectKind};
use crate::gates::{Counting, GateStep, unmet_requirements};
use crate::resolve::RegisterIds;

/// What kind of register entity an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportEntityKind))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// An organization unit.
    OrgUnit,
    /// A person.
    Person,
    /// A data processor.
    Processor,
    /// A system (a Kitos usage).
    System,
}

impl EntityKind {
    /// The name kept in `origins.entity_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::OrgUnit => "org_unit",
            EntityKind::Person => "person",
            EntityKind::Processor => "processor",
            EntityKind::System => "system",
        }
    }
}

/// What the import does with one thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportAction))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// New: created, with its origin.
    Create,
    /// Already in the register, made there by hand (a person with the same e-mail; a system or
    /// processor with the same name, the only one of it): linked to Kitos, not changed. Later
    /// imports bring Kitos's changes to it as to an imported one.
    Link {
        /// For a system: the fields where Kitos differs from the register, kept as the register
        /// has them (`old` the register's value, `new` Kitos's); edit them here if Kitos is right.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        differences: Vec<FieldChange>,
    },
    /// Kitos changed these fields, which nobody edited here since the last import.
    Update {
        /// The fields, from the register's value to Kitos's.
        changes: Vec<FieldChange>,
    },
    /// Kitos changed fields that were also edited here: those are kept as they are here and
    /// reported; the other changes are written.
    Conflict {
        /// The fields edited on both sides.
        conflicts: Vec<FieldConflict>,
        /// The changes written beside them.
        changes: Vec<FieldChange>,
    },
    /// Imported before, and nothing changed in Kitos.
    Unchanged,
    /// Not imported, and why.
    Skip {
        /// Why.
        reason: String,
    },
    /// Kitos deleted the usage (its delta feed says so). The register keeps the system: a
    /// system leaves the register through its lifecycle (decommissioning, retirement), which
    /// an admin or its owner sees to.
    DeletedInKitos,
}

/// One thing of the import, with what is done to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportItem))]
pub struct Item {
    /// What kind of entity.
    pub entity: EntityKind,
    /// Its Kitos uuid.
    pub kitos_uuid: Uuid,
    /// What it is called.
    pub name: String,
    /// Its id in the register, where it is there (or was created).
    pub register_id: Option<String>,
    /// What is done (`kind`), with its details.
    pub action: Action,
    /// For a system Kitos has in use (or being phased out): the moves it would take from
    /// procurement, each with what its gates find unmet. The import never moves a system past
    /// a gate: it stays in procurement until the owner meets them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateStep>,
    /// What went wrong writing it, after an import that tried (the rest went on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a system imported before: the parts Kitos changed since that the import does not
    /// carry over to the register (its agreements, its imported risk assessment and DPIA),
    /// for an admin to bring in step by hand. Reported by the run that first sees the change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_carried: Vec<String>,
}

/// How many items of each action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportSummary))]
pub struct Summary {
    /// Created.
    pub create: usize,
    /// Linked to what the register had.
    pub link: usize,
    /// Updated.
    pub update: usize,
    /// With a conflict.
    pub conflict: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Skipped.
    pub skip: usize,
    /// Deleted in Kitos.
    pub deleted_in_kitos: usize,
    /// Failed while writing.
    pub failed: usize,
    /// Items with what Kitos says otherwise that the import does not carry over (a system's
    /// agreements, risk assessment or DPIA changed there; a person's name or e-mail).
    pub not_carried: usize,
}

/// What an import does (or did): each item, the mapping's findings, and the counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportPlan))]
pub struct Plan {
    /// Whether this is what a run would do (`true`) or what it did.
    pub dry_run: bool,
    /// Units, people, processors, then systems, in the order they are written.
    pub items: Vec<Item>,
    /// What the mapping found, errors (things not imported) and warnings.
    pub findings: Vec<Finding>,
    /// The counts.
    pub summary: Summary,
}

impl Plan {
    /// Counts the items' actions again.
    pub(crate) fn count(&mut self) {
        let mut s = Summary::default();
        for item in &self.items {
            s.not_carried += usize::from(!item.not_carried.is_empty());
            if item.error.is_some() {
                s.failed += 1;
                continue;
            }
            match item.action {
                Action::Create => s.create += 1,
                Action::Link { .. } => s.link += 1,
                Action::Update { .. } => s.update += 1,
                Action::Conflict { .. } => s.conflict += 1,
                Action::Unchanged => s.unchanged += 1,
                Action::Skip { .. } => s.skip += 1,
                Action::DeletedInKitos => s.deleted_in_kitos += 1,
            }
        }
        self.summary = s;
    }

    /// Whether the run changes nothing in the register.
    pub fn changes_nothing(&self) -> bool {
        let s = self.summary;
        s.create + s.link + s.update + s.conflict == 0
    }
}

/// What the plan knows that the writing needs: the register ids found, the origins, and the
/// values each system would be kept with.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    /// Ids of what the register has already, by Kitos uuid.
    pub ids: RegisterIds,
    /// The origins of systems imported before, by Kitos uuid.
    pub system_origins: HashMap<Uuid, Origin>,
    /// The values merged for each system to update, to keep as imported.
    pub merged: HashMap<Uuid, Map<String, Value>>,
}

/// What importing `mapped` would do to the register on `today`, with `deleted` the usages the
/// delta feed says Kitos deleted. Reads the register; writes nothing.
///
/// A unit, person or processor the import would create is named, where a system would refer to
/// it, by its Kitos uuid: the id it gets is not known before it is made.
pub fn plan(store: &Store, mapped: &Mapped, deleted: &[Uuid], today: NaiveDate) -> Result<Plan, StoreError> {
    Ok(work_out(store, mapped, deleted, today, Provisional::KitosUuids)?.0)
}

/// How a plan refers to what it would create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provisional {
    /// By its Kitos uuid: a dry run, which shows what the import will do.
    KitosUuids,
    /// Not at all: an import, which plans the systems again once those are made.
    None,
}

/// The plan, and what writing it needs.
pub(crate) fn work_out(
    store: &Store,
    mapped: &Mapped,
    deleted: &[Uuid],
    today: NaiveDate,
    provisional: Provisional,
) -> Result<(Plan, Found), StoreError> {
    let stand_in = provisional == Provisional::KitosUuids;
    let origins: HashMap<(String, String), Origin> =
        store.origins(SOURCE)?.into_iter().map(|o| ((o.entity_type.clone(), o.external_id.clone()), o)).collect();
    let origin = |kind: EntityKind, uuid: Uuid| origins.get(&(kind.as_str().to_owned(), uuid.to_string()));
    let mut found = Found::default();
    let hand_made = HandMade::read(store, &origins)?;
    // The things not imported because the register has several of their name.
    let mut ambiguous = Vec::new();
    let mut items = Vec::new();
    let item = |entity, kitos_uuid, name: &str, register_id: Option<String>, action| Item {
        entity,
        kitos_uuid,
        name: name.to_owned(),
        register_id,
        action,
        gates: Vec::new(),
        error: None,
        not_carried: Vec::new(),
    };

    for draft in &mapped.units {
        let name = draft.unit.name.as_str();
        let known = origin(EntityKind::OrgUnit, draft.kitos_uuid).and_then(|o| o.entity_id.parse::<OrgUnitId>().ok());
        let here = match known {
            Some(id) => match store.get_org_unit(id) {
                Ok(unit) => Some(unit),
                Err(StoreError::NotFound { .. }) => {
                    items.push(item(EntityKind::OrgUnit, draft.kitos_uuid, name, Some(id.to_string()), gone()));
                    continue;
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let Some(unit) = here else {
            if stand_in {
                found.ids.org_units.insert(draft.kitos_uuid, OrgUnitId::from_uuid(draft.kitos_uuid));
            }
            items.push(item(EntityKind::OrgUnit, draft.kitos_uuid, name, None, Action::Create));
            continue;
        };
        found.ids.org_units.insert(draft.kitos_uuid, unit.id);
        // A unit is kept as the register has it (the organization is the register's to keep,
        // often from HR): shown by the register's name, what Kitos says otherwise reported.
        let mut entry = item(
            EntityKind::OrgUnit,
            draft.kitos_uuid,
            unit.name.as_str(),
            Some(unit.id.to_string()),
            Action::Unchanged,
        );
        let kitos_parent = draft.parent.and_then(|p| found.ids.org_units.get(&p).copied());
        if unit.name.as_str() != name {
            entry.not_carried.push(format!(
                "Kitos calls it {name:?}, the register {:?}: units are kept as the register has them; rename it here \
                 if Kitos is right",
                unit.name.as_str()
            ));
        }
        if kitos_parent.is_some() && kitos_parent != unit.parent_id {
            entry.not_carried.push(
                "Kitos places it under another unit than the register does: units are kept as the register has them; \
                 move it here if Kitos is right"
                    .to_owned(),
            );
        }
        items.push(entry);
    }

    for draft in &mapped.people {
        let name = draft.person.name.as_str();
        let known = origin(EntityKind::Person, draft.kitos_uuid).and_then(|o| o.entity_id.parse::<PersonId>().ok());
        let (here, action) = match known {
            Some(id) => match store.get_person(id) {
                Ok(person) => (Some(person), Action::Unchanged),
                Err(StoreError::NotFound { .. }) => {
                    items.push(item(EntityKind::Person, draft.kitos_uuid, name, Some(id.to_string()), gone()));
                    continue;
                }
                Err(e) => return Err(e),
            },
            None => match store.find_person_by_email(&draft.person.email)? {
                Some(person) => (Some(person), Action::Link { differences: Vec::new() }),
                None => (None, Action::Create),
            },
        };
        let Some(person) = here else {
            if stand_in {
                found.ids.people.insert(draft.kitos_uuid, PersonId::from_uuid(draft.kitos_uuid));
            }
            items.push(item(EntityKind::Person, draft.kitos_uuid, name, None, action));
            continue;
        };
        found.ids.people.insert(draft.kitos_uuid, person.id);
        if may_own(store, person.id)? {
            found.ids.eligible_owners.insert(person.id);
        }
        // A person is kept as the register has them (it may be fed from HR): shown by the
        // register's name, and what Kitos says otherwise reported, not written.
        let mut entry =
            item(EntityKind::Person, draft.kitos_uuid, person.name.as_str(), Some(person.id.to_string()), action);
        if person.name.as_str() != name || person.email != draft.person.email {
            entry.not_carried.push(format!(
                "Kitos has them as {name} <{}>, the register as {} <{}>: people are kept as the register has them; \
                 change them here if Kitos is right",
                draft.person.email, person.name, person.email
            ));
        }
        items.push(entry);
    }

    for draft in &mapped.processors {
        let name = draft.processor.name.as_str();
        let known =
            origin(EntityKind::Processor, draft.kitos_uuid).and_then(|o| o.entity_id.parse::<ProcessorId>().ok());
        let action = match known {
            Some(id) if exists(store.get_processor(id))? => {
                found.ids.processors.insert(draft.kitos_uuid, id);
                (Some(id.to_string()), Action::Unchanged)
            }
            Some(id) => (Some(id.to_string()), gone()),
            None => match hand_made.processors.get(&crate::description::folded(name)).map(Vec::as_slice) {
                Some([id]) => {
                    let id = id.parse::<ProcessorId>().map_err(|_| bad_id("processor", id))?;
                    found.ids.processors.insert(draft.kitos_uuid, id);
                    (Some(id.to_string()), Action::Link { differences: Vec::new() })
                }
                Some(several) if several.len() > 1 => {
                    let subject = Subject::new(SubjectKind::Organization, draft.kitos_uuid, name);
                    ambiguous.push(ambiguity(&subject, several.len(), "processors"));
                    (None, same_name(several.len(), "processors"))
                }
                _ => {
                    if stand_in {
                        found.ids.processors.insert(draft.kitos_uuid, ProcessorId::from_uuid(draft.kitos_uuid));
                    }
                    (None, Action::Create)
                }
            },
        };
        items.push(item(EntityKind::Processor, draft.kitos_uuid, name, action.0, action.1));
    }

    let deleted: HashSet<Uuid> = deleted.iter().copied().collect();
    let mut linked = HashSet::new();
    for draft in &mapped.systems {
        let name = draft.system.name.as_str();
        let known = origin(EntityKind::System, draft.kitos_uuid);
        let mut entry = match known.and_then(|o| o.entity_id.parse::<SystemId>().ok().map(|id| (o, id))) {
            Some((o, id)) => match store.get_system(id) {
                Ok(system) => {
                    found.system_origins.insert(draft.kitos_uuid, o.clone());
                    let here = merge::project(&to_json(&system), SYSTEM_FIELDS);
                    let imported = o.imported.as_object().cloned().unwrap_or_default();
                    let mut kitos = kitos_fields(draft, &found.ids);
                    // What could not be read in Kitos now is taken as unchanged there.
                    for field in &draft.unread {
                        if let Some(before) = imported.get(*field) {
                            kitos.insert((*field).to_owned(), before.clone());
                        }
                    }
                    let mut merged = merge::merge(SYSTEM_FIELDS, &imported, &here, &kitos);
                    let action = match (merged.changes.is_empty(), merged.conflicts.is_empty()) {
                        (true, true) => Action::Unchanged,
                        (_, true) => Action::Update { changes: merged.changes },
                        _ => Action::Conflict { conflicts: merged.conflicts, changes: merged.changes },
                    };
                    let parts = parts(draft, &found.ids);
                    let not_carried = not_carried(imported.get(PARTS), &parts);
                    merged.imported.insert(PARTS.to_owned(), parts);
                    found.merged.insert(draft.kitos_uuid, merged.imported);
                    let mut entry = item(EntityKind::System, draft.kitos_uuid, name, Some(id.to_string()), action);
                    entry.not_carried = not_carried;
                    entry
                }
                Err(StoreError::NotFound { .. }) => {
                    item(EntityKind::System, draft.kitos_uuid, name, Some(id.to_string()), gone())
                }
                Err(e) => return Err(e),
            },
            None => match hand_made.systems.get(&crate::description::folded(name)).map(Vec::as_slice) {
                // One system made by hand, not linked already to another usage of this run.
                Some([id]) if linked.insert(id.clone()) => {
                    let system = store.get_system(id.parse().map_err(|_| bad_id("system", id))?)?;
                    let here = merge::project(&to_json(&system), SYSTEM_FIELDS);
                    let kitos = kitos_fields(draft, &found.ids);
                    let differences = SYSTEM_FIELDS
                        .iter()
                        .filter(|f| !draft.unread.contains(f))
                        .filter_map(|f| {
                            let (old, new) =
                                (here.get(*f).cloned().unwrap_or_default(), kitos.get(*f).cloned().unwrap_or_default());
                            (old != new).then(|| FieldChange { field: (*f).to_owned(), old, new })
                        })
                        .collect();
                    let mut entry = item(
                        EntityKind::System,
                        draft.kitos_uuid,
                        name,
                        Some(id.clone()),
                        Action::Link { differences },
                    );
                    if !draft.agreements.is_empty() || draft.risk_assessment.is_some() || draft.dpia.is_some() {
                        entry.not_carried.push(
                            "its data processing agreements, risk assessment and DPIA in Kitos are not imported onto a \
                             system the register had already: add what is missing in the register"
                                .to_owned(),
                        );
                    }
                    entry
                }
                Some(several) if several.len() > 1 => {
                    let subject = Subject::new(SubjectKind::Usage, draft.kitos_uuid, name);
                    ambiguous.push(ambiguity(&subject, several.len(), "systems"));
                    item(EntityKind::System, draft.kitos_uuid, name, None, same_name(several.len(), "systems"))
                }
                _ => item(EntityKind::System, draft.kitos_uuid, name, None, Action::Create),
            },
        };
        if matches!(entry.action, Action::Create) && draft.wanted_state != LifecycleState::Procurement {
            // The owner as the register has them (a person linked by e-mail may hold a position
            // there that Kitos does not keep): one the owner rule admits there is no gap.
            let admitted = draft
                .owner
                .and_then(|user| found.ids.people.get(&user))
                .is_some_and(|id| found.ids.eligible_owners.contains(id));
            entry.gates = unmet_requirements(mapped, draft, today, Counting::AsImported)
                .into_iter()
                .map(|mut step| {
                    if admitted {
                        step.unmet.retain(|u| !OWNER_RULE_CODES.contains(&u.code));
                    }
                    step
                })
                .filter(|step| !step.unmet.is_empty())
                .collect();
        }
        items.push(entry);
    }
    for draft_uuid in &deleted {
        if let Some(o) = origin(EntityKind::System, *draft_uuid) {
            // Kitos no longer has it: the register's name says which it was.
            let name = match o.entity_id.parse::<SystemId>().map(|id| store.get_system(id)) {
                Ok(Ok(system)) => system.name.as_str().to_owned(),
                _ => mapped.system(*draft_uuid).map_or_else(String::new, |d| d.system.name.as_str().to_owned()),
            };
            items.retain(|i| !(i.entity == EntityKind::System && i.kitos_uuid == *draft_uuid));
            items.push(item(EntityKind::System, *draft_uuid, &name, Some(o.entity_id.clone()), Action::DeletedInKitos));
        }
    }

    for subject in &mapped.not_imported {
        let reasons: Vec<&str> = mapped
            .findings_about(subject.uuid)
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.message.as_str())
            .collect();
        items.push(item(
            entity_of(subject),
            subject.uuid,
            &subject.name,
            None,
            Action::Skip { reason: reasons.join("; ") },
        ));
    }

    // Kitos keeps no positions, so the mapping warns of every owner; one the register admits
    // already (a person linked by e-mail, in a management position there) is no news.
    let admitted_owner = |usage: Uuid| {
        mapped
            .system(usage)
            .and_then(|d| d.owner)
            .and_then(|user| found.ids.people.get(&user))
            .is_some_and(|id| found.ids.eligible_owners.contains(id))
    };
    let mut findings: Vec<Finding> = mapped
        .findings
        .iter()
        .filter(|f| !(f.code == "owner_position_unknown" && f.subject.as_ref().is_some_and(|s| admitted_owner(s.uuid))))
        .cloned()
        .collect();
    findings.extend(ambiguous);
    let mut plan = Plan { dry_run: true, items, findings, summary: Summary::default() };
    plan.count();
    Ok((plan, found))
}

/// The systems and processors of the register that came from no Kitos import, by their name
/// folded ([`crate::description::folded`]): what a new one from Kitos is linked to rather than
/// made twice.
#[derive(Debug, Default)]
struct HandMade {
    systems: HashMap<String, Vec<String>>,
    processors: HashMap<String, Vec<String>>,
}

impl HandMade {
    fn read(store: &Store, origins: &HashMap<(String, String), Origin>) -> Result<Self, StoreError> {
        let imported: HashSet<(&str, &str)> =
            origins.values().map(|o| (o.entity_type.as_str(), o.entity_id.as_str())).collect();
        let by_name = |kind: EntityKind, names: Vec<(String, String)>| {
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for (id, name) in names {
                if !imported.contains(&(kind.as_str(), id.as_str())) {
                    map.entry(crate::description::folded(&name)).or_default().push(id);
                }
            }
            map
        };
        Ok(Self {
            systems: by_name(EntityKind::System, store.system_names()?),
            processors: by_name(EntityKind::Processor, store.processor_names()?),
        })
    }
}

/// The finding of a thing not imported because the register has `count` `what` of its name.
fn ambiguity(subject: &Subject, count: usize, what: &str) -> Finding {
    Finding::error(
        "name_ambiguous",
        format!(
            "the register has {count} {what} named {:?} made by hand: which one Kitos means is not guessed",
            subject.name
        ),
    )
    .about(subject)
}

/// Not imported: the register has several of the name made by hand, and which is meant is not
/// for the import to guess.
fn same_name(count: usize, what: &str) -> Action {
    Action::Skip {
        reason: format!(
            "the register has {count} {what} of this name made by hand: rename them apart (or delete the extra), and \
             the next import links the one of the same name"
        ),
    }
}

fn bad_id(kind: &str, id: &str) -> StoreError {
    StoreError::internal(format!("{kind} id {id} in the register is no id"))
}

/// The gates' codes of the owner rule (position, being active, the manager's position).
const OWNER_RULE_CODES: &[&str] = &["owner_inactive", "owner_not_management", "owner_leader_without_senior_manager"];

/// The key under which a system's origin keeps what the import brought beside its fields.
pub(crate) const PARTS: &str = "parts";

/// What the import brings of `draft` beside its fields (its agreements with their
/// supervisions, its risk assessment and DPIA), as kept with its origin to see later changes.
pub(crate) fn parts(draft: &SystemDraft, ids: &RegisterIds) -> Value {
    let nil = Uuid::nil();
    let agreements: Vec<Value> = draft
        .agreements
        .iter()
        .map(|a| {
            let agreement = a.new_agreement(ids).map(|n| {
                to_json(&n.into_agreement(RecordId::from_uuid(nil), SystemId::from_uuid(nil), DateTime::UNIX_EPOCH))
            });
            let supervisions: Vec<Value> =
                a.supervisions.iter().map(|c| json!([c.done_on, format!("{:?}", c.result)])).collect();
            json!({"registration": a.registration, "processor": a.processor, "agreement": agreement,
                   "interval_months": a.kitos_interval_months, "supervisions": supervisions})
        })
        .collect();
    json!({
        "agreements": agreements,
        "risk_assessment": draft.risk_assessment.as_ref().map(|r| to_json(&r.record)),
        "dpia": draft.dpia.as_ref().map(|d| to_json(&d.record)),
    })
}

/// Which of the parts changed in Kitos since they were imported (`before`), in words.
fn not_carried(before: Option<&Value>, now: &Value) -> Vec<String> {
    let was = |key: &str| before.and_then(|b| b.get(key)).cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    if was("agreements") != now["agreements"] {
        out.push(
            "its data processing agreements (processors, conclusion, sub-processors, transfers, supervision) changed \
             in Kitos: the import does not change agreements; bring them in step in the register"
                .to_owned(),
        );
    }
    if was("risk_assessment") != now["risk_assessment"] {
        out.push(
            "its risk assessment changed in Kitos: add the new one in the register for the owner to approve".to_owned(),
        );
    }
    if was("dpia") != now["dpia"] {
        out.push("its DPIA changed in Kitos: add the new one in the register for the owner to approve".to_owned());
    }
    out
}

/// A thing imported before that was deleted here since: not created again.
fn gone() -> Action {
    Action::Skip { reason: "deleted in the register since the last import; not created again".into() }
}

/// Whether a read found the entity.
fn exists<T>(read: Result<T, StoreError>) -> Result<bool, StoreError> {
    match read {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether the register's rule lets person `id` own a system today (their position and their
/// manager's as the register has them).
fn may_own(store: &Store, id: PersonId) -> Result<bool, StoreError> {
    let person = store.get_person(id)?;
    let manager_position = match person.manager_id {
        Some(manager) => Some(store.get_person(manager)?.position),
        None => None,
    };
    let candidate = OwnerCandidate { id, position: person.position, active: person.active, manager_position };
    Ok(candidate.eligibility().is_ok())
}

/// The register kind of a thing the mapping left out.
fn entity_of(subject: &Subject) -> EntityKind {
    match subject.kind {
        SubjectKind::Unit => EntityKind::OrgUnit,
        SubjectKind::User => EntityKind::Person,
        SubjectKind::Organization => EntityKind::Processor,
        _ => EntityKind::System,
    }
}

/// A value as the API writes it.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The fields of `draft`'s system as the register would hold them, with `ids` resolved.
pub(crate) fn kitos_fields(draft: &SystemDraft, ids: &RegisterIds) -> Map<String, Value> {
    let system = draft.new_system(ids).into_system(SystemId::from_uuid(draft.kitos_uuid), chrono::DateTime::UNIX_EPOCH);
    merge::project(&to_json(&system), SYSTEM_FIELDS)
}
