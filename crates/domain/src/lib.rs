//! The business of system ownership in a Danish municipality, as types and pure rules.
//!
//! A reader who knows the guidance (*systemejerskab*) finds its terms here: the [`System`] and
//! its description, the owner (*systemejer*) and who may be one, delegates, and the
//! [`lifecycle`] whose transitions are refused until the duties that guard them are done.
//! Nothing here reads the clock, a file or a database: time and facts come in as arguments.

#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod advice;
pub mod calendar;
pub mod danish;
pub mod exit;
pub mod gdpr;
pub mod history;
pub mod ids;
pub mod incidents;
pub mod lifecycle;
pub mod obligations;
pub mod operations;
pub mod org;
pub mod records;
pub mod reminders;
pub mod reports;
pub mod risk;
pub mod system;
pub mod values;
pub mod webhooks;

pub use history::{AuditAction, AuditEvent, Deletion, EntityType, TransitionRecord};
pub use ids::{OrgUnitId, PersonId, ProcessorId, RecordId, SystemId, WebhookId};
pub use lifecycle::{LifecycleState, Refusal, TransitionFacts, TransitionRequest, Unmet};
pub use org::{
    Language, NewOrgUnit, NewPerson, OrgUnit, OrgUnitChanges, OrgUnitKind, OwnerCandidate, OwnerHandover,
    OwnerHandoverRequest, OwnerIneligible, Person, PersonChanges, Position,
};
pub use system::{
    ArchiveStatus, Criticality, DataFormat, Delegate, DelegateRole, HostedAt, NewSystem, SelfServiceLink, System,
    SystemChanges, SystemKind,
};
pub use values::{EmailAddress, KleCode, Name, ParseError, Prose, Text, Violation, WebUrl};
