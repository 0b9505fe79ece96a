//! Writing many prepared entities at once: the demo municipality now, imports (Kitos) later.
//!
//! The caller has built the domain values (and answers for their consistency: a bulk load
//! skips the one-by-one reference checks of the API's paths, which would cost several queries
//! per row). This writes them, an audit event for each, and each system's obligations, in one
//! transaction: a batch lands whole or not at all.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use systemejer_domain::gdpr::Processor;
use systemejer_domain::obligations::Completion;
use systemejer_domain::records::SystemRecords;
use systemejer_domain::{AuditAction, EntityType, LifecycleState, OrgUnit, Person, System};

use crate::records::RecordKind;
use crate::rows::{OrgUnitRow, PersonRow, SystemRow, to_json};
use crate::schema::{audit_events::dsl as a, org_units::dsl as u, people::dsl as p, systems::dsl as s};
use crate::{AnyConnection, Store, StoreError, new_id, obligations, processors, records, systems};

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
    /// Records (assessments, decisions, plans, procedures, rules, agreements).
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

/// One audit row: id, when, actor, action, entity type, entity id, the entity after.
type AuditRow = (String, chrono::NaiveDateTime, String, String, String, String, Option<String>);

/// Audit rows gathered in memory and written in multi-row inserts.
struct AuditRows {
    actor: String,
    rows: Vec<AuditRow>,
}

impl AuditRows {
    fn created<T: Serialize>(&mut self, at: DateTime<Utc>, entity: EntityType, id: &str, after: &T) {
        self.rows.push((
            new_id().to_string(),
            at.naive_utc(),
            self.actor.clone(),
            AuditAction::Create.as_str().to_owned(),
            entity.as_str().to_owned(),
            id.to_owned(),
            Some(to_json(after)),
        ));
    }

    fn record<D: RecordKind>(&mut self, recorded: &systemejer_domain::records::Recorded<D>) {
        self.created(recorded.recorded_at, D::KIND, &recorded.id.to_string(), recorded);
    }

    fn flush(self, conn: &mut AnyConnection) -> Result<usize, StoreError> {
        let rows: Vec<_> = self
            .rows
            .into_iter()
            .map(|(id, at, actor, action, entity_type, entity_id, after)| {
                (
                    a::id.eq(id),
                    a::occurred_at.eq(at),
                    a::actor.eq(actor),
                    a::action.eq(action),
                    a::entity_type.eq(entity_type),
                    a::entity_id.eq(entity_id),
                    a::before_json.eq(None::<String>),
                    a::after_json.eq(after),
                )
            })
            .collect();
        let count = rows.len();
        // 8 parameters a row: 500 rows stay far below either backend's limit on parameters.
        for chunk in rows.chunks(500) {
            match conn {
                AnyConnection::Postgresql(c) => {
                    diesel::insert_into(a::audit_events).values(chunk).execute(c)?;
                }
                AnyConnection::Sqlite(c) => {
                    diesel::insert_into(a::audit_events).values(chunk).execute(c)?;
                }
            }
        }
        Ok(count)
    }
}

fn write_records(conn: &mut AnyConnection, r: &SystemRecords, audit: &mut AuditRows) -> Result<usize, StoreError> {
    fn each<D: RecordKind>(
        conn: &mut AnyConnection,
        list: &[systemejer_domain::records::Recorded<D>],
        audit: &mut AuditRows,
    ) -> Result<usize, StoreError> {
        for recorded in list {
            records::insert(conn, recorded)?;
            audit.record(recorded);
        }
        Ok(list.len())
    }
    let mut n = each(conn, &r.risk_assessments, audit)?;
    n += each(conn, r.dpia_decision.as_slice(), audit)?;
    n += each(conn, &r.dpias, audit)?;
    n += each(conn, &r.retention_rules, audit)?;
    n += each(conn, r.processing_record.as_slice(), audit)?;
    n += each(conn, &r.procedures, audit)?;
    n += each(conn, r.contingency_plan.as_slice(), audit)?;
    for agreement in &r.agreements {
        processors::insert_agreement(conn, agreement)?;
        audit.created(agreement.created_at, EntityType::ProcessingAgreement, &agreement.id.to_string(), agreement);
        n += 1;
    }
    Ok(n)
}

impl Store {
    /// Writes `bulk` in one transaction, with an audit event (by `actor`) for every entity and
    /// each system's obligations as of today. Fails, writing nothing, if an id is taken or a
    /// reference names nothing.
    pub fn write_bulk(&self, bulk: &Bulk, actor: &str) -> Result<BulkCounts, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut audit = AuditRows { actor: actor.to_owned(), rows: Vec::new() };
            let mut counts = BulkCounts::default();
            for unit in &bulk.org_units {
                diesel::insert_into(u::org_units).values(OrgUnitRow::from_domain(unit)).execute(conn)?;
                audit.created(unit.created_at, EntityType::OrgUnit, &unit.id.to_string(), unit);
            }
            counts.org_units = bulk.org_units.len();
            for person in &bulk.people {
                diesel::insert_into(p::people).values(PersonRow::from_domain(person)).execute(conn)?;
                audit.created(person.created_at, EntityType::Person, &person.id.to_string(), person);
            }
            counts.people = bulk.people.len();
            for processor in &bulk.processors {
                processors::write_processor(conn, processor, true)?;
                audit.created(processor.created_at, EntityType::Processor, &processor.id.to_string(), processor);
            }
            counts.processors = bulk.processors.len();
            for item in &bulk.systems {
                let system = &item.system;
                diesel::insert_into(s::systems).values(SystemRow::from_domain(system)).execute(conn)?;
                systems::save_delegates(conn, system)?;
                audit.created(system.created_at, EntityType::System, &system.id.to_string(), system);
                counts.records += write_records(conn, &item.records, &mut audit)?;
                if let Some(change) = &item.records.open_change {
                    records::start_change(
                        conn,
                        system.id,
                        &change.description,
                        change.dpia_needed,
                        &change.started_by,
                        change.started_at,
                    )?;
                }
                if system.lifecycle_state == LifecycleState::Decommissioning && item.records.exit_steps.is_empty() {
                    records::create_exit_checklist(conn, system.id)?;
                }
                for completion in &item.completions {
                    obligations::insert_completion(conn, completion)?;
                    audit.created(
                        completion.recorded_at,
                        EntityType::Completion,
                        &completion.id.to_string(),
                        completion,
                    );
                }
                counts.completions += item.completions.len();
                obligations::sync(conn, system.id, today)?;
            }
            counts.systems = bulk.systems.len();
            counts.audit_events = audit.flush(conn)?;
            Ok(counts)
        })
    }
}
