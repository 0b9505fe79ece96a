//! The records kept per system. Documents (risk assessments, DPIAs, retention rules, ...) live
//! in one table as validated JSON, one `kind` each, with the owner's approval where the kind
//! needs it; changes and the exit checklist have tables of their own. [`load`] gathers all of
//! it for the lifecycle gates.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use systemejer_domain::exit::{ExitStep, ExitStepKind, ExitStepUpdate};
use systemejer_domain::gdpr::{ProcessingRecord, RetentionRule};
use systemejer_domain::operations::{ContingencyPlan, Procedure};
use systemejer_domain::records::{RecordRules, Recorded, SystemChange, SystemRecords};
use systemejer_domain::risk::{Dpia, DpiaDecision, RiskAssessment};
use systemejer_domain::{AuditAction, EntityType, PersonId, RecordId, System, SystemId};

use crate::rows::{from_json, parse, parse_opt, to_json};
use crate::schema::{exit_steps::dsl as e, system_changes::dsl as c, system_records::dsl as r};
use crate::{AnyConnection, Store, StoreError, audit, new_id, now, people, systems};

/// A kind of document kept per system.
pub trait RecordKind: RecordRules + Serialize + DeserializeOwned + Clone + Send + 'static {
    /// The `kind` column, and the entity type in the audit log.
    const KIND: EntityType;
    /// At most one per system (written with PUT).
    const SINGLETON: bool;
    /// Counts only once the owner has approved it.
    const NEEDS_APPROVAL: bool;
}

macro_rules! record_kind {
    ($t:ty, $kind:ident, singleton: $single:expr, approval: $approval:expr) => {
        impl RecordKind for $t {
            const KIND: EntityType = EntityType::$kind;
            const SINGLETON: bool = $single;
            const NEEDS_APPROVAL: bool = $approval;
        }
    };
}

record_kind!(RiskAssessment, RiskAssessment, singleton: false, approval: true);
record_kind!(Dpia, Dpia, singleton: false, approval: true);
record_kind!(DpiaDecision, DpiaDecision, singleton: true, approval: false);
record_kind!(RetentionRule, RetentionRule, singleton: false, approval: false);
record_kind!(ProcessingRecord, ProcessingRecord, singleton: true, approval: false);
record_kind!(Procedure, Procedure, singleton: false, approval: false);
record_kind!(ContingencyPlan, ContingencyPlan, singleton: true, approval: true);

type DocumentRow = (String, String, String, String, NaiveDateTime, Option<String>, Option<NaiveDateTime>);

fn columns() -> (r::id, r::system_id, r::body, r::recorded_by, r::recorded_at, r::approved_by, r::approved_at) {
    (r::id, r::system_id, r::body, r::recorded_by, r::recorded_at, r::approved_by, r::approved_at)
}

fn decode<D: RecordKind>(row: DocumentRow) -> Result<Recorded<D>, StoreError> {
    Ok(Recorded {
        id: parse("system_records.id", &row.0)?,
        system_id: parse("system_records.system_id", &row.1)?,
        record: from_json("system_records.body", &row.2)?,
        recorded_by: row.3,
        recorded_at: row.4.and_utc(),
        approved_by: parse_opt("system_records.approved_by", row.5.as_deref())?,
        approved_at: row.6.map(|t| t.and_utc()),
    })
}

fn list<D: RecordKind>(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<Recorded<D>>, StoreError> {
    let rows: Vec<DocumentRow> = r::system_records
        .filter(r::system_id.eq(system.to_string()))
        .filter(r::kind.eq(D::KIND.as_str()))
        .select(columns())
        .order((r::recorded_at.asc(), r::id.asc()))
        .load(conn)?;
    rows.into_iter().map(decode).collect()
}

fn find<D: RecordKind>(
    conn: &mut AnyConnection,
    system: SystemId,
    id: Option<RecordId>,
) -> Result<Recorded<D>, StoreError> {
    let mut q = r::system_records
        .filter(r::system_id.eq(system.to_string()))
        .filter(r::kind.eq(D::KIND.as_str()))
        .select(columns())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(r::id.eq(id.to_string()));
    }
    let row: Option<DocumentRow> = q.first(conn).optional()?;
    let what = D::KIND.as_str().replace('_', " ");
    let row = row.ok_or_else(|| StoreError::NotFound {
        entity: "record",
        id: match id {
            Some(id) => format!("{id} ({what} of system {system})"),
            None => format!("({what} of system {system})"),
        },
    })?;
    decode(row)
}

