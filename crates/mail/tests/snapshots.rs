//! The rendered mails, as their readers get them, held still: a change to a template shows up
//! here as a diff to read and accept (`cargo insta review`, or `INSTA_UPDATE=always`), never by
//! accident.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use systemejer_mail::{BreachAlert, Lang, Reminder, ReminderItem, render_breach_alert, render_reminder};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn item(system: &str, duty: &str, due: &str, days_left: i64, role: &str, note: Option<&str>) -> ReminderItem {
    ReminderItem {
        uid: format!("{system}-{duty}@systemejer"),
        system: system.into(),
        duty: duty.into(),
        done_means: "Se vejledningen.".into(),
        due_on: NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap(),
        days_left,
        link: format!("https://systemejer.randers.dk/l/{}", system.len()),
        role: role.into(),
        page: true,
        by_approval: false,
        note: note.map(Into::into),
    }
}

fn reminder(lang: Lang) -> Reminder {
    Reminder {
        name: "Dorte Direktør".into(),
        lang,
        items: vec![
            item(
                "Vejregister",
                "Test af gendannelse fra backup",
                "2026-12-01",
                0,
                "Du er systemforvalter; systemejer er Ole Olsen.",
                None,
            ),
            item(
                "ESDH",
                "Kontrol af brugeradgange",
                "2026-11-17",
                -14,
                "Du er systemejer.",
                Some("Du får denne, fordi opgaven er overskredet, og du er systemejer."),
            ),
        ],
        my_duties: Some("https://systemejer.randers.dk/l/mine".into()),
        contact: Some("isk@randers.dk".into()),
        for_others: false,
    }
}

#[test]
fn a_danish_reminder() {
    let out = render_reminder(&reminder(Lang::Da), at("2026-12-01T06:00:00Z")).unwrap();
    insta::assert_snapshot!("reminder_da_subject", out.subject);
    insta::assert_snapshot!("reminder_da_text", out.text);
    insta::assert_snapshot!("reminder_da_html", out.html);
}

#[test]
fn an_english_reminder() {
    let out = render_reminder(&reminder(Lang::En), at("2026-12-01T06:00:00Z")).unwrap();
    insta::assert_snapshot!("reminder_en_subject", out.subject);
    insta::assert_snapshot!("reminder_en_text", out.text);
}

#[test]
fn a_breach_alert() {
    let discovered = at("2026-11-30T09:00:00Z");
    let alert = BreachAlert {
        name: "Bo Ejer".into(),
        lang: Lang::Da,
        discovered_at: discovered,
        deadline: discovered + Duration::hours(72),
        systems: vec!["Borgerapp".into()],
        description: "En liste over borgere blev sendt til en forkert modtager.".into(),
        link: "https://systemejer.randers.dk/l/brud".into(),
        page: true,
        timezone: chrono_tz::Europe::Copenhagen,
    };
    let out = render_breach_alert(&alert, discovered + Duration::hours(24)).unwrap();
    insta::assert_snapshot!("breach_da_subject", out.subject);
    insta::assert_snapshot!("breach_da_text", out.text);
}

#[test]
fn a_failed_test_told_to_the_owner_and_open_exit_steps() {
    let failed = systemejer_mail::FailedResultNotice {
        name: "Bo Ejer".into(),
        lang: Lang::Da,
        system: "Vejregister".into(),
        duty: "Test af gendannelse fra backup".into(),
        done_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        recorded_by: "bo@randers.dk".into(),
        notes: Some("Gendannelsen stoppede halvvejs.".into()),
        due_on: NaiveDate::from_ymd_opt(2026, 12, 31),
        overdue: false,
        owner: None,
        link: Some("https://systemejer.randers.dk/l/test".into()),
        contact: Some("isk@randers.dk".into()),
    };
    let out = systemejer_mail::render_failed_result(&failed).unwrap();
    insta::assert_snapshot!("failed_result_da_subject", out.subject);
    insta::assert_snapshot!("failed_result_da_text", out.text);
    let steps = systemejer_mail::ExitStepsNotice {
        name: "Bo Ejer".into(),
        lang: Lang::Da,
        systems: vec![systemejer_mail::OpenSteps {
            system: "Vejregister".into(),
            steps: vec!["Kontrakten er opsagt".into(), "Adgange er lukket".into()],
        }],
        link: Some("https://systemejer.randers.dk/l/mine".into()),
        for_coordinator: false,
        contact: None,
    };
    let out = systemejer_mail::render_exit_steps(&steps).unwrap();
    insta::assert_snapshot!("exit_steps_da_subject", out.subject);
    insta::assert_snapshot!("exit_steps_da_text", out.text);
}

