//! An IT system usage ("systemanvendelse", `GET api/v2/it-system-usages`, API-V2.md §5), read
//! in the 2026 and the 2025 shapes alike; accessors answer the same for both.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{ExternalReference, Link, Org, Ref, RoleAssignment};
use super::system::ItSystem;
use crate::choice::Choice;
use crate::de::null_default;
use crate::enums::{
    ArchiveDuty, DataProcessingAgreementRequired, DataSensitivityLevel, HostedAt, LicensingAndCodeModel,
    LifeCycleStatus, MainContractState, RiskAssessmentConducted, RiskLevel, SpecificPersonalData, TechnicalPrecaution,
    WebAccessibilityCompliance, YesNoDontKnow, YesNoUndecided,
};
use crate::time::Timestamp;

/// An organization's use of a catalogue IT system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ItSystemUsage {
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub created_by: Option<Ref>,
    pub last_modified: Option<Timestamp>,
    /// 2026 only. Mapped from `Concluded` (= `general.validity.validFrom`): not a creation time.
    pub created_at: Option<Timestamp>,
    pub last_modified_by: Option<Ref>,
    /// The catalogue system (`GET api/v2/it-systems/{uuid}`).
    pub system_context: Option<Ref>,
    pub organization_context: Option<Org>,
    #[serde(deserialize_with = "null_default")]
    pub general: UsageGeneral,
    #[serde(deserialize_with = "null_default")]
    pub roles: Vec<RoleAssignment>,
    #[serde(deserialize_with = "null_default")]
    pub organization_usage: OrganizationUsage,
    #[serde(rename = "localKLEDeviations", deserialize_with = "null_default")]
    pub local_kle_deviations: LocalKleDeviations,
    #[serde(deserialize_with = "null_default")]
    pub external_references: Vec<ExternalReference>,
    #[serde(deserialize_with = "null_default")]
    pub archiving: Archiving,
    #[serde(deserialize_with = "null_default")]
    pub gdpr: UsageGdpr,
    #[serde(deserialize_with = "null_default")]
    pub outgoing_system_relations: Vec<SystemRelation>,
}

/// `general`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageGeneral {
    pub local_system_id: Option<String>,
    /// The local name ("kaldenavn").
    pub local_call_name: Option<String>,
    pub data_classification: Option<Ref>,
    pub notes: Option<String>,
    pub system_version: Option<String>,
    pub number_of_expected_users: Option<ExpectedUsers>,
    #[serde(deserialize_with = "null_default")]
    pub validity: UsageValidity,
    pub main_contract: Option<Ref>,
    #[serde(rename = "containsAITechnology")]
    pub contains_ai_technology: Option<Choice<YesNoUndecided>>,
    pub web_accessibility_compliance: Option<Choice<WebAccessibilityCompliance>>,
    pub last_web_accessibility_check: Option<Timestamp>,
    pub web_accessibility_notes: Option<String>,
    /// 2026.
    pub is_socially_critical: Option<Choice<YesNoDontKnow>>,
    /// 2026 (2025: `gdpr.businessCritical`); read it with [`ItSystemUsage::business_critical`].
    pub is_business_critical: Option<Choice<YesNoDontKnow>>,
    pub criticality_fields_last_changed: Option<Timestamp>,
    pub system_usage_criticality_level: Option<Ref>,
    pub criticality_level_documentation: Option<Link>,
    /// 2026 (2025: `gdpr.purpose`); read it with [`ItSystemUsage::purpose`].
    pub purpose: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub technical_system_types: Vec<Ref>,
    /// 2026 (2025: `gdpr.hostedAt`); read it with [`ItSystemUsage::hosted_at`].
    pub hosted_at: Option<Choice<HostedAt>>,
    #[serde(deserialize_with = "null_default")]
    pub licensing_and_code_models: Vec<Choice<LicensingAndCodeModel>>,
}

