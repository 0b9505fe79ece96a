//! The worker against a real SMTP server (in the test process, over TCP), on SQLite and
//! PostgreSQL: who is told what and when, exactly once, with nothing lost when the server
//! refuses for a while.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, Months, NaiveDate, Utc, Weekday};
use icalendar::Component;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;
use systemejer_api::Role;
use systemejer_domain::calendar::Calendar;
use systemejer_e2e::fixtures::{calendar, day, obligation, system_in_use, today};
use systemejer_e2e::smtp::{Mode, SmtpServer};
use systemejer_e2e::{TestApp, on_both_backends};
use systemejer_mail::{Mailer, MailerSettings};
use systemejer_store::RetryPolicy;
use systemejer_worker::{Worker, WorkerSettings};

mod links;
mod webhooks;

on_both_backends!(
    a_reminder_reaches_the_assignee_once_with_a_calendar,
    one_reminder_per_stage_then_escalation,
    nothing_is_lost_while_the_server_refuses,
    a_dry_run_sends_and_records_nothing,
    breach_alerts_at_the_right_hours_until_reported,
    two_workers_deliver_a_thousand_reminders_exactly_once,
    a_refusing_hanging_or_vanishing_server_loses_nothing,
    a_server_refusing_connections_loses_nothing,
    a_lost_answer_sends_one_duplicate_with_the_same_message_id,
    a_mailbox_that_does_not_exist_fails_at_once,
    incidents_are_followed_up_until_closed_with_cause_and_measures,
    the_dpo_is_told_of_systems_with_personal_data,
    a_coordinator_who_owns_a_system_is_told_as_its_owner,
    a_handover_is_told_to_both_owners,
    an_expiring_agreement_is_told_to_the_owner_and_the_dpo,
    a_risk_measure_is_reminded_to_whoever_is_responsible,
    a_system_whose_owner_left_is_reminded_until_handed_over,
    reminders_wait_for_a_working_day,
);

async fn worker(app: &TestApp, smtp: &SmtpServer, retry: RetryPolicy) -> Worker {
    worker_with_timeout(app, smtp, retry, std::time::Duration::from_secs(10)).await
}

#[allow(clippy::unused_async, reason = "awaited by the tests like the other helpers")]
async fn worker_with_timeout(
    app: &TestApp,
    smtp: &SmtpServer,
    retry: RetryPolicy,
    timeout: std::time::Duration,
) -> Worker {
    worker_for(app, &smtp.url, retry, timeout)
}

/// A worker sending to the SMTP server at `url`.
fn worker_for(app: &TestApp, url: &str, retry: RetryPolicy, timeout: std::time::Duration) -> Worker {
    worker_on(app, url, settings_for(app, retry, timeout))
}

/// A worker with `settings` sending to the SMTP server at `url`.
fn worker_on(app: &TestApp, url: &str, settings: WorkerSettings) -> Worker {
    let timeout = settings.send_timeout / 2;
    let mailer =
        Mailer::new(&MailerSettings { smtp_url: Some(url.to_owned()), outbox_dir: std::env::temp_dir(), timeout })
            .unwrap();
    Worker::new(app.store.clone(), mailer, settings)
}

/// How a reminder says when a duty `days` ahead is due.
fn in_days(days: i64) -> String {
    match days {
        0 => "(i dag)".to_owned(),
        1 => "(i morgen)".to_owned(),
        n => format!("(om {n} dage)"),
    }
}

/// The worker's settings in these suites.
fn settings_for(app: &TestApp, retry: RetryPolicy, timeout: std::time::Duration) -> WorkerSettings {
    WorkerSettings {
        send_timeout: timeout * 2,
        coordinator_email: Some("isk@randers.dk".into()),
        dpo_email: Some("dpo@randers.dk".into()),
        mail_from: "Systemejer <noreply@randers.dk>".into(),
        public_url: app.base.clone(),
        link_keys: app.link_keys.clone(),
        retry,
        // These suites run passes on days counted from today, whatever weekday today is; the
        // working-day rule has its own test (`reminders_wait_for_a_working_day`).
        calendar: Calendar::open_every_day(),
        ..WorkerSettings::default()
    }
}

/// A system in use whose backup test falls due in `days` days; answers its path, the owner's
/// token and id, and the due date.
async fn backup_due_in(app: &TestApp, owner_email: &str, days: i64) -> (String, String, String, NaiveDate) {
    let (sys, owner, owner_id) = system_in_use(app, owner_email).await;
    let done_on = (today() + Duration::days(days)).checked_sub_months(Months::new(12)).unwrap();
    app.post(
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": done_on, "result": "passed"}),
    )
    .await
    .ok(201);
    let list = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    let due: NaiveDate = obligation(&list, "backup_test")["next_due_on"].as_str().unwrap().parse().unwrap();
    (sys, owner, owner_id, due)
}