#[test]
fn the_coordinators_digest_grouped_by_owner() {
    let overdue = |system: &str, days: i64| {
        let mut i = item(system, "Test af gendannelse fra backup", "2026-10-01", days, "", None);
        i.page = false;
        i
    };
    let digest = systemejer_mail::Escalation {
        name: "Ida Koordinator".into(),
        lang: Lang::Da,
        to_manager: false,
        owners: vec![
            systemejer_mail::OwnerGroup {
                owner: "Ole Olsen".into(),
                manager: Some("Dorte Direktør".into()),
                list: Some("https://systemejer.randers.dk/l/ole".into()),
                inactive: false,
                items: vec![overdue("Vejregister", -61), overdue("ESDH", -45)],
            },
            systemejer_mail::OwnerGroup {
                owner: "Anne Andersen".into(),
                manager: None,
                list: None,
                inactive: true,
                items: vec![overdue("Lønsystem", -33)],
            },
        ],
    };
    let out = systemejer_mail::render_escalation(&digest).unwrap();
    insta::assert_snapshot!("escalation_da_subject", out.subject);
    insta::assert_snapshot!("escalation_da_text", out.text);
}

#[test]
fn an_incident_told_to_the_coordinator_then_reminded_to_the_owner() {
    let outage = systemejer_mail::IncidentSummary {
        systems: vec!["Vejregister".into(), "Kortportal".into()],
        discovered_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        description: "Systemerne var nede i fire timer.".into(),
        breach: false,
        recorded_by: "bo@randers.dk".into(),
        missing: vec!["årsagen".into()],
        reference: "https://systemejer.randers.dk/api/v1/incidents/0193a5b2-0000-7000-8000-000000000009".into(),
    };
    let recorded = systemejer_mail::IncidentNotice {
        name: "informationssikkerhedskoordinator".into(),
        lang: Lang::Da,
        recorded: true,
        incidents: vec![outage.clone()],
        for_coordinator: false,
        contact: None,
    };
    let out = systemejer_mail::render_incident_notice(&recorded).unwrap();
    insta::assert_snapshot!("incident_recorded_da_subject", out.subject);
    insta::assert_snapshot!("incident_recorded_da_text", out.text);
    let breach = systemejer_mail::IncidentSummary {
        description: "Et brev med CPR-numre gik til en forkert modtager.".into(),
        breach: true,
        missing: vec!["årsagen".into(), "de trufne foranstaltninger".into()],
        systems: vec!["Vejregister".into()],
        ..outage.clone()
    };
    let follow_up = systemejer_mail::IncidentNotice {
        name: "Bo Ejer".into(),
        recorded: false,
        incidents: vec![outage, breach],
        contact: Some("isk@randers.dk".into()),
        ..recorded
    };
    let out = systemejer_mail::render_incident_notice(&follow_up).unwrap();
    insta::assert_snapshot!("incident_follow_up_da_subject", out.subject);
    insta::assert_snapshot!("incident_follow_up_da_text", out.text);
    insta::assert_snapshot!("incident_follow_up_da_html", out.html);
}

