//! The lifecycle of a system and the gates on its transitions.
//!
//! `procurement -> in_use -> changing -> in_use -> ... -> decommissioning -> retired`, and
//! `procurement -> retired` for a purchase that was abandoned. A transition is a pure function
//! of (state, target, facts): it answers the new state, or *every* requirement that is not met,
//! each with a stable code, so an owner sees the whole list of what is left at once.
//!
//! Each gate is a function from the facts to the requirements it finds unmet; [`gates`] lists
//! which guard which move. A new duty is a new fact and a new gate, nothing more.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::operations::ProcedureKind;
use crate::org::OwnerCandidate;
use crate::records::SystemRecords;
use crate::risk::RiskPerspective;
use crate::system::{ArchiveStatus, Criticality, System};
use crate::values::Prose;

mod state;

pub use state::LifecycleState;

/// A request to move a system in its lifecycle.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The state to move to.
    pub to: LifecycleState,
    /// Why. Required to decommission a system and to abandon a purchase.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000, example = "Replaced by a shared municipal solution"))]
    pub reason: Option<Prose>,
    /// Into `changing`: what will be changed (required).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub change_description: Option<Prose>,
    /// Into `changing`: the owner's answer whether the change needs a new DPIA (required).
    #[serde(default)]
    pub dpia_needed: Option<bool>,
}

/// One requirement that a transition found unmet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unmet {
    /// Stable, machine-readable code, e.g. `owner_missing` or `description_incomplete`.
    pub code: &'static str,
    /// The field of the system the requirement concerns, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Which one, where the requirement is per item: a procedure kind, a processor's id, an
    /// exit step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What the subject is called, where it has a name people know (a processor's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// What is missing, in plain English.
    pub message: String,
}

impl Unmet {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, field: None, subject: None, subject_name: None, message: message.into() }
    }

    fn on_field(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Self { code, field: Some(field), subject: None, subject_name: None, message: message.into() }
    }

    fn about(code: &'static str, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, field: None, subject: Some(subject.into()), subject_name: None, message: message.into() }
    }

    fn named(self, name: Option<String>) -> Self {
        Self { subject_name: name, ..self }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such move exists in the lifecycle.
    NotAllowed {
        /// The current state.
        from: LifecycleState,
        /// The requested state.
        to: LifecycleState,
    },
    /// The move exists, but these requirements are not met (never empty).
    Unmet(Vec<Unmet>),
}

/// Everything the gates look at. Facts are gathered by the caller (from the store) and
/// passed in; the gates never fetch anything themselves.
#[derive(Debug, Clone)]
pub struct TransitionFacts<'a> {
    /// The system as it stands.
    pub system: &'a System,
    /// The owner as the eligibility rule sees them, if the system has one.
    pub owner: Option<OwnerCandidate>,
    /// Everything recorded about the system.
    pub records: &'a SystemRecords,
    /// The reason given with the transition, if any.
    pub reason: Option<&'a str>,
    /// Into `changing`: what will be changed.
    pub change_description: Option<&'a str>,
    /// Into `changing`: the owner's answer whether the change needs a new DPIA.
    pub dpia_needed: Option<bool>,
    /// The date the transition happens (for expiry of agreements).
    pub today: NaiveDate,
    /// Whether the owner makes the move themselves: the go-live is theirs to approve (*at
    /// godkende anskaffelser og installation af disse*). An admin or a delegate prepares it,
    /// and cannot stand in for that approval.
    pub by_owner: bool,
}

/// A gate: the requirements it finds unmet for a transition.
type Gate = fn(&TransitionFacts<'_>) -> Vec<Unmet>;

/// The gates that guard the move `from -> to`, in the order their findings are reported.
pub fn gates(from: LifecycleState, to: LifecycleState) -> &'static [Gate] {
    use LifecycleState::{Changing, Decommissioning, InUse, Procurement, Retired};
    match (from, to) {
        (Procurement, InUse) => &[
            gate_owner_eligible,
            gate_owner_approves,
            gate_description_complete,
            gate_archive_decided,
            gate_risk_assessed,
            gate_dpia,
            gate_personal_data,
            gate_procedures,
            gate_contingency_plan,
        ],
        (InUse, Changing) => &[gate_change_described],
        (Changing, InUse) => &[gate_owner_eligible, gate_change_reassessed],
        (InUse, Decommissioning) | (Procurement, Retired) => &[gate_reason_given],
        (Decommissioning, Retired) => &[gate_exit_checklist_settled],
        _ => &[],
    }
}