async fn a_reminder_reaches_the_assignee_once_with_a_calendar(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, _, _, due) = backup_due_in(&app, "ole@randers.dk", 5).await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;

    let outcome = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((outcome.queued, outcome.sent), (1, 1), "{outcome:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ole@randers.dk"]);
    assert_eq!(received[0].from, "noreply@randers.dk");

    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.subject().unwrap(), "Påmindelse: 1 opgave for dine systemer forfalder snart");
    assert_eq!(message.header_raw("Auto-Submitted").unwrap().trim(), "auto-generated");
    assert!(message.message_id().is_some() && message.date().is_some());
    let text = message.body_text(0).unwrap();
    assert!(text.contains("Test af gendannelse fra backup"), "{text}");
    // Due in 5 days, or on the working day before.
    assert!(text.contains(&in_days((due - today()).num_days())), "{text}");
    assert!(text.contains(&format!("Registrér opgaven her: {}/l/", app.base)), "{text}");
    assert!(text.contains("Du er systemejer."), "{text}");
    assert!(text.contains(&format!("Alle dine åbne opgaver: {}/l/", app.base)), "{text}");
    assert!(text.contains("Spørgsmål? Skriv til informationssikkerhedskoordinatoren: isk@randers.dk"), "{text}");
    assert!(!text.contains(&format!("{sys}/obligations")), "the owner is sent to the page, not the API: {text}");
    assert!(message.body_html(0).unwrap().contains("<table"));
    let calendar =
        message.attachments().find(|a| a.content_type().is_some_and(|c| c.subtype() == Some("calendar"))).unwrap();
    let ics = String::from_utf8_lossy(calendar.contents()).into_owned();
    let parsed: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(parsed.property_value("METHOD"), Some("PUBLISH"));
    let events: Vec<&icalendar::Event> = parsed.events().collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_start(), Some(icalendar::DatePerhapsTime::Date(due)), "an all-day event on the due date");
    assert!(events[0].get_uid().unwrap().contains("backup_test"));
    assert!(events[0].get_summary().unwrap().contains("Test af gendannelse fra backup"));
    assert!(ics.contains("BEGIN:VALARM"));

    // A second pass the same day sends nothing more.
    let again = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((again.queued, again.sent), (0, 0));
    assert_eq!(smtp.received().len(), 1);

    // Each pass is recorded for /metrics: the latest found the one duty and sent nothing.
    let passes = app.store.latest_passes().unwrap();
    assert_eq!(passes.len(), 1, "{passes:?}");
    let latest = &passes[0];
    assert_eq!(latest.pass, systemejer_store::PassKind::ReminderPass);
    assert_eq!((latest.found, latest.queued, latest.sent, latest.succeeded), (1, 0, 0, true), "{latest:?}");

    // The outbox shows it, to admins and to the recipient (and to no one else).
    let admin = app.get("/api/v1/notifications", &app.admin()).await;
    let n = &admin.ok(200)["items"][0];
    assert_eq!(
        (n["status"].as_str(), n["attempts"].as_i64(), n["recipient"].as_str()),
        (Some("sent"), Some(1), Some("ole@randers.dk"))
    );
    assert_eq!(n["items"][0]["stage"], "before_7");
    let mine = app.get("/api/v1/notifications", &app.token("ole@randers.dk", &[])).await;
    assert_eq!(mine.ok(200)["total"], 1);
    app.get("/api/v1/notifications?recipient=ole@randers.dk", &app.client_token("intranet", &[Role::Reader]))
        .await
        .problem(403);
}

async fn one_reminder_per_stage_then_escalation(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, owner_id, due) = backup_due_in(&app, "eva@randers.dk", 40).await;
    // A delegate does the work; the owner's manager hears of long-overdue duties.
    let director = app
        .create("/api/v1/people", json!({"name": "Direktør", "email": "dir@randers.dk", "position": "director"}))
        .await;
    app.patch(&format!("/api/v1/people/{owner_id}"), &app.admin(), json!({"manager_id": director})).await.ok(200);
    let delegate = app
        .create(
            "/api/v1/people",
            json!({"name": "Dan Forvalter", "email": "dan@randers.dk", "position": "employee", "language": "en"}),
        )
        .await;
    app.patch(&sys, &owner, json!({"delegates": [{"person_id": delegate, "role": "systemforvalter"}]})).await.ok(200);
    let w = worker(&app, &smtp, RetryPolicy::default()).await;

    let mut expected_total = 0;
    for (offset, recipients) in [
        (-31, vec![]),
        (-30, vec!["dan@randers.dk"]),
        (-29, vec![]),
        (-7, vec!["dan@randers.dk"]),
        (-7, vec![]),
        (0, vec!["dan@randers.dk"]),
        (3, vec![]),
        (7, vec!["dan@randers.dk", "eva@randers.dk"]),
        (8, vec![]),
        (14, vec!["dan@randers.dk", "eva@randers.dk"]),
        (35, vec!["dan@randers.dk", "dir@randers.dk", "eva@randers.dk", "isk@randers.dk"]),
    ] {
        let on = due + Duration::days(offset);
        let before = smtp.received().len();
        w.run_once(on, Utc::now()).await.unwrap();
        let mut got: Vec<String> = smtp.received()[before..].iter().flat_map(|r| r.to.clone()).collect();
        got.sort();
        assert_eq!(got, recipients, "on due date {offset:+} days");
        expected_total += recipients.len();
    }
    assert_eq!(smtp.received().len(), expected_total);
    // The delegate reads English.
    let english = smtp.received().into_iter().find(|r| r.to == ["dan@randers.dk"]).unwrap();
    let parsed = MessageParser::default().parse(&english.data).unwrap();
    assert!(parsed.subject().unwrap().starts_with("Reminder: 1 duty"), "{:?}", parsed.subject());

    // Done: the series ends (the next due date is a year away).
    app.post(
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": day(0), "result": "passed"}),
    )
    .await
    .ok(201);
    let before = smtp.received().len();
    w.run_once(due + Duration::days(42), Utc::now()).await.unwrap();
    assert_eq!(smtp.received().len(), before);
}

