//! The loop the mails close: a reminder's link opens a page in the recipient's name, with no
//! account, where the duty is recorded through the same use case as the API (`via: link`);
//! "Mine opgaver" records several; every refusal says why and whom to contact; a link cannot
//! write twice, and a form from elsewhere writes nothing.

use chrono::{Datelike, Duration, Utc};
use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use systemejer_domain::obligations::ObligationKind;
use systemejer_e2e::fixtures::{system_in_use, today};
use systemejer_e2e::smtp::SmtpServer;
use systemejer_e2e::visitor::{Seen, Visitor};
use systemejer_e2e::{COORDINATOR, DPO, TestApp, on_both_backends};
use systemejer_links::{Link, LinkKeys, LinkTarget};
use systemejer_store::RetryPolicy;

use super::{backup_due_in, worker};

on_both_backends!(
    an_owner_records_a_duty_from_the_mail,
    two_duties_are_recorded_from_my_duties,
    every_refusal_says_why_and_writes_nothing,
    a_breach_is_reported_from_its_alert,
    a_failed_test_is_told_at_once_and_open_exit_steps_weekly,
    the_coordinator_gets_long_overdue_duties_grouped_by_owner,
    a_duty_link_holds_for_its_cycle_and_never_past_the_longest_lifetime,
    a_supervision_names_its_processor_in_the_mail_and_on_the_pages,
);

/// The duty link the mail's plain text gives for `duty` (its title).
fn link_in(text: &str, duty: &str) -> String {
    let at = text.find(duty).unwrap_or_else(|| panic!("{duty} not in:\n{text}"));
    let rest = &text[at..];
    let line = rest.lines().find(|l| l.trim_start().starts_with("Registrér opgaven her: ")).unwrap();
    line.trim_start().trim_start_matches("Registrér opgaven her: ").to_owned()
}

