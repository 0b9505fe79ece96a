//! Webhooks end to end, on both backends: subscriptions made over the API, events emitted by
//! the register's own changes and the worker's passes, delivered by the worker over real HTTP
//! to a receiver in this process that checks the Standard Webhooks signature with its own
//! HMAC; failures retried after their wait, every attempt listed; a subscription failing for
//! days turned off and its admin told by mail; nothing sent for a change that was rolled back.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Months, Utc};
use mail_parser::MessageParser;
use serde_json::{Value, json};
use systemejer_e2e::fixtures::{system_in_use, today};
use systemejer_e2e::smtp::SmtpServer;
use systemejer_e2e::webhooks::{Answer, Receiver};
use systemejer_e2e::{TestApp, on_both_backends, raw_sql};
use systemejer_store::RetryPolicy;
use systemejer_worker::{WebhookSettings, Worker};

use super::{settings_for, worker_on};

on_both_backends!(
    a_change_is_delivered_signed_with_its_resource_and_url,
    only_wanted_events_reach_only_active_subscriptions,
    a_failure_is_retried_after_its_wait_and_every_attempt_listed,
    a_private_receiver_is_refused_at_delivery_and_redirects_are_not_followed,
    a_subscription_failing_for_days_is_turned_off_and_its_admin_told,
    an_event_of_a_change_rolled_back_is_never_sent,
    duties_and_breaches_are_told_once_per_stage,
    a_subscription_deleted_while_its_delivery_is_under_way_ends_nothing_else,
);

/// A worker that delivers webhooks (receivers on this machine allowed, as the service's
/// `SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE=true` allows them) and mails to `smtp`.
fn worker(app: &TestApp, smtp: &SmtpServer, webhooks: WebhookSettings) -> Worker {
    let mut settings = settings_for(app, RetryPolicy::default(), StdDuration::from_secs(5));
    settings.webhooks = webhooks;
    worker_on(app, &smtp.url, settings)
}

/// One delivery at a time, so that they arrive in the order of their events (side by side,
/// as in service, they may arrive in any order: the specification promises none).
fn allowing_private() -> WebhookSettings {
    WebhookSettings { allow_private: true, timeout: StdDuration::from_secs(2), batch: 1, ..WebhookSettings::default() }
}

/// Subscribes `url` to `events` as an admin; answers the subscription's id and its secret.
async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let made = app.post("/api/v1/webhooks", &app.admin(), json!({"url": url, "events": events})).await;
    let body = made.ok(201).clone();
    (body["id"].as_str().unwrap().to_owned(), body["secret"].as_str().unwrap().to_owned())
}

/// A subscription's deliveries, oldest first.
async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), &app.admin()).await.ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Records a personal data breach on `system` discovered at `discovered`, as `owner`; its id.
async fn record_breach(
    app: &TestApp,
    owner: &str,
    system: &str,
    discovered: DateTime<Utc>,
    description: &str,
) -> String {
    let body = json!({"system_ids": [system], "discovered_at": discovered.to_rfc3339(),
                      "description": description, "personal_data_breach": true});
    app.post("/api/v1/incidents", owner, body).await.ok(201)["id"].as_str().unwrap().to_owned()
}

fn types(received: &[systemejer_e2e::webhooks::Received]) -> Vec<String> {
    received.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect()
}