/// Evaluates the move `from -> to` against `facts`: `Ok(to)`, or every unmet requirement.
pub fn evaluate(
    from: LifecycleState,
    to: LifecycleState,
    facts: &TransitionFacts<'_>,
) -> Result<LifecycleState, Refusal> {
    if !from.may_move_to(to) {
        return Err(Refusal::NotAllowed { from, to });
    }
    let unmet: Vec<Unmet> = gates(from, to).iter().flat_map(|gate| gate(facts)).collect();
    if unmet.is_empty() { Ok(to) } else { Err(Refusal::Unmet(unmet)) }
}

/// The system must have an owner, and the owner must be eligible under the guidance.
fn gate_owner_eligible(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    owner_unmet(facts.owner).into_iter().collect()
}

/// What is wrong with `owner` as the system's owner, if anything.
fn owner_unmet(owner: Option<OwnerCandidate>) -> Option<Unmet> {
    match owner {
        None => Some(Unmet::on_field(
            "owner_missing",
            "owner_id",
            "the system has no owner; every system in use must have an accountable owner",
        )),
        Some(owner) => owner.eligibility().err().map(|why| Unmet::on_field(why.code(), "owner_id", why.to_string())),
    }
}

/// Whether a system past procurement has lost its accountable owner: none, or one the
/// eligibility rule no longer admits (who left, or whose position changed). `None` for a
/// system in procurement (its gate says so) or retired.
pub fn owner_ineligible(system: &System, owner: Option<OwnerCandidate>) -> Option<Unmet> {
    let live = matches!(
        system.lifecycle_state,
        LifecycleState::InUse | LifecycleState::Changing | LifecycleState::Decommissioning
    );
    if live { owner_unmet(owner) } else { None }
}

/// The owner approves the go-live by making the move with their own token; where the system
/// has no owner, `owner_missing` says what is wrong.
fn gate_owner_approves(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    if facts.owner.is_none() || facts.by_owner {
        return vec![];
    }
    vec![Unmet::on_field(
        "owner_approval_missing",
        "owner_id",
        "only the owner approves the go-live: the owner makes this move with a token for their own email",
    )]
}

/// The system description must be complete: one finding per missing field.
fn gate_description_complete(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    facts
        .system
        .missing_description_fields()
        .into_iter()
        .map(|field| {
            Unmet::on_field("description_incomplete", field, format!("the system description lacks `{field}`"))
        })
        .collect()
}

/// Preserve or discard must be decided; data to preserve needs its archive body, notified.
fn gate_archive_decided(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    let s = facts.system;
    let mut out = Vec::new();
    if s.archive_status == ArchiveStatus::Undecided {
        out.push(Unmet::on_field(
            "archive_status_undecided",
            "archive_status",
            "decide whether the data must be preserved for the archive or may be discarded",
        ));
    }
    if s.archive_status.must_preserve() {
        if s.archive_body.as_deref().is_none_or(|b| b.trim().is_empty()) {
            out.push(Unmet::on_field(
                "archive_body_missing",
                "archive_body",
                "the data must be preserved: name the archive body that receives it",
            ));
        }
        if s.archive_notified_on.is_none() {
            out.push(Unmet::on_field(
                "archive_not_notified",
                "archive_notified_on",
                "the data must be preserved: notify the archive body and record when",
            ));
        }
    }
    out
}

fn approved_risk_assessment(records: &SystemRecords, perspective: RiskPerspective) -> bool {
    records.risk_assessments.iter().any(|r| r.record.perspective == perspective && r.is_approved())
}

/// An approved information security risk assessment.
fn gate_risk_assessed(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    if approved_risk_assessment(facts.records, RiskPerspective::InformationSecurity) {
        vec![]
    } else {
        vec![Unmet::new(
            "risk_assessment_information_security_missing",
            "the owner has not approved an information security risk assessment (confidentiality, integrity, availability)",
        )]
    }
}