/// `general.numberOfExpectedUsers`: a bucket (2026: 0–9, 10–49, 50–99, 100–499, 500–; 2025:
/// 0–9, 10–50, 50–100, 100–). No upper bound: open-ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExpectedUsers {
    pub lower_bound: Option<i64>,
    pub upper_bound: Option<i64>,
}

/// `general.validity`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageValidity {
    pub valid: Option<bool>,
    pub valid_according_to_validity_period: Option<bool>,
    pub valid_according_to_life_cycle: Option<bool>,
    pub valid_according_to_main_contract: Option<bool>,
    /// 2026 only.
    pub main_contract_state: Option<Choice<MainContractState>>,
    pub life_cycle_status: Option<Choice<LifeCycleStatus>>,
    /// "Ibrugtagning".
    pub valid_from: Option<Timestamp>,
    /// The end date (inclusive).
    pub valid_to: Option<Timestamp>,
}

/// `organizationUsage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrganizationUsage {
    #[serde(deserialize_with = "null_default")]
    pub using_organization_units: Vec<Ref>,
    pub responsible_organization_unit: Option<Ref>,
}

/// `localKLEDeviations`: effective KLE = the catalogue system's `kle` − removed + added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalKleDeviations {
    #[serde(rename = "removedKLE", deserialize_with = "null_default")]
    pub removed_kle: Vec<Ref>,
    #[serde(rename = "addedKLE", deserialize_with = "null_default")]
    pub added_kle: Vec<Ref>,
}

/// `archiving`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Archiving {
    pub archive_duty: Option<Choice<ArchiveDuty>>,
    #[serde(rename = "type")]
    pub kind: Option<Ref>,
    pub location: Option<Ref>,
    pub test_location: Option<Ref>,
    pub supplier: Option<Org>,
    pub active: Option<bool>,
    pub notes: Option<String>,
    pub frequency_in_months: Option<i64>,
    pub document_bearing: Option<bool>,
    #[serde(deserialize_with = "null_default")]
    pub journal_periods: Vec<JournalPeriod>,
}

/// `archiving.journalPeriods[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JournalPeriod {
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub archive_id: Option<String>,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    pub approved: Option<bool>,
}

/// `gdpr`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageGdpr {
    /// 2025 only (2026: `general.purpose`); read it with [`ItSystemUsage::purpose`].
    pub purpose: Option<String>,
    /// 2025 only (2026: `general.isBusinessCritical`).
    pub business_critical: Option<Choice<YesNoDontKnow>>,
    /// 2025 only (2026: `general.hostedAt`).
    pub hosted_at: Option<Choice<HostedAt>>,
    /// 2026: the purpose of the processing (a new field, not 2025's `purpose`).
    pub processing_purpose: Option<String>,
    /// The link to the record of processing ("fortegnelse").
    #[serde(deserialize_with = "null_default")]
    pub directory_documentation: Link,
    #[serde(deserialize_with = "null_default")]
    pub data_sensitivity_levels: Vec<Choice<DataSensitivityLevel>>,
    #[serde(deserialize_with = "null_default")]
    pub sensitive_person_data: Vec<Ref>,
    #[serde(deserialize_with = "null_default")]
    pub specific_personal_data: Vec<Choice<SpecificPersonalData>>,
    #[serde(deserialize_with = "null_default")]
    pub registered_data_categories: Vec<Ref>,
    pub technical_precautions_in_place: Option<Choice<YesNoDontKnow>>,
    #[serde(deserialize_with = "null_default")]
    pub technical_precautions_applied: Vec<Choice<TechnicalPrecaution>>,
    #[serde(deserialize_with = "null_default")]
    pub technical_precautions_documentation: Link,
    pub user_supervision: Option<Choice<YesNoDontKnow>>,
    pub user_supervision_date: Option<Timestamp>,
    #[serde(deserialize_with = "null_default")]
    pub user_supervision_documentation: Link,
    pub risk_assessment_conducted: Option<Choice<RiskAssessmentConducted>>,
    pub risk_assessment_conducted_date: Option<Timestamp>,
    pub risk_assessment_result: Option<Choice<RiskLevel>>,
    #[serde(deserialize_with = "null_default")]
    pub risk_assessment_documentation: Link,
    pub risk_assessment_notes: Option<String>,
    pub planned_risk_assessment_date: Option<Timestamp>,
    pub dpia_conducted: Option<Choice<YesNoDontKnow>>,
    pub dpia_date: Option<Timestamp>,
    #[serde(deserialize_with = "null_default")]
    pub dpia_documentation: Link,
    pub retention_period_defined: Option<Choice<YesNoDontKnow>>,
    pub next_data_retention_evaluation_date: Option<Timestamp>,
    pub data_retention_evaluation_frequency_in_months: Option<i64>,
    /// 2026.
    pub is_data_processing_agreement_required: Option<Choice<DataProcessingAgreementRequired>>,
}