/// Everything recorded about `system`, for the gates.
pub(crate) fn load(conn: &mut AnyConnection, system: &System) -> Result<SystemRecords, StoreError> {
    let id = system.id;
    Ok(SystemRecords {
        risk_assessments: list(conn, id)?,
        dpia_decision: list(conn, id)?.pop(),
        dpias: list(conn, id)?,
        agreements: crate::processors::agreements_of(conn, id)?,
        retention_rules: list(conn, id)?,
        processing_record: list(conn, id)?.pop(),
        procedures: list(conn, id)?,
        contingency_plan: list(conn, id)?.pop(),
        exit_steps: exit_steps_of(conn, id)?,
        open_change: open_change(conn, id)?,
    })
}

type ExitStepRow = (String, String, Option<NaiveDate>, Option<String>, Option<String>, Option<String>);

fn decode_exit_step((step, status, done_on, recorded_by, note, reason): ExitStepRow) -> Result<ExitStep, StoreError> {
    Ok(ExitStep {
        step: parse("exit_steps.step", &step)?,
        status: parse("exit_steps.status", &status)?,
        done_on,
        recorded_by,
        note,
        reason,
        links: Vec::new(),
    })
}

fn sort_steps(steps: &mut [ExitStep]) {
    steps.sort_by_key(|s| ExitStepKind::ALL.iter().position(|k| *k == s.step));
}

fn exit_steps_of(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<ExitStep>, StoreError> {
    let rows: Vec<ExitStepRow> = e::exit_steps
        .filter(e::system_id.eq(system.to_string()))
        .select((e::step, e::status, e::done_on, e::recorded_by, e::note, e::reason))
        .load(conn)?;
    let mut steps = rows.into_iter().map(decode_exit_step).collect::<Result<Vec<_>, StoreError>>()?;
    sort_steps(&mut steps);
    Ok(steps)
}

/// Everything recorded about each of the systems `ids`, in a few queries for all of them
/// (the reports), not ten for each.
pub(crate) fn load_many(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, SystemRecords>, StoreError> {
    let mut out: std::collections::HashMap<String, SystemRecords> =
        ids.iter().map(|id| (id.clone(), SystemRecords::default())).collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, DocumentRow)> = r::system_records
            .filter(r::system_id.eq_any(chunk))
            .select((r::kind, columns()))
            .order((r::recorded_at.asc(), r::id.asc()))
            .load(conn)?;
        for (kind, row) in rows {
            let Some(records) = out.get_mut(&row.1) else { continue };
            match parse::<EntityType>("system_records.kind", &kind)? {
                EntityType::RiskAssessment => records.risk_assessments.push(decode(row)?),
                // The singletons: the latest (they are read oldest first).
                EntityType::DpiaDecision => records.dpia_decision = Some(decode(row)?),
                EntityType::Dpia => records.dpias.push(decode(row)?),
                EntityType::RetentionRule => records.retention_rules.push(decode(row)?),
                EntityType::ProcessingRecord => records.processing_record = Some(decode(row)?),
                EntityType::Procedure => records.procedures.push(decode(row)?),
                EntityType::ContingencyPlan => records.contingency_plan = Some(decode(row)?),
                _ => {}
            }
        }
        for (system, agreements) in crate::processors::agreements_of_many(conn, chunk)? {
            if let Some(records) = out.get_mut(&system) {
                records.agreements = agreements;
            }
        }
        let steps: Vec<(String, ExitStepRow)> = e::exit_steps
            .filter(e::system_id.eq_any(chunk))
            .select((e::system_id, (e::step, e::status, e::done_on, e::recorded_by, e::note, e::reason)))
            .load(conn)?;
        for (system, row) in steps {
            if let Some(records) = out.get_mut(&system) {
                records.exit_steps.push(decode_exit_step(row)?);
            }
        }
        let changes: Vec<ChangeRow> = c::system_changes
            .filter(c::system_id.eq_any(chunk))
            .filter(c::ended_at.is_null())
            .select(change_columns())
            .load(conn)?;
        for row in changes {
            if let Some(records) = out.get_mut(&row.1) {
                records.open_change = Some(decode_change(row)?);
            }
        }
    }
    for records in out.values_mut() {
        sort_steps(&mut records.exit_steps);
    }
    Ok(out)
}