async fn nothing_is_lost_while_the_server_refuses(app: TestApp) {
    let smtp = SmtpServer::start().await;
    backup_due_in(&app, "kim@randers.dk", 2).await;
    let retry_at_once = RetryPolicy { max_attempts: 3, first_backoff: Duration::zero(), max_backoff: Duration::zero() };
    let w = worker(&app, &smtp, retry_at_once).await;
    let admin = app.admin();

    smtp.set_mode(Mode::RefuseTemporarily);
    let down = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((down.queued, down.sent, down.retried), (1, 0, 1), "{down:?}");
    let queued = app.get("/api/v1/notifications?status=queued", &admin).await.ok(200).clone();
    assert_eq!(queued["items"][0]["attempts"], 1);
    assert!(queued["items"][0]["last_error"].as_str().unwrap().contains("451"), "{queued}");

    smtp.set_mode(Mode::Accept);
    let up = w.deliver().await.unwrap();
    assert_eq!(up.sent, 1);
    assert_eq!(smtp.received().len(), 1, "delivered once, not twice");
    let sent = app.get("/api/v1/notifications?status=sent", &admin).await.ok(200).clone();
    assert_eq!(sent["items"][0]["attempts"], 2);

    // A server that keeps refusing: tried up to the limit, then marked failed and kept.
    backup_due_in(&app, "lis@randers.dk", 3).await;
    smtp.set_mode(Mode::RefuseTemporarily);
    w.run_once(today(), Utc::now()).await.unwrap();
    w.deliver().await.unwrap();
    let last = w.deliver().await.unwrap();
    assert_eq!(last.failed, 1, "{last:?}");
    let failed = app.get("/api/v1/notifications?status=failed", &admin).await.ok(200).clone();
    assert_eq!(failed["items"][0]["recipient"], "lis@randers.dk");
    assert_eq!(failed["items"][0]["attempts"], 3);
    assert_eq!(smtp.received().len(), 1);
}

async fn a_dry_run_sends_and_records_nothing(app: TestApp) {
    let smtp = SmtpServer::start().await;
    backup_due_in(&app, "ida@randers.dk", 1).await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let plans = w.plan(today()).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].addressee.email, "ida@randers.dk");
    assert_eq!(plans[0].items[0].kind, "backup_test");
    assert_eq!(plans[0].items[0].stage, "before_7");
    assert!(smtp.received().is_empty());
    assert_eq!(app.get("/api/v1/notifications", &app.admin()).await.ok(200)["total"], 0);
    // The real pass sends it; a dry run afterwards has nothing left.
    w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
    assert!(w.plan(today()).await.unwrap().is_empty());
}

async fn breach_alerts_at_the_right_hours_until_reported(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    let system_id = sys.rsplit('/').next().unwrap().to_owned();
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let discovered = Utc::now() - Duration::minutes(30);
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

    let mut expected = 0;
    // The owner, the DPO and the coordinator, at each stage.
    for (hours, new) in [(0, 3), (0, 0), (23, 0), (24, 3), (30, 0), (48, 3), (60, 3), (70, 0)] {
        w.breach_pass(discovered + Duration::hours(hours) + Duration::minutes(1)).await.unwrap();
        expected += new;
        assert_eq!(smtp.received().len(), expected, "{hours} hours after discovery");
    }
    let received = smtp.received();
    let first = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(
        first.subject().unwrap().starts_with("Brud på persondatasikkerheden: anmeld senest"),
        "{:?}",
        first.subject()
    );
    let deadline = (discovered + Duration::hours(72)).with_timezone(&chrono_tz::Europe::Copenhagen);
    assert!(
        first.body_text(0).unwrap().contains(&format!("kl. {}", deadline.format("%H:%M"))),
        "the deadline in Danish local time"
    );
    let mut to: Vec<String> = smtp.received()[..3].iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["bo@randers.dk", "dpo@randers.dk", "isk@randers.dk"]);
    let to_coordinator = received[..3].iter().find(|r| r.to == ["isk@randers.dk"]).unwrap();
    let text = MessageParser::default().parse(&to_coordinator.data).unwrap().body_text(0).unwrap().into_owned();
    assert!(text.starts_with("Kære informationssikkerhedskoordinator"), "{text}");

    // Reported: the alerts stop.
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    app.post(&format!("/api/v1/incidents/{incident}/reports"), &dpo, json!({"reported_at": Utc::now().to_rfc3339()}))
        .await
        .ok(201);
    let second = app
        .post(
            "/api/v1/incidents",
            &owner,
            json!({"system_ids": [system_id], "discovered_at": (Utc::now() - Duration::hours(1)).to_rfc3339(), "description": "Forkert modtager", "personal_data_breach": true}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(
        &format!("/api/v1/incidents/{second}"),
        &dpo,
        json!({"not_reported_reason": "Krypteret; usandsynligt at indebære en risiko"}),
    )
    .await
    .ok(200);
    w.breach_pass(Utc::now() + Duration::hours(61)).await.unwrap();
    assert_eq!(smtp.received().len(), expected, "no alerts once reported or decided");
}

async fn two_workers_deliver_a_thousand_reminders_exactly_once(app: TestApp) {
    if !app.is_postgres() {
        return; // several workers at once is what PostgreSQL deployments do
    }
    let smtp = SmtpServer::start().await;
    let mut conn = <diesel::PgConnection as diesel::Connection>::establish(app.database_url()).unwrap();
    for sql in [
        "INSERT INTO people (id, name, email, position, active, version, created_at, updated_at, language)
         SELECT md5('p' || g)::uuid::text, 'Ejer ' || g, 'ejer' || g || '@randers.dk', 'director', true, 1, now(), now(), 'da'
         FROM generate_series(1, 1000) g",
        "INSERT INTO systems (id, name, kind, business_processes, data_formats, kle_codes, self_service_links, owner_id,
                              lifecycle_state, version, created_at, updated_at, data_subject_rights, archive_status)
         SELECT md5('s' || g)::uuid::text, 'System ' || g, 'it_system', '[]', '[]', '[]', '[]', md5('p' || g)::uuid::text,
                'in_use', 1, now(), now(), '[]', 'discard'
         FROM generate_series(1, 1000) g",
        "INSERT INTO obligations (system_id, kind, subject, interval_months, appeared_on, next_due_on)
         SELECT md5('s' || g)::uuid::text, 'backup_test', '', 12, current_date, current_date + 3
         FROM generate_series(1, 1000) g",
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn).unwrap();
    }
    // Two workers with their own connection pools, as two processes would have.
    let other =
        systemejer_store::Store::connect(app.database_url(), &systemejer_store::PoolOptions::default()).unwrap();
    let w1 = worker(&app, &smtp, RetryPolicy::default()).await;
    let mut w2 = worker(&app, &smtp, RetryPolicy::default()).await;
    w2 = Worker::new(
        other,
        Mailer::new(&MailerSettings {
            smtp_url: Some(smtp.url.clone()),
            outbox_dir: std::env::temp_dir(),
            timeout: std::time::Duration::from_secs(10),
        })
        .unwrap(),
        w2.settings().clone(),
    );
    let (a, b) = tokio::join!(w1.run_once(today(), Utc::now()), w2.run_once(today(), Utc::now()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.queued + b.queued, 1000, "each reminder written once: {a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 1000, "each delivered once: {a:?} {b:?}");
    let mut to: Vec<String> = smtp.received().into_iter().flat_map(|r| r.to).collect();
    assert_eq!(to.len(), 1000);
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 1000, "nobody got it twice");
}

