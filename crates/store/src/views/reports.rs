//! Reports across systems: the compliance overview (as the register stands, or as it stood on
//! a past date, rebuilt from the audit log) and the record of processing activities.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::de::DeserializeOwned;
use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::gdpr::{CountryCode, ProcessingAgreement, ProcessingRecord, TransferBasis};
use systemejer_domain::incidents::Incident;
use systemejer_domain::obligations::{ObligationKind, ObligationStatus, Scheduled};
use systemejer_domain::org::{UnitScope, unit_and_below};
use systemejer_domain::records::{Recorded, SystemRecords};
use systemejer_domain::reports::{ComplianceReport, ComplianceRow, ProcessingRecordRow, ReportSource, compliance_row};
use systemejer_domain::risk::RiskMeasure;
use systemejer_domain::{
    EntityType, LifecycleState, OrgUnitId, OwnerCandidate, Person, PersonId, ProcessorId, System, SystemId,
};

use crate::facts::{self, Facts};
use crate::sql::{from_json, parse};
use crate::tables::documents::{self, DocumentKind, Reading, Stored};
use crate::tables::obligations::StoredDuty;
use crate::tables::org_units;
use crate::tables::{audit_events, incidents, obligations, people, processors, system_changes, systems};
use crate::{AnyConnection, Store, StoreError, duties};

/// Which systems the compliance overview lists.
#[derive(Debug, Clone, Default)]
pub struct ComplianceFilter {
    /// Only systems this person owns.
    pub owner_id: Option<PersonId>,
    /// Only systems of this unit (and, by `org_unit_scope`, of the units below it).
    pub org_unit_id: Option<OrgUnitId>,
    /// Whether `org_unit_id` takes the units below it too.
    pub org_unit_scope: UnitScope,
    /// Only systems whose worst duty has this status.
    pub status: Option<ObligationStatus>,
    /// Only systems in this state (default: every state but `retired`).
    pub lifecycle_state: Option<LifecycleState>,
    /// Only systems whose owner is missing or no longer eligible (or only the others).
    pub owner_ineligible: Option<bool>,
}

impl ComplianceFilter {
    /// Whether the report lists `system`; `units` are those the unit filter takes, if any.
    fn keeps_system(&self, system: &System, units: Option<&[OrgUnitId]>) -> bool {
        let state_ok = match self.lifecycle_state {
            Some(state) => system.lifecycle_state == state,
            None => system.lifecycle_state != LifecycleState::Retired,
        };
        state_ok
            && self.owner_id.is_none_or(|o| system.owner_id == Some(o))
            && units.is_none_or(|units| system.org_unit_id.is_some_and(|u| units.contains(&u)))
    }

    fn keeps_row(&self, row: &ComplianceRow) -> bool {
        self.status.is_none_or(|s| row.status == s)
            && self.owner_ineligible.is_none_or(|flagged| row.owner_ineligible.is_some() == flagged)
    }
}

/// What the owner rule needs of a system's owner, from people already read.
fn owner_of(system: &System, people: &HashMap<PersonId, Person>) -> Option<OwnerCandidate> {
    let owner = people.get(&system.owner_id?)?;
    let manager_position = owner.manager_id.and_then(|m| people.get(&m)).map(|m| m.position);
    Some(OwnerCandidate { id: owner.id, position: owner.position, active: owner.active, manager_position })
}