type ChangeRow = (String, String, String, bool, String, NaiveDateTime, Option<NaiveDateTime>);

fn decode_change(row: ChangeRow) -> Result<SystemChange, StoreError> {
    Ok(SystemChange {
        id: parse("system_changes.id", &row.0)?,
        system_id: parse("system_changes.system_id", &row.1)?,
        description: row.2,
        dpia_needed: row.3,
        started_by: row.4,
        started_at: row.5.and_utc(),
        ended_at: row.6.map(|t| t.and_utc()),
    })
}

fn change_columns() -> (c::id, c::system_id, c::description, c::dpia_needed, c::started_by, c::started_at, c::ended_at)
{
    (c::id, c::system_id, c::description, c::dpia_needed, c::started_by, c::started_at, c::ended_at)
}

fn open_change(conn: &mut AnyConnection, system: SystemId) -> Result<Option<SystemChange>, StoreError> {
    let row: Option<ChangeRow> = c::system_changes
        .filter(c::system_id.eq(system.to_string()))
        .filter(c::ended_at.is_null())
        .select(change_columns())
        .first(conn)
        .optional()?;
    row.map(decode_change).transpose()
}

/// Opens a change when a system enters `changing`.
pub(crate) fn start_change(
    conn: &mut AnyConnection,
    system: SystemId,
    description: &str,
    dpia_needed: bool,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(c::system_changes)
        .values((
            c::id.eq(new_id().to_string()),
            c::system_id.eq(system.to_string()),
            c::description.eq(description),
            c::dpia_needed.eq(dpia_needed),
            c::started_by.eq(actor),
            c::started_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Closes the open change when a system goes back into use.
pub(crate) fn end_change(
    conn: &mut AnyConnection,
    system: SystemId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    diesel::update(c::system_changes.filter(c::system_id.eq(system.to_string())).filter(c::ended_at.is_null()))
        .set(c::ended_at.eq(Some(at.naive_utc())))
        .execute(conn)?;
    Ok(())
}

/// The values of one exit step's row.
pub(crate) type ExitStepValues = (
    diesel::dsl::Eq<e::system_id, String>,
    diesel::dsl::Eq<e::step, &'static str>,
    diesel::dsl::Eq<e::status, &'static str>,
);

/// The rows of a new exit checklist: every step open.
pub(crate) fn exit_checklist_values(system: SystemId) -> Vec<ExitStepValues> {
    ExitStepKind::ALL
        .iter()
        .map(|step| (e::system_id.eq(system.to_string()), e::step.eq(step.as_str()), e::status.eq("open")))
        .collect()
}

/// Creates the exit checklist, every step open, when a system enters `decommissioning`.
pub(crate) fn create_exit_checklist(conn: &mut AnyConnection, system: SystemId) -> Result<(), StoreError> {
    for row in exit_checklist_values(system) {
        diesel::insert_into(e::exit_steps).values(row).execute(conn)?;
    }
    Ok(())
}

impl Store {
    /// Adds a record of kind `D` to a system.
    pub fn add_record<D: RecordKind>(
        &self,
        system: SystemId,
        record: D,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        check(&record, today)?;
        self.write(|conn| {
            systems::get(conn, system)?;
            let at = now();
            let recorded = Recorded {
                id: RecordId::from_uuid(new_id()),
                system_id: system,
                record,
                recorded_by: actor.to_owned(),
                recorded_at: at,
                approved_by: None,
                approved_at: None,
            };
            insert(conn, &recorded)?;
            crate::obligations::sync(conn, system, today)?;
            let key = recorded.id.to_string();
            let entry = audit::Entry::new(at, actor, AuditAction::Create, D::KIND, &key);
            audit::record(conn, &entry, None::<&()>, Some(&recorded))?;
            Ok(recorded)
        })
    }

    /// Writes the one record of kind `D` of a system, replacing the one before (whose
    /// approval, if any, does not carry over to new content).
    pub fn put_record<D: RecordKind + PartialEq>(
        &self,
        system: SystemId,
        record: D,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        check(&record, today)?;
        self.write(|conn| {
            systems::get(conn, system)?;
            let before = match find::<D>(conn, system, None) {
                Ok(b) => Some(b),
                Err(StoreError::NotFound { .. }) => None,
                Err(other) => return Err(other),
            };
            let at = now();
            let unchanged = before.as_ref().is_some_and(|b| b.record == record);
            let recorded = Recorded {
                id: before.as_ref().map_or_else(|| RecordId::from_uuid(new_id()), |b| b.id),
                system_id: system,
                record,
                recorded_by: actor.to_owned(),
                recorded_at: at,
                approved_by: before.as_ref().filter(|_| unchanged).and_then(|b| b.approved_by),
                approved_at: before.as_ref().filter(|_| unchanged).and_then(|b| b.approved_at),
            };
            let key = recorded.id.to_string();
            diesel::delete(r::system_records.filter(r::id.eq(&key))).execute(conn)?;
            insert(conn, &recorded)?;
            crate::obligations::sync(conn, system, today)?;
            let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
            audit::record(
                conn,
                &audit::Entry::new(at, actor, action, D::KIND, &key),
                before.as_ref(),
                Some(&recorded),
            )?;
            Ok(recorded)
        })
    }

    /// The records of kind `D` of a system, oldest first.
    pub fn list_records<D: RecordKind>(&self, system: SystemId) -> Result<Vec<Recorded<D>>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            list(conn, system)
        })
    }

    /// One record of kind `D` of a system (`id` is `None` for the singleton kinds).
    pub fn get_record<D: RecordKind>(&self, system: SystemId, id: Option<RecordId>) -> Result<Recorded<D>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            find(conn, system, id)
        })
    }

    /// Deletes a record (one registered by mistake, or superseded).
    pub fn delete_record<D: RecordKind>(&self, system: SystemId, id: RecordId, actor: &str) -> Result<(), StoreError> {
        let today = self.today();
        self.write(|conn| {
            let before = find::<D>(conn, system, Some(id))?;
            let key = id.to_string();
            diesel::delete(r::system_records.filter(r::id.eq(&key))).execute(conn)?;
            crate::obligations::sync(conn, system, today)?;
            audit::record_deletion(conn, &audit::Entry::new(now(), actor, AuditAction::Delete, D::KIND, &key), &before)
        })
    }

    /// Records the owner's approval of a record. Only the system's owner, acting as
    /// themselves, may approve.
    pub fn approve_record<D: RecordKind>(
        &self,
        system: SystemId,
        id: Option<RecordId>,
        approver: PersonId,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let owner = systems::get(conn, system)?.owner_id;
            if owner != Some(approver) {
                return Err(StoreError::Forbidden("only the system's owner may approve it".into()));
            }
            if !people::get(conn, approver)?.active {
                return Err(StoreError::Forbidden("an inactive owner cannot approve".into()));
            }
            let before = find::<D>(conn, system, id)?;
            if before.is_approved() {
                return Err(StoreError::Conflict {
                    code: "already_approved",
                    message: "the record is already approved".into(),
                });
            }
            let at = now();
            let mut after = before.clone();
            after.approved_by = Some(approver);
            after.approved_at = Some(at);
            diesel::update(r::system_records.filter(r::id.eq(after.id.to_string())))
                .set((r::approved_by.eq(approver.to_string()), r::approved_at.eq(at.naive_utc())))
                .execute(conn)?;
            crate::obligations::sync(conn, system, today)?;
            let key = after.id.to_string();
            let entry = audit::Entry::new(at, actor, AuditAction::Approve, D::KIND, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// The exit checklist of a system (empty until it is being shut down).
    pub fn exit_checklist(&self, system: SystemId) -> Result<Vec<ExitStep>, StoreError> {
        self.read(|conn| {
            let links = systems::get(conn, system)?.self_service_links;
            let mut steps = exit_steps_of(conn, system)?;
            for step in steps.iter_mut().filter(|s| s.step == ExitStepKind::SelfServiceLinksRemoved) {
                step.links = links.clone();
            }
            Ok(steps)
        })
    }

    /// Records progress on one exit step.
    pub fn update_exit_step(
        &self,
        system: SystemId,
        step: ExitStepKind,
        update: &ExitStepUpdate,
        actor: &str,
    ) -> Result<ExitStep, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let s = systems::get(conn, system)?;
            let checklist = exit_steps_of(conn, system)?;
            let Some(before) = checklist.iter().find(|x| x.step == step).cloned() else {
                return Err(StoreError::Conflict {
                    code: "no_exit_checklist",
                    message: "the system has no exit checklist: it is created when the system enters decommissioning"
                        .into(),
                });
            };
            if s.lifecycle_state != systemejer_domain::LifecycleState::Decommissioning {
                return Err(StoreError::Conflict {
                    code: "not_decommissioning",
                    message: format!("the checklist is closed: the system is {}", s.lifecycle_state),
                });
            }
            let after = update.apply(step, &checklist, s.archive_status, today, actor).map_err(StoreError::Invalid)?;
            diesel::update(e::exit_steps.filter(e::system_id.eq(system.to_string())).filter(e::step.eq(step.as_str())))
                .set((
                    e::status.eq(after.status.as_str()),
                    e::done_on.eq(after.done_on),
                    e::recorded_by.eq(after.recorded_by.clone()),
                    e::note.eq(after.note.clone()),
                    e::reason.eq(after.reason.clone()),
                ))
                .execute(conn)?;
            let key = format!("{system}/{step}");
            let entry = audit::Entry::new(now(), actor, AuditAction::Update, EntityType::ExitStep, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// A system's changes, oldest first.
    pub fn list_changes(&self, system: SystemId) -> Result<Vec<SystemChange>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            let rows: Vec<ChangeRow> = c::system_changes
                .filter(c::system_id.eq(system.to_string()))
                .select(change_columns())
                .order(c::started_at.asc())
                .load(conn)?;
            rows.into_iter().map(decode_change).collect()
        })
    }
}

