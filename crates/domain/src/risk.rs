//! Risk assessments (*risikovurderinger*) and data protection impact assessments (DPIAs,
//! *konsekvensanalyser*). The owner must see that risks are assessed before a system goes into
//! use, and reassessed after every change; only an assessment the owner approved counts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::{Prose, WebUrl};

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
