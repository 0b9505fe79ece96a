//! The Kitos API v2 response shapes (API-V2.md §4–§7), for the 2026 and the 2025 builds alike.
//!
//! The rule throughout: scalars are `Option` (absent and `null` alike are `None`); lists are
//! `Vec` and nested objects are structs, both empty when absent or `null`; ids are `Uuid` (nil
//! when absent) and names `String` (empty when absent). Unknown keys are ignored.

mod common;
mod delta;
mod dpr;
mod organization;
mod system;
mod usage;

pub use common::{ExternalReference, Link, Org, Ref, RoleAssignment};
pub use delta::DeletedEntity;
pub use dpr::{
    DataProcessingRegistration, DprGeneral, DprSystemUsage, DprValidity, Oversight, OversightDate, SubDataProcessor,
};
pub use organization::{OrganizationUnit, OrganizationUser, RoleType};
pub use system::{ItSystem, RecommendedArchiveDutyInfo};
pub use usage::{
    Archiving, ExpectedUsers, ItSystemUsage, JournalPeriod, LocalKleDeviations, OrganizationUsage, SystemRelation,
    UsageGdpr, UsageGeneral, UsageValidity,
};