async fn a_refusing_hanging_or_vanishing_server_loses_nothing(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let retry_at_once =
        RetryPolicy { max_attempts: 10, first_backoff: Duration::zero(), max_backoff: Duration::zero() };
    let w = worker_with_timeout(&app, &smtp, retry_at_once, std::time::Duration::from_secs(1)).await;
    backup_due_in(&app, "eja@randers.dk", 4).await;
    let mut attempts = 0;
    for mode in [Mode::RefusePermanently, Mode::Stall, Mode::CloseMidSession] {
        smtp.set_mode(mode);
        let outcome = if attempts == 0 { w.run_once(today(), Utc::now()).await } else { w.deliver().await }.unwrap();
        attempts += 1;
        assert_eq!((outcome.sent, outcome.retried), (0, 1), "{mode:?}: {outcome:?}");
        let queued = app.get("/api/v1/notifications?status=queued", &app.admin()).await.ok(200).clone();
        assert_eq!(queued["items"][0]["attempts"], attempts, "{mode:?}");
        assert!(queued["items"][0]["last_error"].is_string(), "{mode:?}: {queued}");
    }
    smtp.set_mode(Mode::Accept);
    assert_eq!(w.deliver().await.unwrap().sent, 1);
    assert_eq!(smtp.received().len(), 1, "delivered once after the faults, not lost and not twice");
}

/// Nothing listens where the mail server should be (it is down, or not started yet): each
/// delivery fails at connecting, the message stays queued with the error, and it goes out once
/// the server is there.
async fn a_server_refusing_connections_loses_nothing(app: TestApp) {
    let retry_at_once = RetryPolicy { max_attempts: 5, first_backoff: Duration::zero(), max_backoff: Duration::zero() };
    let port = SmtpServer::free_port();
    let w = worker_for(&app, &format!("smtp://127.0.0.1:{port}"), retry_at_once, std::time::Duration::from_secs(5));
    backup_due_in(&app, "knud@randers.dk", 4).await;
    let first = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((first.queued, first.sent, first.retried), (1, 0, 1), "{first:?}");
    let again = w.deliver().await.unwrap();
    assert_eq!((again.sent, again.retried), (0, 1), "{again:?}");
    let queued = app.get("/api/v1/notifications?status=queued", &app.admin()).await.ok(200).clone();
    assert_eq!(queued["items"][0]["attempts"], 2, "{queued}");
    let error = queued["items"][0]["last_error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("refused") || error.contains("connect"), "the error says why: {error}");

    let smtp = SmtpServer::start_on(port).await;
    assert_eq!(w.deliver().await.unwrap().sent, 1);
    assert_eq!(smtp.received().len(), 1);
    let sent = app.get("/api/v1/notifications?status=sent", &app.admin()).await.ok(200).clone();
    assert_eq!(sent["items"][0]["attempts"], 3, "{sent}");
    assert_eq!(app.get("/api/v1/notifications?status=queued", &app.admin()).await.ok(200)["total"], 0);
}

/// The server takes the whole message, but its 250 never reaches the worker (the connection
/// drops first). The worker cannot know the message arrived: it tries again, and the recipient
/// gets it twice, never more, both copies with one Message-ID so that their mail system can
/// tell it is the same message.
async fn a_lost_answer_sends_one_duplicate_with_the_same_message_id(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let retry_at_once = RetryPolicy { max_attempts: 5, first_backoff: Duration::zero(), max_backoff: Duration::zero() };
    let w = worker(&app, &smtp, retry_at_once).await;
    backup_due_in(&app, "lone@randers.dk", 4).await;
    smtp.set_mode(Mode::LoseReply);
    let lost = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((lost.queued, lost.sent, lost.retried), (1, 0, 1), "{lost:?}");
    assert_eq!(smtp.received().len(), 1, "the server has it");

    smtp.set_mode(Mode::Accept);
    assert_eq!(w.deliver().await.unwrap().sent, 1);
    assert_eq!(w.deliver().await.unwrap().sent, 0, "recorded as sent: not sent a third time");
    let copies = smtp.received();
    assert_eq!(copies.len(), 2, "one duplicate, no more");
    let ids: Vec<String> = copies
        .iter()
        .map(|c| MessageParser::default().parse(&c.data).unwrap().message_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], ids[1], "the duplicate is the same message");
    assert!(ids[0].ends_with("@randers.dk"), "{}", ids[0]);
    let sent = app.get("/api/v1/notifications?status=sent", &app.admin()).await.ok(200).clone();
    assert_eq!(sent["total"], 1, "{sent}");
    assert_eq!(sent["items"][0]["attempts"], 2, "{sent}");
}

