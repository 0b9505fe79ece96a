//! Webhook subscriptions over the API: admins only; the secret made by the service (or given),
//! shown when made and when rotated, never in a read; bad input named by field and rule; the
//! versions of the rest of the API; and a receiver on a private address refused (422, `url`,
//! `public_address`) unless the service allows private ones.

use serde_json::{Value, json};
use systemejer_api::Role;
use systemejer_e2e::{Backend, TestApp, on_both_backends};

on_both_backends!(a_subscription_shows_its_secret_once_and_is_kept_by_admins);

async fn a_subscription_shows_its_secret_once_and_is_kept_by_admins(app: TestApp) {
    let admin = app.admin();
    let body = json!({"url": "https://hooks.randers.dk/systemejer", "events": ["system.changed", "breach.recorded"],
                      "description": "Intranettet"});
    // Only admins: every other caller is refused, the subscription's readers included.
    for token in [
        app.token("auditor@randers.dk", &[Role::Auditor]),
        app.token("dpo@randers.dk", &[Role::Dpo]),
        app.client_token("intranet", &[Role::Reader]),
        app.token("someone@randers.dk", &[]),
    ] {
        app.post("/api/v1/webhooks", &token, body.clone()).await.problem(403);
        app.get("/api/v1/webhooks", &token).await.problem(403);
    }

    let made = app.post("/api/v1/webhooks", &admin, body).await;
    let created = made.ok(201).clone();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(made.headers["location"], format!("/api/v1/webhooks/{id}").as_str());
    assert_eq!(made.headers["etag"], "\"v1\"");
    let secret = created["secret"].as_str().unwrap();
    let key =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, secret.strip_prefix("whsec_").unwrap())
            .unwrap();
    assert_eq!(key.len(), 32, "a made secret is 32 random bytes");
    assert_eq!(created["active"], true);
    assert_eq!(created["events"], json!(["system.changed", "breach.recorded"]));

    // Never again: not in a read, a list, a change.
    let path = format!("/api/v1/webhooks/{id}");
    let read = app.get(&path, &admin).await.ok(200).clone();
    assert_eq!(read.get("secret"), None, "{read}");
    let listed = app.get("/api/v1/webhooks", &admin).await.ok(200).clone();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0].get("secret"), None);
    assert!(!listed.to_string().contains(secret));
    let changed = app.patch(&path, &admin, json!({"description": null, "contact_email": "Drift@Randers.dk"})).await;
    let changed = changed.ok(200).clone();
    assert_eq!(
        (changed["description"].clone(), changed["contact_email"].clone()),
        (Value::Null, json!("drift@randers.dk"))
    );
    assert_eq!(changed.get("secret"), None);
    // Nor in the audit log.
    let audit = app.get(&format!("/api/v1/audit-events?entity_type=webhook&entity_id={id}"), &admin).await;
    let audit = audit.ok(200).clone();
    assert_eq!(audit["total"], 2, "{audit}");
    assert!(!audit.to_string().contains(secret));

    // A rotation shows the new one, once.
    let rotated = app.post(&format!("{path}/secret"), &admin, json!({})).await.ok(200).clone();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(rotated["previous_secret_until"].is_string());
    assert_eq!(app.get(&path, &admin).await.ok(200).get("secret"), None);
    // A secret given is kept as given.
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let own = app
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": "https://x.randers.dk/h", "events": ["duty.done"], "secret": given}),
        )
        .await;
    assert_eq!(own.ok(201)["secret"], given);

    // Versions as elsewhere: a change to a version read before is refused.
    let stale = app
        .call_with_headers(
            reqwest::Method::PATCH,
            &path,
            &admin,
            &[("if-match", "\"v1\"")],
            Some(json!({"active": false})),
        )
        .await;
    stale.problem(412);
    let etag = app.get(&path, &admin).await.headers["etag"].to_str().unwrap().to_owned();
    let fresh = app
        .call_with_headers(
            reqwest::Method::PATCH,
            &path,
            &admin,
            &[("if-match", &etag)],
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(fresh.ok(200)["active"], false);

    // Bad input: each field and rule named.
    for (body, field, rule) in [
        (json!({"url": "ftp://x.dk/h", "events": ["duty.done"]}), "url", "scheme"),
        (json!({"url": "https://u:p@x.dk/h", "events": ["duty.done"]}), "url", "no_credentials"),
        (json!({"url": "https://x.dk/h", "events": []}), "events", "required"),
        (json!({"url": "https://x.dk/h", "events": ["duty.done", "duty.done"]}), "events[1]", "unique"),
        (json!({"url": "https://x.dk/h", "events": ["system.exploded"]}), "events[0]", "one_of"),
        (json!({"url": "https://x.dk/h", "events": ["duty.done"], "secret": "hunter2"}), "secret", "secret_format"),
        (
            json!({"url": "https://x.dk/h", "events": ["duty.done"], "secret": "whsec_c2hvcnQ="}),
            "secret",
            "secret_length",
        ),
        (
            json!({"url": "https://x.dk/h", "events": ["duty.done"], "contact_email": "nobody"}),
            "contact_email",
            "email",
        ),
        (json!({"events": ["duty.done"]}), "url", "required"),
    ] {
        let reply = app.post("/api/v1/webhooks", &admin, body.clone()).await;
        let problem = reply.problem(422);
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["field"] == field && e["rule"] == rule),
            "{body}: expected {field}/{rule}, got {problem}"
        );
    }
    app.patch(&path, &admin, json!({"events": []})).await.problem(422);

    app.delete(&path, &admin).await.ok(204);
    app.get(&path, &admin).await.problem(404);
    app.get(&format!("{path}/deliveries"), &admin).await.problem(404);
}

