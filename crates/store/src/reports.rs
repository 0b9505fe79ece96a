//! Reports across systems: the compliance overview (as the register stands, or as it stood on
//! a past date, rebuilt from the audit log) and the record of processing activities.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::gdpr::{ProcessingAgreement, ProcessingRecord, RetentionRule};
use systemejer_domain::incidents::Incident;
use systemejer_domain::obligations::{self as rules, CompletionResult, ObligationKind, ObligationStatus};
use systemejer_domain::operations::{ContingencyPlan, Procedure};
use systemejer_domain::records::{Recorded, SystemChange, SystemRecords};
use systemejer_domain::reports::{ComplianceReport, ComplianceRow, ProcessingRecordRow, ReportSource, compliance_row};
use systemejer_domain::risk::{Dpia, DpiaDecision, RiskAssessment};
use systemejer_domain::{
    EntityType, LifecycleState, OrgUnitId, OwnerCandidate, Person, PersonId, RecordId, System, SystemId,
};

use crate::records::RecordKind;
use crate::rows::parse;
use crate::schema::{
    audit_events::dsl as a, incident_systems::dsl as is, incidents::dsl as inc, obligation_completions::dsl as oc,
    obligations::dsl as o, system_changes::dsl as c, systems::dsl as s,
};
use crate::{AnyConnection, Store, StoreError, people, processors, records, systems};

/// Which systems the compliance overview lists.
#[derive(Debug, Clone, Default)]
pub struct ComplianceFilter {
    /// Only systems this person owns.
    pub owner_id: Option<PersonId>,
    /// Only systems of this unit.
    pub org_unit_id: Option<OrgUnitId>,
    /// Only systems whose worst duty has this status.
    pub status: Option<ObligationStatus>,
    /// Only systems in this state (default: every state but `retired`).
    pub lifecycle_state: Option<LifecycleState>,
}

impl ComplianceFilter {
    fn keeps_system(&self, system: &System) -> bool {
        let state_ok = match self.lifecycle_state {
            Some(state) => system.lifecycle_state == state,
            None => system.lifecycle_state != LifecycleState::Retired,
        };
        state_ok
            && self.owner_id.is_none_or(|o| system.owner_id == Some(o))
            && self.org_unit_id.is_none_or(|u| system.org_unit_id == Some(u))
    }

    fn keeps_row(&self, row: &ComplianceRow) -> bool {
        self.status.is_none_or(|s| row.status == s)
    }
}

fn owner_of(system: &System, people: &HashMap<PersonId, Person>) -> Option<OwnerCandidate> {
    let owner = people.get(&system.owner_id?)?;
    let manager_position = owner.manager_id.and_then(|m| people.get(&m)).map(|m| m.position);
    Some(OwnerCandidate { id: owner.id, position: owner.position, active: owner.active, manager_position })
}

/// The open change of a system at `end` (from the changes table, which keeps its dates).
fn change_at(
    conn: &mut AnyConnection,
    system: SystemId,
    end: NaiveDateTime,
) -> Result<Option<SystemChange>, StoreError> {
    let rows: Vec<(String, String, bool, String, NaiveDateTime, Option<NaiveDateTime>)> = c::system_changes
        .filter(c::system_id.eq(system.to_string()))
        .filter(c::started_at.lt(end))
        .select((c::id, c::description, c::dpia_needed, c::started_by, c::started_at, c::ended_at))
        .load(conn)?;
    rows.into_iter()
        .filter(|r| r.5.is_none_or(|ended| ended >= end))
        .map(|r| {
            Ok(SystemChange {
                id: parse("system_changes.id", &r.0)?,
                system_id: system,
                description: r.1,
                dpia_needed: r.2,
                started_by: r.3,
                started_at: r.4.and_utc(),
                ended_at: r.5.map(|t| t.and_utc()),
            })
        })
        .next()
        .transpose()
}

/// The register as the audit log says it stood at an instant: the last state of every entity.
struct Snapshot {
    latest: HashMap<(String, String), Option<serde_json::Value>>,
}