async fn completions(app: &TestApp, sys: &str, kind: &str) -> Vec<Value> {
    app.get(&format!("{sys}/obligations/{kind}/completions"), &app.admin()).await.ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn duty_link(
    keys: &LinkKeys,
    person: &str,
    sys: &str,
    kind: ObligationKind,
    due_on: chrono::NaiveDate,
    days: i64,
) -> String {
    let system = sys.trim_start_matches("/api/v1/systems/").parse().unwrap();
    let link = Link {
        person: person.parse().unwrap(),
        target: LinkTarget::Duty { system, kind, subject: String::new(), due_on },
        expires_at: Utc::now() + Duration::days(days),
    };
    format!("/l/{}", keys.sign(&link))
}

async fn an_owner_records_a_duty_from_the_mail(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, _, _, due) = backup_due_in(&app, "ole@randers.dk", 5).await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    assert_eq!(w.run_once(today(), Utc::now()).await.unwrap().sent, 1);
    let received = smtp.received();
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    let text = message.body_text(0).unwrap().into_owned();
    let link = link_in(&text, "Test af gendannelse fra backup");
    assert!(link.starts_with(&format!("{}/l/", app.base)), "{link}");
    assert!(message.body_html(0).unwrap().contains(&link), "the HTML part links the same page");

    // The link opens the duty's page, in Danish, at a URL without the token.
    let owner = Visitor::new(&app.base);
    let page = owner.open(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let token = link.rsplit('/').next().unwrap();
    assert!(!page.url.contains(token), "the token is gone from the address: {}", page.url);
    assert!(page.url.ends_with(&format!("/opgave/{}/backup_test", sys.trim_start_matches("/api/v1/systems/"))));
    assert_eq!(page.h1(), "Test af gendannelse fra backup: Vejregister");
    assert!(page.html.contains("<html lang=\"da\">"));
    assert!(page.html.contains("Du er systemejer."), "{}", page.html);
    assert!(page.html.contains("(om 5 dage)"), "{}", page.html);
    assert!(page.html.contains(COORDINATOR), "the coordinator is named");
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("form-action 'self'"), "{policy}");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let action = page.url.trim_start_matches(&app.base).to_owned();
    let csrf = page.field_after(&format!("action=\"{action}\""), "csrf").unwrap();

    // A form with mistakes: each named at its field in Danish, and what was typed is kept.
    let wrong = owner
        .post(
            &action,
            &[("csrf", &csrf), ("done_on", "i går"), ("restored", "Hele databasen"), ("restore_minutes", "")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("Der er noget, der skal rettes"));
    assert!(wrong.html.contains("Skriv datoen som år-måned-dag"), "{}", wrong.html);
    assert!(wrong.html.contains("Vælg, om testen bestod eller fejlede."));
    assert!(wrong.html.contains("value=\"Hele databasen\""), "the typed input is kept");
    assert_eq!(completions(&app, &sys, "backup_test").await.len(), 1, "nothing was written");

    // Last year's date (a typo) would record a test that changes nothing: named at the field.
    let last_year = (today() - Duration::days(400)).to_string();
    let stale = owner
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("done_on", &last_year),
                ("result", "passed"),
                ("restore_minutes", "5"),
                ("restored", "Alt"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.html);
    assert!(stale.html.contains("Med den dato er opgaven allerede forfalden igen"), "{}", stale.html);
    assert_eq!(completions(&app, &sys, "backup_test").await.len(), 1, "nothing was written");

    // The form as it should be: recorded in the owner's name, via the link.
    let fields = [
        ("csrf", csrf.as_str()),
        ("done_on", &today().to_string()),
        ("result", "passed"),
        ("restore_minutes", "42"),
        ("restored", "Hele databasen"),
        ("notes", "Gendannet på testserveren"),
    ];
    let done = owner.post(&action, &fields).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.url.ends_with(&action), "back on the duty's page: {}", done.url);
    assert!(done.html.contains("Opgaven er registreret"), "{}", done.html);
    assert!(done.html.contains("Registreret af Owner den "), "{}", done.html);
    assert!(done.html.contains("Påmindelserne om denne frist stopper."));
    assert!(!done.html.contains("<form"), "no form once recorded");
    let list = completions(&app, &sys, "backup_test").await;
    assert_eq!(list.len(), 2);
    assert_eq!((list[0]["via"].as_str(), list[0]["recorded_by"].as_str()), (Some("link"), Some("ole@randers.dk")));
    assert_eq!(
        list[0]["evidence"],
        json!({"type": "backup_test", "restore_minutes": 42, "restored": "Hele databasen"})
    );
    assert_eq!(list[1]["via"], "api");
    let events = app.get("/api/v1/audit-events?entity_type=completion", &app.admin()).await.ok(200).clone();
    let event = events["items"].as_array().unwrap().iter().find(|e| e["after"]["via"] == "link").unwrap();
    assert_eq!(event["actor"], "ole@randers.dk");
    assert!(!event.to_string().contains(token), "no token in the audit log");

    // The same form again (a double click, the back button): nothing more is written.
    let again = owner.post(&action, &fields).await;
    assert!(again.html.contains("Registreret af Owner den "), "{}", again.html);
    assert_eq!(completions(&app, &sys, "backup_test").await.len(), 2);
    // And the link again, from the mail: the page says who recorded it.
    let reopened = Visitor::new(&app.base).open(&link).await;
    assert!(reopened.html.contains("Registreret af Owner den "), "{}", reopened.html);

    // The next passes do not mention the duty.
    for day in [today() + Duration::days(2), due] {
        let outcome = w.run_once(day, Utc::now()).await.unwrap();
        assert_eq!(outcome.queued, 0, "{day}: {outcome:?}");
    }
    assert_eq!(smtp.received().len(), 1);
}

/// Makes `kind` of the system fall due in `days` days: a completion one interval earlier.
async fn due_in(app: &TestApp, sys: &str, token: &str, kind: &str, days: i64) {
    let list = app.get(&format!("{sys}/obligations"), token).await.ok(200).clone();
    let months = list["items"].as_array().unwrap().iter().find(|o| o["kind"] == kind).unwrap()["interval_months"]
        .as_u64()
        .unwrap();
    let done_on = (today() + Duration::days(days))
        .checked_sub_months(chrono::Months::new(u32::try_from(months).unwrap()))
        .unwrap();
    app.post(&format!("{sys}/obligations/{kind}/completions"), token, json!({"done_on": done_on, "result": "passed"}))
        .await
        .ok(201);
}

