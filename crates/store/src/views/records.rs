//! What is kept about one system: its documents, agreements, exit checklist, duties and what
//! was done of them, and what a lifecycle move would find unmet now.

use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::gdpr::ProcessingAgreement;
use systemejer_domain::lifecycle::{Refusal, TransitionRequest, Unmet};
use systemejer_domain::obligations::{Completion, Obligation, ObligationKind};
use systemejer_domain::records::Recorded;
use systemejer_domain::risk::RiskMeasure;
use systemejer_domain::{PersonId, RecordId, SystemId};

use crate::tables::documents::{self, RecordKind};
use crate::tables::{agreements, exit_steps, obligations, risk_measures, systems};
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

    /// One agreement of a system.
    pub fn get_agreement(&self, system: SystemId, id: RecordId) -> Result<ProcessingAgreement, StoreError> {
        self.list_agreements(system)?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| StoreError::NotFound { entity: "processing agreement", id: id.to_string() })
    }

    /// The measures of a system's risk assessments, by their day; of one assessment only when
    /// `assessment` is given.
    pub fn list_risk_measures(
        &self,
        system: SystemId,
        assessment: Option<RecordId>,
    ) -> Result<Vec<RiskMeasure>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            let mut all =
                risk_measures::of_systems(conn, &[system.to_string()])?.remove(&system.to_string()).unwrap_or_default();
            all.retain(|m| assessment.is_none_or(|a| m.risk_assessment_id == a));
            Ok(all)
        })
    }

    /// One measure of a system.
    pub fn get_risk_measure(&self, system: SystemId, id: RecordId) -> Result<RiskMeasure, StoreError> {
        self.list_risk_measures(system, None)?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| StoreError::NotFound { entity: "risk measure", id: id.to_string() })
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
            let key = system.to_string();
            let stored = obligations::of_systems(conn, std::slice::from_ref(&key))?.remove(&key);
            let measures = risk_measures::of_systems(conn, std::slice::from_ref(&key))?.remove(&key);
            Ok(duties::shown(&found, &stored.unwrap_or_default(), &measures.unwrap_or_default(), today))
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
            let flagged = systemejer_domain::lifecycle::owner_ineligible(&facts.system, facts.owner);
            match facts.evaluate(request, by, today) {
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
