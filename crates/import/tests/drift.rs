//! The 2025 and the 2026 fixture sets hold the same content in the two builds' shapes: they map
//! to the same drafts, but where API-V2.md §9 says the data differ.

mod support;

use std::collections::BTreeSet;

use support::*;

#[test]
fn both_builds_map_to_the_same_drafts_but_for_the_drift() {
    let new = mapped("2026");
    let mut old = mapped("2025");

    // §9: `EveryThirdYear` is 2026 only; the 2025 set says `Other` ("Hvert tredje år"). 36
    // months is not an interval the register allows: 24, the nearest; `Other` gets the default.
    for usage in [JOB, BOOK] {
        for (n, o) in system(&new, usage).agreements.iter().zip(&system(&old, usage).agreements) {
            assert_eq!((n.kitos_interval_months, n.agreement.supervision_interval_months), (Some(36), 24));
            assert_eq!((o.kitos_interval_months, o.agreement.supervision_interval_months), (None, 12));
        }
    }
    // §9: oversight dates gained `oversightReportLink` in 2026.
    let link = |m: &systemejer_import::Mapped| {
        system(m, ESDH).agreements[0].supervisions[0].document_url.as_ref().map(|u| u.as_str().to_owned())
    };
    assert_eq!(link(&new).as_deref(), Some("https://intranet.testrup.example/tilsyn/esdh-2024.pdf"));
    assert_eq!(link(&old), None);

    // Bring the 2025 drafts level on those two, and nothing else may differ.
    for usage in [JOB, BOOK] {
        let at = old.systems.iter().position(|s| s.kitos_uuid == usage).unwrap();
        for agreement in &mut old.systems[at].agreements {
            agreement.kitos_interval_months = Some(36);
            agreement.agreement.supervision_interval_months = 24;
        }
    }
    let at = old.systems.iter().position(|s| s.kitos_uuid == ESDH).unwrap();
    old.systems[at].agreements[0].supervisions[0].document_url =
        system(&new, ESDH).agreements[0].supervisions[0].document_url.clone();

    assert_eq!(format!("{:?}", new.systems), format!("{:?}", old.systems));
    assert_eq!(format!("{:?}", new.people), format!("{:?}", old.people));
    assert_eq!(format!("{:?}", new.processors), format!("{:?}", old.processors));
    assert_eq!(format!("{:?}", new.units), format!("{:?}", old.units), "externalOriginUuid is not read");
    assert_eq!(new.not_imported, old.not_imported);
}

#[test]
fn both_builds_report_alike_but_for_the_drift() {
    let key = |m: &systemejer_import::Mapped| -> BTreeSet<(&'static str, Option<uuid::Uuid>)> {
        m.findings.iter().map(|f| (f.code, f.subject.as_ref().map(|s| s.uuid))).collect()
    };
    let (new, old) = (mapped("2026"), mapped("2025"));
    let (new_keys, old_keys) = (key(&new), key(&old));
    let only_new: Vec<_> = new_keys.difference(&old_keys).collect();
    assert_eq!(only_new, [&("archive_duty_combined", Some(JOUR))], "BK is 2026 only; 2025 says B");
    assert!(old_keys.is_subset(&new_keys));
    let interval = |m: &systemejer_import::Mapped| findings(m, DPR_JOB, "supervision_interval")[0].message.clone();
    assert!(interval(&new).contains("every 36 months"));
    assert!(interval(&old).contains("\"Other\" (\"Hvert tredje år\")"));
}