async fn two_duties_are_recorded_from_my_duties(app: TestApp) {
    let (sys, owner_token, owner_id) = system_in_use(&app, "ole@randers.dk").await;
    due_in(&app, &sys, &owner_token, "access_review", 3).await;
    due_in(&app, &sys, &owner_token, "backup_test", -2).await;
    let mine = Link {
        person: owner_id.parse().unwrap(),
        target: LinkTarget::MyDuties,
        expires_at: Utc::now() + Duration::days(60),
    };
    let owner = Visitor::new(&app.base);
    let page = owner.open(&format!("/l/{}", app.link_keys.sign(&mine))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.url.ends_with("/mine-opgaver"), "{}", page.url);
    assert_eq!(page.h1(), "Mine opgaver");
    assert!(page.html.contains("Vejregister"));
    assert!(page.html.contains("(overskredet med 2 dage)"), "{}", page.html);
    assert!(page.html.contains("Senere frister"), "duties not yet open are listed without a form");
    let id = sys.trim_start_matches("/api/v1/systems/");
    let actions = page.actions();
    let access = format!("/mine-opgaver/opgave/{id}/access_review");
    let backup = format!("/mine-opgaver/opgave/{id}/backup_test");
    assert!(actions.contains(&access) && actions.contains(&backup), "{actions:?}");

    let field =
        |page: &Seen, action: &str, name: &str| page.field_after(&format!("action=\"{action}\""), name).unwrap();
    let (csrf, cycle) = (field(&page, &access, "csrf"), field(&page, &access, "cycle"));
    let today = today().to_string();
    let first = owner
        .post(
            &access,
            &[
                ("csrf", &csrf),
                ("cycle", &cycle),
                ("done_on", &today),
                ("accounts_reviewed", "40"),
                ("accounts_removed", "3"),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    assert!(first.html.contains("Registreret: Kontrol af brugeradgange"), "{}", first.html);
    let cycle = field(&first, &backup, "cycle");
    let wrong = owner
        .post(
            &backup,
            &[("csrf", &csrf), ("cycle", &cycle), ("done_on", &today), ("result", "failed"), ("restore_minutes", "x")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("<details open>"), "the form with problems is open");
    let top = wrong.html.find("Der er noget, der skal rettes").unwrap();
    assert!(top < wrong.html.find("<section").unwrap(), "the problems are named at the top of the list");
    // Reloaded (a GET of the form's address): the list, not an error.
    let reloaded = owner.open(&backup).await;
    assert_eq!(reloaded.status, StatusCode::OK);
    assert!(reloaded.url.ends_with("/mine-opgaver"), "{}", reloaded.url);
    // A form with no cycle was not made by the list.
    let forged = owner.post(&backup, &[("csrf", &csrf), ("done_on", &today), ("result", "passed")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let second = owner
        .post(
            &backup,
            &[
                ("csrf", &csrf),
                ("cycle", &cycle),
                ("done_on", &today),
                ("result", "failed"),
                ("restore_minutes", "30"),
                ("restored", "Kundedata"),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.html);
    assert!(second.html.contains("Registreret: testen fejlede."), "a failure is confirmed: {}", second.html);

    let access_done = completions(&app, &sys, "access_review").await;
    assert_eq!(access_done.len(), 2);
    assert_eq!(
        (access_done[0]["via"].as_str(), access_done[0]["recorded_by"].as_str()),
        (Some("link"), Some("ole@randers.dk"))
    );
    let backup_done = completions(&app, &sys, "backup_test").await;
    assert_eq!((backup_done[0]["via"].as_str(), backup_done[0]["result"].as_str()), (Some("link"), Some("failed")));
    // A failed test leaves the duty open: it is still on the list, with its form.
    assert!(second.actions().contains(&backup), "a failed test is still to do");
    assert!(!second.actions().contains(&access), "the access review is done for now");
}

async fn every_refusal_says_why_and_writes_nothing(app: TestApp) {
    let (sys, owner_token, owner_id) = system_in_use(&app, "ole@randers.dk").await;
    let id = sys.trim_start_matches("/api/v1/systems/");
    let due: chrono::NaiveDate = app.get(&format!("{sys}/obligations"), &owner_token).await.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "access_review")
        .unwrap()["next_due_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let refused = |page: &Seen, status: StatusCode, title: &str| {
        assert_eq!(page.status, status, "{}", page.html);
        assert_eq!(page.h1(), title, "{}", page.html);
        assert!(page.html.contains(&format!("mailto:{COORDINATOR}")), "whom to contact: {}", page.html);
        assert!(!page.headers.contains_key("set-cookie"), "no session for a refused link");
    };
    let good = duty_link(&app.link_keys, &owner_id, &sys, ObligationKind::AccessReview, due, 30);

    // Changed, cut short, or signed with a key that is no longer configured.
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let v = Visitor::new(&app.base);
    refused(&v.open(&tampered).await, StatusCode::FORBIDDEN, "Linket virker ikke");
    refused(&v.open(&good[..good.len() - 10]).await, StatusCode::FORBIDDEN, "Linket virker ikke");
    let retired = LinkKeys::generate().unwrap();
    refused(
        &v.open(&duty_link(&retired, &owner_id, &sys, ObligationKind::AccessReview, due, 30)).await,
        StatusCode::FORBIDDEN,
        "Linket virker ikke",
    );
    // Expired.
    refused(
        &v.open(&duty_link(&app.link_keys, &owner_id, &sys, ObligationKind::AccessReview, due, -1)).await,
        StatusCode::GONE,
        "Linket er udløbet",
    );
    // Signed with the previous key while it is still configured: accepted.
    let previous = duty_link(&app.previous_link_keys, &owner_id, &sys, ObligationKind::AccessReview, due, 30);
    let page = Visitor::new(&app.base).open(&previous).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Kontrol af brugeradgange"));

    // A page opened without its link, or a form posted from elsewhere (no session token).
    let path = format!("/opgave/{id}/access_review");
    refused(&Visitor::new(&app.base).open(&path).await, StatusCode::FORBIDDEN, "Åbn siden fra linket i mailen");
    let owner = Visitor::new(&app.base);
    let page = owner.open(&good).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields =
        [("done_on", today().to_string()), ("accounts_reviewed", "5".into()), ("accounts_removed", "0".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(&owner.post(&path, &fields).await, StatusCode::FORBIDDEN, "Formularen kunne ikke godkendes");
    let mut forged = fields.clone();
    forged.push(("csrf", "AAAA"));
    refused(&owner.post(&path, &forged).await, StatusCode::FORBIDDEN, "Formularen kunne ikke godkendes");
    assert!(completions(&app, &sys, "access_review").await.is_empty(), "nothing was written");

    // A delegate who is taken off the system: their link no longer opens, nor their session.
    let delegate_id = app
        .create("/api/v1/people", json!({"name": "Dorte", "email": "dorte@randers.dk", "position": "employee"}))
        .await;
    let tag = app.get(&sys, &app.admin()).await.headers["etag"].to_str().unwrap().to_owned();
    app.call_with_headers(
        Method::PATCH,
        &sys,
        &app.admin(),
        &[("if-match", &tag)],
        Some(json!({"delegates": [{"person_id": delegate_id, "role": "systemforvalter"}]})),
    )
    .await
    .ok(200);
    let delegate_link = duty_link(&app.link_keys, &delegate_id, &sys, ObligationKind::AccessReview, due, 30);
    let delegate = Visitor::new(&app.base);
    let page = delegate.open(&delegate_link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Du er systemforvalter. Systemejer er Owner."), "{}", page.html);
    let csrf = page.field_after(&format!("action=\"{path}\""), "csrf").unwrap();
    let tag = app.get(&sys, &app.admin()).await.headers["etag"].to_str().unwrap().to_owned();
    app.call_with_headers(Method::PATCH, &sys, &app.admin(), &[("if-match", &tag)], Some(json!({"delegates": []})))
        .await
        .ok(200);
    let mut with_token = fields.clone();
    with_token.push(("csrf", &csrf));
    refused(&delegate.post(&path, &with_token).await, StatusCode::FORBIDDEN, "Du har ikke længere opgaven");
    refused(&Visitor::new(&app.base).open(&delegate_link).await, StatusCode::FORBIDDEN, "Du har ikke længere opgaven");
    assert!(completions(&app, &sys, "access_review").await.is_empty(), "nothing was written");

    // A person who has left.
    let leaver_id =
        app.create("/api/v1/people", json!({"name": "Lars", "email": "lars@randers.dk", "position": "employee"})).await;
    let mine = |person: &str| {
        let link = Link {
            person: person.parse().unwrap(),
            target: LinkTarget::MyDuties,
            expires_at: Utc::now() + Duration::days(1),
        };
        format!("/l/{}", app.link_keys.sign(&link))
    };
    assert_eq!(Visitor::new(&app.base).open(&mine(&leaver_id)).await.status, StatusCode::OK);
    app.patch(&format!("/api/v1/people/{leaver_id}"), &app.admin(), json!({"active": false})).await.ok(200);
    refused(
        &Visitor::new(&app.base).open(&mine(&leaver_id)).await,
        StatusCode::FORBIDDEN,
        "Du er ikke længere aktiv i registret",
    );
}

async fn a_breach_is_reported_from_its_alert(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    // The DPO is a person of the register too: their alert links to the page as well.
    app.create("/api/v1/people", json!({"name": "Dina DPO", "email": DPO, "position": "employee"})).await;
    let system_id = sys.rsplit('/').next().unwrap().to_owned();
    let discovered = Utc::now() - Duration::hours(2);
    let incident = app
        .post(
            "/api/v1/incidents",
            &owner,
            json!({"system_ids": [system_id], "discovered_at": discovered.to_rfc3339(), "description": "USB-nøgle med borgerdata mistet", "personal_data_breach": true}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    w.breach_pass(Utc::now()).await.unwrap();
    let received = smtp.received();
    assert_eq!(received.len(), 3, "the owner, the DPO and the coordinator");
    let link_to = |who: &str| {
        let r = received.iter().find(|r| r.to == [who]).unwrap();
        let text = MessageParser::default().parse(&r.data).unwrap().body_text(0).unwrap().into_owned();
        let line = text.lines().find(|l| l.starts_with("Registrér anmeldelsen eller beslutningen her: ")).unwrap();
        line.trim_start_matches("Registrér anmeldelsen eller beslutningen her: ").to_owned()
    };
    let (owner_link, dpo_link) = (link_to("bo@randers.dk"), link_to(DPO));
    assert!(owner_link.contains("/l/") && dpo_link.contains("/l/"), "{owner_link} {dpo_link}");

    let v = Visitor::new(&app.base);
    let page = v.open(&owner_link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.url.ends_with(&format!("/brud/{incident}")), "{}", page.url);
    assert_eq!(page.h1(), "Brud på persondatasikkerheden");
    assert!(page.html.contains("timer tilbage af de 72."), "{}", page.html);
    assert!(page.html.contains("USB-nøgle med borgerdata mistet"));
    let action = format!("/brud/{incident}/anmeldt");
    let csrf = page.field_after(&format!("action=\"{action}\""), "csrf").unwrap();
    let local =
        |t: chrono::DateTime<Utc>| t.with_timezone(&chrono_tz::Europe::Copenhagen).format("%Y-%m-%dT%H:%M").to_string();

    // Reported "tomorrow": refused at the field, nothing recorded.
    let wrong = v.post(&action, &[("csrf", &csrf), ("reported_at", &local(Utc::now() + Duration::days(1)))]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.html);
    assert!(wrong.html.contains("Tidspunktet kan ikke ligge i fremtiden."), "{}", wrong.html);
    let reported = local(Utc::now() - Duration::minutes(5));
    let done = v.post(&action, &[("csrf", &csrf), ("reported_at", &reported), ("reference", "2026-431-0042")]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("Uret er stoppet"), "{}", done.html);
    assert!(done.html.contains("Anmeldt til Datatilsynet") && done.html.contains("(2026-431-0042)"), "{}", done.html);
    // The same form again (a double click): nothing more is recorded.
    let again = v.post(&action, &[("csrf", &csrf), ("reported_at", &reported), ("reference", "2026-431-0043")]).await;
    assert!(again.html.contains("Uret er stoppet"), "{}", again.html);
    let recorded = app.get(&format!("/api/v1/incidents/{incident}"), &app.admin()).await.ok(200).clone();
    assert_eq!(recorded["status"], "reported");
    assert_eq!(recorded["reports"].as_array().unwrap().len(), 1, "{recorded}");
    assert_eq!(recorded["reports"][0]["reference"], "2026-431-0042");

    // The DPO's link opens the same page; the alerts have stopped.
    let dpo_page = Visitor::new(&app.base).open(&dpo_link).await;
    assert_eq!(dpo_page.status, StatusCode::OK, "{}", dpo_page.html);
    assert!(dpo_page.html.contains("Uret er stoppet"));
    w.breach_pass(discovered + Duration::hours(24) + Duration::minutes(1)).await.unwrap();
    assert_eq!(smtp.received().len(), 3, "no alert after the report");

    // Someone who is neither an owner of a touched system nor the DPO is refused.
    let other =
        app.create("/api/v1/people", json!({"name": "Ib", "email": "ib@randers.dk", "position": "employee"})).await;
    let link = Link {
        person: other.parse().unwrap(),
        target: LinkTarget::Breach { incident: incident.parse().unwrap() },
        expires_at: Utc::now() + Duration::days(14),
    };
    let refused = Visitor::new(&app.base).open(&format!("/l/{}", app.link_keys.sign(&link))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.h1(), "Du har ikke længere opgaven");
}

async fn a_failed_test_is_told_at_once_and_open_exit_steps_weekly(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let text_of = |r: &systemejer_e2e::smtp::Received| {
        let m = MessageParser::default().parse(&r.data).unwrap();
        (m.subject().unwrap().to_owned(), m.body_text(0).unwrap().into_owned())
    };

    // The restore failed: the owner and the coordinator hear of it at once, once.
    app.post(
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": today().to_string(), "result": "failed", "notes": "Gendannelsen stoppede halvvejs"}),
    )
    .await
    .ok(201);
    let outcome = w.failed_results_pass(Utc::now()).await.unwrap();
    assert_eq!((outcome.queued, outcome.sent), (2, 2), "{outcome:?}");
    let received = smtp.received();
    let to_owner = received.iter().find(|r| r.to == ["bo@randers.dk"]).unwrap();
    let (subject, text) = text_of(to_owner);
    assert_eq!(subject, "Fejlet: Test af gendannelse fra backup for Vejregister");
    let by = systemejer_e2e::fixtures::calendar().on_or_before(systemejer_e2e::fixtures::today() + Duration::days(30));
    assert!(text.contains("Gendannelsen stoppede halvvejs"), "{text}");
    assert!(text.contains(&format!("senest {}", danish_date(by))), "{text}");
    let link = text.lines().find_map(|l| l.strip_prefix("Registrér den nye test her: ")).unwrap().to_owned();
    let page = Visitor::new(&app.base).open(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Test af gendannelse fra backup: Vejregister") && page.html.contains("<form"));
    let to_coordinator = received.iter().find(|r| r.to == [COORDINATOR]).unwrap();
    let (_, text) = text_of(to_coordinator);
    assert!(text.contains("Systemejer er Owner."), "{text}");
    assert!(!text.contains("/l/"), "the coordinator is no person of the register: no personal link");
    let again = w.failed_results_pass(Utc::now() + Duration::minutes(15)).await.unwrap();
    assert_eq!(again.queued, 0, "each failure is told once");

    // The reminders of the follow-up say why the test is due early; a change that begins makes
    // the risk reassessment due at once, and its reminder says so.
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "changing", "change_description": "Nyt GIS-lag", "dpia_needed": false}),
    )
    .await
    .ok(200);
    let before = smtp.received().len();
    assert_eq!(w.run_once(today(), Utc::now()).await.unwrap().sent, 1);
    let (_, text) = text_of(&smtp.received()[before]);
    assert!(text.contains("Opgaven forfalder før tid, fordi den seneste test fejlede: den skal bestås."), "{text}");
    assert!(text.contains("Opgaven forfalder før tid, fordi en ændring af systemet er begyndt."), "{text}");
    // The change done: a new risk assessment approved, and back in use.
    systemejer_e2e::fixtures::approved_risk_assessment(
        &app,
        &sys,
        &owner,
        &today().to_string(),
        "GIS-laget ændrer intet",
    )
    .await;
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "in_use"})).await.ok(200);

    // Decommissioning: the open exit steps go to the owner once a week.
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "decommissioning", "reason": "Nedlægges"}))
        .await
        .ok(200);
    let before = smtp.received().len();
    let monday = today() + Duration::days(7 - i64::from(today().weekday().num_days_from_monday()));
    let first = w.exit_steps_pass(monday, Utc::now()).await.unwrap();
    assert_eq!((first.duties_due, first.queued), (1, 1), "{first:?}");
    let (subject, text) = text_of(&smtp.received()[before]);
    assert!(subject.starts_with("Afvikling af Vejregister: ") && subject.ends_with(" trin mangler"), "{subject}");
    assert!(text.contains("* Kontrakten er opsagt"), "{text}");
    assert!(text.contains("hver uge"), "{text}");
    let mine = text
        .lines()
        .find_map(|l| l.strip_prefix("Markér trinnene som udført eller ikke relevante her: "))
        .unwrap()
        .to_owned();
    for (day, expected) in [(monday + Duration::days(3), 0), (monday + Duration::days(7), 1)] {
        let o = w.exit_steps_pass(day, Utc::now()).await.unwrap();
        assert_eq!(o.queued, expected, "{day}");
    }

    // The steps, from Mine opgaver: one not applicable needs its reason; then it is recorded.
    let owner_page = Visitor::new(&app.base);
    let list = owner_page.open(&mine).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.html);
    let id = sys.trim_start_matches("/api/v1/systems/");
    let action = format!("/mine-opgaver/afvikling/{id}/it_department_notified");
    let csrf = list.field_after(&format!("action=\"{action}\""), "csrf").unwrap();
    let refused = owner_page.post(&action, &[("csrf", &csrf), ("status", "not_applicable")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("Skal udfyldes."), "{}", refused.html);
    let done = owner_page
        .post(
            &action,
            &[("csrf", &csrf), ("status", "done"), ("done_on", &today().to_string()), ("note", "Mail til servicedesk")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("Registreret: IT-afdelingen er orienteret (udført)"), "{}", done.html);
    let checklist = app.get(&format!("{sys}/exit-checklist"), &owner).await.ok(200).clone();
    let step =
        checklist["items"].as_array().unwrap().iter().find(|s| s["step"] == "it_department_notified").unwrap().clone();
    assert_eq!((step["status"].as_str(), step["recorded_by"].as_str()), (Some("done"), Some("bo@randers.dk")));
}

fn danish_date(d: chrono::NaiveDate) -> String {
    systemejer_mail::date_text(systemejer_mail::Lang::Da, d)
}

async fn the_coordinator_gets_long_overdue_duties_grouped_by_owner(app: TestApp) {
    let smtp = SmtpServer::start().await;
    // The coordinator is a person of the register here: their digest links to each owner's list.
    let coordinator = app
        .create("/api/v1/people", json!({"name": "Ida Koordinator", "email": COORDINATOR, "position": "employee"}))
        .await;
    let boss = app
        .create(
            "/api/v1/people",
            json!({"name": "Dorte Direktør", "email": "dorte@randers.dk", "position": "director"}),
        )
        .await;
    let (_, _, owner_id, _) = backup_due_in(&app, "ole@randers.dk", -40).await;
    app.patch(&format!("/api/v1/people/{owner_id}"), &app.admin(), json!({"manager_id": boss})).await.ok(200);
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    w.run_once(today(), Utc::now()).await.unwrap();
    let received = smtp.received();
    let to_coordinator = received.iter().find(|r| r.to == [COORDINATOR]).expect("the coordinator is told");
    let message = MessageParser::default().parse(&to_coordinator.data).unwrap();
    assert_eq!(message.subject().unwrap(), "Til koordinatoren: 1 opgave hos 1 systemejer");
    let text = message.body_text(0).unwrap().into_owned();
    assert!(
        text.starts_with("Kære informationssikkerhedskoordinator") || text.starts_with("Kære Ida Koordinator"),
        "{text}"
    );
    assert!(!text.contains("Du er systemejer"), "not addressed as an owner: {text}");
    assert!(text.contains("Systemejer: Owner (leder: Dorte Direktør)"), "{text}");
    assert!(text.contains("Vejregister: Test af gendannelse fra backup"), "{text}");
    let list = text.lines().find_map(|l| l.trim().strip_prefix("Se systemejerens opgaver: ")).unwrap().to_owned();

    // The owner's list, read-only: no forms, and only for the coordinator.
    let page = Visitor::new(&app.base).open(&list).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.url.ends_with(&format!("/ejer/{owner_id}")), "{}", page.url);
    assert_eq!(page.h1(), "Opgaver for Owner");
    assert!(page.html.contains("Systemejerens leder er Dorte Direktør."), "{}", page.html);
    assert!(page.html.contains("Test af gendannelse fra backup") && !page.html.contains("<form"), "{}", page.html);
    // The owner's manager is told too, as a manager, with the same read-only list.
    let to_boss = received.iter().find(|r| r.to == ["dorte@randers.dk"]).expect("the manager is told");
    let message = MessageParser::default().parse(&to_boss.data).unwrap();
    assert_eq!(message.subject().unwrap(), "Eskaleret til dig som leder: 1 opgave hos 1 systemejer");
    let text = message.body_text(0).unwrap().into_owned();
    assert!(text.starts_with("Kære Dorte Direktør") && text.lines().any(|l| l.trim() == "Systemejer: Owner"), "{text}");
    let list = text.lines().find_map(|l| l.trim().strip_prefix("Se systemejerens opgaver: ")).unwrap().to_owned();
    let page = Visitor::new(&app.base).open(&list).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Du ser listen som leder for systemejeren"), "{}", page.html);
    // Anyone else: refused.
    let stranger =
        app.create("/api/v1/people", json!({"name": "Ib", "email": "ib@randers.dk", "position": "employee"})).await;
    let not_theirs = Link {
        person: stranger.parse().unwrap(),
        target: LinkTarget::OwnerDuties { owner: owner_id.parse().unwrap() },
        expires_at: Utc::now() + Duration::days(1),
    };
    let refused = Visitor::new(&app.base).open(&format!("/l/{}", app.link_keys.sign(&not_theirs))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.h1(), "Listen er ikke din at se");
    assert_eq!(coordinator.len(), 36);
}

async fn a_duty_link_holds_for_its_cycle_and_never_past_the_longest_lifetime(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _, _) = backup_due_in(&app, "ole@randers.dk", 5).await;
    backup_due_in(&app, "eva@randers.dk", 5).await;
    // Ole's restore test is monthly; Eva's keeps its year.
    app.patch(&format!("{sys}/obligations/backup_test"), &owner, json!({"interval_months": 1})).await.ok(200);
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    w.run_once(today(), Utc::now()).await.unwrap();
    let expiry = |who: &str| {
        let r = smtp.received().into_iter().find(|r| r.to == [who]).unwrap();
        let text = MessageParser::default().parse(&r.data).unwrap().body_text(0).unwrap().into_owned();
        let link = link_in(&text, "Test af gendannelse fra backup");
        let token = link.rsplit('/').next().unwrap().to_owned();
        app.link_keys.open(&token, Utc::now()).unwrap().expires_at
    };
    let monthly = expiry("ole@randers.dk");
    let month = today().checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(monthly.date_naive(), month + Duration::days(1), "to the end of the day a month from now");
    let yearly = expiry("eva@randers.dk");
    let days = (yearly - Utc::now()).num_days();
    assert!((59..=60).contains(&days), "at most 60 days: {yearly}");
}

/// An owner may answer for several processors: the supervision names its processor in the
/// mail, on the duty's page and on "Mine opgaver", so that two never read alike.
async fn a_supervision_names_its_processor_in_the_mail_and_on_the_pages(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner_token, owner_id) = system_in_use(&app, "ole@randers.dk").await;
    // Netcompany was last supervised a year ago less five days: due in five days. KMD's
    // agreement is new: its first supervision is a year away.
    let last_year = (today() + Duration::days(5)).checked_sub_months(chrono::Months::new(12)).unwrap();
    for name in ["Netcompany A/S", "KMD A/S"] {
        let processor = app.create("/api/v1/processors", json!({"name": name, "country": "DK"})).await;
        let body = json!({"processor_id": processor, "signed_on": last_year, "supervision_method": "isae_3402", "supervision_interval_months": 12});
        let agreement =
            app.post(&format!("{sys}/processing-agreements"), &owner_token, body).await.ok(201)["id"].clone();
        if name.starts_with("Netcompany") {
            let evidence =
                json!({"type": "supervision", "report_kind": "isae_3402", "conclusion": "Ingen bemærkninger"});
            let done = json!({"done_on": last_year, "result": "passed", "subject": agreement, "evidence": evidence});
            app.post(&format!("{sys}/obligations/processor_supervision/completions"), &owner_token, done).await.ok(201);
        }
    }
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    assert_eq!(w.run_once(today(), Utc::now()).await.unwrap().sent, 1);
    let received = smtp.received();
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    let text = message.body_text(0).unwrap().into_owned();
    assert!(text.contains("Tilsyn med databehandler: Netcompany A/S"), "{text}");
    assert!(!text.contains("KMD"), "only the supervision due soon: {text}");

    let page = Visitor::new(&app.base).open(&link_in(&text, "Tilsyn med databehandler")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(page.h1(), "Tilsyn med databehandler (Netcompany A/S): Vejregister");
    assert!(page.html.contains("<dd>Tilsyn med databehandler (Netcompany A/S)</dd>"), "{}", page.html);

    let mine = Link {
        person: owner_id.parse().unwrap(),
        target: LinkTarget::MyDuties,
        expires_at: Utc::now() + Duration::days(60),
    };
    let list = Visitor::new(&app.base).open(&format!("/l/{}", app.link_keys.sign(&mine))).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.html);
    assert!(list.html.contains("<h3>Tilsyn med databehandler (Netcompany A/S)</h3>"), "{}", list.html);
    assert!(list.html.contains("<td>Tilsyn med databehandler (KMD A/S)</td>"), "later, named too: {}", list.html);
}
