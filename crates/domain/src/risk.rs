//! Risk assessments (*risikovurderinger*) and data protection impact assessments (DPIAs,
//! *konsekvensanalyser*). The owner must see that risks are assessed before a system goes into
//! use, and reassessed after every change; only an assessment the owner approved counts.
//!
//! An assessment is used actively (*"de rette foranstaltninger er implementeret"*): each
//! approved assessment lists its measures (*foranstaltninger*), each with what is done, who is
//! responsible and by when. A measure still planned past its day is a duty (`risk_measure`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PersonId, RecordId, SystemId};
use crate::values::{Prose, Violation, WebUrl};

string_enum! {
    /// Whose risk is assessed.
    pub enum RiskPerspective {
        /// The municipality's: confidentiality, integrity and availability of information.
        InformationSecurity => "information_security",
        /// The data subjects': the risk to the people whose data the system processes.
        DataSubject => "data_subject",
    }
}

string_enum! {
    /// How high a risk is judged.
    pub enum RiskLevel {
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
    }
}

/// A risk assessment as recorded. It counts once the owner has approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    /// Whose risk.
    pub perspective: RiskPerspective,
    /// When the assessment was made (not in the future).
    pub performed_on: NaiveDate,
    /// The overall risk.
    pub risk_level: RiskLevel,
    /// For `information_security`: the risk to confidentiality.
    #[serde(default)]
    pub confidentiality: Option<RiskLevel>,
    /// For `information_security`: the risk to integrity.
    #[serde(default)]
    pub integrity: Option<RiskLevel>,
    /// For `information_security`: the risk to availability.
    #[serde(default)]
    pub availability: Option<RiskLevel>,
    /// The findings and the measures decided, in short.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub summary: Prose,
    /// Where the full assessment is kept.
    #[serde(default)]
    pub document_url: Option<WebUrl>,
}

/// The owner's decision whether a DPIA is needed, made after consulting the DPO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DpiaDecision {
    /// Whether the processing is likely to result in a high risk, so that a DPIA is needed.
    pub needed: bool,
    /// Why.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub reason: Prose,
    /// When the data protection officer was consulted.
    pub dpo_consulted_on: NaiveDate,
}

/// A data protection impact assessment (GDPR art. 35). It counts once the owner has approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dpia {
    /// When it was made (not in the future).
    pub performed_on: NaiveDate,
    /// Where it is kept.
    pub document_url: WebUrl,
    /// Its conclusion, in short.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub summary: Option<Prose>,
}

string_enum! {
    /// Where a measure stands.
    pub enum MeasureStatus {
        /// Decided, not yet in place.
        Planned => "planned",
        /// In place.
        Implemented => "implemented",
        /// Not to be done after all, for a reason on record (the risk is accepted otherwise).
        Rejected => "rejected",
    }
}

/// A measure (*foranstaltning*) an approved risk assessment calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskMeasure {
    /// Identifier.
    pub id: RecordId,
    /// The system.
    pub system_id: SystemId,
    /// The approved risk assessment that calls for it.
    pub risk_assessment_id: RecordId,
    /// What is to be done.
    pub measure: String,
    /// Who is responsible for it.
    pub responsible_id: PersonId,
    /// By when.
    pub due_on: NaiveDate,
    /// Where it stands.
    pub status: MeasureStatus,
    /// When it was put in place (`implemented`).
    pub implemented_on: Option<NaiveDate>,
    /// Why it is not done (`rejected`).
    pub rejection_reason: Option<String>,
    /// Increases with every change.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl RiskMeasure {
    /// Whether it is still to be done.
    pub fn is_open(&self) -> bool {
        self.status == MeasureStatus::Planned
    }

    /// Whether it is still to be done after its day.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && self.due_on < today
    }

    /// The rules the measure as it stands breaks on `today`.
    pub fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        let mut out = Vec::new();
        match self.status {
            MeasureStatus::Implemented if self.implemented_on.is_none() => {
                out.push(Violation::new("implemented_on", "required", "say when the measure was put in place"));
            }
            MeasureStatus::Rejected if self.rejection_reason.as_deref().is_none_or(|r| r.trim().is_empty()) => {
                out.push(Violation::new("rejection_reason", "required", "say why the measure is not to be done"));
            }
            _ => {}
        }
        if self.status != MeasureStatus::Implemented && self.implemented_on.is_some() {
            out.push(Violation::new("implemented_on", "implemented_only", "only an implemented measure has this day"));
        }
        if self.status != MeasureStatus::Rejected && self.rejection_reason.is_some() {
            out.push(Violation::new("rejection_reason", "rejected_only", "only a rejected measure has a reason"));
        }
        if self.implemented_on.is_some_and(|d| d > today) {
            out.push(Violation::new("implemented_on", "not_in_future", "cannot be in the future"));
        }
        out
    }
}

