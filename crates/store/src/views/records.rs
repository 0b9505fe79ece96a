//! What is kept about one system: its documents, agreements, exit checklist, duties and what
//! was done of them, and what a lifecycle move would find unmet now.

use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::gdpr::ProcessingAgreement;
use systemejer_domain::lifecycle::{Refusal, TransitionRequest, Unmet};
use systemejer_domain::obligations::{Completion, Obligation, ObligationKind};
use systemejer_domain::records::Recorded;
use systemejer_domain::{PersonId, RecordId, SystemId};

use crate::tables::documents::{self, RecordKind};
use crate::tables::{agreements, exit_steps, obligations, systems};
use crate::{Store, StoreError, duties, facts};

impl Store {
    /// The records of kind `D` of a system, oldest first.
    pub fn list_records<D: RecordKind>(&self, system: SystemId) -> Result<Vec<Recorded<D>>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            documents::list(conn, system)
        })
    }

    /// One record of kind `D` of a system (`id` is `None` for the singleton kinds).
    pub fn get_record<D: RecordKind>(&self, system: SystemId, id: Option<RecordId>) -> Result<Recorded<D>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            documents::find(conn, system, id)
        })
    }

    /// The agreements of a system.
    pub fn list_agreements(&self, system: SystemId) -> Result<Vec<ProcessingAgreement>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            agreements::of_system(conn, system)
        })
    }

    /// The exit checklist of a system (empty until it is being shut down).
    pub fn exit_checklist(&self, system: SystemId) -> Result<Vec<ExitStep>, StoreError> {
        self.read(|conn| {
            let links = systems::get(conn, system)?.self_service_links;
            let mut steps = exit_steps::of_system(conn, system)?;
            for step in steps.iter_mut().filter(|s| s.step == ExitStepKind::SelfServiceLinksRemoved) {
                step.links.clone_from(&links);
            }
            Ok(steps)
        })
    }

    /// The obligations of a system, as they stand today.
    pub fn list_obligations(&self, system: SystemId) -> Result<Vec<Obligation>, StoreError> {
        let today = self.today();
        self.read(|conn| {
            let found = systems::get(conn, system)?;
            let stored = obligations::of_systems(conn, &[system.to_string()])?.remove(&system.to_string());
            Ok(duties::shown(&found, &stored.unwrap_or_default(), today))
        })
    }

    /// The completions of one duty of a system, newest first.
    pub fn list_completions(&self, system: SystemId, kind: ObligationKind) -> Result<Vec<Completion>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            obligations::completions(conn, system, kind)
        })
    }

    /// What `request`, made by the person `by`, would find unmet now, without moving (empty
    /// when it would pass); and, for a system past procurement, whether its owner is missing or
    /// no longer eligible.
    pub fn readiness(
        &self,
        id: SystemId,
        request: &TransitionRequest,
        by: Option<PersonId>,
    ) -> Result<(Vec<Unmet>, Option<Unmet>), StoreError> {
        let today = self.today();
        self.read(|conn| {
            let facts = facts::load(conn, id)?;
            let owner = facts::owner(conn, &facts.system)?;
            let flagged = systemejer_domain::lifecycle::owner_ineligible(&facts.system, owner);
            match facts.evaluate(owner, request, by, today) {
                Ok(_) => Ok((Vec::new(), flagged)),
                Err(Refusal::Unmet(unmet)) => Ok((unmet, flagged)),
                Err(refusal @ Refusal::NotAllowed { .. }) => Err(StoreError::Refused(refusal)),
            }
        })
    }

    /// The DPO's advice on a system, oldest first.
    pub fn list_dpo_advice(&self, system: SystemId) -> Result<Vec<systemejer_domain::advice::DpoAdvice>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            crate::tables::dpo_advice::of_system(conn, system)
        })
    }

    /// The handovers of a system's ownership, oldest first.
    pub fn list_owner_handovers(&self, system: SystemId) -> Result<Vec<systemejer_domain::OwnerHandover>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            crate::tables::owner_handovers::of_system(conn, system)
        })
    }
}
