//! The compliance overview as a workbook: a sheet of systems, one of their duties, one of
//! what their next transitions would find unmet, and one of the breaches awaiting a decision.
//! The overview names owners, units and breaches by id; the workbook shows their names and
//! facts, looked up in the register ([`Names::gather`]).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use rust_xlsxwriter::XlsxError;
use systemejer_domain::incidents::IncidentStatus;
use systemejer_domain::reports::{ComplianceReport, ReportSource};
use systemejer_domain::{Language, OrgUnitId, PersonId, RecordId, danish};
use systemejer_store::{Store, StoreError};

use super::labels;
use super::table::{Cell, Table};
use super::{Document, workbook};

/// The report's name, in its title line and its properties.
pub(crate) const TITLE: &str = "Compliance-overblik over systemerne";

/// What a personal data breach awaiting its decision shows.
#[derive(Debug, Clone)]
pub(crate) struct Breach {
    /// When it was discovered (local time).
    discovered: NaiveDateTime,
    /// The deadline for reporting it to Datatilsynet (local time).
    deadline: Option<NaiveDateTime>,
    /// Whether that deadline has passed while it is still open.
    late: bool,
    description: String,
    status: IncidentStatus,
}

/// The names of the owners and units the overview names by id, and the breaches it lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    people: HashMap<PersonId, String>,
    units: HashMap<OrgUnitId, String>,
    breaches: HashMap<RecordId, Breach>,
}

