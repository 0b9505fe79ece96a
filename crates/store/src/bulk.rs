//! Writing many prepared entities at once: the demo municipality now, imports (Kitos) later.
//!
//! The caller has built the domain values (and answers for their consistency: a bulk load
//! skips the one-by-one reference checks of the API's paths, which would cost several queries
//! per row). This writes them, an audit event for each, and each system's obligations, in one
//! transaction: a batch lands whole or not at all.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use systemejer_domain::gdpr::Processor;
use systemejer_domain::obligations::{self as rules, Completion, CompletionResult};
use systemejer_domain::records::{Recorded, SystemRecords};
use systemejer_domain::{AuditAction, EntityType, LifecycleState, OrgUnit, Person, System};

use crate::records::RecordKind;
use crate::rows::{OrgUnitRow, PersonRow, SystemRow, to_json};
use crate::schema::{
    audit_events::dsl as au, exit_steps::dsl as e, obligation_completions::dsl as c, obligations::dsl as o,
    org_units::dsl as u, people::dsl as p, processing_agreements::dsl as a, system_delegates::dsl as d,
    system_records::dsl as r, systems::dsl as s,
};
use crate::{AnyConnection, Store, StoreError, new_id, obligations, processors, records, systems};

/// Inserts `rows` in multi-row statements of `per_statement` rows (kept well below either
/// backend's limit on bound parameters: 32 766 on SQLite, 65 535 on PostgreSQL).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $per_statement:expr) => {
        for chunk in $rows.chunks($per_statement) {
            match &mut *$conn {
                AnyConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
                AnyConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}

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

    fn record<D: RecordKind>(&mut self, recorded: &Recorded<D>) {
        self.created(recorded.recorded_at, D::KIND, &recorded.id.to_string(), recorded);
    }

    fn flush(self, conn: &mut AnyConnection) -> Result<usize, StoreError> {
        let rows: Vec<_> = self
            .rows
            .into_iter()
            .map(|(id, at, actor, action, entity_type, entity_id, after)| {
                (
                    au::id.eq(id),
                    au::occurred_at.eq(at),
                    au::actor.eq(actor),
                    au::action.eq(action),
                    au::entity_type.eq(entity_type),
                    au::entity_id.eq(entity_id),
                    au::before_json.eq(None::<String>),
                    au::after_json.eq(after),
                )
            })
            .collect();
        let count = rows.len();
        // 8 parameters a row.
        insert_all!(conn, au::audit_events, rows, 500);
        Ok(count)
    }
}

/// The rows of a batch's records, gathered so each table is written in a few statements.
#[derive(Default)]
struct RecordRows {
    records: Vec<records::RecordValues>,
    agreements: Vec<processors::AgreementValues>,
}

impl RecordRows {
    fn add(&mut self, r: &SystemRecords, audit: &mut AuditRows) -> usize {
        fn each<D: RecordKind>(rows: &mut RecordRows, list: &[Recorded<D>], audit: &mut AuditRows) -> usize {
            for recorded in list {
                rows.records.push(records::values(recorded));
                audit.record(recorded);
            }
            list.len()
        }
        let mut n = each(self, &r.risk_assessments, audit);
        n += each(self, r.dpia_decision.as_slice(), audit);
        n += each(self, &r.dpias, audit);
        n += each(self, &r.retention_rules, audit);
        n += each(self, r.processing_record.as_slice(), audit);
        n += each(self, &r.procedures, audit);
        n += each(self, r.contingency_plan.as_slice(), audit);
        for agreement in &r.agreements {
            self.agreements.push(processors::agreement_values(agreement));
            audit.created(agreement.created_at, EntityType::ProcessingAgreement, &agreement.id.to_string(), agreement);
            n += 1;
        }
        n
    }
}

