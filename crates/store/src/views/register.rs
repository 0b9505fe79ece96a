//! The register's entities, one at a time or as lists: org units, people, systems (with their
//! lifecycle history and changes), processors.

use systemejer_domain::gdpr::Processor;
use systemejer_domain::records::SystemChange;
use systemejer_domain::{
    EmailAddress, OrgUnit, OrgUnitId, Person, PersonId, ProcessorId, System, SystemId, TransitionRecord,
};

use crate::tables::org_units::OrgUnitFilter;
use crate::tables::people::PersonFilter;
use crate::tables::processors::ProcessorFilter;
use crate::tables::systems::SystemFilter;
use crate::tables::{org_units, people, processors, system_changes, systems, transitions};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// Every system's id and name (what an import matches its new systems against).
    pub fn system_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(systems::all_names)
    }

    /// Every processor's id and name.
    pub fn processor_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(processors::all_names)
    }

    /// One unit.
    pub fn get_org_unit(&self, id: OrgUnitId) -> Result<OrgUnit, StoreError> {
        self.read(|conn| org_units::get(conn, id))
    }

    /// Units matching `filter`, in sync order.
    pub fn list_org_units(&self, filter: &OrgUnitFilter, page: &PageRequest) -> Result<Page<OrgUnit>, StoreError> {
        self.read(|conn| org_units::list(conn, filter, page))
    }

    /// One person.
    pub fn get_person(&self, id: PersonId) -> Result<Person, StoreError> {
        self.read(|conn| people::get(conn, id))
    }

    /// The person with this email, if any: how a token is matched to a person.
    pub fn find_person_by_email(&self, email: &EmailAddress) -> Result<Option<Person>, StoreError> {
        self.read(|conn| people::find_by_email(conn, email))
    }

    /// People matching `filter`, in sync order.
    pub fn list_people(&self, filter: &PersonFilter, page: &PageRequest) -> Result<Page<Person>, StoreError> {
        self.read(|conn| {
            let units = org_units::keys_in_scope(conn, filter.org_unit_id, filter.org_unit_scope)?;
            people::list(conn, filter, units.as_deref(), page)
        })
    }

    /// One system.
    pub fn get_system(&self, id: SystemId) -> Result<System, StoreError> {
        self.read(|conn| systems::get(conn, id))
    }

    /// Systems matching `filter`, in sync order.
    pub fn list_systems(&self, filter: &SystemFilter, page: &PageRequest) -> Result<Page<System>, StoreError> {
        self.read(|conn| {
            let units = org_units::keys_in_scope(conn, filter.org_unit_id, filter.org_unit_scope)?;
            systems::list(conn, filter, units.as_deref(), page)
        })
    }

    /// A system's lifecycle history, oldest first.
    pub fn list_transitions(&self, id: SystemId) -> Result<Vec<TransitionRecord>, StoreError> {
        self.read(|conn| {
            systems::get(conn, id)?;
            transitions::of_system(conn, id)
        })
    }

    /// A system's changes, oldest first.
    pub fn list_changes(&self, system: SystemId) -> Result<Vec<SystemChange>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            system_changes::of_system(conn, system)
        })
    }

    /// One processor.
    pub fn get_processor(&self, id: ProcessorId) -> Result<Processor, StoreError> {
        self.read(|conn| processors::get(conn, id))
    }

    /// Processors matching `filter`, in sync order.
    pub fn list_processors(&self, filter: &ProcessorFilter, page: &PageRequest) -> Result<Page<Processor>, StoreError> {
        self.read(|conn| processors::list(conn, filter, page))
    }
}