/// The server says the mailbox does not exist (550 at RCPT): trying again would send nothing,
/// so the message is failed at once, with the server's answer, and counted as failed; a 4xx or
/// any other 5xx is still tried again (a relay that wants authentication is configuration, not
/// a missing mailbox).
async fn a_mailbox_that_does_not_exist_fails_at_once(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    backup_due_in(&app, "findes.ikke@randers.dk", 4).await;
    smtp.set_mode(Mode::RefuseMailbox);
    let outcome = w.run_once(today(), Utc::now()).await.unwrap();
    assert_eq!((outcome.queued, outcome.sent, outcome.retried, outcome.failed), (1, 0, 0, 1), "{outcome:?}");
    let failed = app.get("/api/v1/notifications?status=failed", &app.admin()).await.ok(200).clone();
    assert_eq!(failed["items"][0]["attempts"], 1, "{failed}");
    assert!(failed["items"][0]["last_error"].as_str().unwrap().contains("550"), "{failed}");
    smtp.set_mode(Mode::Accept);
    assert_eq!(w.deliver().await.unwrap().sent, 0, "not tried again");
    assert!(smtp.received().is_empty());
}

/// A security incident that is not a personal data breach: the coordinator is told once when
/// it is recorded; a week on, its owner is reminded once a week until it is closed, which takes
/// its cause and the measures taken.
async fn incidents_are_followed_up_until_closed_with_cause_and_measures(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    let system_id = sys.rsplit('/').next().unwrap().to_owned();
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let now = Utc::now();
    let incident = app
        .post(
            "/api/v1/incidents",
            &owner,
            json!({"system_ids": [system_id], "discovered_at": (now - Duration::hours(2)).to_rfc3339(),
                   "description": "Vejregistret var nede i fire timer", "personal_data_breach": false}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The coordinator is told, once.
    let told = w.incident_notices_pass(now).await.unwrap();
    assert_eq!((told.duties_due, told.queued, told.sent), (1, 1, 1), "{told:?}");
    let received = smtp.received();
    assert_eq!(received[0].to, ["isk@randers.dk"]);
    let mail = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(mail.subject(), Some("Sikkerhedshændelse registreret: Vejregister"));
    let text = mail.body_text(0).unwrap().into_owned();
    assert!(
        text.contains("Vejregistret var nede i fire timer") && text.contains("Registreret af bo@randers.dk."),
        "{text}"
    );
    assert!(text.contains("Mangler for at lukke den: årsagen og de trufne foranstaltninger."), "{text}");
    assert!(text.contains(&format!("/api/v1/incidents/{incident}")), "{text}");
    assert_eq!(w.incident_notices_pass(now + Duration::minutes(5)).await.unwrap().queued, 0, "told once");

    // Not reminded in its first week; then once a week to the owner.
    assert_eq!(w.incident_follow_up_pass(today(), now).await.unwrap().duties_due, 0);
    let monday = today() + Duration::days(7 - i64::from(today().weekday().num_days_from_monday()));
    let later = now + Duration::days(8);
    let first = w.incident_follow_up_pass(monday + Duration::days(1), later).await.unwrap();
    assert_eq!((first.duties_due, first.queued), (1, 1), "{first:?}");
    let reminder = smtp.received().last().unwrap().clone();
    assert_eq!(reminder.to, ["bo@randers.dk"]);
    let mail = MessageParser::default().parse(&reminder.data).unwrap();
    assert_eq!(mail.subject(), Some("Åben sikkerhedshændelse: Vejregister"));
    let text = mail.body_text(0).unwrap().into_owned();
    assert!(text.contains("Du får denne påmindelse hver uge"), "{text}");
    assert!(text.contains("Spørgsmål? Skriv til informationssikkerhedskoordinatoren: isk@randers.dk"), "{text}");
    for (day, expected) in [(monday + Duration::days(4), 0), (monday + Duration::days(8), 1)] {
        assert_eq!(w.incident_follow_up_pass(day, later).await.unwrap().queued, expected, "{day}");
    }

    // Closing it takes the cause and the measures; then the reminders stop.
    let path = format!("/api/v1/incidents/{incident}");
    let bare = app.patch(&path, &owner, json!({"closed_at": Utc::now().to_rfc3339()})).await;
    let errors: Vec<(String, String)> = bare.problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned()))
        .collect();
    let rule = "required_to_close".to_owned();
    assert_eq!(errors, [("cause".to_owned(), rule.clone()), ("measures".to_owned(), rule)]);
    assert_eq!(app.get(&path, &owner).await.ok(200)["status"], "open", "the refusal closed nothing");
    let closed = app
        .patch(
            &path,
            &owner,
            json!({"closed_at": Utc::now().to_rfc3339(), "cause": "Udløbet certifikat på databaseserveren",
                   "measures": "Certifikatet er fornyet, og udløb overvåges nu"}),
        )
        .await;
    assert_eq!(closed.ok(200)["status"], "closed");
    assert_eq!(closed.body["cause"], "Udløbet certifikat på databaseserveren");
    let after = w.incident_follow_up_pass(monday + Duration::days(15), later + Duration::days(7)).await.unwrap();
    assert_eq!((after.duties_due, after.queued), (0, 0));
}