async fn a_change_is_delivered_signed_with_its_resource_and_url(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    let (hook, secret) = subscribe(&app, &receiver.url(), &["system.created", "system.changed"]).await;
    let system = app.create("/api/v1/systems", json!({"name": "Vejregister", "kind": "it_system"})).await;
    let sys = format!("/api/v1/systems/{system}");
    app.patch(&sys, &app.admin(), json!({"vendor": "KMD"})).await.ok(200);
    // Nothing is sent by the change itself: the worker delivers.
    assert!(receiver.received().is_empty());

    let w = worker(&app, &smtp, allowing_private());
    let before = Utc::now();
    let outcome = w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!((outcome.sent, outcome.retried, outcome.failed), (2, 0, 0), "{outcome:?}");
    let got = receiver.received();
    assert_eq!(types(&got), ["system.created", "system.changed"]);
    for r in &got {
        r.verify(&secret).unwrap_or_else(|e| panic!("{e}: {r:?}"));
        assert_eq!(r.header("content-type"), "application/json");
        let body = r.json();
        assert_eq!(r.header("webhook-id"), body["id"].as_str().unwrap(), "the header's id is the event's");
        let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
        assert!((ts - before.timestamp()).abs() <= 5, "the attempt's time in unix seconds: {ts}");
        assert_eq!(body["url"], format!("{}{sys}", app.base), "the resource's URL from the public URL");
        assert_eq!(body["data"]["id"], system.as_str());
        assert!(DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok(), "{body}");
    }
    assert_eq!(got[0].json()["data"]["vendor"], Value::Null);
    assert_eq!(got[1].json()["data"]["vendor"], "KMD", "the system as it is after the change");
    // The signature is of exactly these bytes: another secret, or a changed body, fails.
    assert!(got[1].verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
    let mut forged = got[1].clone();
    forged.body = forged.body.replace("KMD", "KMX");
    assert!(forged.verify(&secret).is_err());

    // Each delivery with its one attempt.
    let listed = deliveries(&app, &hook).await;
    assert_eq!(listed.len(), 2);
    for d in &listed {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"].as_array().unwrap().len(), 1, "{d}");
        assert_eq!(d["attempts"][0]["status_code"], 200);
        assert!(d["attempts"][0]["duration_ms"].as_i64().unwrap() >= 0);
        assert_eq!(d["next_attempt_at"], Value::Null);
    }
    assert_eq!(listed[1]["event_id"], got[1].header("webhook-id"));
    // Delivered once: the next pass sends nothing.
    assert_eq!(w.webhook_pass(Utc::now()).await.unwrap().sent, 0);
    assert_eq!(receiver.received().len(), 2);

    // A rotation: the new secret shown once, and for a day both sign.
    let rotated = app.post(&format!("/api/v1/webhooks/{hook}/secret"), &app.admin(), json!({})).await;
    let new_secret = rotated.ok(200)["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    app.delete(&sys, &app.admin()).await.ok(204);
    // A subscription that does not want `system.deleted` gets nothing of it.
    assert_eq!(w.webhook_pass(Utc::now()).await.unwrap().sent, 0);
    app.patch(
        &format!("/api/v1/webhooks/{hook}"),
        &app.admin(),
        json!({"events": ["system.created", "system.changed", "system.deleted"]}),
    )
    .await
    .ok(200);
    let other = app.create("/api/v1/systems", json!({"name": "Andet", "kind": "app"})).await;
    app.delete(&format!("/api/v1/systems/{other}"), &app.admin()).await.ok(204);
    w.webhook_pass(Utc::now()).await.unwrap();
    let got = receiver.received();
    assert_eq!(types(&got[2..]), ["system.created", "system.deleted"]);
    let deleted = &got[3];
    deleted.verify(&new_secret).unwrap();
    deleted.verify(&secret).expect("the secret before the rotation signs beside the new one for a day");
    assert_eq!(deleted.header("webhook-signature").split(' ').count(), 2);
    assert_eq!(deleted.json()["data"]["name"], "Andet", "a deleted system as it was");

    // A second rotation within the day (no body: the service makes the secret) keeps the
    // first secret signing too, for the receiver that has not changed over yet.
    let path = format!("/api/v1/webhooks/{hook}/secret");
    let again = app.call(reqwest::Method::POST, &path, Some(&app.admin()), None).await;
    let newest = again.ok(200)["secret"].as_str().unwrap().to_owned();
    // Rotating to a secret that signs now is refused, and changes nothing.
    let same = app.post(&path, &app.admin(), json!({"secret": secret})).await;
    let problem = same.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("secret"), Some("unchanged"))
    );
    app.create("/api/v1/systems", json!({"name": "Tredje", "kind": "app"})).await;
    w.webhook_pass(Utc::now()).await.unwrap();
    let third = receiver.received().last().unwrap().clone();
    assert_eq!(third.header("webhook-signature").split(' ').count(), 3);
    for s in [&newest, &new_secret, &secret] {
        third.verify(s).unwrap_or_else(|e| panic!("{e}: every secret of the last day signs"));
    }
}

