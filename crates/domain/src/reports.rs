//! Overviews for the IT department and the DPO: where every system stands with its duties,
//! and the record of processing activities across systems.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ids::{OrgUnitId, PersonId, RecordId, SystemId};
use crate::lifecycle::{self, LifecycleState, Refusal, TransitionFacts, Unmet};
use crate::obligations::{ObligationKind, ObligationStatus, Scheduled, status};
use crate::org::OwnerCandidate;
use crate::records::SystemRecords;
use crate::system::System;

/// One duty of a system in the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutySummary {
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement; for `risk_measure`:
    /// the measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What the subject is, in words: the processor of the agreement, the measure's first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// When it is next due.
    pub next_due_on: Option<NaiveDate>,
    /// Where it stands on the report's date.
    pub status: ObligationStatus,
}

/// Where one system stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceRow {
    /// The system.
    pub system_id: SystemId,
    /// Its name.
    pub name: String,
    /// Its lifecycle state.
    pub lifecycle_state: LifecycleState,
    /// Its owner.
    pub owner_id: Option<PersonId>,
    /// Its organisational unit.
    pub org_unit_id: Option<OrgUnitId>,
    /// The worst status of its duties (`ok` when it has none).
    pub status: ObligationStatus,
    /// Its duties.
    pub obligations: Vec<DutySummary>,
    /// The next transition in the ordinary course of its life.
    pub next_transition: Option<LifecycleState>,
    /// What that transition would find unmet (a reason or change description is taken as given).
    pub open_gates: Vec<Unmet>,
    /// For a system past procurement: its owner is missing, or no longer eligible (left, or
    /// changed position), with the rule broken; it needs a handover (*overdragelse*).
    pub owner_ineligible: Option<Unmet>,
    /// Transfers of personal data outside the EU/EEA, by a processor or a sub-processor,
    /// without a basis under GDPR chapter V (one per transfer; empty when there are none).
    pub transfer_basis_missing: Vec<Unmet>,
    /// The measures its risk assessments call for that are still planned, and how many of
    /// them are past their day.
    pub risk_measures: MeasureCounts,
    /// Personal data breaches still awaiting the report or the decision not to report.
    pub open_breaches: Vec<RecordId>,
}

/// Counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    /// `ok`.
    pub ok: u32,
    /// `due_soon`.
    pub due_soon: u32,
    /// `overdue`.
    pub overdue: u32,
}

impl StatusCounts {
    fn add(&mut self, s: ObligationStatus) {
        match s {
            ObligationStatus::Ok => self.ok += 1,
            ObligationStatus::DueSoon => self.due_soon += 1,
            ObligationStatus::Overdue => self.overdue += 1,
        }
    }
}

/// Risk measures still to be done (*foranstaltninger*), and those of them past their day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureCounts {
    /// Planned, not yet implemented or rejected.
    pub open: u32,
    /// Of those, past their day.
    pub overdue: u32,
}

/// Totals of the overview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceTotals {
    /// Systems by the worst status of their duties.
    pub systems: StatusCounts,
    /// Duties by status.
    pub obligations: StatusCounts,
    /// Personal data breaches awaiting a decision.
    pub open_breaches: u32,
    /// Systems past procurement whose owner is missing or no longer eligible.
    pub owner_ineligible: u32,
    /// Systems with a transfer outside the EU/EEA that has no basis.
    pub transfer_basis_missing: u32,
    /// Risk measures, over the systems listed.
    pub risk_measures: MeasureCounts,
}

string_enum! {
    /// Where a report's facts come from.
    pub enum ReportSource {
        /// The register as it stands now.
        Register => "register",
        /// The register as it stood on a past date, rebuilt from the audit log.
        AuditLog => "audit_log",
    }
}

/// The compliance overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceReport {
    /// The date the statuses are worked out for.
    pub as_of: NaiveDate,
    /// Where the facts come from.
    pub source: ReportSource,
    /// Totals over the systems listed.
    pub totals: ComplianceTotals,
    /// One row per system.
    pub systems: Vec<ComplianceRow>,
}

