//! What the register would hold after an import: drafts built of the domain's own input types,
//! each beside the Kitos uuid it comes from, and the findings.
//!
//! A draft refers to other drafts by their Kitos uuids, never by register ids, which do not
//! exist until the apply step has created the things: the id fields of the domain inputs
//! (`parent_id`, `owner_id`, `org_unit_id`, `delegates`, `processor_id`, a completion's
//! `subject`) are left empty here and filled by [`crate::RegisterIds`].

use systemejer_domain::gdpr::{NewProcessingAgreement, NewProcessor};
use systemejer_domain::obligations::NewCompletion;
use systemejer_domain::risk::{Dpia, RiskAssessment};
use systemejer_domain::{DelegateRole, LifecycleState, NewOrgUnit, NewPerson, NewSystem};
use uuid::Uuid;

use crate::finding::{Finding, Place, Subject};

/// Everything one Kitos snapshot maps to. The lists are in the order the apply step creates
/// them: units (parents before children), people, processors, then systems with their records
/// and agreements.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// Organization units, parents first.
    pub units: Vec<UnitDraft>,
    /// The people who hold a role the register keeps (owner or delegate).
    pub people: Vec<PersonDraft>,
    /// The data processors of the registrations.
    pub processors: Vec<ProcessorDraft>,
    /// The usages that import whole, in Kitos's order.
    pub systems: Vec<SystemDraft>,
    /// The usages kept out by an error finding: in the report, not in the register.
    pub not_imported: Vec<Subject>,
    /// Everything found, errors and warnings, with `Snapshot::unknown_values` among them.
    pub findings: Vec<Finding>,
}

impl Mapped {
    /// The system draft of the usage `uuid`, if it imports.
    pub fn system(&self, uuid: Uuid) -> Option<&SystemDraft> {
        self.systems.iter().find(|draft| draft.kitos_uuid == uuid)
    }

    /// The person draft of the Kitos user `uuid`, if imported.
    pub fn person(&self, uuid: Uuid) -> Option<&PersonDraft> {
        self.people.iter().find(|draft| draft.kitos_uuid == uuid)
    }

    /// The unit draft of the Kitos unit `uuid`, if imported.
    pub fn unit(&self, uuid: Uuid) -> Option<&UnitDraft> {
        self.units.iter().find(|draft| draft.kitos_uuid == uuid)
    }

    /// The processor draft of the Kitos organization `uuid`, if imported.
    pub fn processor(&self, uuid: Uuid) -> Option<&ProcessorDraft> {
        self.processors.iter().find(|draft| draft.kitos_uuid == uuid)
    }

    /// The findings about the Kitos thing `uuid`.
    pub fn findings_about(&self, uuid: Uuid) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |finding| finding.is_about(uuid))
    }
}

/// An organization unit to create.
#[derive(Debug, Clone)]
pub struct UnitDraft {
    /// The unit's Kitos uuid.
    pub kitos_uuid: Uuid,
    /// The parent unit's Kitos uuid; `None` for a top unit.
    pub parent: Option<Uuid>,
    /// The unit, its `parent_id` empty.
    pub unit: NewOrgUnit,
}

/// A person to create, identified by their e-mail address.
#[derive(Debug, Clone)]
pub struct PersonDraft {
    /// The user's Kitos uuid.
    pub kitos_uuid: Uuid,
    /// The person, with [`crate::MapOptions::default_position`], no unit and no manager (Kitos
    /// keeps neither for a user).
    pub person: NewPerson,
}

/// A data processor to create.
#[derive(Debug, Clone)]
pub struct ProcessorDraft {
    /// The organization's Kitos uuid.
    pub kitos_uuid: Uuid,
    /// The processor.
    pub processor: NewProcessor,
}

/// A system to create, with what the import brings about it.
#[derive(Debug, Clone)]
pub struct SystemDraft {
    /// The usage's Kitos uuid.
    pub kitos_uuid: Uuid,
    /// The usage's index in `it-system-usages.json`.
    pub kitos_index: usize,
    /// The system, its `owner_id`, `org_unit_id` and `delegates` empty.
    pub system: NewSystem,
    /// The responsible unit's Kitos uuid.
    pub org_unit: Option<Uuid>,
    /// The Kitos user who holds the owner role, when imported as a person.
    pub owner: Option<Uuid>,
    /// The Kitos users who hold a delegate role, when imported as people.
    pub delegates: Vec<DelegateDraft>,
    /// The lifecycle state the Kitos status asks for (see [`crate::lifecycle`]). The system is
    /// created in procurement; the apply step moves it on only where the domain's gates let it.
    pub wanted_state: LifecycleState,
    /// The reason to give with the move into decommissioning, where that is wanted.
    pub transition_reason: Option<String>,
    /// The risk assessment Kitos records, as an imported fact (see [`crate::records`]).
    pub risk_assessment: Option<Imported<RiskAssessment>>,
    /// The DPIA Kitos records, as an imported fact.
    pub dpia: Option<Imported<Dpia>>,
    /// The agreements with the processors of the registrations that cover the usage.
    pub agreements: Vec<AgreementDraft>,
    /// The system's fields (as the API names them) that Kitos gives a value for that could
    /// not be read (each reported): a later run keeps what the register has for them.
    pub unread: Vec<&'static str>,
}

/// A delegate to give the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegateDraft {
    /// The Kitos user.
    pub user: Uuid,
    /// What they do.
    pub role: DelegateRole,
}

/// A record as the import brings it: a fact Kitos holds, which the owner must confirm. It is
/// added unapproved (see [`crate::records`] for why it does not satisfy a gate until then).
#[derive(Debug, Clone)]
pub struct Imported<D> {
    /// The record.
    pub record: D,
    /// Where in Kitos it comes from.
    pub source: Place,
}

/// A data processing agreement between a system and a processor, from a registration.
#[derive(Debug, Clone)]
pub struct AgreementDraft {
    /// The registration's Kitos uuid.
    pub registration: Uuid,
    /// The processor's Kitos organization uuid.
    pub processor: Uuid,
    /// The agreement, its `processor_id` nil until resolved.
    pub agreement: NewProcessingAgreement,
    /// The oversight interval Kitos gives, in months (`BiYearly` 6, `Yearly` 12,
    /// `EveryOtherYear` 24, `EveryThirdYear` 36), where it gives one. The agreement keeps the
    /// nearest interval the register allows (see [`crate::registrations`]).
    pub kitos_interval_months: Option<u32>,
    /// The completed oversights, as completions of the `processor_supervision` duty, each
    /// with `subject` empty until the agreement exists.
    pub supervisions: Vec<NewCompletion>,
}
