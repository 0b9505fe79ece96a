//! Usages become system drafts: the fully documented one field by field, the others by what
//! each is in the fixtures to show. Every test runs on both fixture sets.

mod support;

use support::*;
use systemejer_domain::risk::{RiskLevel, RiskPerspective};
use systemejer_domain::{ArchiveStatus, Criticality, DelegateRole, HostedAt, LifecycleState, Position, SystemKind};
use systemejer_import::{DelegateDraft, MapOptions, Severity, SubjectKind};

#[test]
fn the_fully_documented_usage_maps_field_by_field() {
    for year in YEARS {
        let mapped = mapped(year);
        let esdh = system(&mapped, ESDH);
        let s = &esdh.system;
        assert_eq!(s.name.as_str(), "ESDH", "{year}: the local name before the catalogue's");
        assert_eq!(s.kind, SystemKind::ItSystem);
        assert_eq!(
            s.purpose.as_ref().map(systemejer_domain::Text::as_str),
            Some("Sags- og dokumenthåndtering for hele kommunen.")
        );
        assert_eq!(
            s.description.as_ref().map(systemejer_domain::Text::as_str),
            Some("Elektronisk sags- og dokumenthåndtering.")
        );
        assert_eq!(s.vendor.as_ref().map(systemejer_domain::Text::as_str), Some("Dokumentsystemer A/S"));
        assert_eq!(s.hosted_at, Some(HostedAt::External), "{year}");
        let data = (s.processes_personal_data, s.processes_sensitive_data, s.processes_cpr_numbers);
        assert_eq!(data, (Some(true), Some(true), Some(true)), "{year}");
        let kle: Vec<&str> = s.kle_codes.iter().map(systemejer_domain::KleCode::as_str).collect();
        assert_eq!(kle, ["85.02.10", "85.02.12", "85.04.00"], "{year}: 27.24.00 removed, 85.04.00 added");
        assert_eq!(s.archive_status, ArchiveStatus::Preserve, "{year}: B");
        assert_eq!(s.criticality, Some(Criticality::High), "{year}: business critical");
        assert_eq!(esdh.wanted_state, LifecycleState::InUse, "{year}: Operational");
        assert_eq!(esdh.transition_reason, None);
        assert_eq!(esdh.org_unit, Some(IT_UNIT));
        // The ids of the register are the apply step's to fill: none here.
        assert_eq!((s.owner_id, s.org_unit_id, s.delegates.len()), (None, None, 0));

        assert_eq!(esdh.owner, Some(ANNE));
        assert_eq!(email(&mapped, ANNE), "anne.holm@testrup.example");
        assert_eq!(
            esdh.delegates,
            [DelegateDraft { user: BO, role: DelegateRole::Systemforvalter }],
            "Systemansvarlig"
        );
        let left_out = findings(&mapped, ESDH, "role_not_kept");
        assert_eq!(left_out.len(), 1, "{year}: Forretningsejer");
        assert!(left_out[0].message.contains("Carla Jensen"));
        assert_eq!(left_out[0].place.as_ref().unwrap().to_string(), "it-system-usages.json: [0].roles[2].role");
        let owner = findings(&mapped, ESDH, "owner_position_unknown");
        assert_eq!(owner.len(), 1);
        assert!(owner[0].message.contains("anne.holm@testrup.example") && owner[0].message.contains("employee"));

        let risk = esdh.risk_assessment.as_ref().unwrap();
        assert_eq!(risk.record.perspective, RiskPerspective::DataSubject);
        assert_eq!(risk.record.performed_on, day("2025-11-04"), "{year}: 2025-11-03T23:00Z is 4 November in Denmark");
        assert_eq!(risk.record.risk_level, RiskLevel::Medium);
        assert_eq!(
            risk.record.document_url.as_ref().map(systemejer_domain::WebUrl::as_str),
            Some("https://intranet.testrup.example/gdpr/risiko/esdh-2025.pdf")
        );
        assert_eq!(risk.source.to_string(), "it-system-usages.json: [0].gdpr.riskAssessmentConducted");
        let dpia = esdh.dpia.as_ref().unwrap();
        assert_eq!(dpia.record.performed_on, day("2024-06-01"), "{year}: local midnight of 1 June");
        assert_eq!(dpia.record.document_url.as_str(), "https://intranet.testrup.example/gdpr/dpia/esdh.pdf");

        let reference = findings(&mapped, ESDH, "reference_not_kept");
        assert_eq!(reference.len(), 1);
        assert!(reference[0].message.contains("Driftsaftale") && reference[0].message.contains("DOK-2019-117"));
        assert!(mapped.findings_about(ESDH).all(|f| f.severity == Severity::Warning));
    }
}

