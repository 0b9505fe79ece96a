//! Writing many prepared entities at once: the demo municipality now, imports (Kitos) later.
//!
//! The caller has built the domain values (and answers for their consistency: a bulk load
//! skips the one-by-one reference checks of the API's paths, which would cost several queries
//! per row). This writes them, an audit event for each, and each system's duties (derived by
//! the same rules as every other change), in one transaction: a batch lands whole or not at
//! all. Each table is written in multi-row statements.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::gdpr::Processor;
use systemejer_domain::obligations::Completion;
use systemejer_domain::records::SystemRecords;
use systemejer_domain::webhooks::EventType;
use systemejer_domain::{EntityType, LifecycleState, OrgUnit, OwnerCandidate, Person, PersonId, System};

use crate::audit::Batch;
use crate::events::{self, Event};
use crate::facts::Facts;
use crate::tables::origins::{self, Origin};
use crate::tables::{
    agreements, documents, exit_steps, obligations, org_units, people, processors, risk_measures, system_changes,
    systems,
};
use crate::{Store, StoreError, duties};

/// One system with everything recorded about it.
#[derive(Debug, Clone)]
pub struct BulkSystem {
    /// The system.
    pub system: System,
    /// Its records, agreements and open change. The exit checklist of a system being shut
    /// down is created (every step open) when `exit_steps` is empty.
    pub records: SystemRecords,
    /// Duties done.
    pub completions: Vec<Completion>,
}

/// A batch to write. Entities refer only to entities in this batch or already stored;
/// org units and people are written in the order given (parents and managers first).
#[derive(Debug, Clone, Default)]
pub struct Bulk {
    /// Org units, parents before children.
    pub org_units: Vec<OrgUnit>,
    /// People, managers before those they manage.
    pub people: Vec<Person>,
    /// Processors.
    pub processors: Vec<Processor>,
    /// Systems and their records.
    pub systems: Vec<BulkSystem>,
    /// Where the batch's entities came from (an import), written with them.
    pub origins: Vec<Origin>,
    /// Whether webhook subscribers are told of each system created (`system.created`), as an
    /// import does; a demo municipality is nobody's news.
    pub announce: bool,
}

/// How many rows of each kind a bulk load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BulkCounts {
    /// Org units.
    pub org_units: usize,
    /// People.
    pub people: usize,
    /// Processors.
    pub processors: usize,
    /// Systems.
    pub systems: usize,
    /// Records (assessments, decisions, plans, procedures, rules, agreements, risk measures).
    pub records: usize,
    /// Completions of duties.
    pub completions: usize,
    /// Audit events.
    pub audit_events: usize,
}

impl std::ops::AddAssign for BulkCounts {
    fn add_assign(&mut self, o: Self) {
        self.org_units += o.org_units;
        self.people += o.people;
        self.processors += o.processors;
        self.systems += o.systems;
        self.records += o.records;
        self.completions += o.completions;
        self.audit_events += o.audit_events;
    }
}

/// The facts of a new system of a batch: what it carries, and its passed completions (no
/// incident names it yet, and nothing is stored of it).
fn facts_of(item: &BulkSystem, owners: &HashMap<PersonId, OwnerCandidate>) -> Facts {
    let mut facts = Facts::new(item.system.clone());
    facts.owner = item.system.owner_id.and_then(|o| owners.get(&o).copied());
    facts.records = item.records.clone();
    let passed = item.completions.iter().map(|c| (c.kind, c.subject.clone().unwrap_or_default(), c.result, c.done_on));
    facts.last_passed = obligations::last_passed(passed);
    facts
}

impl Store {
    /// What the owner rule needs to know of the owners of the batch's systems: of people in
    /// the batch (with their managers, in it or stored) or already stored.
    fn owners_of(&self, bulk: &Bulk) -> Result<HashMap<PersonId, OwnerCandidate>, StoreError> {
        let owner_ids: BTreeSet<PersonId> = bulk.systems.iter().filter_map(|s| s.system.owner_id).collect();
        let in_batch: HashMap<PersonId, &Person> = bulk.people.iter().map(|p| (p.id, p)).collect();
        let from_store: Vec<PersonId> = owner_ids
            .iter()
            .copied()
            .filter(|o| !in_batch.contains_key(o))
            .chain(
                owner_ids
                    .iter()
                    .filter_map(|o| in_batch.get(o).and_then(|p| p.manager_id))
                    .filter(|m| !in_batch.contains_key(m)),
            )
            .collect();
        let stored = if from_store.is_empty() {
            HashMap::new()
        } else {
            self.read(|conn| people::candidates(conn, from_store.iter().copied()))?
        };
        let mut out = HashMap::new();
        for owner in owner_ids {
            let candidate = match in_batch.get(&owner) {
                Some(p) => OwnerCandidate {
                    id: p.id,
                    position: p.position,
                    active: p.active,
                    manager_position: p.manager_id.and_then(|m| {
                        in_batch.get(&m).map(|m| m.position).or_else(|| stored.get(&m).map(|m| m.position))
                    }),
                },
                None => match stored.get(&owner) {
                    Some(c) => *c,
                    None => continue,
                },
            };
            out.insert(owner, candidate);
        }
        Ok(out)
    }