/// The value, or `None` where the register no longer has it (a report of a past day may name
/// what has since been deleted).
fn unless_gone<T>(found: Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    match found {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Names {
    /// Looks up what `report` names by id.
    pub fn gather(store: &Store, report: &ComplianceReport) -> Result<Self, StoreError> {
        let mut names = Names::default();
        let tz = store.timezone();
        let now = Utc::now();
        for row in &report.systems {
            if let Some(id) = row.owner_id
                && !names.people.contains_key(&id)
                && let Some(person) = unless_gone(store.get_person(id))?
            {
                names.people.insert(id, person.name);
            }
            if let Some(id) = row.org_unit_id
                && !names.units.contains_key(&id)
                && let Some(unit) = unless_gone(store.get_org_unit(id))?
            {
                names.units.insert(id, unit.name);
            }
            for id in &row.open_breaches {
                if names.breaches.contains_key(id) {
                    continue;
                }
                if let Some(incident) = unless_gone(store.get_incident(*id))? {
                    let breach = Breach {
                        discovered: incident.discovered_at.with_timezone(&tz).naive_local(),
                        deadline: incident.authority_deadline.map(|d| d.with_timezone(&tz).naive_local()),
                        late: incident.status == IncidentStatus::Open
                            && incident.authority_deadline.is_some_and(|d| d < now),
                        description: incident.description,
                        status: incident.status,
                    };
                    names.breaches.insert(*id, breach);
                }
            }
        }
        Ok(names)
    }
}

/// The download's file name: `compliance-overblik-2026-12-24.xlsx`.
pub(crate) fn filename(as_of: NaiveDate, selection: &Selection) -> String {
    if selection.is_everything() {
        format!("compliance-overblik-{as_of}.xlsx")
    } else {
        format!("compliance-overblik-udvalgt-{as_of}.xlsx")
    }
}

/// What the overview was narrowed to, as asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub owner_id: Option<PersonId>,
    pub org_unit_id: Option<OrgUnitId>,
    pub status: Option<systemejer_domain::obligations::ObligationStatus>,
    pub lifecycle_state: Option<systemejer_domain::LifecycleState>,
    pub owner_ineligible: Option<bool>,
}

impl Selection {
    fn is_everything(&self) -> bool {
        self.owner_id.is_none()
            && self.org_unit_id.is_none()
            && self.status.is_none()
            && self.lifecycle_state.is_none()
            && self.owner_ineligible.is_none()
    }

    /// The selection in Danish, with the names the register has; `None` for everything.
    fn describe(&self, names: &Names) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(id) = self.owner_id {
            parts.push(format!("systemejer {}", names.people.get(&id).cloned().unwrap_or_else(|| id.to_string())));
        }
        if let Some(id) = self.org_unit_id {
            parts.push(format!("enhed {}", names.units.get(&id).cloned().unwrap_or_else(|| id.to_string())));
        }
        if let Some(status) = self.status {
            parts.push(format!("status {}", labels::status(status).to_lowercase()));
        }
        if let Some(state) = self.lifecycle_state {
            parts.push(format!("livscyklus {}", labels::state(state).to_lowercase()));
        }
        match self.owner_ineligible {
            Some(true) => parts.push("systemejer mangler eller kan ikke være systemejer".to_owned()),
            Some(false) => parts.push("systemejer i orden".to_owned()),
            None => {}
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The workbook of `report`, for `municipality`.
pub(crate) fn build(
    report: &ComplianceReport,
    names: &Names,
    municipality: Option<String>,
    selection: &Selection,
) -> Result<Vec<u8>, XlsxError> {
    let source = match report.source {
        ReportSource::Register => "registret, som det står nu".to_owned(),
        ReportSource::AuditLog => "registret, som det stod ved dagens slutning, genskabt fra auditloggen".to_owned(),
    };
    let document =
        Document { title: TITLE, municipality, as_of: report.as_of, source, selection: selection.describe(names) };
    workbook(&document, &[systems(report, names), duties(report), gates(report), breaches(report, names)])
}

fn systems(report: &ComplianceReport, names: &Names) -> Table {
    let rows = report
        .systems
        .iter()
        .map(|row| {
            let duties = |status| row.obligations.iter().filter(|d| d.status == status).count();
            let count = |n: usize| Cell::count(u32::try_from(n).unwrap_or(u32::MAX));
            vec![
                Cell::text(&row.name),
                Cell::text(labels::state(row.lifecycle_state)),
                Cell::given(row.owner_id.and_then(|id| names.people.get(&id)).map(String::as_str)),
                Cell::given(row.org_unit_id.and_then(|id| names.units.get(&id)).map(String::as_str)),
                Cell::text(labels::status(row.status)),
                Cell::given(row.next_transition.map(labels::state)),
                count(row.open_gates.len()),
                count(row.obligations.len()),
                count(duties(systemejer_domain::obligations::ObligationStatus::Overdue)),
                count(duties(systemejer_domain::obligations::ObligationStatus::DueSoon)),
                count(row.open_breaches.len()),
                Cell::count(row.risk_measures.open),
                Cell::count(row.risk_measures.overdue),
                Cell::YesNo(row.owner_ineligible.is_some()),
                Cell::YesNo(!row.transfer_basis_missing.is_empty()),
                Cell::text(row.system_id.to_string()),
            ]
        })
        .collect();
    Table {
        name: "Systemer",
        headers: &[
            "System",
            "Livscyklus",
            "Systemejer",
            "Enhed",
            "Værste status",
            "Næste skift",
            "Åbne krav",
            "Pligter",
            "Overskredne pligter",
            "Pligter med nær frist",
            "Åbne brud",
            "Åbne risikoforanstaltninger",
            "Overskredne risikoforanstaltninger",
            "Systemejer skal overdrages",
            "Overførsel uden grundlag",
            "System-id",
        ],
        rows,
    }
}

fn duties(report: &ComplianceReport) -> Table {
    let rows = report
        .systems
        .iter()
        .flat_map(|row| {
            row.obligations.iter().map(|duty| {
                vec![
                    Cell::text(&row.name),
                    Cell::text(duty.kind.title(Language::Da)),
                    Cell::given(duty.subject_name.as_deref().or(duty.subject.as_deref())),
                    Cell::date(duty.next_due_on),
                    Cell::text(labels::status(duty.status)),
                    Cell::text(row.system_id.to_string()),
                ]
            })
        })
        .collect();
    Table { name: "Pligter", headers: &["System", "Pligt", "Vedrørende", "Næste frist", "Status", "System-id"], rows }
}

fn gates(report: &ComplianceReport) -> Table {
    let rows = report
        .systems
        .iter()
        .flat_map(|row| {
            row.open_gates.iter().map(|gate| {
                vec![
                    Cell::text(&row.name),
                    Cell::given(row.next_transition.map(labels::state)),
                    Cell::text(gate.code),
                    Cell::text(danish::unmet(gate)),
                    Cell::text(row.system_id.to_string()),
                ]
            })
        })
        .collect();
    Table { name: "Åbne krav", headers: &["System", "Skift til", "Kode", "Hvad mangler", "System-id"], rows }
}

fn breaches(report: &ComplianceReport, names: &Names) -> Table {
    let rows = report
        .systems
        .iter()
        .flat_map(|row| {
            row.open_breaches.iter().map(|id| {
                let breach = names.breaches.get(id);
                vec![
                    Cell::text(&row.name),
                    breach.map_or(Cell::Empty, |b| Cell::DateTime(b.discovered)),
                    Cell::given(breach.map(|b| b.description.as_str())),
                    breach.and_then(|b| b.deadline).map_or(Cell::Empty, Cell::DateTime),
                    Cell::yes_no(breach.map(|b| b.late)),
                    Cell::given(breach.map(|b| labels::incident(b.status))),
                    Cell::text(id.to_string()),
                    Cell::text(row.system_id.to_string()),
                ]
            })
        })
        .collect();
    Table {
        name: "Brud",
        headers: &[
            "System",
            "Opdaget",
            "Beskrivelse",
            "Frist for anmeldelse",
            "Fristen er overskredet",
            "Status",
            "Brud-id",
            "System-id",
        ],
        rows,
    }
}