async fn only_wanted_events_reach_only_active_subscriptions(app: TestApp) {
    let (receiver, other, smtp) = (Receiver::start().await, Receiver::start().await, SmtpServer::start().await);
    let (created_only, _) = subscribe(&app, &receiver.url(), &["system.created"]).await;
    let everything = json!({"url": other.url(), "active": false, "events": [
        "system.created", "system.changed", "system.deleted", "system.state_changed", "duty.due", "duty.overdue",
        "duty.done", "breach.recorded", "breach.deadline_near", "breach.reported", "import.finished"]});
    let inactive =
        app.post("/api/v1/webhooks", &app.admin(), everything).await.ok(201)["id"].as_str().unwrap().to_owned();

    let system = app.create("/api/v1/systems", json!({"name": "Skoleintra", "kind": "app"})).await;
    app.patch(&format!("/api/v1/systems/{system}"), &app.admin(), json!({"vendor": "Itslearning"})).await.ok(200);
    let w = worker(&app, &smtp, allowing_private());
    w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!(types(&receiver.received()), ["system.created"], "the change is not among its events");
    assert!(other.received().is_empty(), "an inactive subscription gets nothing");
    assert!(deliveries(&app, &inactive).await.is_empty(), "nothing is even queued for it");
    assert_eq!(deliveries(&app, &created_only).await.len(), 1);

    // Turned on, it gets what happens from then on, not what happened while it was off.
    app.patch(&format!("/api/v1/webhooks/{inactive}"), &app.admin(), json!({"active": true})).await.ok(200);
    app.patch(&format!("/api/v1/systems/{system}"), &app.admin(), json!({"vendor": "Aula"})).await.ok(200);
    w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!(types(&other.received()), ["system.changed"]);
    assert_eq!(other.received()[0].json()["data"]["vendor"], "Aula");
    assert_eq!(receiver.received().len(), 1);
}