/// The DPIA decision, after consulting the DPO; and an approved DPIA where it is needed.
fn gate_dpia(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    match &facts.records.dpia_decision {
        None => vec![Unmet::new(
            "dpia_decision_missing",
            "record whether a DPIA is needed, after consulting the data protection officer",
        )],
        Some(d) if d.record.needed && !facts.records.dpias.iter().any(super::records::Recorded::is_approved) => {
            vec![Unmet::new("dpia_missing", "a DPIA is needed: the owner has not approved one")]
        }
        Some(_) => vec![],
    }
}

/// Where personal data is processed: the data subjects' risk, agreements with every processor,
/// retention rules, the record of processing, and the data subjects' rights.
fn gate_personal_data(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    if facts.system.processes_personal_data != Some(true) {
        return vec![];
    }
    let r = facts.records;
    let mut out = Vec::new();
    if !approved_risk_assessment(r, RiskPerspective::DataSubject) {
        out.push(Unmet::new(
            "risk_assessment_data_subject_missing",
            "the owner has not approved a risk assessment from the data subjects' point of view",
        ));
    }
    let run_by_others = facts.system.hosted_at.is_some_and(crate::system::HostedAt::by_others);
    let no_processor = facts.system.no_processor_reason.as_deref().is_some_and(|r| !r.trim().is_empty());
    if run_by_others && !no_processor && !r.agreements.iter().any(|a| a.is_in_force(facts.today)) {
        out.push(Unmet::on_field(
            "processing_agreement_missing",
            "hosted_at",
            "others run the system: register the data processor with a signed agreement in force, or document in \
             `no_processor_reason` why no processor is involved",
        ));
    }
    // A terminated agreement is history, not a gap.
    for agreement in r.agreements.iter().filter(|a| !a.is_terminated() && !a.is_in_force(facts.today)) {
        let why = if agreement.signed_on.is_none() { "is not signed" } else { "is not in force" };
        let name = r.processor_names.get(&agreement.processor_id).cloned();
        let who = name.clone().unwrap_or_else(|| agreement.processor_id.to_string());
        out.push(
            Unmet::about(
                "processing_agreement_not_in_force",
                agreement.processor_id.to_string(),
                format!("the data processing agreement with processor {who} {why}"),
            )
            .named(name),
        );
    }
    out.extend(transfer_basis_missing(r));
    if r.retention_rules.is_empty() {
        out.push(Unmet::new("retention_rule_missing", "document at least one retention period (slettefrist)"));
    }
    if r.processing_record.is_none() {
        out.push(Unmet::new(
            "processing_record_missing",
            "write the system's part of the record of processing (art. 30)",
        ));
    }
    if facts.system.data_subject_rights.is_empty() {
        out.push(Unmet::on_field(
            "data_subject_rights_missing",
            "data_subject_rights",
            "state which of the data subjects' rights the system supports",
        ));
    }
    out
}

/// Every transfer of personal data outside the EU/EEA that has no basis under GDPR chapter V:
/// by a processor established in a third country, or by one of its sub-processors, through an
/// agreement not terminated. Open on a system in any state: a transfer without a basis is
/// unlawful while it goes on, not only at the go-live.
pub fn transfer_basis_missing(records: &SystemRecords) -> Vec<Unmet> {
    records
        .agreements
        .iter()
        .filter(|a| !a.is_terminated())
        .flat_map(|a| {
            a.third_country_transfers(records.processor_countries.get(&a.processor_id))
                .into_iter()
                .filter(|t| t.basis.is_none())
                .map(move |t| {
                    let country = String::from(t.country);
                    let processor = records.processor_names.get(&a.processor_id).cloned();
                    let processor_shown = processor.clone().unwrap_or_else(|| a.processor_id.to_string());
                    let (subject, who, name) = match t.recipient {
                        None => (a.processor_id.to_string(), format!("processor {processor_shown}"), processor),
                        Some(sub) => (
                            format!("{}/{sub}", a.processor_id),
                            format!("sub-processor {sub} (for {processor_shown})"),
                            Some(sub),
                        ),
                    };
                    Unmet::about(
                        "transfer_basis_missing",
                        subject,
                        format!(
                            "{who} processes the data in {country}, outside the EU/EEA: record the transfer basis \
                             (adequacy decision, standard contractual clauses, ...) on the agreement"
                        ),
                    )
                    .named(name)
                })
        })
        .collect()
}