#[test]
fn each_lifecycle_status_wants_its_state() {
    for year in YEARS {
        let mapped = mapped(year);
        let wanted = |uuid| system(&mapped, uuid).wanted_state;
        assert_eq!(wanted(ESDH), LifecycleState::InUse, "Operational");
        assert_eq!(wanted(LON), LifecycleState::InUse, "Operational");
        assert_eq!(wanted(BOOK), LifecycleState::InUse, "Operational");
        assert_eq!(wanted(BYG), LifecycleState::Procurement, "PhasingIn");
        assert_eq!(wanted(VAGT), LifecycleState::Procurement, "NotInUse");
        assert_eq!(wanted(ARK), LifecycleState::Procurement, "an unknown status");
        assert_eq!(wanted(JOUR), LifecycleState::Decommissioning, "PhasingOut");
        assert_eq!(
            system(&mapped, JOUR).transition_reason.as_deref(),
            Some("Phasing out according to OS2 Kitos (lifeCycleStatus PhasingOut, in use until 2026-12-31)")
        );
    }
}

#[test]
fn the_other_usages_keep_what_they_show() {
    for year in YEARS {
        let mapped = mapped(year);
        let lon = system(&mapped, LON);
        assert_eq!(lon.system.name.as_str(), "Lønportalen", "{year}: no local name, the catalogue's");
        let data =
            (lon.system.processes_personal_data, lon.system.processes_sensitive_data, lon.system.processes_cpr_numbers);
        assert_eq!(data, (Some(true), Some(false), Some(true)), "{year}: ordinary data with CPR numbers");
        assert_eq!(lon.owner, None);
        assert_eq!(findings(&mapped, LON, "owner_missing").len(), 1, "{year}: only a Systemansvarlig");
        assert_eq!(lon.delegates, [DelegateDraft { user: FREDERIK, role: DelegateRole::Systemforvalter }]);
        assert!(lon.risk_assessment.is_none() && lon.dpia.is_none(), "{year}: risk assessment No");
        assert_eq!(lon.org_unit, Some(IT_UNIT), "{year}: no responsible unit, one using unit");
        assert_eq!(lon.system.archive_status, ArchiveStatus::Discard, "K");

        let byg = system(&mapped, BYG);
        let data =
            (byg.system.processes_personal_data, byg.system.processes_sensitive_data, byg.system.processes_cpr_numbers);
        assert_eq!(data, (Some(false), Some(false), Some(false)), "{year}: None ticked");
        assert_eq!(byg.system.hosted_at, Some(HostedAt::OnPremises));
        assert_eq!(byg.system.criticality, Some(Criticality::Medium), "{year}: not business critical");
        assert_eq!(byg.system.archive_status, ArchiveStatus::Undecided);
        assert_eq!(byg.risk_assessment.as_ref().map(|r| r.record.risk_level), None, "{year}: DontKnow");

        let vagt = system(&mapped, VAGT);
        assert_eq!(vagt.system.hosted_at, None, "{year}: Undecided is not answered");
        assert_eq!(vagt.system.criticality, None);
        assert_eq!(vagt.system.archive_status, ArchiveStatus::Undecided);
        assert_eq!(vagt.system.purpose, None);
        let kle: Vec<&str> = vagt.system.kle_codes.iter().map(systemejer_domain::KleCode::as_str).collect();
        assert_eq!(kle, ["81.08.00"]);

        let jour = system(&mapped, JOUR);
        assert_eq!(jour.system.archive_status, ArchiveStatus::Preserve, "{year}: BK (2026) and B (2025) alike");
        assert_eq!(jour.system.criticality, None, "DontKnow");
        let risk = jour.risk_assessment.as_ref().unwrap();
        assert_eq!((risk.record.performed_on, risk.record.risk_level), (day("2022-03-15"), RiskLevel::Low));
        assert_eq!(risk.record.document_url, None);

        let book = system(&mapped, BOOK);
        assert_eq!(book.system.hosted_at, Some(HostedAt::Hybrid));
        assert_eq!(book.owner, Some(ANNE), "{year}: the same person owns two systems");
        assert_eq!(book.delegates, []);
        assert!(book.dpia.is_none(), "DPIA No");
    }
}

