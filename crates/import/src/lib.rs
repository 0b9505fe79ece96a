//! Maps what a municipality keeps in OS2 Kitos (a [`Snapshot`]) to what the register would hold:
//! drafts built of the domain's own inputs, each beside its Kitos uuid, and findings. The
//! mapping ([`map`]) is pure: no store, no I/O, no clock; [`apply`] plans and writes it through
//! the store's use cases.
//!
//! Order of work in [`map`]: units, the roles (which is the owner's), the people who hold kept
//! roles, the registrations' processors and agreements, the usages as systems (each with its
//! records and agreements), and last every unknown value not reported yet.

pub mod apply;
pub mod archive;
pub mod criticality;
pub mod description;
mod drafts;
mod finding;
pub mod gates;
mod kle;
pub mod lifecycle;
mod options;
pub mod oversight;
pub mod people;
pub mod personal_data;
pub mod records;
pub mod registrations;
mod resolve;
mod roles;
mod subjects;
pub mod systems;
pub mod transfer;
mod units;
mod unknown;
mod usage;

use std::collections::HashSet;

use systemejer_kitos::Snapshot;

pub use drafts::{
    AgreementDraft, DelegateDraft, Imported, Mapped, PersonDraft, ProcessorDraft, SystemDraft, UnitDraft,
};
pub use finding::{Finding, Place, Severity, Subject, SubjectKind};
pub use gates::{Counting, GateStep, unmet_requirements};
pub use options::{MapOptions, default_delegate_roles};
pub use resolve::RegisterIds;

/// What `snapshot` maps to under `options`.
pub fn map(snapshot: &Snapshot, options: &MapOptions) -> Mapped {
    let mut findings = Vec::new();
    let units = units::map(snapshot, &mut findings);
    let roles = roles::Roles::resolve(snapshot, options, &mut findings);
    let people = people::map(snapshot, &roles, options, &mut findings);
    let registrations = registrations::map(snapshot, options, &mut findings);
    let context = systems::Context {
        snapshot,
        options,
        roles: &roles,
        people: &people,
        units: units.iter().map(|unit| unit.kitos_uuid).collect::<HashSet<_>>(),
    };
    let (systems, not_imported) = systems::map(&context, registrations.agreements, &mut findings);
    unknown::report(snapshot, &mut findings);
    Mapped { units, people: people.drafts, processors: registrations.processors, systems, not_imported, findings }
}