#[test]
fn what_the_dpo_is_told_of_systems_with_personal_data() {
    let item = |system: &str, what: &str, day: u32| systemejer_mail::DpoItem {
        system: system.into(),
        what: what.into(),
        on: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
        advice_at: format!("https://systemejer.randers.dk/api/v1/systems/{}/dpo-advice", system.len()),
    };
    let notice = systemejer_mail::DpoNotice {
        name: "Dina DPO".into(),
        lang: Lang::Da,
        items: vec![
            item("Omsorgssystem", "er sat i drift af bo@randers.dk.", 1),
            item(
                "Skoleportal",
                "en ændring er begyndt af ib@randers.dk: Forældre kan se fravær. Systemejeren har svaret, at ændringen kræver en ny konsekvensanalyse (DPIA).",
                1,
            ),
            item("Skoleportal", "har fået en ny databehandler: Netcompany A/S.", 2),
        ],
    };
    let out = systemejer_mail::render_dpo_notice(&notice).unwrap();
    insta::assert_snapshot!("dpo_notice_da_subject", out.subject);
    insta::assert_snapshot!("dpo_notice_da_text", out.text);
}

#[test]
fn a_handover_told_to_the_new_owner() {
    let notice = systemejer_mail::HandoverNotice {
        name: "Eva Ejer".into(),
        lang: Lang::Da,
        system: "Vejregister".into(),
        on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        reason: "Bo går på pension".into(),
        to_new_owner: true,
        other: Some("Bo Ejer".into()),
        portfolio: vec![
            systemejer_mail::OwnedSystem { system: "Kortportal".into(), duties: vec![] },
            systemejer_mail::OwnedSystem {
                system: "Vejregister".into(),
                duties: vec![("Test af gendannelse fra backup".into(), NaiveDate::from_ymd_opt(2026, 12, 12).unwrap())],
            },
        ],
        link: Some("https://systemejer.randers.dk/l/mine".into()),
        contact: Some("isk@randers.dk".into()),
    };
    let out = systemejer_mail::render_handover(&notice).unwrap();
    insta::assert_snapshot!("handover_new_owner_da_subject", out.subject);
    insta::assert_snapshot!("handover_new_owner_da_text", out.text);
    let old = systemejer_mail::HandoverNotice {
        name: "Bo Ejer".into(),
        to_new_owner: false,
        other: Some("Eva Ejer".into()),
        portfolio: vec![],
        link: None,
        ..notice
    };
    let out = systemejer_mail::render_handover(&old).unwrap();
    insta::assert_snapshot!("handover_old_owner_da_subject", out.subject);
    insta::assert_snapshot!("handover_old_owner_da_text", out.text);
}

/// An expiring processing agreement, told 90 days ahead to the owner and copied to the DPO (who
/// is sent to the register, not to a page); and a risk measure, told to the one responsible.
#[test]
fn an_expiring_agreement_copied_to_the_dpo_and_a_measure() {
    let mut expiry = item(
        "Borgerportal",
        "Databehandleraftalen udløber: KMD A/S",
        "2027-03-01",
        89,
        "Du får en kopi som databeskyttelsesrådgiver; systemejer er Ole Olsen.",
        None,
    );
    expiry.done_means = "Aftalen er fornyet (en ny udløbsdato er registreret) eller opsagt.".into();
    expiry.page = false;
    expiry.by_approval = true;
    expiry.link =
        "https://systemejer.randers.dk/api/v1/systems/0193a5b2-0000-7000-8000-000000000001/obligations".into();
    let to_dpo = Reminder {
        name: "databeskyttelsesrådgiver".into(),
        lang: Lang::Da,
        items: vec![expiry],
        my_duties: None,
        contact: Some("isk@randers.dk".into()),
        for_others: true,
    };
    let out = render_reminder(&to_dpo, at("2026-12-02T06:00:00Z")).unwrap();
    insta::assert_snapshot!("agreement_expiry_dpo_da_subject", out.subject);
    insta::assert_snapshot!("agreement_expiry_dpo_da_text", out.text);
    let mut measure = item(
        "ESDH",
        "Risikoforanstaltning: Tofaktorlogin for administratorer",
        "2026-12-07",
        5,
        "Du er ansvarlig for foranstaltningen; systemejer er Ole Olsen.",
        None,
    );
    measure.done_means = "Foranstaltningen er gennemført, eller den er fravalgt med en begrundelse.".into();
    measure.link = "https://systemejer.randers.dk/l/maaling".into();
    let to_responsible = Reminder {
        name: "Ulla IT".into(),
        lang: Lang::Da,
        items: vec![measure],
        my_duties: Some("https://systemejer.randers.dk/l/mine".into()),
        contact: Some("isk@randers.dk".into()),
        for_others: false,
    };
    let out = render_reminder(&to_responsible, at("2026-12-02T06:00:00Z")).unwrap();
    insta::assert_snapshot!("risk_measure_da_text", out.text);
}