#[test]
fn units_keep_their_tree_parents_first() {
    for year in YEARS {
        let mapped = mapped(year);
        assert_eq!(mapped.units.len(), 7, "{year}");
        assert_eq!(mapped.units[0].kitos_uuid, ROOT_UNIT);
        assert_eq!(mapped.units[0].parent, None);
        for (i, unit) in mapped.units.iter().enumerate() {
            if let Some(parent) = unit.parent {
                let at = mapped.units.iter().position(|u| u.kitos_uuid == parent).unwrap();
                assert!(at < i, "{year}: the parent of {} comes first", unit.unit.name.as_str());
            }
        }
        let it = mapped.unit(IT_UNIT).unwrap();
        assert_eq!(it.unit.name.as_str(), "IT og Digitalisering");
        assert_eq!(it.unit.kind, systemejer_domain::org::OrgUnitKind::Department);
        assert_eq!(it.unit.parent_id, None, "register ids are the apply step's");
        assert_eq!(mapped.unit(JOBCENTER_UNIT).unwrap().unit.kind, systemejer_domain::org::OrgUnitKind::Department);
    }
}

#[test]
fn people_are_the_holders_of_kept_roles_by_email() {
    for year in YEARS {
        let mapped = mapped(year);
        let mut emails: Vec<String> = mapped.people.iter().map(|p| p.person.email.as_str().to_owned()).collect();
        emails.sort();
        assert_eq!(
            emails,
            [
                "anne.holm@testrup.example",
                "bo.nielsen@testrup.example",
                "eva.lund@testrup.example",
                "frederik.berg@testrup.example",
                "gitte.skov@testrup.example",
            ],
            "{year}: not Carla (only Forretningsejer), not Dennis (no e-mail), not the API user"
        );
        assert!(mapped.person(CARLA).is_none() && mapped.person(DENNIS).is_none());
        let anne = &mapped.person(ANNE).unwrap().person;
        assert_eq!((anne.name.as_str(), anne.position, anne.active), ("Anne Holm", Position::Employee, true));
    }
}

#[test]
fn the_owner_role_is_found_by_name_without_role_types_too() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        snapshot.role_types = None;
        let options = MapOptions { owner_role: " systemejer ".into(), ..MapOptions::new(today()) };
        let mapped = systemejer_import::map(&snapshot, &options);
        assert_eq!(system(&mapped, ESDH).owner, Some(ANNE), "{year}");
        assert_eq!(system(&mapped, BYG).owner, Some(EVA));

        let options = MapOptions { owner_role: "Ejer".into(), ..MapOptions::new(today()) };
        let mapped = systemejer_import::map(&snapshot, &options);
        assert!(mapped.systems.iter().all(|s| s.owner.is_none()));
        assert!(mapped.findings.iter().any(|f| f.code == "owner_role_not_found" && f.message.contains("\"Ejer\"")));
    }
}

#[test]
fn a_usage_with_an_error_is_not_imported_but_reported() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        let vagt = snapshot.usages.iter_mut().find(|u| u.uuid == VAGT).unwrap();
        vagt.general.local_call_name = None;
        vagt.system_context = None;
        let mapped = systemejer_import::map(&snapshot, &MapOptions::new(today()));
        assert!(mapped.system(VAGT).is_none(), "{year}");
        assert_eq!(mapped.systems.len(), 7);
        assert_eq!(mapped.not_imported.len(), 1);
        assert_eq!((mapped.not_imported[0].kind, mapped.not_imported[0].uuid), (SubjectKind::Usage, VAGT));
        let errors: Vec<_> = mapped.findings_about(VAGT).filter(|f| f.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "name_missing");
        assert_eq!(errors[0].place.as_ref().unwrap().to_string(), "it-system-usages.json: [4].general.localCallName");
    }
}

#[test]
fn a_record_or_agreement_dated_before_1900_is_not_taken_as_it_stands() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        let esdh = snapshot.usages.iter_mut().find(|u| u.uuid == ESDH).unwrap();
        esdh.gdpr.dpia_date = Some("1800-06-01T00:00:00Z".parse().unwrap());
        let mapped = systemejer_import::map(&snapshot, &MapOptions::new(today()));
        assert!(system(&mapped, ESDH).dpia.is_none(), "{year}: a DPIA of 1800 is a typing mistake");
        let refused = findings(&mapped, ESDH, "record_refused");
        assert!(refused.iter().any(|f| f.message.contains("1900 to 9999")), "{year}: {refused:?}");
    }
}