/// The DPO is told, once each, when a system with personal data goes into use, begins a change
/// or gets a new processor; nothing of systems without personal data.
async fn the_dpo_is_told_of_systems_with_personal_data(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let started = Utc::now() - Duration::minutes(1);
    let (plain, _, _) = system_in_use(&app, "ib@randers.dk").await;
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    // The go-live was recorded before the system was found to hold personal data; it counts,
    // as the DPO hears of the system now.
    app.patch(&sys, &owner, json!({"processes_personal_data": true, "processes_sensitive_data": false})).await.ok(200);
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "changing", "change_description": "Borgere kan selv rette deres data", "dpia_needed": true}),
    )
    .await
    .ok(200);
    let processor = app.create("/api/v1/processors", json!({"name": "Netcompany A/S", "country": "DK"})).await;
    app.post(
        &format!("{sys}/processing-agreements"),
        &owner,
        json!({"processor_id": processor, "signed_on": day(-1), "supervision_method": "isae_3000"}),
    )
    .await
    .ok(201);

    let told = w.dpo_notices_pass(Utc::now()).await.unwrap();
    assert_eq!((told.duties_due, told.queued, told.sent), (3, 1, 1), "one digest of three events: {told:?}");
    let received = smtp.received();
    let to_dpo: Vec<_> = received.iter().filter(|r| r.to == ["dpo@randers.dk"]).collect();
    assert_eq!(to_dpo.len(), 1);
    let mail = MessageParser::default().parse(&to_dpo[0].data).unwrap();
    assert_eq!(mail.subject(), Some("Til databeskyttelsesrådgiveren: Vejregister"));
    let text = mail.body_text(0).unwrap().into_owned();
    assert!(text.contains("er sat i drift af bo@randers.dk."), "{text}");
    assert!(text.contains("en ændring er begyndt af bo@randers.dk: Borgere kan selv rette deres data. Systemejeren har svaret, at ændringen kræver en ny konsekvensanalyse (DPIA)."), "{text}");
    assert!(text.contains("har fået en ny databehandler: Netcompany A/S."), "{text}");
    assert!(text.contains(&format!("{}{sys}/dpo-advice", app.base)), "{text}");
    assert!(!text.contains(plain.rsplit('/').next().unwrap()), "nothing of the system without personal data");
    assert!(started < Utc::now());

    // Told once: the next pass writes nothing.
    let again = w.dpo_notices_pass(Utc::now() + Duration::minutes(15)).await.unwrap();
    assert_eq!((again.duties_due, again.queued), (3, 0));
}

/// The coordinator who owns a system hears of its breach and its open incident as its owner
/// (with the breach's page), once, not as the stand-in for an owner who is gone.
async fn a_coordinator_who_owns_a_system_is_told_as_its_owner(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "isk@randers.dk").await;
    let system_id = sys.rsplit('/').next().unwrap().to_owned();
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let now = Utc::now();
    app.post(
        "/api/v1/incidents",
        &owner,
        json!({"system_ids": [system_id], "discovered_at": (now - Duration::hours(1)).to_rfc3339(),
               "description": "Borgerdata sendt til forkert modtager", "personal_data_breach": true}),
    )
    .await
    .ok(201);
    w.breach_pass(now).await.unwrap();
    let mine: Vec<_> = smtp.received().into_iter().filter(|r| r.to == ["isk@randers.dk"]).collect();
    assert_eq!(mine.len(), 1, "one alert to one address");
    let text = MessageParser::default().parse(&mine[0].data).unwrap().body_text(0).unwrap().into_owned();
    assert!(text.starts_with("Kære Owner"), "{text}");
    assert!(text.contains("Registrér anmeldelsen eller beslutningen her: "), "the owner's page: {text}");

    // A week on, the breach (still undecided) is reminded to its owner, with all closing takes.
    let before = smtp.received().len();
    let monday = today() + Duration::days(7 - i64::from(today().weekday().num_days_from_monday()));
    w.incident_follow_up_pass(monday, now + Duration::days(8)).await.unwrap();
    let reminder = smtp.received()[before..].iter().find(|r| r.to == ["isk@randers.dk"]).unwrap().clone();
    let text = MessageParser::default().parse(&reminder.data).unwrap().body_text(0).unwrap().into_owned();
    assert!(text.contains("En sikkerhedshændelse på et system, du er systemejer for, er stadig åben."), "{text}");
    assert!(!text.contains("ingen aktiv systemejer"), "{text}");
    assert!(
        text.contains("Mangler for at lukke den: anmeldelsen til Datatilsynet eller beslutningen om ikke at anmelde, vurderingen af risikoen for de registrerede, årsagen og de trufne foranstaltninger."),
        "{text}"
    );
}