    /// Writes `bulk` in one transaction, with an audit event (by `actor`) for every entity and
    /// each system's duties as of today. Each table is written in multi-row statements, so a
    /// batch costs a few dozen round trips, not a few per row. Fails, writing nothing, if an id
    /// is taken or a reference names nothing.
    pub fn write_bulk(&self, bulk: &Bulk, actor: &str) -> Result<BulkCounts, StoreError> {
        let today = self.today();
        let mut audit = Batch::new(actor);
        let mut counts = BulkCounts {
            org_units: bulk.org_units.len(),
            people: bulk.people.len(),
            processors: bulk.processors.len(),
            systems: bulk.systems.len(),
            ..BulkCounts::default()
        };
        for unit in &bulk.org_units {
            audit.created(unit.created_at, EntityType::OrgUnit, &unit.id.to_string(), unit);
        }
        for person in &bulk.people {
            audit.created(person.created_at, EntityType::Person, &person.id.to_string(), person);
        }
        for processor in &bulk.processors {
            audit.created(processor.created_at, EntityType::Processor, &processor.id.to_string(), processor);
        }
        let owners = self.owners_of(bulk)?;
        let units = org_units::rows(&bulk.org_units);
        let people = people::rows(&bulk.people);
        let (system_rows, delegates) = systems::rows(&bulk.systems.iter().map(|b| &b.system).collect::<Vec<_>>());
        let mut documents = Vec::new();
        let mut agreement_rows = Vec::new();
        let mut measure_rows = Vec::new();
        let mut completions = Vec::new();
        let mut steps = Vec::new();
        let mut duty_rows = Vec::new();
        let mut changes = Vec::new();
        for item in &bulk.systems {
            let system = &item.system;
            audit.created(system.created_at, EntityType::System, &system.id.to_string(), system);
            for document in documents::documents_of(&item.records) {
                audit.created_json(
                    document.recorded_at,
                    document.kind.entity(),
                    &document.id.to_string(),
                    document.json,
                );
                documents.push(document.row);
                counts.records += 1;
            }
            for agreement in &item.records.agreements {
                audit.created(
                    agreement.created_at,
                    EntityType::ProcessingAgreement,
                    &agreement.id.to_string(),
                    agreement,
                );
                agreement_rows.push(agreements::values(agreement));
                counts.records += 1;
            }
            for measure in &item.records.risk_measures {
                audit.created(measure.created_at, EntityType::RiskMeasure, &measure.id.to_string(), measure);
                measure_rows.push(risk_measures::MeasureRow::from_domain(measure));
                counts.records += 1;
            }
            for completion in &item.completions {
                completions.push(obligations::completion_values(completion));
                audit.created(completion.recorded_at, EntityType::Completion, &completion.id.to_string(), completion);
            }
            counts.completions += item.completions.len();
            let mut facts = facts_of(item, &owners);
            if system.lifecycle_state == LifecycleState::Decommissioning && item.records.exit_steps.is_empty() {
                steps.extend(exit_steps::checklist_values(system.id));
                facts.records.exit_steps = ExitStepKind::ALL.iter().map(|k| ExitStep::open(*k)).collect();
            }
            duty_rows.extend(
                duties::derive(&facts, self.day_on(today)).iter().map(|duty| obligations::values(system.id, duty)),
            );
            changes.extend(item.records.open_change.iter());
        }
        self.write(|conn| {
            org_units::insert_rows(conn, &units)?;
            people::insert_rows(conn, &people)?;
            for processor in &bulk.processors {
                processors::write(conn, processor, true)?;
            }
            systems::insert_rows(conn, &system_rows, &delegates)?;
            documents::insert_rows(conn, &documents)?;
            agreements::insert_rows(conn, &agreement_rows)?;
            risk_measures::insert_rows(conn, &measure_rows)?;
            obligations::insert_completion_rows(conn, &completions)?;
            exit_steps::insert_rows(conn, &steps)?;
            obligations::insert_rows(conn, &duty_rows)?;
            for change in &changes {
                system_changes::insert(conn, change)?;
            }
            origins::insert(conn, &bulk.origins)?;
            if bulk.announce {
                for item in &bulk.systems {
                    let system = &item.system;
                    let path = Some(events::system_path(system.id));
                    events::emit(conn, &Event::new(EventType::SystemCreated, system.created_at, system, path))?;
                }
            }
            counts.audit_events = audit.flush(conn)?;
            Ok(counts)
        })
    }
}
