//! Operating a system safely: documented procedures (user administration, access reviews,
//! backup, logging) and the IT contingency plan (*it-beredskab*) for critical systems.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::{Name, Prose, WebUrl};

string_enum! {
    /// What a procedure describes.
    pub enum ProcedureKind {
        /// *Brugerstyring*: creating, changing and deleting users.
        UserAdministration => "user_administration",
        /// *Kontrol af brugeradgange*: how access is reviewed.
        AccessReview => "access_review",
        /// How backups are taken and restore-tested.
        Backup => "backup",
        /// What is logged, and how logs are sampled for misuse.
        Logging => "logging",
        /// Anything else.
        Other => "other",
    }
}

/// A documented procedure. It counts once it has an approval date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// What it describes.
    pub kind: ProcedureKind,
    /// Its title.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "Brugeroprettelse i Nexus"))]
    pub title: Name,
    /// Where it is kept.
    pub document_url: WebUrl,
    /// When it was approved; `null` while it is a draft.
    #[serde(default)]
    pub approved_on: Option<NaiveDate>,
}

/// The IT contingency plan: how work goes on while the system is down. It counts once the
/// owner has approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContingencyPlan {
    /// Where the plan is kept.
    pub document_url: WebUrl,
    /// The manual procedures used while the system is down.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub manual_procedures: Prose,
}
