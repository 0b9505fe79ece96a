//! A catalogue IT system (`GET api/v2/it-systems/{uuid}`, API-V2.md §7).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{ExternalReference, Org, Ref};
use crate::choice::Choice;
use crate::de::null_default;
use crate::enums::{RecommendedArchiveDuty, SystemScope};
use crate::time::Timestamp;

/// An IT system in the shared catalogue, which usages refer to in `systemContext`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ItSystem {
    #[serde(deserialize_with = "null_default")]
    pub using_organizations: Vec<Org>,
    pub last_modified: Option<Timestamp>,
    pub last_modified_by: Option<Ref>,
    pub scope: Option<Choice<SystemScope>>,
    /// Where the catalogue entry was created.
    pub organization_context: Option<Org>,
    pub legal_name: Option<String>,
    pub legal_data_processor_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub external_uuid: Option<Uuid>,
    pub parent_system: Option<Ref>,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    pub former_name: Option<String>,
    pub description: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub external_references: Vec<ExternalReference>,
    /// KLE references; `name` is the KLE number (`"85.02.10"`).
    #[serde(deserialize_with = "null_default")]
    pub kle: Vec<Ref>,
    pub deactivated: Option<bool>,
    pub business_type: Option<Ref>,
    /// The rights holder ("rettighedshaver").
    pub rights_holder: Option<Org>,
    pub created: Option<Timestamp>,
    pub created_by: Option<Ref>,
    pub recommended_archive_duty: Option<RecommendedArchiveDutyInfo>,
    #[serde(deserialize_with = "null_default")]
    pub main_contract_suppliers: Vec<Org>,
}

/// `recommendedArchiveDuty`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RecommendedArchiveDutyInfo {
    pub comment: Option<String>,
    pub id: Option<Choice<RecommendedArchiveDuty>>,
}
