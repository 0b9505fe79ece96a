//! The records kept about a system, and the facts the lifecycle gates read from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::exit::ExitStep;
use crate::gdpr::{ProcessingAgreement, ProcessingRecord, RetentionRule};
use crate::ids::{PersonId, RecordId, SystemId};
use crate::operations::{ContingencyPlan, Procedure};
use crate::risk::{Dpia, DpiaDecision, RiskAssessment};
use crate::values::Violation;

/// The rules a record must keep beyond its shape, checked when it is written.
pub trait RecordRules {
    /// Every rule the record breaks on `today`.
    fn violations(&self, today: NaiveDate) -> Vec<Violation>;
}

/// `field` may not be after `today`, nor outside the register's years.
fn not_in_future(field: &str, date: Option<NaiveDate>, today: NaiveDate) -> Option<Violation> {
    date.and_then(|d| crate::values::past_day_violation(field, d, today))
}

impl RecordRules for RiskAssessment {
    fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        not_in_future("performed_on", Some(self.performed_on), today).into_iter().collect()
    }
}

impl RecordRules for Dpia {
    fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        not_in_future("performed_on", Some(self.performed_on), today).into_iter().collect()
    }
}

impl RecordRules for DpiaDecision {
    fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        not_in_future("dpo_consulted_on", Some(self.dpo_consulted_on), today).into_iter().collect()
    }
}

impl RecordRules for Procedure {
    fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        not_in_future("approved_on", self.approved_on, today).into_iter().collect()
    }
}

impl RecordRules for RetentionRule {
    fn violations(&self, _: NaiveDate) -> Vec<Violation> {
        Vec::new()
    }
}

impl RecordRules for ContingencyPlan {
    fn violations(&self, _: NaiveDate) -> Vec<Violation> {
        Vec::new()
    }
}

impl RecordRules for ProcessingRecord {
    fn violations(&self, _: NaiveDate) -> Vec<Violation> {
        [
            ("purposes", self.purposes.is_empty()),
            ("data_subject_categories", self.data_subject_categories.is_empty()),
            ("personal_data_categories", self.personal_data_categories.is_empty()),
        ]
        .into_iter()
        .filter(|(_, empty)| *empty)
        .map(|(field, _)| Violation::new(field, "required", "must list at least one"))
        .collect()
    }
}

/// A record as kept: what was recorded, by whom and when, and the owner's approval where the
/// kind of record needs one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recorded<D> {
    /// Identifier.
    pub id: RecordId,
    /// The system it belongs to.
    pub system_id: SystemId,
    /// The record itself, as it was written.
    pub record: D,
    /// Who recorded it (an email or client id).
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The owner who approved it, once approved.
    pub approved_by: Option<PersonId>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
}

impl<D> Recorded<D> {
    /// Whether the owner has approved it.
    pub fn is_approved(&self) -> bool {
        self.approved_at.is_some()
    }
}

/// A change of a system in use (*videreudvikling/ændring*), opened when it enters `changing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemChange {
    /// Identifier.
    pub id: RecordId,
    /// The system.
    pub system_id: SystemId,
    /// What is changed.
    pub description: String,
    /// The owner's answer: does the change need a new DPIA?
    pub dpia_needed: bool,
    /// Who started it.
    pub started_by: String,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When the system went back into use.
    pub ended_at: Option<DateTime<Utc>>,
}

/// Of `list`, those approved last within their group (`group` names it): every one approved
/// at that group's latest approval, so that ties stay.
fn approved_last<D, G: PartialEq>(list: &mut Vec<Recorded<D>>, group: impl Fn(&D) -> G) {
    let mut latest: Vec<(G, DateTime<Utc>)> = Vec::new();
    for r in list.iter() {
        let Some(at) = r.approved_at else { continue };
        let g = group(&r.record);
        match latest.iter_mut().find(|(x, _)| *x == g) {
            Some((_, newest)) => *newest = (*newest).max(at),
            None => latest.push((g, at)),
        }
    }
    list.retain(|r| {
        r.approved_at.is_some_and(|at| latest.iter().any(|(g, newest)| *newest == at && *g == group(&r.record)))
    });
}

impl SystemRecords {
    /// What the rules read of these records. A system's risk assessments and DPIAs pile up
    /// over its life (one each time it is reassessed), but every rule asks of them only
    /// whether one is approved, when the last approval was, and what the last approved one
    /// found. So the rules need, of the risk assessments, for each perspective the ones
    /// approved last; of the DPIAs, the ones approved last (all of them, where several were
    /// approved at the same instant); and everything else whole. Every rule gives the same
    /// answer on these as on the whole records (which a property test holds it to), and a
    /// report of the whole register reads this much, not every system's history.
    #[must_use]
    pub fn as_the_rules_read(mut self) -> Self {
        approved_last(&mut self.risk_assessments, |r| r.perspective);
        approved_last(&mut self.dpias, |_| ());
        self
    }
}

/// Everything recorded about one system that the gates look at.
#[derive(Debug, Clone, Default)]
pub struct SystemRecords {
    /// Risk assessments, approved or not.
    pub risk_assessments: Vec<Recorded<RiskAssessment>>,
    /// The DPIA decision, if made.
    pub dpia_decision: Option<Recorded<DpiaDecision>>,
    /// DPIAs, approved or not.
    pub dpias: Vec<Recorded<Dpia>>,
    /// Agreements with processors.
    pub agreements: Vec<ProcessingAgreement>,
    /// Where each processor of those agreements is established.
    pub processor_countries: std::collections::HashMap<crate::ids::ProcessorId, crate::gdpr::CountryCode>,
    /// What each processor of those agreements is called.
    pub processor_names: std::collections::HashMap<crate::ids::ProcessorId, String>,
    /// The measures the system's risk assessments call for.
    pub risk_measures: Vec<crate::risk::RiskMeasure>,
    /// Retention rules.
    pub retention_rules: Vec<Recorded<RetentionRule>>,
    /// The record of processing, if written.
    pub processing_record: Option<Recorded<ProcessingRecord>>,
    /// Procedures.
    pub procedures: Vec<Recorded<Procedure>>,
    /// The contingency plan, if written.
    pub contingency_plan: Option<Recorded<ContingencyPlan>>,
    /// The exit checklist (empty until the system is being shut down).
    pub exit_steps: Vec<ExitStep>,
    /// The change under way, while the system is `changing`.
    pub open_change: Option<SystemChange>,
}