/// The receivers that a deployment refuses: by address, and by a name that resolves to one.
const PRIVATE: &[&str] = &[
    "http://127.0.0.1:8080/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://2130706433/hook",
    "http://localhost:9/hook",
];

async fn private_receivers_are_refused_unless_allowed(backend: Backend) {
    let Some(strict) = TestApp::spawn_refusing_private(backend).await else { return };
    let admin = strict.admin();
    for url in PRIVATE {
        let reply = strict.post("/api/v1/webhooks", &admin, json!({"url": url, "events": ["system.changed"]})).await;
        let problem = reply.problem(422);
        let error = &problem["errors"][0];
        assert_eq!(
            (error["field"].as_str(), error["rule"].as_str()),
            (Some("url"), Some("public_address")),
            "{url}: {problem}"
        );
    }
    let reply = strict
        .post("/api/v1/webhooks", &admin, json!({"url": "http://localhost:9/hook", "events": ["duty.done"]}))
        .await;
    let message = reply.problem(422)["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("localhost resolves to") && message.contains("loopback"), "{message}");
    // In Danish, for people.
    let danish = strict
        .call_with_headers(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            &admin,
            &[("accept-language", "da")],
            Some(json!({"url": "http://10.0.0.1/", "events": ["duty.done"]})),
        )
        .await;
    assert!(danish.problem(422)["errors"][0]["message"].as_str().unwrap().contains("offentlige adresser"));
    // A change of URL is checked as a new one is (a public address by number: no lookup).
    let made = strict
        .post("/api/v1/webhooks", &admin, json!({"url": "https://93.184.215.14/hook", "events": ["duty.done"]}))
        .await;
    let id = made.ok(201)["id"].as_str().unwrap().to_owned();
    let moved = strict.patch(&format!("/api/v1/webhooks/{id}"), &admin, json!({"url": "http://192.168.0.1/"})).await;
    assert_eq!(moved.problem(422)["errors"][0]["rule"], "public_address");

    // With SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE=true (as the test service runs), each is taken.
    let Some(open) = TestApp::spawn(backend).await else { return };
    for url in PRIVATE {
        open.post("/api/v1/webhooks", &open.admin(), json!({"url": url, "events": ["system.changed"]})).await.ok(201);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_receivers_are_refused_unless_allowed_on_sqlite() {
    private_receivers_are_refused_unless_allowed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_receivers_are_refused_unless_allowed_on_postgres() {
    private_receivers_are_refused_unless_allowed(Backend::Postgres).await;
}
