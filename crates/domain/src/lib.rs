//! The business of system ownership in a Danish municipality, as types and pure rules.
//!
//! A reader who knows the guidance (*systemejerskab*) finds its terms here: the [`System`] and
//! its description, the owner (*systemejer*) and who may be one, delegates, and the
//! [`lifecycle`] whose transitions are refused until the duties that guard them are done.
//! Nothing here reads the clock, a file or a database: time and facts come in as arguments.

#[macro_use]
mod macros;

pub mod ids;
pub mod lifecycle;
pub mod org;
pub mod records;
pub mod system;
pub mod values;

pub use ids::{OrgUnitId, PersonId, SystemId};
pub use lifecycle::{LifecycleState, Refusal, TransitionFacts, Unmet};
pub use org::{
    NewOrgUnit, NewPerson, OrgUnit, OrgUnitChanges, OrgUnitKind, OwnerCandidate, OwnerIneligible, Person,
    PersonChanges, Position,
};
pub use records::{AuditAction, AuditEvent, Deletion, EntityType, TransitionRecord};
pub use system::{
    Criticality, DataFormat, Delegate, DelegateRole, NewSystem, SelfServiceLink, System, SystemChanges, SystemKind,
};
pub use values::{EmailAddress, KleCode, Name, ParseError, Prose, Text, Violation};
