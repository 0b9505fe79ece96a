//! From drafts to the exact inputs of the store's use cases, once the apply step knows the
//! register ids of what it has created: the Kitos uuids in a draft become register ids.

use std::collections::{HashMap, HashSet};

use systemejer_domain::gdpr::NewProcessingAgreement;
use systemejer_domain::obligations::NewCompletion;
use systemejer_domain::{Delegate, NewOrgUnit, NewPerson, NewSystem, OrgUnitId, PersonId, ProcessorId, RecordId};
use uuid::Uuid;

use crate::drafts::{AgreementDraft, PersonDraft, SystemDraft, UnitDraft};

/// The register ids of what the apply step has created (or found), by Kitos uuid.
#[derive(Debug, Clone, Default)]
pub struct RegisterIds {
    /// Units, by the Kitos unit uuid.
    pub org_units: HashMap<Uuid, OrgUnitId>,
    /// People, by the Kitos user uuid.
    pub people: HashMap<Uuid, PersonId>,
    /// The people the owner rule admits today (their position set by an admin since, or given
    /// by the import options). Only these are made owners: the register refuses anyone else.
    pub eligible_owners: HashSet<PersonId>,
    /// Processors, by the Kitos organization uuid.
    pub processors: HashMap<Uuid, ProcessorId>,
}

impl UnitDraft {
    /// The unit to create, below its parent where the parent exists.
    pub fn new_org_unit(&self, ids: &RegisterIds) -> NewOrgUnit {
        let mut unit = self.unit.clone();
        unit.parent_id = self.parent.and_then(|parent| ids.org_units.get(&parent).copied());
        unit
    }
}

impl PersonDraft {
    /// The person to create (Kitos gives no unit and no manager to resolve).
    pub fn new_person(&self) -> NewPerson {
        self.person.clone()
    }
}

impl SystemDraft {
    /// The system to create: its unit and delegates where they exist, and its owner where the
    /// owner rule admits them. A delegate who is also the owner is left out (the register
    /// refuses that).
    pub fn new_system(&self, ids: &RegisterIds) -> NewSystem {
        let mut system = self.system.clone();
        system.org_unit_id = self.org_unit.and_then(|unit| ids.org_units.get(&unit).copied());
        system.owner_id = self
            .owner
            .and_then(|user| ids.people.get(&user).copied())
            .filter(|person| ids.eligible_owners.contains(person));
        system.delegates = self
            .delegates
            .iter()
            .filter_map(|delegate| {
                let person_id = ids.people.get(&delegate.user).copied()?;
                (Some(person_id) != system.owner_id).then_some(Delegate { person_id, role: delegate.role })
            })
            .collect();
        system
    }
}

impl AgreementDraft {
    /// The agreement to add to the system, once its processor exists.
    pub fn new_agreement(&self, ids: &RegisterIds) -> Option<NewProcessingAgreement> {
        let processor_id = ids.processors.get(&self.processor).copied()?;
        Some(NewProcessingAgreement { processor_id, ..self.agreement.clone() })
    }

    /// The completed oversights, as completions of the agreement `agreement`.
    pub fn completions(&self, agreement: RecordId) -> Vec<NewCompletion> {
        self.supervisions
            .iter()
            .cloned()
            .map(|completion| NewCompletion { subject: Some(agreement), ..completion })
            .collect()
    }
}