impl Snapshot {
    fn at(conn: &mut AnyConnection, end: NaiveDateTime) -> Result<Self, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = a::audit_events
            .filter(a::occurred_at.lt(end))
            .order((a::occurred_at.asc(), a::id.asc()))
            .select((a::entity_type, a::entity_id, a::after_json))
            .load(conn)?;
        let mut latest = HashMap::new();
        for (kind, id, after) in rows {
            let value = after
                .map(|t| crate::rows::from_json::<serde_json::Value>("audit_events.after_json", &t))
                .transpose()?;
            latest.insert((kind, id), value);
        }
        Ok(Self { latest })
    }

    fn all<T: DeserializeOwned>(&self, kind: EntityType) -> Result<Vec<(String, T)>, StoreError> {
        self.latest
            .iter()
            .filter(|((k, _), _)| k == kind.as_str())
            .filter_map(|((_, id), v)| v.as_ref().map(|v| (id, v)))
            .map(|(id, v)| {
                serde_json::from_value(v.clone())
                    .map(|t| (id.clone(), t))
                    .map_err(|e| StoreError::corrupt(format!("audit snapshot of {kind} {id}: {e}")))
            })
            .collect()
    }

    fn records<D: RecordKind>(&self) -> Result<HashMap<SystemId, Vec<Recorded<D>>>, StoreError> {
        let mut out: HashMap<SystemId, Vec<Recorded<D>>> = HashMap::new();
        for (_, r) in self.all::<Recorded<D>>(D::KIND)? {
            out.entry(r.system_id).or_default().push(r);
        }
        for list in out.values_mut() {
            list.sort_by_key(|r| r.recorded_at);
        }
        Ok(out)
    }
}

impl Store {
    /// The compliance overview as of today (from the register), or as of a past `as_of` date
    /// (rebuilt from the audit log: every entity as its last audit event before the end of
    /// that day left it).
    pub fn compliance_report(
        &self,
        filter: &ComplianceFilter,
        as_of: Option<NaiveDate>,
    ) -> Result<ComplianceReport, StoreError> {
        let today = self.today();
        match as_of.filter(|d| *d < today) {
            None => self.read(|conn| live_report(conn, filter, today)),
            Some(day) => self.compliance_report_rebuilt(filter, day),
        }
    }

    /// The compliance overview as of the end of `day`, always rebuilt from the audit log (for
    /// past dates; for today it must agree with the register, which the tests check).
    pub fn compliance_report_rebuilt(
        &self,
        filter: &ComplianceFilter,
        day: NaiveDate,
    ) -> Result<ComplianceReport, StoreError> {
        let next_midnight = day.succ_opt().unwrap_or(day).and_hms_opt(0, 0, 0).unwrap_or_default();
        let end = self.timezone.from_local_datetime(&next_midnight).earliest().map_or(next_midnight, |t| t.naive_utc());
        self.read(|conn| past_report(conn, filter, day, end))
    }

    /// The record of processing activities: one row per system that processes personal data
    /// (retired systems left out).
    pub fn processing_records(&self) -> Result<Vec<ProcessingRecordRow>, StoreError> {
        self.read(|conn| {
            let ids: Vec<String> = s::systems
                .filter(s::processes_personal_data.eq(true))
                .filter(s::lifecycle_state.ne(LifecycleState::Retired.as_str()))
                .order((s::name.asc(), s::id.asc()))
                .select(s::id)
                .load(conn)?;
            let mut rows = Vec::new();
            for id in ids {
                let system = systems::get(conn, parse("systems.id", &id)?)?;
                let facts = records::load(conn, &system)?;
                let owner = system.owner_id.map(|o| people::get(conn, o)).transpose()?;
                let mut processor_names = Vec::new();
                for agreement in &facts.agreements {
                    processor_names.push(processors::name_of(conn, agreement.processor_id)?);
                }
                rows.push(processing_row(&system, owner.as_ref(), &facts, processor_names));
            }
            Ok(rows)
        })
    }
}

fn processing_row(
    system: &System,
    owner: Option<&Person>,
    facts: &SystemRecords,
    processors: Vec<String>,
) -> ProcessingRecordRow {
    let record: Option<&ProcessingRecord> = facts.processing_record.as_ref().map(|r| &r.record);
    let names = |list: &[systemejer_domain::Name]| list.iter().map(|n| n.as_str().to_owned()).collect::<Vec<_>>();
    ProcessingRecordRow {
        system_id: system.id,
        system: system.name.clone(),
        lifecycle_state: system.lifecycle_state,
        owner: owner.map(|p| p.name.clone()),
        owner_email: owner.map(|p| p.email.to_string()),
        recorded: record.is_some(),
        purposes: record.map(|r| names(&r.purposes)).unwrap_or_default(),
        data_subject_categories: record.map(|r| names(&r.data_subject_categories)).unwrap_or_default(),
        personal_data_categories: record.map(|r| names(&r.personal_data_categories)).unwrap_or_default(),
        sensitive_data: system.processes_sensitive_data,
        cpr_numbers: system.processes_cpr_numbers,
        recipients: record.map(|r| names(&r.recipients)).unwrap_or_default(),
        processors,
        third_country_transfers: record
            .map(|r| {
                r.third_country_transfers
                    .iter()
                    .map(|t| format!("{}: {}", String::from(t.country.clone()), t.safeguard.as_str()))
                    .collect()
            })
            .unwrap_or_default(),
        retention_periods: facts
            .retention_rules
            .iter()
            .map(|r| {
                let rule: &RetentionRule = &r.record;
                format!("{}: {}", rule.data_category.as_str(), String::from(rule.retention_period.clone()))
            })
            .collect(),
        retention_summary: record.map(|r| r.retention_summary.as_str().to_owned()),
        security_measures: record.map(|r| r.security_measures.as_str().to_owned()),
    }
}