async fn a_failure_is_retried_after_its_wait_and_every_attempt_listed(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    receiver.answer(Answer::Status(500));
    let (hook, secret) = subscribe(&app, &receiver.url(), &["system.created"]).await;
    app.create("/api/v1/systems", json!({"name": "Økonomi", "kind": "it_system"})).await;
    let w = worker(&app, &smtp, allowing_private());
    let t0 = Utc::now();

    let first = w.webhook_pass(t0).await.unwrap();
    assert_eq!((first.sent, first.retried), (0, 1), "{first:?}");
    let listed = deliveries(&app, &hook).await;
    assert_eq!(listed[0]["status"], "queued");
    assert_eq!(listed[0]["attempts"][0]["status_code"], 500);
    assert_eq!(listed[0]["attempts"][0]["error"], "the receiver answered 500");
    let next: DateTime<Utc> = listed[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(next >= t0 + Duration::seconds(59) && next <= t0 + Duration::seconds(70), "a minute's wait: {next}");
    let subscription = app.get(&format!("/api/v1/webhooks/{hook}"), &app.admin()).await.ok(200).clone();
    assert!(subscription["failing_since"].is_string(), "{subscription}");

    // Not before its wait is over, however often the worker passes.
    receiver.answer(Answer::Ok);
    assert_eq!(w.webhook_pass(t0 + Duration::seconds(30)).await.unwrap().sent, 0);
    assert_eq!(receiver.received().len(), 1);
    // Then it goes, with the same id, signed anew for the attempt's time.
    let second = w.webhook_pass(t0 + Duration::minutes(2)).await.unwrap();
    assert_eq!(second.sent, 1, "{second:?}");
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"), "the id holds across attempts");
    assert_eq!(got[0].body, got[1].body, "the same body at every attempt");
    assert_ne!(got[0].header("webhook-timestamp"), got[1].header("webhook-timestamp"));
    for r in &got {
        r.verify(&secret).unwrap();
    }
    let listed = deliveries(&app, &hook).await;
    assert_eq!(listed[0]["status"], "delivered");
    let attempts = listed[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!((attempts[0]["status_code"].as_i64(), attempts[1]["status_code"].as_i64()), (Some(500), Some(200)));
    assert_eq!(attempts[1]["error"], Value::Null);
    let subscription = app.get(&format!("/api/v1/webhooks/{hook}"), &app.admin()).await.ok(200).clone();
    assert_eq!(subscription["failing_since"], Value::Null, "working again: {subscription}");

    // A receiver that hangs: the attempt ends at the timeout and is tried again later.
    receiver.answer(Answer::Hang);
    app.create("/api/v1/systems", json!({"name": "Løn", "kind": "it_system"})).await;
    let t1 = Utc::now() + Duration::minutes(3);
    let hung = w.webhook_pass(t1).await.unwrap();
    assert_eq!(hung.retried, 1, "{hung:?}");
    let listed = deliveries(&app, &hook).await;
    let attempt = &listed[1]["attempts"][0];
    assert_eq!(attempt["status_code"], Value::Null);
    assert_eq!(attempt["error"], "no answer within 2 s", "{attempt}");
    assert!(attempt["duration_ms"].as_i64().unwrap() >= 1900, "{attempt}");
    // The list pages like the others.
    let page = app.get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=1"), &app.admin()).await.ok(200).clone();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(2), 1));
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=1&cursor={cursor}"), &app.admin()).await;
    assert_eq!(rest.ok(200)["items"][0]["event_id"], listed[1]["event_id"]);
    let queued = app.get(&format!("/api/v1/webhooks/{hook}/deliveries?status=queued"), &app.admin()).await;
    assert_eq!(queued.ok(200)["total"], 1);
}

async fn a_private_receiver_is_refused_at_delivery_and_redirects_are_not_followed(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    // Subscribed while the service allowed it (or a name that resolved elsewhere then):
    // the worker checks again at every attempt, by address and by name.
    let (by_address, _) = subscribe(&app, &receiver.url(), &["system.created"]).await;
    let by_name_url = format!("http://localhost:{}/hook", receiver.port());
    let (by_name, _) = subscribe(&app, &by_name_url, &["system.created"]).await;
    app.create("/api/v1/systems", json!({"name": "Sag", "kind": "it_system"})).await;
    let strict = WebhookSettings { allow_private: false, ..allowing_private() };
    let w = worker(&app, &smtp, strict);
    let outcome = w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!((outcome.sent, outcome.retried), (0, 2), "{outcome:?}");
    assert!(receiver.received().is_empty(), "no request reaches a private address");
    let refused = &deliveries(&app, &by_address).await[0]["attempts"][0];
    assert_eq!(refused["status_code"], Value::Null);
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("127.0.0.1") && error.contains("loopback"), "{error}");
    let error = deliveries(&app, &by_name).await[0]["attempts"][0]["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("localhost resolves to") && error.contains("loopback"), "{error}");

    // A redirect is an answer, not an order: it is not followed, and counts as a failure.
    let (redirect, smtp) = (Receiver::start().await, SmtpServer::start().await);
    redirect.answer(Answer::Status(302));
    let (hook, _) = subscribe(&app, &redirect.url(), &["system.changed"]).await;
    let system = app.create("/api/v1/systems", json!({"name": "Post", "kind": "it_system"})).await;
    app.patch(&format!("/api/v1/systems/{system}"), &app.admin(), json!({"vendor": "X"})).await.ok(200);
    let w = worker(&app, &smtp, allowing_private());
    w.webhook_pass(Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(redirect.received().len(), 1);
    let attempt = &deliveries(&app, &hook).await[0]["attempts"][0];
    assert_eq!(
        (attempt["status_code"].as_i64(), attempt["error"].as_str()),
        (Some(302), Some("the receiver answered 302"))
    );
}

async fn a_subscription_failing_for_days_is_turned_off_and_its_admin_told(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    receiver.answer(Answer::Status(503));
    let made = app
        .post(
            "/api/v1/webhooks",
            &app.admin(),
            json!({"url": receiver.url(), "events": ["system.created", "system.changed"],
                   "description": "Intranettet", "contact_email": "drift@randers.dk"}),
        )
        .await;
    let hook = made.ok(201)["id"].as_str().unwrap().to_owned();
    let system = app.create("/api/v1/systems", json!({"name": "Borgerservice", "kind": "it_system"})).await;
    let w = worker(&app, &smtp, allowing_private());
    let t0 = Utc::now();
    w.webhook_pass(t0).await.unwrap();
    // Two days on, failing still: on.
    let later = w.webhook_pass(t0 + Duration::days(2)).await.unwrap();
    assert_eq!(later.retried, 1, "{later:?}");
    let on = app.get(&format!("/api/v1/webhooks/{hook}"), &app.admin()).await.ok(200).clone();
    assert_eq!(on["active"], true);
    assert!(smtp.received().is_empty());
    // Three days after the first failure, the next failure turns it off, and its contact hears.
    let off = w.webhook_pass(t0 + Duration::days(3) + Duration::minutes(1)).await.unwrap();
    assert_eq!(off.failed, 1, "{off:?}");
    let shown = app.get(&format!("/api/v1/webhooks/{hook}"), &app.admin()).await.ok(200).clone();
    assert_eq!(shown["active"], false, "{shown}");
    assert!(shown["disabled_reason"].as_str().unwrap().contains("3 days"), "{shown}");
    assert!(shown["disabled_at"].is_string());
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["drift@randers.dk"]);
    let mail = MessageParser::default().parse(&mails[0].data).unwrap();
    assert_eq!(mail.subject().unwrap(), "Webhook slået fra: Intranettet");
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("Ingen levering til") && text.contains("i 3 dage"), "{text}");
    assert!(text.contains("Seneste fejl: modtageren svarede 503"), "{text}");
    assert!(text.contains(&format!("{}/api/v1/webhooks/{hook}/deliveries", app.base)), "{text}");
    assert!(text.contains("Du får denne som kontaktperson for abonnementet."), "{text}");
    // The audit log says who turned it off, and from what to what.
    let audit = app.get(&format!("/api/v1/audit-events?entity_type=webhook&entity_id={hook}"), &app.admin()).await;
    let events = audit.ok(200)["items"].as_array().unwrap().clone();
    let off = events.last().unwrap();
    assert_eq!(off["actor"], "systemejer-worker", "{events:?}");
    assert_eq!((off["before"]["active"].as_bool(), off["after"]["active"].as_bool()), (Some(true), Some(false)));
    // Off, it is sent nothing, and what happens meanwhile is not queued for it.
    let attempts_before = receiver.received().len();
    app.patch(&format!("/api/v1/systems/{system}"), &app.admin(), json!({"vendor": "KMD"})).await.ok(200);
    w.webhook_pass(t0 + Duration::days(4)).await.unwrap();
    assert_eq!(receiver.received().len(), attempts_before);
    assert_eq!(deliveries(&app, &hook).await.len(), 1);
    // Turned on again by an admin: it starts afresh, and what waited goes out.
    receiver.answer(Answer::Ok);
    let again = app.patch(&format!("/api/v1/webhooks/{hook}"), &app.admin(), json!({"active": true})).await;
    let again = again.ok(200).clone();
    assert_eq!((again["disabled_at"].clone(), again["failing_since"].clone()), (Value::Null, Value::Null), "{again}");
    assert_eq!(w.webhook_pass(t0 + Duration::days(5)).await.unwrap().sent, 1);

    // A receiver that answers 410 Gone is turned off at once; with no contact, the
    // coordinator hears.
    let (gone, smtp) = (Receiver::start().await, SmtpServer::start().await);
    gone.answer(Answer::Status(410));
    let (gone_hook, _) = subscribe(&app, &gone.url(), &["system.changed"]).await;
    app.patch(&format!("/api/v1/systems/{system}"), &app.admin(), json!({"vendor": "Netcompany"})).await.ok(200);
    let w = worker(&app, &smtp, allowing_private());
    w.webhook_pass(Utc::now() + Duration::days(6)).await.unwrap();
    let shown = app.get(&format!("/api/v1/webhooks/{gone_hook}"), &app.admin()).await.ok(200).clone();
    assert_eq!(
        (shown["active"].as_bool(), shown["disabled_reason"].as_str()),
        (Some(false), Some("the receiver answered 410 Gone"))
    );
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["isk@randers.dk"]);
    let text = MessageParser::default().parse(&mails[0].data).unwrap().body_text(0).unwrap().into_owned();
    assert!(text.contains("410 Gone") && text.contains("som informationssikkerhedskoordinator"), "{text}");
    // The outbox shows the mail like every other.
    let listed = app.get("/api/v1/notifications?recipient=isk@randers.dk", &app.admin()).await.ok(200).clone();
    assert_eq!(listed["items"][0]["kind"], "webhook_disabled");
}