/// The obligations of a new system, worked out by the same pure rules `obligations::sync`
/// applies (nothing is known of it before; no incident names it yet).
fn scheduled(item: &BulkSystem, today: NaiveDate) -> Vec<rules::Scheduled> {
    let required = rules::required(&item.system, &item.records, &[]);
    let passed = item
        .completions
        .iter()
        .filter(|c| c.result == CompletionResult::Passed)
        .map(|c| (c.kind, c.subject.clone().unwrap_or_default(), c.done_on));
    rules::schedule(&required, &obligations::last_passed(passed), &HashMap::new(), today)
}

impl Store {
    /// Tidies up after a bulk load. PostgreSQL: `VACUUM (ANALYZE)`, so the planner has the
    /// tables' real figures (it planned a 74 000-row result as 363 rows) and the visibility map
    /// lets counts read only an index (the list's count took 6 ms from the table, 1 ms from
    /// the index), without waiting for autovacuum, which may be slow to come or off. SQLite:
    /// `ANALYZE`. Outside a transaction: `VACUUM` cannot run in one.
    pub fn analyze(&self) -> Result<(), StoreError> {
        let statement = match self.backend() {
            crate::BackendKind::Postgres => "VACUUM (ANALYZE)",
            crate::BackendKind::Sqlite => "ANALYZE",
        };
        self.read(|conn| {
            diesel::sql_query(statement).execute(conn)?;
            Ok(())
        })
    }

    /// Writes `bulk` in one transaction, with an audit event (by `actor`) for every entity and
    /// each system's obligations as of today. Each table is written in multi-row statements,
    /// so a batch costs a few dozen round trips, not a few per row. Fails, writing nothing, if
    /// an id is taken or a reference names nothing.
    pub fn write_bulk(&self, bulk: &Bulk, actor: &str) -> Result<BulkCounts, StoreError> {
        let today = self.today();
        let mut audit = AuditRows { actor: actor.to_owned(), rows: Vec::new() };
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
        let units: Vec<OrgUnitRow> = bulk.org_units.iter().map(OrgUnitRow::from_domain).collect();
        let people: Vec<PersonRow> = bulk.people.iter().map(PersonRow::from_domain).collect();
        let mut systems_rows = Vec::with_capacity(bulk.systems.len());
        let mut delegates = Vec::new();
        let mut rows = RecordRows::default();
        let mut completions = Vec::new();
        let mut exit_steps = Vec::new();
        let mut duties = Vec::new();
        for item in &bulk.systems {
            let system = &item.system;
            systems_rows.push(SystemRow::from_domain(system));
            delegates.extend(systems::delegate_values(system));
            audit.created(system.created_at, EntityType::System, &system.id.to_string(), system);
            counts.records += rows.add(&item.records, &mut audit);
            for completion in &item.completions {
                completions.push(obligations::completion_values(completion));
                audit.created(completion.recorded_at, EntityType::Completion, &completion.id.to_string(), completion);
            }
            counts.completions += item.completions.len();
            if system.lifecycle_state == LifecycleState::Decommissioning && item.records.exit_steps.is_empty() {
                exit_steps.extend(records::exit_checklist_values(system.id));
            }
            duties.extend(scheduled(item, today).iter().map(|duty| obligations::obligation_values(system.id, duty)));
        }
        self.write(|conn| {
            insert_all!(conn, u::org_units, units, 500);
            insert_all!(conn, p::people, people, 500);
            for processor in &bulk.processors {
                processors::write_processor(conn, processor, true)?;
            }
            insert_all!(conn, s::systems, systems_rows, 500);
            insert_all!(conn, d::system_delegates, delegates, 1000);
            insert_all!(conn, r::system_records, rows.records, 500);
            insert_all!(conn, a::processing_agreements, rows.agreements, 500);
            insert_all!(conn, c::obligation_completions, completions, 500);
            insert_all!(conn, e::exit_steps, exit_steps, 1000);
            insert_all!(conn, o::obligations, duties, 500);
            for item in &bulk.systems {
                if let Some(change) = &item.records.open_change {
                    records::start_change(
                        conn,
                        item.system.id,
                        &change.description,
                        change.dpia_needed,
                        &change.started_by,
                        change.started_at,
                    )?;
                }
            }
            counts.audit_events = audit.flush(conn)?;
            Ok(counts)
        })
    }
}