/// The systems, by name, and their owners and the owners' managers.
fn systems_and_owners(
    conn: &mut AnyConnection,
    ids: &[String],
    keep: impl Fn(&System) -> bool,
) -> Result<(Vec<System>, HashMap<PersonId, Person>), StoreError> {
    let mut by_id = systems::get_many(conn, ids)?;
    let kept: Vec<System> = ids.iter().filter_map(|id| by_id.remove(id)).filter(|s| keep(s)).collect();
    let mut people = people::get_many(conn, kept.iter().filter_map(|s| s.owner_id))?;
    let managers = people::get_many(conn, people.values().filter_map(|p| p.manager_id))?;
    people.extend(managers);
    Ok((kept, people))
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
        let on = self.day_on(day);
        self.read(|conn| past_report(conn, filter, on, end))
    }

    /// The record of processing activities: one row per system that processes personal data
    /// (retired systems left out), in a few queries for all of them.
    pub fn processing_records(&self) -> Result<Vec<ProcessingRecordRow>, StoreError> {
        self.read(|conn| {
            let ids = systems::ids_with_personal_data(conn)?;
            let (kept, owners) = systems_and_owners(conn, &ids, |_| true)?;
            let mut records = HashMap::new();
            for chunk in kept.chunks(500) {
                let ids: Vec<String> = chunk.iter().map(|s| s.id.to_string()).collect();
                records.extend(facts::records_of(conn, &ids, Reading::ForRules)?);
            }
            let processor_ids: Vec<String> =
                records.values().flat_map(|r| r.agreements.iter().map(|a| a.processor_id.to_string())).collect();
            let names = processors::names(conn, &processor_ids)?;
            Ok(kept
                .iter()
                .map(|system| {
                    let recorded = records.remove(&system.id.to_string()).unwrap_or_default();
                    let owner = system.owner_id.and_then(|o| owners.get(&o));
                    processing_row(system, owner, &recorded, &names)
                })
                .collect())
        })
    }
}

/// The transfers outside the EU/EEA that the system's agreements make (by the processor or a
/// sub-processor), each as `who (country): basis` in Danish, where a missing basis says so.
fn agreement_transfers<'a>(
    facts: &'a SystemRecords,
    names: &'a HashMap<String, String>,
) -> impl Iterator<Item = String> + 'a {
    facts.agreements.iter().filter(|a| !a.is_terminated()).flat_map(move |a| {
        let processor = names.get(&a.processor_id.to_string()).cloned().unwrap_or_else(|| a.processor_id.to_string());
        a.third_country_transfers(facts.processor_countries.get(&a.processor_id)).into_iter().map(move |t| {
            // In Danish, as the record is read (it goes to Datatilsynet as it is).
            let who = t
                .recipient
                .map_or_else(|| processor.clone(), |sub| format!("{sub} (underdatabehandler for {processor})"));
            let basis = t.basis.map_or("overførselsgrundlag mangler", TransferBasis::title_da);
            format!("{who} ({}): {basis}", String::from(t.country))
        })
    })
}