async fn an_event_of_a_change_rolled_back_is_never_sent(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    let (hook, _) = subscribe(&app, &receiver.url(), &["system.changed", "system.state_changed"]).await;
    let system = app.create("/api/v1/systems", json!({"name": "Arkiv", "kind": "it_system"})).await;
    let sys = format!("/api/v1/systems/{system}");
    // The audit event is the change's last write, after its webhook event: make the database
    // refuse it for this system, and the whole change is rolled back.
    let refuse = if app.is_postgres() {
        format!(
            "CREATE FUNCTION refuse_for_test() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END \
             $$ LANGUAGE plpgsql; CREATE TRIGGER refuse_for_test BEFORE INSERT ON audit_events FOR EACH ROW WHEN \
             (NEW.entity_id = '{system}' AND NEW.action = 'update') EXECUTE FUNCTION refuse_for_test();"
        )
    } else {
        format!(
            "CREATE TRIGGER refuse_for_test BEFORE INSERT ON audit_events WHEN NEW.entity_id = '{system}' AND \
             NEW.action = 'update' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        )
    };
    if app.is_postgres() {
        for statement in refuse.split_inclusive("plpgsql;") {
            raw_sql::execute(app.database_url(), statement).unwrap();
        }
    } else {
        raw_sql::execute(app.database_url(), &refuse).unwrap();
    }
    let failed = app.patch(&sys, &app.admin(), json!({"vendor": "Rolled back"})).await;
    failed.problem(500);
    assert_eq!(app.get(&sys, &app.admin()).await.ok(200)["vendor"], Value::Null, "nothing of the change was kept");
    // A move the gates refuse writes nothing either.
    app.post(&format!("{sys}/transitions"), &app.admin(), json!({"to": "in_use"})).await.problem(409);
    assert!(deliveries(&app, &hook).await.is_empty(), "no event was queued for a change that did not happen");
    let w = worker(&app, &smtp, allowing_private());
    w.webhook_pass(Utc::now()).await.unwrap();
    assert!(receiver.received().is_empty());
    // The same change, once it can be made, is told.
    raw_sql::execute(app.database_url(), "DROP TRIGGER refuse_for_test ON audit_events")
        .or_else(|_| raw_sql::execute(app.database_url(), "DROP TRIGGER refuse_for_test"))
        .unwrap();
    app.patch(&sys, &app.admin(), json!({"vendor": "Kept"})).await.ok(200);
    w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!(types(&receiver.received()), ["system.changed"]);
    assert_eq!(receiver.received()[0].json()["data"]["vendor"], "Kept");
}

async fn duties_and_breaches_are_told_once_per_stage(app: TestApp) {
    let (receiver, smtp) = (Receiver::start().await, SmtpServer::start().await);
    let (hook, secret) = subscribe(
        &app,
        &receiver.url(),
        &[
            "duty.due",
            "duty.overdue",
            "duty.done",
            "breach.recorded",
            "breach.deadline_near",
            "breach.reported",
            "system.state_changed",
        ],
    )
    .await;
    let (sys, owner, _) = system_in_use(&app, "ole@randers.dk").await;
    let system_id = sys.trim_start_matches("/api/v1/systems/").to_owned();
    // The backup test done a year ago less five days: due in five days (or the working day before).
    let done_on = (today() + Duration::days(5)).checked_sub_months(Months::new(12)).unwrap();
    app.post(
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": done_on, "result": "passed"}),
    )
    .await
    .ok(201);
    let w = worker(&app, &smtp, allowing_private());
    w.webhook_pass(Utc::now()).await.unwrap();
    assert_eq!(types(&receiver.received()), ["system.state_changed", "duty.done"]);
    let moved = receiver.received()[0].json();
    assert_eq!(
        (moved["details"]["from"].as_str(), moved["details"]["to"].as_str()),
        (Some("procurement"), Some("in_use"))
    );
    let done = receiver.received()[1].json();
    assert_eq!((done["data"]["kind"].as_str(), done["data"]["result"].as_str()), (Some("backup_test"), Some("passed")));
    assert_eq!(done["url"], format!("{}{sys}/obligations/backup_test/completions", app.base));

    // The reminder pass tells each duty's stage once, however often it runs.
    w.run_once(today(), Utc::now()).await.unwrap();
    w.run_once(today(), Utc::now()).await.unwrap();
    w.webhook_pass(Utc::now()).await.unwrap();
    let due: Vec<Value> = receiver.received()[2..].iter().map(systemejer_e2e::webhooks::Received::json).collect();
    let backup: Vec<&Value> = due.iter().filter(|e| e["data"]["kind"] == "backup_test").collect();
    assert_eq!(backup.len(), 1, "{due:?}");
    assert_eq!(backup[0]["type"], "duty.due");
    assert_eq!(backup[0]["data"]["stage"], "before_7");
    assert_eq!(backup[0]["data"]["system_id"], system_id.as_str());
    assert_eq!(backup[0]["url"], format!("{}{sys}/obligations", app.base));
    // Overdue: a week after the due date, the next stage, once.
    let overdue_day = today() + Duration::days(14);
    let at = |d: chrono::NaiveDate| d.and_hms_opt(8, 0, 0).unwrap().and_utc();
    w.run_once(overdue_day, at(overdue_day)).await.unwrap();
    w.run_once(overdue_day, at(overdue_day)).await.unwrap();
    w.webhook_pass(at(overdue_day)).await.unwrap();
    let overdue: Vec<Value> = receiver.received().iter().map(systemejer_e2e::webhooks::Received::json).collect();
    let backup: Vec<&Value> =
        overdue.iter().filter(|e| e["type"] == "duty.overdue" && e["data"]["kind"] == "backup_test").collect();
    assert_eq!(backup.len(), 1, "{overdue:?}");
    assert!(backup[0]["data"]["stage"].as_str().unwrap().starts_with("overdue_"));
    let before = receiver.received().len();

    // A breach: recorded (by the change), nearing its deadline (by the breach watch, once per
    // stage), reported (by the report).
    let discovered = Utc::now() - Duration::hours(30);
    let breach = record_breach(&app, &owner, &system_id, discovered, "Liste sendt til forkert modtager").await;
    // One whose 72 hours ran out days ago is not near its deadline any more.
    let late = record_breach(&app, &owner, &system_id, Utc::now() - Duration::days(18), "Gammelt brud").await;
    w.breach_pass(Utc::now()).await.unwrap();
    w.breach_pass(Utc::now()).await.unwrap();
    w.webhook_pass(Utc::now()).await.unwrap();
    let near_late = receiver.received()[before..]
        .iter()
        .filter(|r| r.json()["type"] == "breach.deadline_near" && r.json()["data"]["id"] == late.as_str())
        .count();
    assert_eq!(near_late, 0, "a deadline 15 days gone is not near");
    let report = json!({"reported_at": Utc::now().to_rfc3339(), "late_report_reason": "Opdaget ved revision"});
    app.post(&format!("/api/v1/incidents/{late}/reports"), &owner, report).await.ok(201);
    app.post(&format!("/api/v1/incidents/{breach}/reports"), &owner, json!({"reported_at": Utc::now().to_rfc3339()}))
        .await
        .ok(201);
    w.breach_pass(Utc::now() + Duration::hours(20)).await.unwrap();
    w.webhook_pass(Utc::now() + Duration::hours(20)).await.unwrap();
    let told: Vec<Value> = receiver.received()[before..]
        .iter()
        .map(systemejer_e2e::webhooks::Received::json)
        .filter(|e| e["data"]["id"] != late.as_str())
        .collect();
    let kinds: Vec<&str> = told.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["breach.recorded", "breach.deadline_near", "breach.reported"], "{told:?}");
    assert_eq!(told[1]["details"]["hours_after_discovery"], 24);
    assert_eq!(told[1]["url"], format!("{}/api/v1/incidents/{breach}", app.base));
    assert_eq!(told[2]["data"]["status"], "reported");
    for r in receiver.received() {
        r.verify(&secret).unwrap();
    }
    assert!(deliveries(&app, &hook).await.iter().all(|d| d["status"] == "delivered"));
}