/// A new measure, from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRiskMeasure {
    /// What is to be done.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000, example = "Enable two-factor login for administrators"))]
    pub measure: Prose,
    /// Who is responsible for it (a person in the register).
    pub responsible_id: PersonId,
    /// By when.
    pub due_on: NaiveDate,
    /// Where it stands (default `planned`).
    #[serde(default = "planned")]
    pub status: MeasureStatus,
    /// When it was put in place (`implemented` only).
    #[serde(default)]
    pub implemented_on: Option<NaiveDate>,
    /// Why it is not to be done (`rejected` only).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub rejection_reason: Option<Prose>,
}

/// A measure as a line names it (a reminder's subject, a report's "Vedrørende"): its first
/// line, at most 120 characters.
pub fn measure_title(measure: &str) -> String {
    let line = measure.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 120 {
        format!("{}…", line.chars().take(119).collect::<String>())
    } else {
        line.to_owned()
    }
}

fn planned() -> MeasureStatus {
    MeasureStatus::Planned
}

impl NewRiskMeasure {
    /// The measure as recorded.
    pub fn into_measure(
        self,
        id: RecordId,
        system_id: SystemId,
        assessment: RecordId,
        now: DateTime<Utc>,
    ) -> RiskMeasure {
        RiskMeasure {
            id,
            system_id,
            risk_assessment_id: assessment,
            measure: self.measure.into_string(),
            responsible_id: self.responsible_id,
            due_on: self.due_on,
            status: self.status,
            implemented_on: self.implemented_on,
            rejection_reason: self.rejection_reason.map(crate::values::Text::into_string),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Changes to a measure: absent fields stay; `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RiskMeasureChanges {
    /// What is to be done.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub measure: Option<Prose>,
    /// Who is responsible.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = PersonId))]
    pub responsible_id: Option<PersonId>,
    /// By when.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = NaiveDate))]
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = MeasureStatus))]
    pub status: Option<MeasureStatus>,
    /// When it was put in place; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>, nullable))]
    pub implemented_on: Option<Option<NaiveDate>>,
    /// Why it is not to be done; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub rejection_reason: Option<Option<Prose>>,
}

impl RiskMeasureChanges {
    /// The measure with these changes (the caller stamps version and time).
    pub fn apply(&self, mut m: RiskMeasure) -> RiskMeasure {
        if let Some(v) = &self.measure {
            v.as_str().clone_into(&mut m.measure);
        }
        if let Some(v) = self.responsible_id {
            m.responsible_id = v;
        }
        if let Some(v) = self.due_on {
            m.due_on = v;
        }
        if let Some(v) = self.status {
            m.status = v;
        }
        if let Some(v) = self.implemented_on {
            m.implemented_on = v;
        }
        if let Some(v) = &self.rejection_reason {
            m.rejection_reason = v.as_ref().map(|r| r.as_str().to_owned());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(status: MeasureStatus) -> RiskMeasure {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        RiskMeasure {
            id: RecordId::from_uuid(uuid::Uuid::from_u128(1)),
            system_id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
            risk_assessment_id: RecordId::from_uuid(uuid::Uuid::from_u128(3)),
            measure: "Tofaktorlogin for administratorer".into(),
            responsible_id: PersonId::from_uuid(uuid::Uuid::from_u128(4)),
            due_on: "2026-12-01".parse().unwrap(),
            status,
            implemented_on: None,
            rejection_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_measure_is_done_or_rejected_with_its_facts() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let rules = |m: &RiskMeasure| -> Vec<String> {
            m.violations(today).into_iter().map(|v| format!("{}:{}", v.field, v.rule)).collect()
        };
        let planned = measure(MeasureStatus::Planned);
        assert!(rules(&planned).is_empty());
        assert!(planned.is_overdue(today), "planned, and its day has passed");
        assert!(!planned.is_overdue("2026-12-01".parse().unwrap()), "on its day it is not overdue yet");
        let mut done = measure(MeasureStatus::Implemented);
        assert_eq!(rules(&done), ["implemented_on:required"]);
        done.implemented_on = Some("2026-12-03".parse().unwrap());
        assert_eq!(rules(&done), ["implemented_on:not_in_future"]);
        done.implemented_on = Some(today);
        assert!(rules(&done).is_empty() && !done.is_open());
        let mut no = measure(MeasureStatus::Rejected);
        assert_eq!(rules(&no), ["rejection_reason:required"]);
        no.rejection_reason = Some("Risikoen accepteres: systemet udfases i 2027".into());
        assert!(rules(&no).is_empty() && !no.is_overdue(today));
        no.implemented_on = Some(today);
        assert_eq!(rules(&no), ["implemented_on:implemented_only"]);
    }
}