fn live_report(
    conn: &mut AnyConnection,
    filter: &ComplianceFilter,
    today: NaiveDate,
) -> Result<ComplianceReport, StoreError> {
    // Everything in a few queries per table, not a few per system: the cost of the report
    // grows with the register, but in rows read, not in round trips.
    let ids: Vec<String> = s::systems.order((s::name.asc(), s::id.asc())).select(s::id).load(conn)?;
    let mut by_id = systems::get_many(conn, &ids)?;
    let kept: Vec<System> =
        ids.iter().filter_map(|id| by_id.remove(id)).filter(|system| filter.keeps_system(system)).collect();
    let kept_ids: Vec<String> = kept.iter().map(|s| s.id.to_string()).collect();
    let mut records = records::load_many(conn, &kept_ids)?;
    let mut duties = crate::obligations::stored_many(conn, &kept_ids)?;
    let owners = people::get_many(conn, kept.iter().filter_map(|s| s.owner_id))?;
    let managers = people::get_many(conn, owners.values().filter_map(|p| p.manager_id))?;
    let mut breaches: HashMap<String, Vec<RecordId>> = HashMap::new();
    let open: Vec<(String, String)> = inc::incidents
        .inner_join(is::incident_systems.on(is::incident_id.eq(inc::id)))
        .filter(crate::incidents::awaiting_report())
        .select((is::system_id, inc::id))
        .order(inc::id)
        .load(conn)?;
    for (system, incident) in open {
        breaches.entry(system).or_default().push(parse("incidents.id", &incident)?);
    }
    let mut rows = Vec::with_capacity(kept.len());
    for system in kept {
        let key = system.id.to_string();
        let facts = records.remove(&key).unwrap_or_default();
        let owner = system.owner_id.and_then(|id| owners.get(&id)).map(|person| OwnerCandidate {
            id: person.id,
            position: person.position,
            active: person.active,
            manager_position: person.manager_id.and_then(|m| managers.get(&m)).map(|m| m.position),
        });
        let scheduled = duties.remove(&key).unwrap_or_default();
        let row = compliance_row(&system, owner, &facts, &scheduled, breaches.remove(&key).unwrap_or_default(), today);
        if filter.keeps_row(&row) {
            rows.push(row);
        }
    }
    Ok(ComplianceReport::new(today, ReportSource::Register, rows))
}

