//! What the report says: an owner without an e-mail address, the unknown lifecycle value and
//! every other unknown value, each with where in Kitos's documents it was found.

mod support;

use support::*;
use systemejer_domain::LifecycleState;
use systemejer_import::{MapOptions, Place, Severity, SubjectKind};

#[test]
fn an_owner_without_an_email_address_is_reported_with_the_roles_not_given() {
    for year in YEARS {
        let mapped = mapped(year);
        let job = system(&mapped, JOB);
        assert_eq!(job.owner, None, "{year}: imported, without an owner");
        assert_eq!(job.delegates.len(), 1, "{year}: Eva Lund, Systemansvarlig, stays");
        assert_eq!(job.delegates[0].user, EVA);

        let on_usage = findings(&mapped, JOB, "owner_not_imported");
        assert_eq!(on_usage.len(), 1, "{year}");
        assert_eq!(on_usage[0].severity, Severity::Warning);
        assert_eq!(on_usage[0].place.as_ref().unwrap().to_string(), "it-system-usages.json: [6].roles[0].user");
        assert!(on_usage[0].message.contains("Dennis Madsen") && on_usage[0].message.contains("no e-mail"));

        let on_user = findings(&mapped, DENNIS, "user_without_email");
        assert_eq!(on_user.len(), 1, "{year}");
        let subject = on_user[0].subject.as_ref().unwrap();
        assert_eq!((subject.kind, subject.name.as_str()), (SubjectKind::User, "Dennis Madsen"));
        assert_eq!(on_user[0].place, Some(Place::new("users.json", "[3].email")));
        assert!(
            on_user[0].message.ends_with("these roles are not given: Systemejer of Jobcenter Dialog"),
            "{}",
            on_user[0]
        );
    }
}

#[test]
fn the_unknown_lifecycle_value_is_reported_and_tolerated() {
    for year in YEARS {
        let mapped = mapped(year);
        let ark = system(&mapped, ARK);
        assert_eq!(ark.system.name.as_str(), "Arkivdepot Classic", "{year}: imported all the same");
        assert_eq!(ark.wanted_state, LifecycleState::Procurement);
        let found = findings(&mapped, ARK, "lifecycle_unknown");
        assert_eq!(found.len(), 1, "{year}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].place.as_ref().unwrap().to_string(),
            "it-system-usages.json: [5].general.validity.lifeCycleStatus"
        );
        assert!(found[0].message.contains("\"Retired\""));
        assert!(mapped.not_imported.is_empty(), "{year}: the fixtures hold no error");
        assert!(mapped.findings.iter().all(|f| f.severity == Severity::Warning));
    }
}

#[test]
fn every_unknown_value_has_a_finding_at_its_place() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        // Values Kitos may add one day, where no mapping step reads them.
        let book = snapshot.usages.iter_mut().find(|u| u.uuid == BOOK).unwrap();
        book.general.contains_ai_technology = Some(systemejer_kitos::Choice::Unknown("Partially".into()));
        let unknown = snapshot.unknown_values();
        assert_eq!(unknown.len(), 2, "{year}: Retired, and the one added");
        let mapped = systemejer_import::map(&snapshot, &systemejer_import::MapOptions::new(today()));
        for value in unknown {
            let place = Place::new(&value.document, &value.path);
            let at: Vec<_> = mapped.findings.iter().filter(|f| f.place.as_ref() == Some(&place)).collect();
            assert_eq!(at.len(), 1, "{year}: {value}");
            assert!(at[0].is_about(value.item));
        }
        let generic = findings(&mapped, BOOK, "unknown_value");
        assert_eq!(generic.len(), 1);
        assert_eq!(generic[0].place.as_ref().unwrap().path, "[7].general.containsAITechnology");
        assert!(generic[0].message.contains("\"Partially\""));
    }
}

#[test]
fn a_contradicting_or_foreign_answer_is_reported_not_guessed() {
    let mut snapshot = snapshot("2026");
    let esdh = snapshot.usages.iter_mut().find(|u| u.uuid == ESDH).unwrap();
    esdh.gdpr
        .data_sensitivity_levels
        .push(systemejer_kitos::Choice::Known(systemejer_kitos::DataSensitivityLevel::None));
    esdh.archiving.archive_duty = Some(systemejer_kitos::Choice::Known(systemejer_kitos::ArchiveDuty::DD));
    esdh.general.system_usage_criticality_level =
        Some(systemejer_kitos::Ref { uuid: uuid::Uuid::nil(), name: "Kritisk".into() });
    let mapped = systemejer_import::map(&snapshot, &systemejer_import::MapOptions::new(today()));
    let s = &system(&mapped, ESDH).system;
    assert_eq!((s.processes_personal_data, s.processes_sensitive_data, s.processes_cpr_numbers), (None, None, None));
    assert_eq!(findings(&mapped, ESDH, "personal_data_contradicts").len(), 1);
    assert_eq!(s.archive_status, systemejer_domain::ArchiveStatus::Undecided);
    assert_eq!(findings(&mapped, ESDH, "archive_duty_unmapped").len(), 1);
    assert_eq!(s.criticality, Some(systemejer_domain::Criticality::Critical), "the most critical reading");
}

#[test]
fn a_huge_value_is_quoted_in_part() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        let vagt = snapshot.usages.iter_mut().find(|u| u.uuid == VAGT).unwrap();
        vagt.general.local_call_name = Some("Vagtplan ".repeat(20_000));
        let mapped = systemejer_import::map(&snapshot, &MapOptions::new(today()));
        let about: Vec<_> = mapped.findings_about(VAGT).collect();
        assert!(!about.is_empty(), "{year}: a name of 180 000 characters is found");
        for f in about {
            assert!(f.message.chars().count() <= 1_000, "{year}: {} characters", f.message.chars().count());
            assert!(f.subject.as_ref().is_none_or(|s| s.name.chars().count() <= 200));
        }
    }
}

#[test]
fn a_user_name_the_register_cannot_keep_is_reported_with_the_name_used() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        let bo = snapshot.users.iter_mut().find(|u| u.first_name.as_deref() == Some("Bo")).unwrap();
        bo.name = "Bo\u{0} Nielsen".into();
        let bo_uuid = bo.uuid;
        let mapped = systemejer_import::map(&snapshot, &MapOptions::new(today()));
        let found: Vec<_> = mapped.findings.iter().filter(|f| f.code == "user_name_invalid").collect();
        assert_eq!(found.len(), 1, "{year}");
        assert!(found[0].is_about(bo_uuid) && found[0].message.contains("Bo Nielsen"), "{year}: {:?}", found[0]);
    }
}

#[test]
fn two_usages_of_one_name_are_reported() {
    for year in YEARS {
        let mut snapshot = snapshot(year);
        let vagt = snapshot.usages.iter_mut().find(|u| u.uuid == VAGT).unwrap();
        vagt.general.local_call_name = Some(" esdh".into());
        let mapped = systemejer_import::map(&snapshot, &MapOptions::new(today()));
        let found = findings(&mapped, VAGT, "name_repeated");
        assert_eq!(found.len(), 1, "{year}");
        assert!(found[0].message.contains("\"ESDH\""), "{year}: {:?}", found[0]);
        assert!(mapped.system(VAGT).is_some(), "{year}: imported all the same");
    }
}
