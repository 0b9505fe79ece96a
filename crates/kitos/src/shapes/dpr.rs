//! A data processing registration ("databehandling", `GET api/v2/data-processing-registrations`,
//! API-V2.md §6), read in the 2026 and the 2025 shapes alike.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{ExternalReference, Link, Org, Ref, RoleAssignment};
use crate::choice::Choice;
use crate::de::null_default;
use crate::enums::{AgreementConcluded, DprValidationError, OversightInterval, YesNoUndecided};
use crate::time::Timestamp;

/// A data processing registration: the agreement with the data processors of one or more usages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DataProcessingRegistration {
    /// Unique within the organization.
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub created_by: Option<Ref>,
    pub last_modified: Option<Timestamp>,
    pub last_modified_by: Option<Ref>,
    pub organization_context: Option<Org>,
    #[serde(deserialize_with = "null_default")]
    pub general: DprGeneral,
    /// The usages it covers.
    #[serde(deserialize_with = "null_default")]
    pub system_usages: Vec<DprSystemUsage>,
    #[serde(deserialize_with = "null_default")]
    pub oversight: Oversight,
    #[serde(deserialize_with = "null_default")]
    pub roles: Vec<RoleAssignment>,
    #[serde(deserialize_with = "null_default")]
    pub external_references: Vec<ExternalReference>,
}

/// `general`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DprGeneral {
    pub data_responsible: Option<Ref>,
    pub data_responsible_remark: Option<String>,
    /// Whether a data processing agreement has been concluded.
    pub is_agreement_concluded: Option<Choice<AgreementConcluded>>,
    pub is_agreement_concluded_remark: Option<String>,
    pub agreement_concluded_at: Option<Timestamp>,
    pub basis_for_transfer: Option<Ref>,
    pub transfer_to_insecure_third_countries: Option<Choice<YesNoUndecided>>,
    #[serde(deserialize_with = "null_default")]
    pub insecure_countries_subject_to_data_transfer: Vec<Ref>,
    #[serde(deserialize_with = "null_default")]
    pub data_processors: Vec<Org>,
    pub has_sub_data_processors: Option<Choice<YesNoUndecided>>,
    #[serde(deserialize_with = "null_default")]
    pub sub_data_processors: Vec<SubDataProcessor>,
    /// 2026 (2025: `valid`); read it with [`DataProcessingRegistration::is_valid`].
    pub validity: Option<DprValidity>,
    /// 2025 only.
    pub valid: Option<bool>,
    pub main_contract: Option<Ref>,
    #[serde(deserialize_with = "null_default")]
    pub associated_contracts: Vec<Ref>,
    pub responsible_organization_unit: Option<Ref>,
}

/// `general.validity` (2026). Does not depend on the agreement's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DprValidity {
    pub valid: Option<bool>,
    pub enforce_invalidity: Option<bool>,
    #[serde(deserialize_with = "null_default")]
    pub validation_errors: Vec<Choice<DprValidationError>>,
}

/// `general.subDataProcessors[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubDataProcessor {
    pub data_processor_organization: Option<Org>,
    pub basis_for_transfer: Option<Ref>,
    pub transfer_to_insecure_third_country: Option<Choice<YesNoUndecided>>,
    pub insecure_third_country_subject_to_data_processing: Option<Ref>,
}

/// `systemUsages[]`: `uuid` is the usage's, `name` the catalogue system's. `valid` is 2026 only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DprSystemUsage {
    pub valid: Option<bool>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

/// `oversight`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Oversight {
    /// The oversight methods (local options, e.g. "ISAE 3000").
    #[serde(deserialize_with = "null_default")]
    pub oversight_options: Vec<Ref>,
    pub oversight_options_remark: Option<String>,
    pub oversight_interval: Option<Choice<OversightInterval>>,
    pub oversight_interval_remark: Option<String>,
    pub is_oversight_completed: Option<Choice<YesNoUndecided>>,
    pub oversight_completed_remark: Option<String>,
    /// The next planned oversight.
    pub oversight_scheduled_inspection_date: Option<Timestamp>,
    #[serde(deserialize_with = "null_default")]
    pub oversight_dates: Vec<OversightDate>,
}

/// `oversight.oversightDates[]`: a completed oversight. The link and option are 2026 only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OversightDate {
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub completed_at: Option<Timestamp>,
    pub remark: Option<String>,
    pub oversight_report_link: Option<Link>,
    pub oversight_option: Option<Ref>,
}

impl DataProcessingRegistration {
    /// Whether Kitos counts it valid: `general.validity.valid` (2026) or `general.valid` (2025).
    pub fn is_valid(&self) -> Option<bool> {
        self.general.validity.as_ref().and_then(|validity| validity.valid).or(self.general.valid)
    }

    /// Whether it covers the usage `usage_uuid`.
    pub fn covers(&self, usage_uuid: Uuid) -> bool {
        self.system_usages.iter().any(|usage| usage.uuid == usage_uuid)
    }

    /// The latest completed oversight.
    pub fn latest_oversight(&self) -> Option<&OversightDate> {
        self.oversight
            .oversight_dates
            .iter()
            .filter(|date| date.completed_at.is_some())
            .max_by_key(|date| date.completed_at)
    }
}