async fn a_subscription_deleted_while_its_delivery_is_under_way_ends_nothing_else(app: TestApp) {
    let (slow, fine, smtp) = (Receiver::start().await, Receiver::start().await, SmtpServer::start().await);
    slow.answer(Answer::Hang);
    let (doomed, _) = subscribe(&app, &slow.url(), &["system.created"]).await;
    let (kept, _) = subscribe(&app, &fine.url(), &["system.created"]).await;
    app.create("/api/v1/systems", json!({"name": "Løn", "kind": "it_system"})).await;
    app.create("/api/v1/systems", json!({"name": "Sag", "kind": "it_system"})).await;
    let w = worker(&app, &smtp, WebhookSettings { batch: 4, ..allowing_private() });
    let deleting = async {
        // As soon as the slow receiver holds a request, its subscription is deleted.
        while slow.received().is_empty() {
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
        app.delete(&format!("/api/v1/webhooks/{doomed}"), &app.admin()).await.ok(204);
    };
    let (outcome, ()) = tokio::join!(w.webhook_pass(Utc::now()), deleting);
    let outcome = outcome.expect("the pass goes on past a delivery whose subscription went away");
    assert_eq!((outcome.sent, outcome.failed), (2, 0), "{outcome:?}");
    assert_eq!(fine.received().len(), 2, "the other subscription gets all its events");
    let listed = deliveries(&app, &kept).await;
    assert!(listed.iter().all(|d| d["status"] == "delivered"), "{listed:?}");
    app.get(&format!("/api/v1/webhooks/{doomed}"), &app.admin()).await.problem(404);
    assert_eq!(w.webhook_pass(Utc::now() + Duration::hours(1)).await.unwrap().sent, 0, "nothing left to send");
}