/// Approved procedures for user administration, access reviews and backup.
fn gate_procedures(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    [ProcedureKind::UserAdministration, ProcedureKind::AccessReview, ProcedureKind::Backup]
        .into_iter()
        .filter(|kind| {
            !facts.records.procedures.iter().any(|p| p.record.kind == *kind && p.record.approved_on.is_some())
        })
        .map(|kind| Unmet::about("procedure_missing", kind.as_str(), format!("no approved `{kind}` procedure")))
        .collect()
}

/// An approved contingency plan for a `high` or `critical` system.
fn gate_contingency_plan(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    let critical = matches!(facts.system.criticality, Some(Criticality::High | Criticality::Critical));
    if critical && !facts.records.contingency_plan.as_ref().is_some_and(super::records::Recorded::is_approved) {
        vec![Unmet::new(
            "contingency_plan_missing",
            "the system is highly critical: the owner must approve a contingency plan with manual procedures",
        )]
    } else {
        vec![]
    }
}

/// Into `changing`: what is changed, and whether it needs a new DPIA.
fn gate_change_described(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    let mut out = Vec::new();
    if facts.change_description.is_none_or(|d| d.trim().is_empty()) {
        out.push(Unmet::new("change_description_missing", "describe the change in `change_description`"));
    }
    if facts.dpia_needed.is_none() {
        out.push(Unmet::new(
            "dpia_answer_missing",
            "answer in `dpia_needed` whether the change needs a new DPIA and risk assessment",
        ));
    }
    out
}

/// Back into use after a change: a risk assessment approved since the change began, and a
/// DPIA too when the owner said one was needed.
fn gate_change_reassessed(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    let Some(change) = &facts.records.open_change else { return vec![] };
    let since = |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|a| a >= change.started_at);
    let mut out = Vec::new();
    if !facts.records.risk_assessments.iter().any(|r| since(r.approved_at)) {
        out.push(Unmet::new(
            "risk_reassessment_missing",
            "the owner has not approved a risk assessment made since the change began",
        ));
    }
    if change.dpia_needed && !facts.records.dpias.iter().any(|d| since(d.approved_at)) {
        out.push(Unmet::new(
            "dpia_after_change_missing",
            "the change needs a new DPIA: the owner has not approved one",
        ));
    }
    out
}

/// Shutting down or abandoning a system needs a reason on record.
fn gate_reason_given(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    if facts.reason.is_some_and(|r| !r.trim().is_empty()) {
        vec![]
    } else {
        vec![Unmet::new("reason_missing", "this transition needs a reason: say why in `reason`")]
    }
}