/// A handover (overdragelse) is told to both owners, once: the new owner's mail lists the
/// systems they now answer for, with their duties due soon, and links to their list.
async fn a_handover_is_told_to_both_owners(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let admin = app.admin();
    let (sys, _, _) = system_in_use(&app, "bo@randers.dk").await;
    let (_, _, heir, due) = backup_due_in(&app, "eva@randers.dk", 10).await;
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    app.post(&format!("{sys}/owner-handover"), &admin, json!({"new_owner_id": heir, "reason": "Bo går på pension"}))
        .await
        .ok(201);
    let told = w.handovers_pass(Utc::now()).await.unwrap();
    assert_eq!((told.duties_due, told.queued, told.sent), (1, 2, 2), "{told:?}");
    let received = smtp.received();
    let mail = |who: &str| {
        let r = received.iter().find(|r| r.to == [who]).unwrap();
        let m = MessageParser::default().parse(&r.data).unwrap();
        (m.subject().unwrap().to_owned(), m.body_text(0).unwrap().into_owned())
    };
    let (subject, text) = mail("eva@randers.dk");
    assert_eq!(subject, "Du er nu systemejer for Vejregister");
    assert!(text.contains("Begrundelse: Bo går på pension"), "{text}");
    assert!(text.contains("(fra Owner)"), "{text}");
    assert_eq!(text.lines().filter(|l| l.trim() == "Vejregister").count(), 2, "both her systems are listed: {text}");
    let soon =
        format!("* Test af gendannelse fra backup: {}", systemejer_mail::date_text(systemejer_mail::Lang::Da, due));
    assert!(text.contains(&soon), "her backup test due in 10 days: {text}");
    assert!(text.contains("(ingen opgaver forfalder de næste 30 dage)"), "the system handed over: {text}");
    assert!(text.contains("Se og registrér dine opgaver her: "), "{text}");
    let (subject, text) = mail("bo@randers.dk");
    assert_eq!(subject, "Vejregister er overdraget til en ny systemejer");
    assert!(text.contains("Du er ikke længere systemejer for systemet"), "{text}");
    assert!(!text.contains("/l/"), "no link to the old owner: {text}");
    let again = w.handovers_pass(Utc::now() + Duration::minutes(15)).await.unwrap();
    assert_eq!(again.queued, 0, "told once");
}

/// An expiring processing agreement is told to the owner (not the delegate), with the DPO
/// copied, 90 and 30 days before and on the day; renewed, it is told no more.
async fn an_expiring_agreement_is_told_to_the_owner_and_the_dpo(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "ane@randers.dk").await;
    let vendor = app.create("/api/v1/processors", json!({"name": "KMD A/S"})).await;
    let expires = today() + Duration::days(85);
    let aid = app
        .post(
            &format!("{sys}/processing-agreements"),
            &owner,
            json!({"processor_id": vendor, "signed_on": today() - Duration::days(300), "expires_on": expires, "supervision_method": "isae_3402"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    let expiry_mails = |smtp: &SmtpServer| -> Vec<(String, String)> {
        smtp.received()
            .iter()
            .filter_map(|r| {
                let m = MessageParser::default().parse(&r.data).unwrap();
                let text = m.body_text(0).unwrap().into_owned();
                text.contains("Databehandleraftalen udløber").then(|| (r.to[0].clone(), text))
            })
            .collect()
    };
    // 85 days ahead: within 90, so told now, to the owner and the DPO.
    w.run_once(today(), Utc::now()).await.unwrap();
    let told = expiry_mails(&smtp);
    let to: Vec<&str> = told.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, ["ane@randers.dk", "dpo@randers.dk"], "the owner's own duty, with a copy to the DPO");
    assert!(told[0].1.contains("Databehandleraftalen udløber: KMD A/S"), "{}", told[0].1);
    assert!(told[1].1.contains("Du får en kopi som databeskyttelsesrådgiver"), "{}", told[1].1);
    // The same stage is not told twice; 30 days before it is told again.
    w.run_once(today() + Duration::days(1), Utc::now()).await.unwrap();
    assert_eq!(expiry_mails(&smtp).len(), 2);
    w.run_once(expires - Duration::days(30), Utc::now()).await.unwrap();
    assert_eq!(expiry_mails(&smtp).len(), 4, "30 days before");
    // Renewed: the next stage (the day itself) no longer comes.
    app.patch(
        &format!("{sys}/processing-agreements/{aid}"),
        &owner,
        json!({"expires_on": expires + Duration::days(365)}),
    )
    .await
    .ok(200);
    w.run_once(expires, Utc::now()).await.unwrap();
    assert_eq!(expiry_mails(&smtp).len(), 4, "renewed: nothing on the old day");
}

/// A planned risk measure is reminded to the person responsible for it, naming the measure.
async fn a_risk_measure_is_reminded_to_whoever_is_responsible(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (sys, owner, _) = system_in_use(&app, "rie@randers.dk").await;
    let it = app
        .create("/api/v1/people", json!({"name": "Ulla IT", "email": "ulla@randers.dk", "position": "employee"}))
        .await;
    let assessment = app.get(&format!("{sys}/risk-assessments"), &owner).await.ok(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("{sys}/risk-assessments/{assessment}/measures"),
        &owner,
        json!({"measure": "Tofaktorlogin for administratorer", "responsible_id": it, "due_on": today() + Duration::days(5)}),
    )
    .await
    .ok(201);
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    w.run_once(today(), Utc::now()).await.unwrap();
    let received = smtp.received();
    let mail = received.iter().find(|r| r.to == ["ulla@randers.dk"]).expect("the person responsible is told");
    let text = MessageParser::default().parse(&mail.data).unwrap().body_text(0).unwrap().into_owned();
    assert!(text.contains("Risikoforanstaltning: Tofaktorlogin for administratorer"), "{text}");
    assert!(text.contains("gennemført, eller den er fravalgt med en begrundelse"), "{text}");
    assert!(text.contains("Du er ansvarlig for foranstaltningen; systemejer er Owner."), "{text}");
    assert!(!text.contains("Alle dine åbne opgaver"), "her list holds no system of hers: {text}");

    // She records it from the mail, without an account: the measure is implemented, its duty ends.
    let at = text.find("Tofaktorlogin").unwrap();
    let recorded_at = text[at..].lines().find(|l| l.trim_start().starts_with("Registrér opgaven her: ")).unwrap();
    let link = recorded_at.trim_start().trim_start_matches("Registrér opgaven her: ").to_owned();
    let visitor = systemejer_e2e::visitor::Visitor::new(&app.base);
    let page = visitor.open(&link).await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.html);
    let action = page.url.trim_start_matches(&app.base).to_owned();
    let csrf = page.field_after(&format!("action=\"{action}\""), "csrf").unwrap();
    let future = (today() + Duration::days(3)).to_string();
    let wrong = visitor.post(&action, &[("csrf", &csrf), ("done_on", &future)]).await;
    assert_eq!(wrong.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.html);
    let done = visitor.post(&action, &[("csrf", &csrf), ("done_on", &today().to_string())]).await;
    assert!(done.html.contains("Foranstaltningen er registreret"), "{}", done.html);
    let measures = app.get(&format!("{sys}/risk-measures"), &owner).await.ok(200).clone();
    assert_eq!(measures["items"][0]["status"], "implemented");
    assert_eq!(measures["items"][0]["implemented_on"], today().to_string().as_str());
    let duties = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    assert!(!duties.to_string().contains("risk_measure"), "{duties}");
}

