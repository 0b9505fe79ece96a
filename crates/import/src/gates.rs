//! What the domain's gates would ask of a drafted system on its way to the state Kitos wants:
//! the facts [`lifecycle::evaluate`] takes, built from the draft and the records the import
//! brings, without the store, so the report can say which duties are missing before anything is
//! written.
//!
//! The facts stand for the register after the apply step: the system as drafted, with its unit
//! and delegates (their ids stand in for those the apply step will make: only their presence
//! matters to a gate), its owner as the owner rule would see the imported person (their drafted
//! position, no manager), its imported records unapproved ([`Counting::AsImported`]) or as if the
//! owner had approved them ([`Counting::OnceConfirmed`]), and its agreements with the drafted
//! processors. The moves are not the owner's own (an import is an admin's act), so a go-live
//! also lists the owner's approval.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use systemejer_domain::gdpr::NewProcessingAgreement;
use systemejer_domain::lifecycle::{self, Refusal};
use systemejer_domain::org::OwnerCandidate;
use systemejer_domain::records::{Recorded, SystemRecords};
use systemejer_domain::{
    Delegate, LifecycleState, OrgUnitId, PersonId, ProcessorId, RecordId, SystemId, TransitionFacts, Unmet,
};
use uuid::Uuid;

use crate::drafts::{Imported, Mapped, SystemDraft};

/// How the imported records count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// As the apply step adds them: unapproved, so they satisfy no gate (see [`crate::records`]).
    AsImported,
    /// As if the owner had confirmed (approved) each: what would be left once they have.
    OnceConfirmed,
}

/// One move on the way from procurement to the wanted state, and what its gates find unmet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateStep {
    /// The state moved from.
    pub from: LifecycleState,
    /// The state moved to.
    pub to: LifecycleState,
    /// Every requirement unmet; empty when the move would be allowed.
    pub unmet: Vec<Unmet>,
}

/// The moves from procurement, where every imported system starts, to `wanted`.
pub fn path_to(wanted: LifecycleState) -> Vec<(LifecycleState, LifecycleState)> {
    use LifecycleState::{Changing, Decommissioning, InUse, Procurement, Retired};
    match wanted {
        Procurement => vec![],
        InUse => vec![(Procurement, InUse)],
        Changing => vec![(Procurement, InUse), (InUse, Changing)],
        Decommissioning => vec![(Procurement, InUse), (InUse, Decommissioning)],
        Retired => vec![(Procurement, InUse), (InUse, Decommissioning), (Decommissioning, Retired)],
    }
}

/// What the gates find unmet on each move of `draft` toward its wanted state, on `today`, with
/// its imported records counted as `counting` says.
pub fn unmet_requirements(mapped: &Mapped, draft: &SystemDraft, today: NaiveDate, counting: Counting) -> Vec<GateStep> {
    let now = today.and_time(NaiveTime::MIN).and_utc();
    let id = SystemId::from_uuid(draft.kitos_uuid);
    let mut system = draft.system.clone().into_system(id, now);
    system.org_unit_id = draft.org_unit.map(OrgUnitId::from_uuid);
    system.owner_id = draft.owner.map(PersonId::from_uuid);
    system.delegates =
        draft.delegates.iter().map(|d| Delegate { person_id: PersonId::from_uuid(d.user), role: d.role }).collect();
    let owner = draft.owner.and_then(|user| mapped.person(user)).map(|person| OwnerCandidate {
        id: PersonId::from_uuid(person.kitos_uuid),
        position: person.person.position,
        active: person.person.active,
        manager_position: None,
    });
    let records = records(mapped, draft, id, now, counting);
    let mut steps = Vec::new();
    for (from, to) in path_to(draft.wanted_state) {
        system.lifecycle_state = from;
        let facts = TransitionFacts {
            system: &system,
            owner,
            records: &records,
            reason: draft.transition_reason.as_deref(),
            change_description: None,
            dpia_needed: None,
            today,
            by_owner: false,
        };
        let unmet = match lifecycle::evaluate(from, to, &facts) {
            Ok(_) | Err(Refusal::NotAllowed { .. }) => Vec::new(),
            Err(Refusal::Unmet(unmet)) => unmet,
        };
        steps.push(GateStep { from, to, unmet });
    }
    steps
}

/// The records the import brings, as the gates read them.
fn records(
    mapped: &Mapped,
    draft: &SystemDraft,
    id: SystemId,
    now: DateTime<Utc>,
    counting: Counting,
) -> SystemRecords {
    let approver = match counting {
        Counting::AsImported => None,
        Counting::OnceConfirmed => Some(draft.owner.map_or(PersonId::from_uuid(Uuid::nil()), PersonId::from_uuid)),
    };
    let mut records = SystemRecords {
        risk_assessments: draft.risk_assessment.iter().map(|r| recorded(r, id, now, approver)).collect(),
        dpias: draft.dpia.iter().map(|r| recorded(r, id, now, approver)).collect(),
        ..SystemRecords::default()
    };
    for agreement in &draft.agreements {
        let processor_id = ProcessorId::from_uuid(agreement.processor);
        let new = NewProcessingAgreement { processor_id, ..agreement.agreement.clone() };
        records.agreements.push(new.into_agreement(RecordId::from_uuid(agreement.registration), id, now));
        if let Some(processor) = mapped.processor(agreement.processor) {
            records.processor_countries.insert(processor_id, processor.processor.country.clone());
            records.processor_names.insert(processor_id, processor.processor.name.as_str().to_owned());
        }
    }
    records
}

/// An imported record as kept, approved by `approver` where one is given.
fn recorded<D: Clone>(
    imported: &Imported<D>,
    id: SystemId,
    now: DateTime<Utc>,
    approver: Option<PersonId>,
) -> Recorded<D> {
    Recorded {
        id: RecordId::from_uuid(Uuid::nil()),
        system_id: id,
        record: imported.record.clone(),
        recorded_by: "import from OS2 Kitos".to_owned(),
        recorded_at: now,
        approved_by: approver,
        approved_at: approver.map(|_| now),
    }
}