/// A system whose owner left: the handover told to the owner's manager.
#[test]
fn a_handover_told_to_the_owners_manager() {
    let mut due = item(
        "Vejregister",
        "Overdragelse til ny systemejer",
        "2026-12-02",
        0,
        "Systemejeren har været Leo Larsen.",
        Some(
            "Systemejeren er ikke længere aktiv i registret: find en ny systemejer, og bed en administrator om at \
             overdrage systemet til vedkommende (med begrundelse).",
        ),
    );
    due.page = false;
    due.by_approval = true;
    due.done_means = "Systemet er overdraget til en ny systemejer, der opfylder kravene til en systemejer.".into();
    due.link = "https://systemejer.randers.dk/api/v1/systems/0193a5b2-0000-7000-8000-000000000002/obligations".into();
    let to_manager = Reminder {
        name: "Dorte Direktør".into(),
        lang: Lang::Da,
        items: vec![due],
        my_duties: None,
        contact: Some("isk@randers.dk".into()),
        for_others: true,
    };
    let out = render_reminder(&to_manager, at("2026-12-02T06:00:00Z")).unwrap();
    insta::assert_snapshot!("handover_due_manager_da_subject", out.subject);
    insta::assert_snapshot!("handover_due_manager_da_text", out.text);
}

#[test]
fn a_webhook_turned_off_for_failing() {
    let notice = systemejer_mail::WebhookDisabledNotice {
        name: Some("Ida Koordinator".into()),
        lang: Lang::Da,
        url: "https://intranet.randers.dk/hooks/systemejer".into(),
        description: Some("Intranettets kopi af registret".into()),
        gone: false,
        failing_since: at("2026-11-28T08:00:00Z"),
        days: 3,
        last_error: Some("the receiver answered 503".into()),
        last_status: Some(503),
        disabled_at: at("2026-12-01T08:05:00Z"),
        subscription: "https://systemejer.randers.dk/api/v1/webhooks/0190a0a0-0000-7000-8000-000000000001".into(),
        deliveries: "https://systemejer.randers.dk/api/v1/webhooks/0190a0a0-0000-7000-8000-000000000001/deliveries"
            .into(),
        as_coordinator: true,
        contact: None,
        timezone: chrono_tz::Europe::Copenhagen,
    };
    let out = systemejer_mail::render_webhook_disabled(&notice).unwrap();
    insta::assert_snapshot!("webhook_disabled_da_subject", out.subject);
    insta::assert_snapshot!("webhook_disabled_da_text", out.text);
    let gone = systemejer_mail::WebhookDisabledNotice { gone: true, lang: Lang::En, ..notice };
    let out = systemejer_mail::render_webhook_disabled(&gone).unwrap();
    assert!(out.text.contains("answered 410 Gone"), "{}", out.text);
    assert!(out.html.contains("<code>{\"active\": true}</code>"), "{}", out.html);
    // An error with no answer is the technical message, said to be one in a Danish mail.
    let timeout = systemejer_mail::WebhookDisabledNotice {
        last_status: None,
        last_error: Some("no answer within 10 s".into()),
        ..gone.clone()
    };
    let en = systemejer_mail::render_webhook_disabled(&timeout).unwrap();
    assert!(en.text.contains("Last error: no answer within 10 s\n"), "{}", en.text);
    let da =
        systemejer_mail::render_webhook_disabled(&systemejer_mail::WebhookDisabledNotice { lang: Lang::Da, ..timeout })
            .unwrap();
    assert!(da.text.contains("Seneste fejl: no answer within 10 s (teknisk besked, på engelsk)"), "{}", da.text);
}
