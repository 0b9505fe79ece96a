//! Registrations become processors, agreements with their sub-processors and transfers, and
//! supervision completions; the fixtures' CVR numbers (all failing modulus 11) are findings.

mod support;

use support::*;
use systemejer_domain::gdpr::{SupervisionMethod, TransferBasis};
use systemejer_domain::obligations::{CompletionResult, Evidence};
use systemejer_import::{Severity, SubjectKind};

#[test]
fn the_concluded_registration_gives_an_agreement_with_its_sub_processors_and_oversights() {
    for year in YEARS {
        let mapped = mapped(year);
        let esdh = system(&mapped, ESDH);
        assert_eq!(esdh.agreements.len(), 1, "{year}");
        let draft = &esdh.agreements[0];
        assert_eq!((draft.registration, draft.processor), (DPR_ESDH, DOKUMENTSYSTEMER));
        let a = &draft.agreement;
        assert_eq!(a.signed_on, Some(day("2019-03-01")), "{year}: concluded Yes, at its date");
        assert_eq!(a.expires_on, None);
        assert_eq!(a.supervision_method, SupervisionMethod::Isae3000);
        assert_eq!((a.supervision_interval_months, draft.kitos_interval_months), (12, Some(12)), "Yearly");
        assert_eq!(a.transfer_basis, None, "the processor itself is in Denmark; the transfer is the sub-processor's");
        let subs: Vec<(&str, String, Option<TransferBasis>)> = a
            .sub_processors
            .iter()
            .map(|s| (s.name.as_str(), String::from(s.country.clone()), s.transfer_basis))
            .collect();
        assert_eq!(
            subs,
            [
                ("Hosting Nord ApS", "DK".to_owned(), None),
                ("CloudScale Inc.", "US".to_owned(), Some(TransferBasis::StandardContractualClauses)),
            ],
            "{year}"
        );
        let done: Vec<_> = draft.supervisions.iter().map(|c| (c.done_on, c.result, c.subject)).collect();
        assert_eq!(
            done,
            [(day("2024-09-12"), CompletionResult::Passed, None), (day("2025-10-01"), CompletionResult::Passed, None)],
            "{year}: 2025-09-30T22:00Z is 1 October in Denmark"
        );
        assert_eq!(
            draft.supervisions[1].evidence,
            Some(Evidence::Supervision {
                report_kind: SupervisionMethod::Isae3000,
                conclusion: systemejer_domain::Prose::parse(
                    "Erklæring med én anmærkning om logning; opfølgning aftalt."
                )
                .unwrap(),
            })
        );
        assert!(
            !mapped.findings.iter().any(|f| f.code == "transfer_not_placed" || f.code.starts_with("transfer_basis")),
            "{year}: the USA transfer is CloudScale's, on standard contractual clauses"
        );
    }
}

#[test]
fn a_registration_over_two_usages_and_two_processors_gives_four_agreements() {
    for year in YEARS {
        let mapped = mapped(year);
        for usage in [JOB, BOOK] {
            let drafts = &system(&mapped, usage).agreements;
            let processors: Vec<_> = drafts.iter().map(|d| d.processor).collect();
            assert_eq!(processors, [DIALOGSOFT, BOOKINGFABRIKKEN], "{year}");
            for draft in drafts {
                assert_eq!(draft.registration, DPR_JOB);
                assert_eq!(draft.agreement.signed_on, Some(day("2021-05-21")), "{year}: 2021-05-20T22:00Z");
                assert_eq!(draft.agreement.supervision_method, SupervisionMethod::OwnInspection, "Egenkontrol first");
                let subs: Vec<_> = draft.agreement.sub_processors.iter().map(|s| s.name.as_str()).collect();
                assert_eq!(subs, ["Hosting Nord ApS"]);
                assert_eq!(draft.supervisions.len(), 1);
                assert_eq!(draft.supervisions[0].done_on, day("2024-02-01"));
                assert!(matches!(
                    draft.supervisions[0].evidence,
                    Some(Evidence::Supervision { report_kind: SupervisionMethod::OwnInspection, .. })
                ));
            }
        }
        let several = findings(&mapped, DPR_JOB, "supervision_methods_several");
        assert_eq!(several.len(), 1, "{year}: Egenkontrol and ISAE 3000, one kept");
    }
}

#[test]
fn an_agreement_not_concluded_is_drafted_unsigned() {
    for year in YEARS {
        let mapped = mapped(year);
        let lon = system(&mapped, LON);
        assert_eq!(lon.agreements.len(), 1);
        let draft = &lon.agreements[0];
        assert_eq!(draft.agreement.signed_on, None, "{year}: isAgreementConcluded No");
        assert_eq!(
            (draft.agreement.supervision_interval_months, draft.kitos_interval_months),
            (6, Some(6)),
            "BiYearly"
        );
        assert_eq!(draft.agreement.supervision_method, SupervisionMethod::Other, "{year}: no oversight option");
        assert!(draft.supervisions.is_empty());
        let reg = mapped.findings.iter().find(|f| f.code == "supervision_method_unknown").unwrap();
        assert_eq!(
            reg.place.as_ref().unwrap().to_string(),
            "data-processing-registrations.json: [1].oversight.oversightOptions"
        );
        for usage in [BYG, VAGT, ARK, JOUR] {
            assert!(system(&mapped, usage).agreements.is_empty(), "{year}: no registration covers {usage}");
        }
    }
}

#[test]
fn cvr_numbers_failing_modulus_11_are_findings_and_the_processors_kept_without() {
    for year in YEARS {
        let mapped = mapped(year);
        let names: Vec<&str> = mapped.processors.iter().map(|p| p.processor.name.as_str()).collect();
        assert_eq!(
            names,
            ["Dokumentsystemer A/S", "Lønservice ApS", "Dialogsoft A/S", "Bookingfabrikken ApS"],
            "{year}"
        );
        assert!(mapped.processors.iter().all(|p| p.processor.cvr.is_none()));
        assert!(mapped.processors.iter().all(|p| String::from(p.processor.country.clone()) == "DK"));
        let cvr: Vec<_> = mapped.findings.iter().filter(|f| f.code == "processor_cvr_invalid").collect();
        let places: Vec<String> = cvr.iter().map(|f| f.place.as_ref().unwrap().to_string()).collect();
        assert_eq!(
            places,
            [
                "data-processing-registrations.json: [0].general.dataProcessors[0].cvr",
                "data-processing-registrations.json: [1].general.dataProcessors[0].cvr",
                "data-processing-registrations.json: [2].general.dataProcessors[0].cvr",
                "data-processing-registrations.json: [2].general.dataProcessors[1].cvr",
            ],
            "{year}"
        );
        let first = cvr[0];
        assert_eq!(first.severity, Severity::Warning);
        let subject = first.subject.as_ref().unwrap();
        assert_eq!(
            (subject.kind, subject.uuid, subject.name.as_str()),
            (SubjectKind::Organization, DOKUMENTSYSTEMER, "Dokumentsystemer A/S")
        );
        assert!(first.message.contains("31457680") && first.message.contains("modulus-11"));
    }
}