/// The values of one record's row.
pub(crate) type RecordValues = (
    diesel::dsl::Eq<r::id, String>,
    diesel::dsl::Eq<r::system_id, String>,
    diesel::dsl::Eq<r::kind, &'static str>,
    diesel::dsl::Eq<r::body, String>,
    diesel::dsl::Eq<r::recorded_by, String>,
    diesel::dsl::Eq<r::recorded_at, NaiveDateTime>,
    diesel::dsl::Eq<r::approved_by, Option<String>>,
    diesel::dsl::Eq<r::approved_at, Option<NaiveDateTime>>,
);

/// The row of a record.
pub(crate) fn values<D: RecordKind>(recorded: &Recorded<D>) -> RecordValues {
    (
        r::id.eq(recorded.id.to_string()),
        r::system_id.eq(recorded.system_id.to_string()),
        r::kind.eq(D::KIND.as_str()),
        r::body.eq(to_json(&recorded.record)),
        r::recorded_by.eq(recorded.recorded_by.clone()),
        r::recorded_at.eq(recorded.recorded_at.naive_utc()),
        r::approved_by.eq(recorded.approved_by.map(|p| p.to_string())),
        r::approved_at.eq(recorded.approved_at.map(|t| t.naive_utc())),
    )
}

fn insert<D: RecordKind>(conn: &mut AnyConnection, recorded: &Recorded<D>) -> Result<(), StoreError> {
    diesel::insert_into(r::system_records).values(values(recorded)).execute(conn)?;
    Ok(())
}

fn check<D: RecordRules>(record: &D, today: NaiveDate) -> Result<(), StoreError> {
    let violations = record.violations(today);
    if violations.is_empty() { Ok(()) } else { Err(StoreError::Invalid(violations)) }
}