/// An owner who leaves leaves a handover: the coordinator and the owner's manager are told the
/// day it appears and weekly until a new owner is set; the owner who left is not mailed.
async fn a_system_whose_owner_left_is_reminded_until_handed_over(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let admin = app.admin();
    let (sys, _, owner_id) = system_in_use(&app, "leo@randers.dk").await;
    let director = app
        .create(
            "/api/v1/people",
            json!({"name": "Dorte Direktør", "email": "dorte@randers.dk", "position": "director"}),
        )
        .await;
    app.patch(&format!("/api/v1/people/{owner_id}"), &admin, json!({"manager_id": director})).await.ok(200);
    let w = worker(&app, &smtp, RetryPolicy::default()).await;
    w.run_once(today(), Utc::now()).await.unwrap();
    let handover_mails = |smtp: &SmtpServer| -> Vec<(String, String)> {
        smtp.received()
            .iter()
            .filter_map(|r| {
                let m = MessageParser::default().parse(&r.data).unwrap();
                let text = m.body_text(0).unwrap().into_owned();
                text.contains("Overdragelse til ny systemejer").then(|| (r.to[0].clone(), text))
            })
            .collect()
    };
    assert!(handover_mails(&smtp).is_empty(), "an eligible owner: nothing to hand over");

    app.patch(&format!("/api/v1/people/{owner_id}"), &admin, json!({"active": false})).await.ok(200);
    w.run_once(today(), Utc::now()).await.unwrap();
    let told = handover_mails(&smtp);
    let mut to: Vec<&str> = told.iter().map(|(to, _)| to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["dorte@randers.dk", "isk@randers.dk"], "{told:?}");
    assert!(
        told.iter().all(|(_, text)| text.contains(
            "ikke længere aktiv i registret: find en ny systemejer, og bed en \
                                                   administrator om at overdrage systemet"
        )),
        "{told:?}"
    );
    assert!(told.iter().all(|(_, text)| text.contains("Til orientering")), "{told:?}");
    // A week later, still not handed over: told again.
    w.run_once(today() + Duration::days(7), Utc::now()).await.unwrap();
    assert_eq!(handover_mails(&smtp).len(), 4);
    // Handed over: no more.
    let heir = app
        .create("/api/v1/people", json!({"name": "Hans Arving", "email": "hans@randers.dk", "position": "director"}))
        .await;
    app.post(&format!("{sys}/owner-handover"), &admin, json!({"new_owner_id": heir, "reason": "Leo er stoppet"}))
        .await
        .ok(201);
    w.run_once(today() + Duration::days(14), Utc::now()).await.unwrap();
    assert_eq!(handover_mails(&smtp).len(), 4, "handed over: told no more");
}

/// Reminders go out on the municipality's working days only: a stage reached on a weekend is
/// sent on the next working day, once, and nothing is lost meanwhile.
async fn reminders_wait_for_a_working_day(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let (_, _, _, due) = backup_due_in(&app, "vera@randers.dk", 20).await;
    let usual = calendar();
    assert!(usual.is_working_day(due), "{due} is a working day");
    let settings = WorkerSettings {
        calendar: usual,
        ..settings_for(&app, RetryPolicy::default(), std::time::Duration::from_secs(10))
    };
    let w = worker_on(&app, &smtp.url, settings);
    // The Saturday and Sunday of the week before the due date: its 7-day stage is reached.
    let saturday = (1..=7).map(|n| due - Duration::days(n)).find(|d| d.weekday() == Weekday::Sat).unwrap();
    for closed in [saturday, saturday + Duration::days(1)] {
        let outcome = w.run_once(closed, Utc::now()).await.unwrap();
        assert_eq!((outcome.duties_due, outcome.queued, outcome.sent), (0, 0, 0), "{closed}: {outcome:?}");
    }
    assert!(smtp.received().is_empty());
    // The next working day (a Monday, or later after a holiday; never after the due date).
    let next = (1..=10).map(|n| saturday + Duration::days(n)).find(|d| usual.is_working_day(*d)).unwrap();
    assert!(next <= due);
    let outcome = w.run_once(next, Utc::now()).await.unwrap();
    assert_eq!((outcome.queued, outcome.sent), (1, 1), "{next}: {outcome:?}");
    let text = MessageParser::default().parse(&smtp.received()[0].data).unwrap().body_text(0).unwrap().into_owned();
    let when = in_days((due - next).num_days());
    assert!(text.contains(&when), "{when}: {text}");
    let again = w.run_once(next, Utc::now()).await.unwrap();
    assert_eq!((again.queued, again.sent), (0, 0), "once");
}