impl ComplianceReport {
    /// A report of `rows` as of `as_of`, with its totals.
    pub fn new(as_of: NaiveDate, source: ReportSource, systems: Vec<ComplianceRow>) -> Self {
        let mut totals = ComplianceTotals::default();
        for row in &systems {
            totals.systems.add(row.status);
            for duty in &row.obligations {
                totals.obligations.add(duty.status);
            }
            totals.open_breaches += u32::try_from(row.open_breaches.len()).unwrap_or(u32::MAX);
            totals.owner_ineligible += u32::from(row.owner_ineligible.is_some());
            totals.transfer_basis_missing += u32::from(!row.transfer_basis_missing.is_empty());
            totals.risk_measures.open += row.risk_measures.open;
            totals.risk_measures.overdue += row.risk_measures.overdue;
        }
        Self { as_of, source, totals, systems }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// What the subject of a duty (an agreement's or a measure's id) is, in words: the processor
/// of the agreement, or the measure's first line (at most 120 characters).
fn subject_name(records: &SystemRecords, subject: &str) -> Option<String> {
    if subject.is_empty() {
        return None;
    }
    if let Some(agreement) = records.agreements.iter().find(|a| a.id.to_string() == subject) {
        return records.processor_names.get(&agreement.processor_id).cloned();
    }
    let measure = records.risk_measures.iter().find(|m| m.id.to_string() == subject)?;
    Some(crate::risk::measure_title(&measure.measure))
}

/// Works out one system's row as of `today`.
pub fn compliance_row(
    system: &System,
    owner: Option<OwnerCandidate>,
    records: &SystemRecords,
    scheduled: &[Scheduled],
    open_breaches: Vec<RecordId>,
    today: NaiveDate,
) -> ComplianceRow {
    let obligations: Vec<DutySummary> = scheduled
        .iter()
        .map(|d| DutySummary {
            kind: d.kind,
            subject: (!d.subject.is_empty()).then(|| d.subject.clone()),
            subject_name: subject_name(records, &d.subject),
            next_due_on: d.next_due_on,
            status: status(d.next_due_on, today),
        })
        .collect();
    let worst = obligations.iter().map(|d| d.status).max().unwrap_or(ObligationStatus::Ok);
    let next = system.lifecycle_state.natural_successor();
    let given = "(given with the transition)";
    let open_gates = next
        .map(|to| {
            let facts = TransitionFacts {
                system,
                owner,
                records,
                reason: Some(given),
                change_description: Some(given),
                dpia_needed: Some(false),
                today,
                // The owner's approval of a go-live is part of what remains until they give it.
                by_owner: false,
            };
            match lifecycle::evaluate(system.lifecycle_state, to, &facts) {
                Err(Refusal::Unmet(unmet)) => unmet,
                _ => Vec::new(),
            }
        })
        .unwrap_or_default();
    ComplianceRow {
        system_id: system.id,
        name: system.name.clone(),
        lifecycle_state: system.lifecycle_state,
        owner_id: system.owner_id,
        org_unit_id: system.org_unit_id,
        status: worst,
        obligations,
        next_transition: next,
        open_gates,
        owner_ineligible: lifecycle::owner_ineligible(system, owner),
        risk_measures: MeasureCounts {
            open: count(records.risk_measures.iter().filter(|m| m.is_open())),
            overdue: count(records.risk_measures.iter().filter(|m| m.is_overdue(today))),
        },
        transfer_basis_missing: if system.lifecycle_state == LifecycleState::Retired {
            Vec::new()
        } else {
            lifecycle::transfer_basis_missing(records)
        },
        open_breaches,
    }
}

/// The data controller (*dataansvarlig*: the municipality) and its data protection officer,
/// as art. 30(1)(a) asks the record of processing to name them; from the configuration
/// (`null` where it is not set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Controller {
    /// The municipality's name.
    pub name: Option<String>,
    /// Its CVR number.
    pub cvr: Option<String>,
    /// Its postal address.
    pub address: Option<String>,
    /// The data protection officer (*databeskyttelsesrådgiver*).
    pub dpo_name: Option<String>,
    /// The DPO's email address.
    pub dpo_email: Option<String>,
    /// The DPO's phone number.
    pub dpo_phone: Option<String>,
}

impl Controller {
    /// The settings it lacks, by the name of their field.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("name", &self.name),
            ("cvr", &self.cvr),
            ("address", &self.address),
            ("dpo_name", &self.dpo_name),
            ("dpo_email", &self.dpo_email),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect()
    }
}

/// One system's record of processing (art. 30), flattened for export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessingRecordRow {
    /// The system.
    pub system_id: SystemId,
    /// Its name.
    pub system: String,
    /// Its lifecycle state.
    pub lifecycle_state: LifecycleState,
    /// The owner (data controller's responsible manager).
    pub owner: Option<String>,
    /// The owner's email.
    pub owner_email: Option<String>,
    /// Whether the record of processing is written.
    pub recorded: bool,
    /// Purposes.
    pub purposes: Vec<String>,
    /// Categories of data subjects.
    pub data_subject_categories: Vec<String>,
    /// Categories of personal data.
    pub personal_data_categories: Vec<String>,
    /// Whether special categories (art. 9) are processed.
    pub sensitive_data: Option<bool>,
    /// Whether CPR numbers are processed.
    pub cpr_numbers: Option<bool>,
    /// Categories of recipients.
    pub recipients: Vec<String>,
    /// Data processors.
    pub processors: Vec<String>,
    /// Third-country transfers, as `country: safeguard`.
    pub third_country_transfers: Vec<String>,
    /// Retention periods, as `category: period`.
    pub retention_periods: Vec<String>,
    /// The retention summary.
    pub retention_summary: Option<String>,
    /// The security measures.
    pub security_measures: Option<String>,
}