/// `outgoingSystemRelations[]`: a data flow to another usage of the same organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SystemRelation {
    pub to_system_usage: Option<Ref>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub relation_interface: Option<Ref>,
    pub associated_contract: Option<Ref>,
    pub relation_frequency: Option<Ref>,
    pub description: Option<String>,
    pub url_reference: Option<String>,
}

impl ItSystemUsage {
    /// The general purpose: `general.purpose` (2026) or `gdpr.purpose` (2025).
    pub fn purpose(&self) -> Option<&str> {
        self.general.purpose.as_deref().or(self.gdpr.purpose.as_deref())
    }

    /// Where it is hosted: `general.hostedAt` (2026) or `gdpr.hostedAt` (2025).
    pub fn hosted_at(&self) -> Option<&Choice<HostedAt>> {
        self.general.hosted_at.as_ref().or(self.gdpr.hosted_at.as_ref())
    }

    /// Whether it is business critical: `general.isBusinessCritical` (2026) or
    /// `gdpr.businessCritical` (2025).
    pub fn business_critical(&self) -> Option<&Choice<YesNoDontKnow>> {
        self.general.is_business_critical.as_ref().or(self.gdpr.business_critical.as_ref())
    }

    /// `general.validity.lifeCycleStatus`.
    pub fn life_cycle_status(&self) -> Option<&Choice<LifeCycleStatus>> {
        self.general.validity.life_cycle_status.as_ref()
    }

    /// `archiving.archiveDuty`.
    pub fn archive_duty(&self) -> Option<&Choice<ArchiveDuty>> {
        self.archiving.archive_duty.as_ref()
    }

    /// The local name ("kaldenavn"), unless absent or blank.
    pub fn local_call_name(&self) -> Option<&str> {
        self.general.local_call_name.as_deref().map(str::trim).filter(|name| !name.is_empty())
    }

    /// The catalogue system's uuid.
    pub fn system_uuid(&self) -> Option<Uuid> {
        self.system_context.as_ref().map(|system| system.uuid)
    }

    /// The catalogue system's name, as Kitos gives it in `systemContext`.
    pub fn system_name(&self) -> Option<&str> {
        self.system_context.as_ref().map(|system| system.name.as_str())
    }

    /// The users holding the role `role_uuid` (roles are organization-local options: match
    /// them by uuid, see [`crate::Snapshot::role_type_named`]).
    pub fn holders_of(&self, role_uuid: Uuid) -> impl Iterator<Item = &Ref> {
        self.roles.iter().filter(move |assignment| assignment.role.uuid == role_uuid).map(|assignment| &assignment.user)
    }

    /// The effective KLE: the catalogue system's `kle`, less `removedKLE`, plus `addedKLE`
    /// (matched by uuid; the order is the system's, then the added ones).
    pub fn effective_kle(&self, system: &ItSystem) -> Vec<Ref> {
        let removed = &self.local_kle_deviations.removed_kle;
        let mut out: Vec<Ref> =
            system.kle.iter().filter(|kle| !removed.iter().any(|r| r.uuid == kle.uuid)).cloned().collect();
        for added in &self.local_kle_deviations.added_kle {
            if !out.iter().any(|kle| kle.uuid == added.uuid) {
                out.push(added.clone());
            }
        }
        out
    }
}