fn processing_row(
    system: &System,
    owner: Option<&Person>,
    facts: &SystemRecords,
    processor_names: &HashMap<String, String>,
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
        processors: facts
            .agreements
            .iter()
            .filter(|a| !a.is_terminated())
            .map(|a| processor_names.get(&a.processor_id.to_string()).cloned().unwrap_or_default())
            .collect(),
        third_country_transfers: record
            .map(|r| {
                r.third_country_transfers
                    .iter()
                    .map(|t| format!("{}: {}", String::from(t.country.clone()), t.safeguard.as_str()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .chain(agreement_transfers(facts, processor_names))
            .collect(),
        retention_periods: facts
            .retention_rules
            .iter()
            .map(|r| {
                let rule = &r.record;
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
    let ids = systems::ids_by_name(conn)?;
    let units = filter.org_unit_id.map(|u| org_units::in_scope(conn, u, filter.org_unit_scope)).transpose()?;
    let (kept, people) = systems_and_owners(conn, &ids, |s| filter.keeps_system(s, units.as_deref()))?;
    let mut breaches = incidents::awaiting_report_by_system(conn)?;
    let mut rows = Vec::with_capacity(kept.len());
    for chunk in kept.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(|s| s.id.to_string()).collect();
        let mut records = facts::records_of(conn, &ids, Reading::ForRules)?;
        let mut duties = obligations::of_systems(conn, &ids)?;
        for (system, key) in chunk.iter().zip(&ids) {
            let recorded = records.remove(key).unwrap_or_default();
            let scheduled: Vec<Scheduled> =
                duties.remove(key).unwrap_or_default().into_iter().map(|d| d.scheduled).collect();
            let open = breaches.remove(key).unwrap_or_default();
            let row = compliance_row(system, owner_of(system, &people), &recorded, &scheduled, open, today);
            if filter.keeps_row(&row) {
                rows.push(row);
            }
        }
    }
    Ok(ComplianceReport::new(today, ReportSource::Register, rows))
}

/// The register as the audit log says it stood at an instant: the last state of every entity.
struct Snapshot {
    latest: HashMap<(String, String), Option<serde_json::Value>>,
}

/// A document as an audit event kept it.
impl Stored for serde_json::Value {
    fn decode<D: documents::RecordKind>(self) -> Result<Recorded<D>, StoreError> {
        serde_json::from_value(self)
            .map_err(|e| StoreError::corrupt(format!("audit snapshot of a {}", D::KIND.entity()), e))
    }
}

impl Snapshot {
    fn at(conn: &mut AnyConnection, end: NaiveDateTime) -> Result<Self, StoreError> {
        let mut latest = HashMap::new();
        for (kind, id, after) in audit_events::before(conn, end)? {
            let value = after.map(|t| from_json::<serde_json::Value>("audit_events.after_json", &t)).transpose()?;
            latest.insert((kind, id), value);
        }
        Ok(Self { latest })
    }

    /// The organisation as (unit, parent) pairs.
    fn unit_tree(&self) -> Vec<(OrgUnitId, Option<OrgUnitId>)> {
        let id = |v: &serde_json::Value| v.as_str().and_then(|t| t.parse::<OrgUnitId>().ok());
        self.of_type(EntityType::OrgUnit.as_str())
            .filter_map(|(_, unit)| id(&unit["id"]).map(|u| (u, id(&unit["parent_id"]))))
            .collect()
    }

    fn of_type(&self, kind: &str) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        self.latest.iter().filter(move |((k, _), _)| k == kind).filter_map(|((_, id), v)| v.as_ref().map(|v| (id, v)))
    }

    fn all<T: DeserializeOwned>(&self, kind: EntityType) -> Result<Vec<(String, T)>, StoreError> {
        self.of_type(kind.as_str())
            .map(|(id, v)| {
                serde_json::from_value(v.clone())
                    .map(|t| (id.clone(), t))
                    .map_err(|e| StoreError::corrupt(format!("audit snapshot of {kind} {id}"), e))
            })
            .collect()
    }

    /// Every document of every system, placed among that system's records (each kind's
    /// documents oldest first, as the register keeps them).
    fn records(&self) -> Result<HashMap<SystemId, SystemRecords>, StoreError> {
        let mut documents: Vec<(DocumentKind, SystemId, chrono::DateTime<chrono::Utc>, serde_json::Value)> = Vec::new();
        for &kind in DocumentKind::ALL {
            for (id, value) in self.of_type(kind.entity().as_str()) {
                let field = |name: &str| value.get(name).cloned().unwrap_or_default();
                let system: SystemId = serde_json::from_value(field("system_id"))
                    .map_err(|e| StoreError::corrupt(format!("audit snapshot of {} {id}", kind.entity()), e))?;
                let at = serde_json::from_value(field("recorded_at"))
                    .map_err(|e| StoreError::corrupt(format!("audit snapshot of {} {id}", kind.entity()), e))?;
                documents.push((kind, system, at, value.clone()));
            }
        }
        documents.sort_by_key(|(_, _, at, _)| *at);
        let mut out: HashMap<SystemId, SystemRecords> = HashMap::new();
        for (kind, system, _, value) in documents {
            documents::place(out.entry(system).or_default(), kind, value)?;
        }
        Ok(out)
    }
}

/// What the compliance report needs of a processor as the audit log kept it.
#[derive(serde::Deserialize)]
struct ProcessorCountry {
    id: ProcessorId,
    name: String,
    country: CountryCode,
}

fn past_report(
    conn: &mut AnyConnection,
    filter: &ComplianceFilter,
    on: duties::Day,
    end: NaiveDateTime,
) -> Result<ComplianceReport, StoreError> {
    let day = on.today;
    let snap = Snapshot::at(conn, end)?;
    let people: HashMap<PersonId, Person> =
        snap.all::<Person>(EntityType::Person)?.into_iter().map(|(_, p)| (p.id, p)).collect();
    let mut records = snap.records()?;
    let mut agreements: HashMap<SystemId, Vec<ProcessingAgreement>> = HashMap::new();
    for (_, agreement) in snap.all::<ProcessingAgreement>(EntityType::ProcessingAgreement)? {
        agreements.entry(agreement.system_id).or_default().push(agreement);
    }
    // A processor's name and country as they stood then (the audit keeps the whole processor).
    let processors: HashMap<ProcessorId, ProcessorCountry> =
        snap.all::<ProcessorCountry>(EntityType::Processor)?.into_iter().map(|(_, p)| (p.id, p)).collect();
    let mut measures: HashMap<SystemId, Vec<RiskMeasure>> = HashMap::new();
    for (_, measure) in snap.all::<RiskMeasure>(EntityType::RiskMeasure)? {
        measures.entry(measure.system_id).or_default().push(measure);
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
    // As the live report orders them (`systems::ids_by_name`): in Danish order.
    systems.sort_by_cached_key(|s| {
        (systemejer_domain::danish::sort_key(s.name.as_str()), s.name.clone(), s.id.to_string())
    });
    // The unit filter takes the organisation as it stood then.
    let units = filter.org_unit_id.map(|unit| match filter.org_unit_scope {
        UnitScope::UnitAlone => vec![unit],
        UnitScope::WithSubUnits => unit_and_below(unit, snap.unit_tree()),
    });
    systems.retain(|s| filter.keeps_system(s, units.as_deref()));
    // What the register keeps that the audit log does not: when each change began and ended,
    // what was done (completions recorded by then), when each duty first appeared.
    let mut changes = system_changes::begun_before(conn, end)?;
    let mut appeared = obligations::appeared(conn)?;
    let ids: Vec<String> = systems.iter().map(|s| s.id.to_string()).collect();
    let mut passed = HashMap::new();
    for chunk in ids.chunks(500) {
        passed.extend(obligations::last_passed_of_systems(conn, chunk, Some(end), Some(day))?);
    }

    let mut rows = Vec::new();
    for system in systems {
        let id = system.id;
        let mut facts = Facts::new(system);
        facts.owner = owner_of(&facts.system, &people);
        facts.records = records.remove(&id).unwrap_or_default();
        facts.records.agreements = agreements.remove(&id).unwrap_or_default();
        for agreement in &facts.records.agreements {
            if let Some(p) = processors.get(&agreement.processor_id) {
                facts.records.processor_countries.insert(p.id, p.country.clone());
                facts.records.processor_names.insert(p.id, p.name.clone());
            }
        }
        facts.records.risk_measures = measures.remove(&id).unwrap_or_default();
        facts.records.risk_measures.sort_by_key(|m| (m.due_on, m.created_at, m.id));
        facts.records.exit_steps = match facts.system.lifecycle_state {
            LifecycleState::Decommissioning | LifecycleState::Retired => {
                let done = steps.remove(&id).unwrap_or_default();
                ExitStepKind::ALL.iter().map(|k| done.get(k).cloned().unwrap_or_else(|| ExitStep::open(*k))).collect()
            }
            _ => Vec::new(),
        };
        facts.records.open_change = changes
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.ended_at.is_none_or(|ended| ended.naive_utc() >= end));
        let touching: Vec<&Incident> = incidents.iter().filter(|i| i.system_ids.contains(&id)).collect();
        facts.incidents_recorded = touching.iter().map(|i| i.created_at).collect();
        let breaches = touching.iter().filter(|i| i.awaits_decision() && i.closed_at.is_none()).map(|i| i.id).collect();
        facts.last_passed = passed.remove(&id.to_string()).unwrap_or_default();
        facts.duties = appeared
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(kind, subject, on)| StoredDuty {
                scheduled: Scheduled {
                    kind,
                    subject,
                    interval_months: None,
                    appeared_on: on.min(day),
                    last_done_on: None,
                    next_due_on: None,
                },
                interval_override_months: overrides.get(&(id, kind)).copied(),
                assignee_id: None,
            })
            .collect();
        let scheduled = duties::derive(&facts, on);
        let row = compliance_row(&facts.system, facts.owner, &facts.records, &scheduled, breaches, day);
        if filter.keeps_row(&row) {
            rows.push(row);
        }
    }
    Ok(ComplianceReport::new(day, ReportSource::AuditLog, rows))
}
