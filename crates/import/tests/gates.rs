//! What the domain's gates would ask of the drafts, with the imported records unconfirmed and
//! confirmed; and the drafts resolved to the store's inputs once the register ids exist.

mod support;

use support::*;
use systemejer_domain::{LifecycleState, OrgUnitId, PersonId, ProcessorId, RecordId};
use systemejer_import::{Counting, RegisterIds, unmet_requirements};
use uuid::Uuid;

fn codes(steps: &[systemejer_import::GateStep]) -> Vec<Vec<&'static str>> {
    steps.iter().map(|s| s.unmet.iter().map(|u| u.code).collect()).collect()
}

#[test]
fn imported_records_satisfy_no_gate_until_the_owner_confirms_them() {
    for year in YEARS {
        let mapped = mapped(year);
        let esdh = system(&mapped, ESDH);
        let imported = unmet_requirements(&mapped, esdh, today(), Counting::AsImported);
        assert_eq!(imported.len(), 1);
        assert_eq!((imported[0].from, imported[0].to), (LifecycleState::Procurement, LifecycleState::InUse));
        let as_imported = &codes(&imported)[0];
        assert!(as_imported.contains(&"risk_assessment_data_subject_missing"), "{year}: unapproved");
        assert!(as_imported.contains(&"owner_not_management"), "{year}: drafted as an employee");
        assert!(as_imported.contains(&"owner_approval_missing"), "{year}: the import is not the owner's act");
        assert!(!as_imported.contains(&"processing_agreement_missing"), "{year}: signed, in force");
        assert!(!as_imported.contains(&"transfer_basis_missing"), "{year}: standard contractual clauses");
        assert!(!as_imported.contains(&"archive_status_undecided"));
        assert!(as_imported.contains(&"archive_body_missing"), "{year}: preserve, but Kitos names no archive body");

        let confirmed = codes(&unmet_requirements(&mapped, esdh, today(), Counting::OnceConfirmed))[0].clone();
        assert!(!confirmed.contains(&"risk_assessment_data_subject_missing"), "{year}");
        assert!(confirmed.contains(&"risk_assessment_information_security_missing"), "{year}: not in Kitos");
        assert!(confirmed.contains(&"dpia_decision_missing"), "{year}: the DPO consultation is not in Kitos");
        assert_eq!(as_imported.len(), confirmed.len() + 1);
    }
}

#[test]
fn the_gates_are_asked_along_the_way_to_the_wanted_state() {
    for year in YEARS {
        let mapped = mapped(year);
        let jour = unmet_requirements(&mapped, system(&mapped, JOUR), today(), Counting::AsImported);
        let moves: Vec<_> = jour.iter().map(|s| (s.from, s.to)).collect();
        assert_eq!(
            moves,
            [
                (LifecycleState::Procurement, LifecycleState::InUse),
                (LifecycleState::InUse, LifecycleState::Decommissioning)
            ],
            "{year}"
        );
        assert!(!jour[0].unmet.is_empty());
        assert!(jour[1].unmet.is_empty(), "{year}: the reason is the Kitos status");
        assert!(unmet_requirements(&mapped, system(&mapped, BYG), today(), Counting::AsImported).is_empty());

        let lon = codes(&unmet_requirements(&mapped, system(&mapped, LON), today(), Counting::AsImported))[0].clone();
        assert!(lon.contains(&"owner_missing"), "{year}");
        assert!(lon.contains(&"processing_agreement_not_in_force"), "{year}: not concluded");
        assert!(lon.contains(&"processing_agreement_missing"), "{year}: run externally, no agreement in force");
    }
}

#[test]
fn drafts_resolve_to_the_store_inputs_with_register_ids() {
    let mapped = mapped("2026");
    let esdh = system(&mapped, ESDH);
    let id = |n: u128| Uuid::from_u128(n);
    let mut ids = RegisterIds::default();
    ids.org_units.insert(IT_UNIT, OrgUnitId::from_uuid(id(1)));
    ids.people.insert(ANNE, PersonId::from_uuid(id(2)));
    ids.people.insert(BO, PersonId::from_uuid(id(3)));
    ids.processors.insert(DOKUMENTSYSTEMER, ProcessorId::from_uuid(id(4)));

    let new = esdh.new_system(&ids);
    assert_eq!(new.org_unit_id, Some(OrgUnitId::from_uuid(id(1))));
    assert_eq!(new.owner_id, None, "Anne's position is not known to be eligible");
    assert_eq!(new.delegates.len(), 1);
    assert_eq!(new.delegates[0].person_id, PersonId::from_uuid(id(3)));

    ids.eligible_owners.insert(PersonId::from_uuid(id(2)));
    assert_eq!(esdh.new_system(&ids).owner_id, Some(PersonId::from_uuid(id(2))));

    let agreement = esdh.agreements[0].new_agreement(&ids).unwrap();
    assert_eq!(agreement.processor_id, ProcessorId::from_uuid(id(4)));
    assert_eq!(agreement.signed_on, Some(day("2019-03-01")));
    let completions = esdh.agreements[0].completions(RecordId::from_uuid(id(5)));
    assert_eq!(completions.len(), 2);
    assert!(completions.iter().all(|c| c.subject == Some(RecordId::from_uuid(id(5)))));
    assert!(system(&mapped, JOB).agreements[0].new_agreement(&ids).is_none(), "Dialogsoft not created yet");

    let units: Vec<_> = mapped.units.iter().map(|u| u.new_org_unit(&ids)).collect();
    let it = mapped.units.iter().position(|u| u.kitos_uuid == IT_UNIT).unwrap();
    assert_eq!(units[it].parent_id, None, "its parent, Teknik og Miljø, has no register id in this map");
}