fn past_report(
    conn: &mut AnyConnection,
    filter: &ComplianceFilter,
    day: NaiveDate,
    end: NaiveDateTime,
) -> Result<ComplianceReport, StoreError> {
    let snap = Snapshot::at(conn, end)?;
    let people: HashMap<PersonId, Person> =
        snap.all::<Person>(EntityType::Person)?.into_iter().map(|(_, p)| (p.id, p)).collect();
    let mut risk = snap.records::<RiskAssessment>()?;
    let mut dpias = snap.records::<Dpia>()?;
    let mut decisions = snap.records::<DpiaDecision>()?;
    let mut retention = snap.records::<RetentionRule>()?;
    let mut processing = snap.records::<ProcessingRecord>()?;
    let mut procedures = snap.records::<Procedure>()?;
    let mut plans = snap.records::<ContingencyPlan>()?;
    let mut agreements: HashMap<SystemId, Vec<ProcessingAgreement>> = HashMap::new();
    for (_, agreement) in snap.all::<ProcessingAgreement>(EntityType::ProcessingAgreement)? {
        agreements.entry(agreement.system_id).or_default().push(agreement);
    }
    let mut steps: HashMap<SystemId, HashMap<ExitStepKind, ExitStep>> = HashMap::new();
    for (key, step) in snap.all::<ExitStep>(EntityType::ExitStep)? {
        let system: SystemId = parse("audit_events.entity_id", key.split('/').next().unwrap_or_default())?;
        steps.entry(system).or_default().insert(step.step, step);
    }
    let incidents: Vec<Incident> = snap.all::<Incident>(EntityType::Incident)?.into_iter().map(|(_, i)| i).collect();
    let mut overrides: HashMap<(SystemId, ObligationKind), u32> = HashMap::new();
    for (key, list) in snap.all::<Vec<serde_json::Value>>(EntityType::Obligation)? {
        let (system, kind) = key.split_once('/').unwrap_or_default();
        if let (Ok(system), Ok(kind)) = (system.parse::<SystemId>(), kind.parse::<ObligationKind>()) {
            let months =
                list.first().and_then(|o| o["interval_override_months"].as_u64()).and_then(|m| u32::try_from(m).ok());
            if let Some(m) = months {
                overrides.insert((system, kind), m);
            }
        }
    }

    let mut systems: Vec<System> = snap.all::<System>(EntityType::System)?.into_iter().map(|(_, s)| s).collect();
    systems.sort_by(|x, y| (x.name.as_str(), x.id).cmp(&(y.name.as_str(), y.id)));
    let mut rows = Vec::new();
    for system in systems.into_iter().filter(|s| filter.keeps_system(s)) {
        let id = system.id;
        let exit_steps = match system.lifecycle_state {
            LifecycleState::Decommissioning | LifecycleState::Retired => {
                let done = steps.remove(&id).unwrap_or_default();
                ExitStepKind::ALL.iter().map(|k| done.get(k).cloned().unwrap_or_else(|| ExitStep::open(*k))).collect()
            }
            _ => Vec::new(),
        };
        let facts = SystemRecords {
            risk_assessments: risk.remove(&id).unwrap_or_default(),
            dpia_decision: decisions.remove(&id).and_then(|mut v| v.pop()),
            dpias: dpias.remove(&id).unwrap_or_default(),
            agreements: agreements.remove(&id).unwrap_or_default(),
            retention_rules: retention.remove(&id).unwrap_or_default(),
            processing_record: processing.remove(&id).and_then(|mut v| v.pop()),
            procedures: procedures.remove(&id).unwrap_or_default(),
            contingency_plan: plans.remove(&id).and_then(|mut v| v.pop()),
            exit_steps,
            open_change: change_at(conn, id, end)?,
        };
        let touching: Vec<&Incident> = incidents.iter().filter(|i| i.system_ids.contains(&id)).collect();
        let recorded: Vec<_> = touching.iter().map(|i| i.created_at).collect();
        let breaches = touching.iter().filter(|i| i.awaits_decision() && i.closed_at.is_none()).map(|i| i.id).collect();

        let passed: Vec<(String, String, NaiveDate)> = oc::obligation_completions
            .filter(oc::system_id.eq(id.to_string()))
            .filter(oc::result.eq(CompletionResult::Passed.as_str()))
            .filter(oc::recorded_at.lt(end))
            .filter(oc::done_on.le(day))
            .select((oc::kind, oc::subject, oc::done_on))
            .load(conn)?;
        let mut last_passed: HashMap<(ObligationKind, String), NaiveDate> = HashMap::new();
        for (kind, subject, done) in passed {
            let entry = last_passed.entry((parse("obligation_completions.kind", &kind)?, subject)).or_insert(done);
            *entry = (*entry).max(done);
        }
        let appeared: Vec<(String, String, NaiveDate)> = o::obligations
            .filter(o::system_id.eq(id.to_string()))
            .select((o::kind, o::subject, o::appeared_on))
            .load(conn)?;
        let mut known = HashMap::new();
        for (kind, subject, on) in appeared {
            let kind: ObligationKind = parse("obligations.kind", &kind)?;
            let interval_override_months = overrides.get(&(id, kind)).copied();
            known.insert((kind, subject), rules::Known { appeared_on: on.min(day), interval_override_months });
        }
        let required = rules::required(&system, &facts, &recorded);
        let scheduled = rules::schedule(&required, &last_passed, &known, day);
        let row = compliance_row(&system, owner_of(&system, &people), &facts, &scheduled, breaches, day);
        if filter.keeps_row(&row) {
            rows.push(row);
        }
    }
    Ok(ComplianceReport::new(day, ReportSource::AuditLog, rows))
}
