//! The fixtures read from files: both shapes, and the accessors answering alike.

use chrono::{NaiveDate, Timelike};
use systemejer_e2e::kitos::fixtures;
use systemejer_kitos::{
    AgreementConcluded, Answered, ArchiveDuty, Choice, HostedAt, LifeCycleStatus, OversightInterval, Shape, Snapshot,
    YesNoDontKnow, YesNoUndecided, read_dir,
};

use super::{ARK, BOOK, DPR_JOB, DPR_LON, ESDH, JOB, JOUR, LON, ORGANIZATION, VAGT, id};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn cvr_is_valid(cvr: &str) -> bool {
    let digits: Vec<u32> = cvr.chars().filter_map(|c| c.to_digit(10)).collect();
    digits.len() == 8 && digits.iter().zip([2, 7, 6, 5, 4, 3, 2, 1]).map(|(d, w)| d * w).sum::<u32>() % 11 == 0
}

fn ean_is_valid(ean: i64) -> bool {
    let digits: Vec<u32> = ean.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits[..12].iter().enumerate().map(|(i, d)| if i % 2 == 1 { d * 3 } else { *d }).sum();
    digits.len() == 13 && (10 - sum % 10) % 10 == digits[12]
}

#[test]
fn the_2026_fixtures_read_with_their_values() {
    let snapshot = read_dir(fixtures("2026")).unwrap();
    assert_eq!(snapshot.shape, Shape::Kitos2026);
    assert_eq!(snapshot.organization_uuid(), Some(id(ORGANIZATION)));
    assert_eq!(
        (snapshot.usages.len(), snapshot.registrations.len(), snapshot.units.len(), snapshot.users.len()),
        (8, 3, 7, 8)
    );
    assert_eq!(snapshot.systems.len(), 8);
    assert_eq!(snapshot.role_types.as_ref().map(Vec::len), Some(3));
    assert_eq!(snapshot.deletions.as_ref().map(Vec::len), Some(1));

    let esdh = snapshot.usage(id(ESDH)).unwrap();
    assert_eq!(esdh.system_name(), Some("Sagsbehandling Pro"));
    assert_eq!(esdh.local_call_name(), Some("ESDH"));
    assert_eq!(esdh.purpose(), Some("Sags- og dokumenthåndtering for hele kommunen."));
    assert_eq!(esdh.hosted_at(), Some(&Choice::Known(HostedAt::External)));
    assert_eq!(esdh.business_critical().and_then(Choice::as_bool), Some(true));
    assert!(esdh.life_cycle_status().unwrap().is(LifeCycleStatus::Operational));
    assert_eq!(esdh.archive_duty(), Some(&Choice::Known(ArchiveDuty::B)));
    // 7 fractional digits, kept to the 100 ns tick.
    let modified = esdh.last_modified.unwrap();
    assert_eq!(modified.instant().nanosecond(), 613_456_700);
    assert_eq!(modified.to_kitos_string(), "2026-06-18T09:14:52.6134567Z");
    // Local midnight stored as the evening before in UTC: the Danish date is the next day.
    let valid_from = esdh.general.validity.valid_from.unwrap();
    assert_eq!((valid_from.date(), valid_from.date_utc()), (date(2019, 2, 1), date(2019, 1, 31)));
    assert_eq!(esdh.gdpr.dpia_date.unwrap().date(), date(2024, 6, 1));
    assert_eq!(esdh.gdpr.risk_assessment_conducted_date.unwrap().date(), date(2025, 11, 4));
    assert_eq!(esdh.gdpr.risk_assessment_conducted.answered().and_then(Choice::as_bool), Some(true));
    assert_eq!(
        esdh.gdpr.risk_assessment_documentation.url(),
        Some("https://intranet.testrup.example/gdpr/risiko/esdh-2025.pdf")
    );
    assert_eq!(esdh.gdpr.dpia_conducted.as_ref().and_then(Choice::as_bool), Some(true));
    let system = snapshot.system_of(esdh).unwrap();
    let effective = esdh.effective_kle(system);
    let kle: Vec<&str> = effective.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(kle, ["85.02.10", "85.02.12", "85.04.00"]);
    let owner = snapshot.role_type_named("systemejer").unwrap();
    let owners: Vec<_> = esdh.holders_of(owner.uuid).map(|u| snapshot.user(u.uuid).unwrap().email()).collect();
    assert_eq!(owners, [Some("anne.holm@testrup.example")]);
    let sensitivity: Vec<&str> = esdh.gdpr.data_sensitivity_levels.iter().map(Choice::raw).collect();
    assert_eq!(sensitivity, ["PersonData", "SensitiveData"]);
    assert_eq!(snapshot.registrations_of(id(ESDH)).count(), 1);

    let lon = snapshot.usage(id(LON)).unwrap();
    assert_eq!(lon.holders_of(owner.uuid).count(), 0);
    assert_eq!(lon.gdpr.risk_assessment_conducted.as_ref().and_then(Choice::as_bool), Some(false));
    assert_eq!(lon.local_call_name(), None);

    let jour = snapshot.usage(id(JOUR)).unwrap();
    assert_eq!(jour.archive_duty(), Some(&Choice::Known(ArchiveDuty::BK)));
    assert!(jour.life_cycle_status().unwrap().is(LifeCycleStatus::PhasingOut));

    let vagt = snapshot.usage(id(VAGT)).unwrap();
    assert!(vagt.life_cycle_status().unwrap().is(LifeCycleStatus::NotInUse));
    assert!(vagt.gdpr.risk_assessment_conducted.as_ref().unwrap().is_undecided());
    assert_eq!(vagt.gdpr.risk_assessment_conducted.answered(), None);
    assert_eq!(vagt.gdpr.dpia_conducted.answered(), None);
    assert_eq!(vagt.business_critical(), Some(&Choice::Known(YesNoDontKnow::Undecided)));

    // A value Kitos does not have is kept, and reported with its path.
    let ark = snapshot.usage(id(ARK)).unwrap();
    assert_eq!(ark.life_cycle_status(), Some(&Choice::Unknown("Retired".to_owned())));
    let unknown: Vec<String> = snapshot.unknown_values().iter().map(ToString::to_string).collect();
    assert_eq!(unknown, [r#"it-system-usages.json: [5].general.validity.lifeCycleStatus: unknown value "Retired""#]);
    assert_eq!(snapshot.unknown_values()[0].item, id(ARK));

    // The Systemejer without an e-mail address.
    let job = snapshot.usage(id(JOB)).unwrap();
    let holder = job.holders_of(owner.uuid).next().unwrap();
    assert_eq!(holder.name, "Dennis Madsen");
    let dennis = snapshot.user(holder.uuid).unwrap();
    assert_eq!((dennis.email.as_deref(), dennis.email()), (Some(""), None));

    // Registrations.
    let esdh_dpr = snapshot.registrations_of(id(ESDH)).next().unwrap();
    assert!(esdh_dpr.general.is_agreement_concluded.as_ref().unwrap().is(AgreementConcluded::Yes));
    assert_eq!(esdh_dpr.general.agreement_concluded_at.unwrap().date(), date(2019, 3, 1));
    assert_eq!(esdh_dpr.is_valid(), Some(true));
    assert_eq!(esdh_dpr.general.data_processors[0].cvr.as_deref(), Some("31457680"));
    let insecure = esdh_dpr
        .general
        .sub_data_processors
        .iter()
        .find(|s| s.transfer_to_insecure_third_country.as_ref().is_some_and(|t| t.is(YesNoUndecided::Yes)))
        .unwrap();
    assert_eq!(insecure.basis_for_transfer.as_ref().unwrap().name, "Standardkontraktbestemmelser");
    assert_eq!(insecure.insecure_third_country_subject_to_data_processing.as_ref().unwrap().name, "USA");
    assert!(esdh_dpr.oversight.oversight_interval.as_ref().unwrap().is(OversightInterval::Yearly));
    let latest = esdh_dpr.latest_oversight().unwrap();
    assert_eq!(latest.completed_at.unwrap().date(), date(2025, 10, 1));
    assert!(latest.remark.as_deref().unwrap().contains("logning"));
    let dpr_lon = snapshot.registrations.iter().find(|d| d.uuid == id(DPR_LON)).unwrap();
    assert_eq!(dpr_lon.general.is_agreement_concluded.as_ref().and_then(Choice::as_bool), Some(false));
    assert!(dpr_lon.oversight.oversight_interval.as_ref().unwrap().is(OversightInterval::BiYearly));
    let dpr_job = snapshot.registrations_of(id(BOOK)).next().unwrap();
    assert_eq!(dpr_job.uuid, id(DPR_JOB));
    assert!(dpr_job.covers(id(JOB)));
    assert!(dpr_job.oversight.oversight_interval.as_ref().unwrap().is(OversightInterval::EveryThirdYear));

    // One root; every other unit's parent is a unit.
    let roots: Vec<&str> =
        snapshot.units.iter().filter(|u| u.parent_uuid().is_none()).map(|u| u.name.as_str()).collect();
    assert_eq!(roots, ["Testrup Kommune"]);
    assert!(
        snapshot
            .units
            .iter()
            .filter_map(systemejer_kitos::OrganizationUnit::parent_uuid)
            .all(|p| snapshot.unit(p).is_some())
    );
    // Nothing real: every CVR fails modulus 11, every EAN its check digit.
    let cvrs =
        serde_json::to_string(&snapshot.registrations).unwrap() + &serde_json::to_string(&snapshot.usages).unwrap();
    let found: Vec<&str> = cvrs.split("\"cvr\":\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
    assert!(found.len() >= 5, "{found:?}");
    assert!(found.iter().all(|cvr| !cvr_is_valid(cvr)), "{found:?}");
    assert!(snapshot.units.iter().filter_map(|u| u.ean).all(|ean| !ean_is_valid(ean)));
    assert!(snapshot.units.iter().any(|u| u.ean.is_some()));
}

#[test]
fn the_2025_fixtures_answer_as_the_2026_ones() {
    let new = read_dir(fixtures("2026")).unwrap();
    let old = read_dir(fixtures("2025")).unwrap();
    assert_eq!(old.shape, Shape::Kitos2025);
    assert_eq!(new.shape.and(old.shape), Shape::Mixed);

    // The 2025 shape really is read from other fields.
    let esdh = old.usage(id(ESDH)).unwrap();
    assert_eq!((esdh.general.purpose.as_deref(), esdh.gdpr.purpose.is_some()), (None, true));
    assert_eq!((esdh.general.hosted_at.as_ref(), esdh.gdpr.hosted_at.is_some()), (None, true));
    assert_eq!(esdh.created_at, None);
    assert!(old.registrations.iter().all(|d| d.general.validity.is_none() && d.general.valid == Some(true)));

    assert_eq!(new.usages.len(), old.usages.len());
    for (a, b) in new.usages.iter().zip(&old.usages) {
        assert_eq!(a.uuid, b.uuid);
        assert_eq!(a.purpose(), b.purpose(), "{}", a.uuid);
        assert_eq!(a.hosted_at(), b.hosted_at(), "{}", a.uuid);
        assert_eq!(a.business_critical(), b.business_critical(), "{}", a.uuid);
        assert_eq!(a.life_cycle_status(), b.life_cycle_status(), "{}", a.uuid);
        assert_eq!(a.local_call_name(), b.local_call_name());
        assert_eq!(a.roles, b.roles);
        assert_eq!(a.gdpr.data_sensitivity_levels, b.gdpr.data_sensitivity_levels);
        assert_eq!(a.general.validity.valid_from, b.general.validity.valid_from);
        assert_eq!(a.last_modified, b.last_modified);
        if a.uuid == id(JOUR) {
            // BK does not exist in 2025.
            assert_eq!((a.archive_duty().unwrap().raw(), b.archive_duty().unwrap().raw()), ("BK", "B"));
        } else {
            assert_eq!(a.archive_duty(), b.archive_duty(), "{}", a.uuid);
        }
    }
    for (a, b) in new.registrations.iter().zip(&old.registrations) {
        assert_eq!((a.uuid, a.is_valid()), (b.uuid, b.is_valid()));
        assert_eq!(a.general.sub_data_processors, b.general.sub_data_processors);
        let usages = |d: &systemejer_kitos::DataProcessingRegistration| {
            d.system_usages.iter().map(|u| u.uuid).collect::<Vec<_>>()
        };
        assert_eq!(usages(a), usages(b));
    }
    let job = old.registrations.iter().find(|d| d.uuid == id(DPR_JOB)).unwrap();
    assert!(job.oversight.oversight_interval.as_ref().unwrap().is(OversightInterval::Other));
    assert_eq!(old.units.len(), new.units.len());
    assert!(old.units.iter().all(|u| u.external_origin_uuid.is_none()));
    assert_eq!(old.unknown_values().len(), 1);
}

#[test]
fn an_upload_reads_as_the_directory() {
    let dir = fixtures("2026");
    let from_dir = read_dir(&dir).unwrap();

    // The same files, as an upload has them.
    let mut documents: Vec<(String, Vec<u8>)> = Vec::new();
    for name in ["it-system-usages.json", "data-processing-registrations.json", "organization-units.json", "users.json"]
    {
        documents.push((format!("upload/{name}"), std::fs::read(dir.join(name)).unwrap()));
    }
    for name in ["it-system-usage-role-types.json", "deleted-entities.json"] {
        documents.push((name.to_owned(), std::fs::read(dir.join(name)).unwrap()));
    }
    for entry in std::fs::read_dir(dir.join("it-systems")).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("it-systems/{}", path.file_name().unwrap().to_string_lossy());
        documents.push((name, std::fs::read(path).unwrap()));
    }
    assert_eq!(Snapshot::from_documents(documents).unwrap(), from_dir);

    // One object holding them all.
    let read =
        |name: &str| serde_json::from_slice::<serde_json::Value>(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    let systems: Vec<serde_json::Value> = std::fs::read_dir(dir.join("it-systems"))
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    let bundle = serde_json::json!({
        "itSystemUsages": read("it-system-usages.json"),
        "dataProcessingRegistrations": read("data-processing-registrations.json"),
        "organizationUnits": read("organization-units.json"),
        "users": read("users.json"),
        "itSystems": systems,
        "itSystemUsageRoleTypes": read("it-system-usage-role-types.json"),
        "deletedEntities": read("deleted-entities.json"),
    });
    let from_bundle = Snapshot::from_bundle("upload.json", bundle.to_string().as_bytes()).unwrap();
    assert_eq!(from_bundle, from_dir);
}