/// Retiring needs every exit step done or marked not applicable.
fn gate_exit_checklist_settled(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    facts
        .records
        .exit_steps
        .iter()
        .filter(|s| !s.is_settled())
        .map(|s| Unmet::about("exit_step_open", s.step.as_str(), format!("the exit step `{}` is still open", s.step)))
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{DateTime, NaiveDate, Utc};

    use crate::gdpr::{IsoDuration, ProcessingAgreement, ProcessingRecord, RetentionRule, SupervisionMethod};
    use crate::ids::{PersonId, ProcessorId, RecordId, SystemId};
    use crate::operations::{ContingencyPlan, Procedure, ProcedureKind};
    use crate::records::{Recorded, SystemRecords};
    use crate::risk::{Dpia, DpiaDecision, RiskAssessment, RiskLevel, RiskPerspective};
    use crate::values::{Text, WebUrl};

    pub fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    pub fn recorded<D>(record: D, approved_at: Option<&str>) -> Recorded<D> {
        Recorded {
            id: RecordId::from_uuid(uuid::Uuid::from_u128(10)),
            system_id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
            record,
            recorded_by: "test".into(),
            recorded_at: at("2026-01-01T00:00:00Z"),
            approved_by: approved_at.map(|_| PersonId::from_uuid(uuid::Uuid::from_u128(1))),
            approved_at: approved_at.map(at),
        }
    }

    fn url() -> WebUrl {
        WebUrl::parse("https://intranet.randers.dk/doc").unwrap()
    }

    pub fn risk(perspective: RiskPerspective, approved_at: Option<&str>) -> Recorded<RiskAssessment> {
        recorded(
            RiskAssessment {
                perspective,
                performed_on: day("2026-01-01"),
                risk_level: RiskLevel::Medium,
                confidentiality: None,
                integrity: None,
                availability: None,
                summary: Text::parse("ok").unwrap(),
                document_url: None,
            },
            approved_at,
        )
    }

    pub fn procedure(kind: ProcedureKind, approved: bool) -> Recorded<Procedure> {
        recorded(
            Procedure {
                kind,
                title: Text::parse("Procedure").unwrap(),
                document_url: url(),
                approved_on: approved.then(|| day("2026-01-01")),
            },
            None,
        )
    }

    /// Records that satisfy every gate into `in_use` for the complete system fixture.
    pub fn ready_records() -> SystemRecords {
        SystemRecords {
            risk_assessments: vec![
                risk(RiskPerspective::InformationSecurity, Some("2026-01-02T00:00:00Z")),
                risk(RiskPerspective::DataSubject, Some("2026-01-02T00:00:00Z")),
            ],
            dpia_decision: Some(recorded(
                DpiaDecision {
                    needed: true,
                    reason: Text::parse("Sensitive data").unwrap(),
                    dpo_consulted_on: day("2026-01-01"),
                },
                None,
            )),
            dpias: vec![recorded(
                Dpia { performed_on: day("2026-01-01"), document_url: url(), summary: None },
                Some("2026-01-03T00:00:00Z"),
            )],
            agreements: vec![ProcessingAgreement {
                id: RecordId::from_uuid(uuid::Uuid::from_u128(20)),
                system_id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
                processor_id: ProcessorId::from_uuid(uuid::Uuid::from_u128(30)),
                signed_on: Some(day("2025-06-01")),
                expires_on: None,
                document_url: None,
                supervision_method: SupervisionMethod::Isae3402,
                supervision_interval_months: 12,
                transfer_basis: None,
                sub_processors: vec![],
                terminated_on: None,
                termination_reason: None,
                version: 1,
                created_at: at("2025-06-01T00:00:00Z"),
            }],
            processor_countries: [(
                ProcessorId::from_uuid(uuid::Uuid::from_u128(30)),
                crate::gdpr::CountryCode::parse("DK").unwrap(),
            )]
            .into(),
            processor_names: [(ProcessorId::from_uuid(uuid::Uuid::from_u128(30)), "Systematic A/S".to_owned())].into(),
            risk_measures: vec![],
            retention_rules: vec![recorded(
                RetentionRule {
                    data_category: Text::parse("Journaler").unwrap(),
                    retention_period: IsoDuration::parse("P5Y").unwrap(),
                    legal_basis: Text::parse("Arkivloven").unwrap(),
                },
                None,
            )],
            processing_record: Some(recorded(
                ProcessingRecord {
                    purposes: vec![Text::parse("Hjemmepleje").unwrap()],
                    data_subject_categories: vec![Text::parse("Borgere").unwrap()],
                    personal_data_categories: vec![Text::parse("Helbred").unwrap()],
                    recipients: vec![],
                    third_country_transfers: vec![],
                    retention_summary: Text::parse("5 år").unwrap(),
                    security_measures: Text::parse("Kryptering").unwrap(),
                },
                None,
            )),
            procedures: vec![
                procedure(ProcedureKind::UserAdministration, true),
                procedure(ProcedureKind::AccessReview, true),
                procedure(ProcedureKind::Backup, true),
            ],
            contingency_plan: Some(recorded(
                ContingencyPlan { document_url: url(), manual_procedures: Text::parse("Papir").unwrap() },
                Some("2026-01-04T00:00:00Z"),
            )),
            exit_steps: vec![],
            open_change: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LifecycleState::*;
    use super::fixtures::*;
    use super::*;
    use crate::exit::{ExitStep, ExitStepKind, ExitStepStatus};
    use crate::ids::{PersonId, RecordId, SystemId};
    use crate::org::Position;
    use crate::records::{SystemChange, SystemRecords};
    use crate::system::fixtures::complete_system;
    use proptest::prelude::*;

    fn director() -> OwnerCandidate {
        OwnerCandidate {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            position: Position::Director,
            active: true,
            manager_position: None,
        }
    }

    fn facts<'a>(system: &'a System, records: &'a SystemRecords) -> TransitionFacts<'a> {
        TransitionFacts {
            system,
            owner: Some(director()),
            records,
            reason: None,
            change_description: None,
            dpia_needed: None,
            today: day("2026-11-28"),
            by_owner: true,
        }
    }

    fn codes(result: Result<LifecycleState, Refusal>) -> Vec<(&'static str, Option<String>)> {
        match result {
            Err(Refusal::Unmet(unmet)) => {
                unmet.into_iter().map(|u| (u.code, u.field.map(str::to_owned).or(u.subject))).collect()
            }
            other => panic!("expected unmet requirements, got {other:?}"),
        }
    }

    #[test]
    fn a_ready_system_goes_into_use() {
        let (system, records) = (complete_system(), ready_records());
        assert_eq!(evaluate(Procurement, InUse, &facts(&system, &records)), Ok(InUse));
    }

    #[test]
    fn only_the_owner_approves_the_go_live() {
        let (system, records) = (complete_system(), ready_records());
        let by_someone_else = TransitionFacts { by_owner: false, ..facts(&system, &records) };
        assert_eq!(
            codes(evaluate(Procurement, InUse, &by_someone_else)),
            [("owner_approval_missing", Some("owner_id".to_owned()))]
        );
        // Other moves are not the owner's alone: a change ends, a system is shut down.
        let f = TransitionFacts { reason: Some("replaced"), ..by_someone_else.clone() };
        assert!(evaluate(InUse, Decommissioning, &f).is_ok());
        // Without an owner, what is wrong is that there is none.
        let no_owner = TransitionFacts { owner: None, ..by_someone_else };
        let found = codes(evaluate(Procurement, InUse, &no_owner));
        assert!(
            found.iter().any(|(c, _)| *c == "owner_missing")
                && found.iter().all(|(c, _)| *c != "owner_approval_missing")
        );
    }

    #[test]
    fn a_bare_system_is_refused_with_every_duty_listed() {
        let mut system = complete_system();
        system.purpose = None;
        system.archive_status = ArchiveStatus::Preserve;
        system.data_subject_rights.clear();
        let records = SystemRecords::default();
        let mut f = facts(&system, &records);
        f.owner = None;
        let found: Vec<&str> = codes(evaluate(Procurement, InUse, &f)).into_iter().map(|(c, _)| c).collect();
        assert_eq!(
            found,
            vec![
                "owner_missing",
                "description_incomplete",
                "archive_body_missing",
                "archive_not_notified",
                "risk_assessment_information_security_missing",
                "dpia_decision_missing",
                "risk_assessment_data_subject_missing",
                "processing_agreement_missing",
                "retention_rule_missing",
                "processing_record_missing",
                "data_subject_rights_missing",
                "procedure_missing",
                "procedure_missing",
                "procedure_missing",
                "contingency_plan_missing",
            ]
        );
    }

    #[test]
    fn only_approved_and_valid_records_count() {
        let system = complete_system();
        let mut records = ready_records();
        records.risk_assessments = vec![
            risk(RiskPerspective::InformationSecurity, None),
            risk(RiskPerspective::DataSubject, Some("2026-01-02T00:00:00Z")),
        ];
        records.dpias[0].approved_at = None;
        records.agreements[0].expires_on = Some(day("2026-11-27"));
        records.procedures[1] = procedure(ProcedureKind::AccessReview, false);
        records.contingency_plan.as_mut().unwrap().approved_at = None;
        let found = codes(evaluate(Procurement, InUse, &facts(&system, &records)));
        assert_eq!(
            found,
            vec![
                ("risk_assessment_information_security_missing", None),
                ("dpia_missing", None),
                ("processing_agreement_missing", Some("hosted_at".to_owned())),
                ("processing_agreement_not_in_force", Some(records.agreements[0].processor_id.to_string())),
                ("procedure_missing", Some("access_review".to_owned())),
                ("contingency_plan_missing", None),
            ]
        );
    }

    /// A system others run, with personal data, needs a processor under an agreement in force,
    /// or the documented decision that none is involved; each transfer outside the EU/EEA needs
    /// its basis.
    #[test]
    fn others_run_it_so_a_processor_agreement_or_a_reason_and_a_basis_for_transfers() {
        use crate::gdpr::{CountryCode, SubProcessor, TransferBasis};
        use crate::system::HostedAt;
        let mut system = complete_system();
        let mut records = ready_records();
        let processor = records.agreements[0].processor_id;
        records.agreements.clear();
        let found = |s: &System, r: &SystemRecords| codes(evaluate(Procurement, InUse, &facts(s, r)));
        assert_eq!(found(&system, &records), [("processing_agreement_missing", Some("hosted_at".to_owned()))]);
        system.no_processor_reason = Some("Leverandøren driver kun krypterede data, som den ikke kan læse".into());
        assert_eq!(evaluate(Procurement, InUse, &facts(&system, &records)), Ok(InUse), "a documented decision");
        system.no_processor_reason = None;
        system.hosted_at = Some(HostedAt::OnPremises);
        assert_eq!(evaluate(Procurement, InUse, &facts(&system, &records)), Ok(InUse), "run by the municipality");
        system.hosted_at = None;
        assert_eq!(found(&system, &records), [("description_incomplete", Some("hosted_at".to_owned()))]);
        system.hosted_at = Some(HostedAt::Hybrid);

        // A processor in the United States, with a sub-processor in India; neither has a basis.
        records = ready_records();
        records.processor_countries.insert(processor, CountryCode::parse("US").unwrap());
        records.agreements[0].sub_processors = vec![SubProcessor {
            name: crate::values::Name::parse("Support Pvt").unwrap(),
            country: CountryCode::parse("IN").unwrap(),
            transfer_basis: None,
        }];
        assert_eq!(
            found(&system, &records),
            [
                ("transfer_basis_missing", Some(processor.to_string())),
                ("transfer_basis_missing", Some(format!("{processor}/Support Pvt"))),
            ]
        );
        assert_eq!(transfer_basis_missing(&records).len(), 2, "the same, as the compliance report shows it");
        records.agreements[0].transfer_basis = Some(TransferBasis::AdequacyDecision);
        records.agreements[0].sub_processors[0].transfer_basis = Some(TransferBasis::StandardContractualClauses);
        assert_eq!(evaluate(Procurement, InUse, &facts(&system, &records)), Ok(InUse));

        // A terminated agreement no longer counts, and is no gap of its own.
        records.agreements[0].terminated_on = Some(day("2026-11-27"));
        assert_eq!(found(&system, &records), [("processing_agreement_missing", Some("hosted_at".to_owned()))]);
    }

    #[test]
    fn without_personal_data_or_high_criticality_fewer_duties_apply() {
        let mut system = complete_system();
        system.processes_personal_data = Some(false);
        system.processes_sensitive_data = Some(false);
        system.processes_cpr_numbers = Some(false);
        system.data_subject_rights.clear();
        system.criticality = Some(crate::system::Criticality::Low);
        let mut records = ready_records();
        records.risk_assessments.retain(|r| r.record.perspective == RiskPerspective::InformationSecurity);
        records.retention_rules.clear();
        records.processing_record = None;
        records.contingency_plan = None;
        records.agreements[0].signed_on = None;
        assert_eq!(evaluate(Procurement, InUse, &facts(&system, &records)), Ok(InUse));
    }

    #[test]
    fn a_change_needs_a_description_an_answer_and_a_reassessment() {
        let system = complete_system();
        let records = ready_records();
        let f = facts(&system, &records);
        assert_eq!(
            codes(evaluate(InUse, Changing, &f)),
            vec![("change_description_missing", None), ("dpia_answer_missing", None)]
        );
        let f =
            TransitionFacts { change_description: Some("MitID"), dpia_needed: Some(true), ..facts(&system, &records) };
        assert_eq!(evaluate(InUse, Changing, &f), Ok(Changing));

        let mut records = ready_records();
        records.open_change = Some(SystemChange {
            id: RecordId::from_uuid(uuid::Uuid::from_u128(40)),
            system_id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
            description: "MitID".into(),
            dpia_needed: true,
            started_by: "test".into(),
            started_at: at("2026-06-01T00:00:00Z"),
            ended_at: None,
        });
        assert_eq!(
            codes(evaluate(Changing, InUse, &facts(&system, &records))),
            vec![("risk_reassessment_missing", None), ("dpia_after_change_missing", None)],
            "approvals from before the change do not count"
        );
        records.risk_assessments.push(risk(RiskPerspective::InformationSecurity, Some("2026-06-02T00:00:00Z")));
        records.dpias[0].approved_at = Some(at("2026-06-03T00:00:00Z"));
        assert_eq!(evaluate(Changing, InUse, &facts(&system, &records)), Ok(InUse));
    }

    #[test]
    fn retiring_needs_every_exit_step_settled() {
        let system = complete_system();
        let mut records = ready_records();
        records.exit_steps = ExitStepKind::ALL.iter().map(|k| ExitStep::open(*k)).collect();
        assert_eq!(codes(evaluate(Decommissioning, Retired, &facts(&system, &records))).len(), 8);
        for step in &mut records.exit_steps {
            step.status =
                if step.step == ExitStepKind::Archived { ExitStepStatus::NotApplicable } else { ExitStepStatus::Done };
        }
        assert_eq!(evaluate(Decommissioning, Retired, &facts(&system, &records)), Ok(Retired));
    }

    #[test]
    fn an_ineligible_owner_is_reported_by_the_rule_it_breaks() {
        let (system, records) = (complete_system(), ready_records());
        let f = TransitionFacts {
            owner: Some(OwnerCandidate { position: Position::Employee, ..director() }),
            ..facts(&system, &records)
        };
        assert_eq!(
            codes(evaluate(Procurement, InUse, &f)),
            vec![("owner_not_management", Some("owner_id".to_owned()))]
        );
    }

    #[test]
    fn abandoning_a_purchase_needs_a_reason() {
        let (system, records) = (complete_system(), SystemRecords::default());
        let f = TransitionFacts { reason: Some("  "), ..facts(&system, &records) };
        assert_eq!(codes(evaluate(Procurement, Retired, &f)), vec![("reason_missing", None)]);
        let f = TransitionFacts { reason: Some("the tender was cancelled"), ..facts(&system, &records) };
        assert_eq!(evaluate(Procurement, Retired, &f), Ok(Retired));
    }

    #[test]
    fn the_lifecycle_has_exactly_the_documented_moves() {
        let allowed = [
            (Procurement, InUse),
            (Procurement, Retired),
            (InUse, Changing),
            (InUse, Decommissioning),
            (Changing, InUse),
            (Decommissioning, Retired),
        ];
        for from in LifecycleState::ALL {
            for to in LifecycleState::ALL {
                assert_eq!(from.may_move_to(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
    }

    fn state() -> impl Strategy<Value = LifecycleState> {
        proptest::sample::select(LifecycleState::ALL)
    }

    proptest! {
        /// Whatever the facts, a move that does not exist is refused as such, and a move that
        /// exists either succeeds to its target or reports at least one unmet requirement.
        #[test]
        fn evaluation_is_total_and_consistent(
            from in state(),
            to in state(),
            has_owner in any::<bool>(),
            position in proptest::sample::select(Position::ALL),
            reason in proptest::option::of("[a-z ]{0,8}"),
            drop_purpose in any::<bool>(),
            bare_records in any::<bool>(),
        ) {
            let mut system = complete_system();
            if drop_purpose { system.purpose = None; }
            let records = if bare_records { SystemRecords::default() } else { ready_records() };
            let owner = has_owner.then(|| OwnerCandidate { position, ..director() });
            let f = TransitionFacts { owner, reason: reason.as_deref(), ..facts(&system, &records) };
            match evaluate(from, to, &f) {
                Ok(next) => { prop_assert!(from.may_move_to(to)); prop_assert_eq!(next, to); }
                Err(Refusal::NotAllowed { .. }) => prop_assert!(!from.may_move_to(to)),
                Err(Refusal::Unmet(unmet)) => { prop_assert!(from.may_move_to(to)); prop_assert!(!unmet.is_empty()); }
            }
        }
    }
}
