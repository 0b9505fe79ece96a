//! No lost updates: every versioned resource carries an ETag; a change against an older
//! version is refused (412), and changing or deleting a system requires If-Match (428).

use reqwest::Method;
use serde_json::json;
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(stale_changes_are_refused);

async fn stale_changes_are_refused(app: TestApp) {
    let admin = app.admin();
    let created = app.post("/api/v1/systems", &admin, json!({"name": "Løn", "kind": "it_system"})).await;
    assert_eq!(created.ok(201)["version"], 1);
    assert_eq!(created.headers["etag"], "\"v1\"");
    let path = format!("/api/v1/systems/{}", created.body["id"].as_str().unwrap());

    // Without If-Match: 428, and nothing changes.
    let bare = app.call_with_headers(Method::PATCH, &path, &admin, &[], Some(json!({"vendor": "KMD"}))).await;
    assert_eq!(bare.problem(428)["type"], "urn:systemejer:problem:precondition_required");

    // Two clients read version 1; the first change wins, the second is refused.
    let first = app
        .call_with_headers(Method::PATCH, &path, &admin, &[("if-match", "\"v1\"")], Some(json!({"vendor": "KMD"})))
        .await;
    assert_eq!(first.ok(200)["vendor"], "KMD");
    assert_eq!(first.headers["etag"], "\"v2\"");
    let second = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &admin,
            &[("if-match", "\"v1\"")],
            Some(json!({"vendor": "Netcompany"})),
        )
        .await;
    assert_eq!(second.problem(412)["code"], "stale");
    assert_eq!(app.get(&path, &admin).await.ok(200)["vendor"], "KMD", "the first change is not lost");
    let weak = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &admin,
            &[("if-match", "W/\"v2\"")],
            Some(json!({"hosting": "Lokalt"})),
        )
        .await;
    assert_eq!(weak.ok(200)["version"], 3);
    // A change to what is already there changes nothing: no new version, no audit event.
    for same in [json!({}), json!({"hosting": "Lokalt", "vendor": "KMD"})] {
        let unchanged =
            app.call_with_headers(Method::PATCH, &path, &admin, &[("if-match", "\"v3\"")], Some(same)).await;
        assert_eq!(unchanged.ok(200)["version"], 3);
        assert_eq!(unchanged.headers["etag"], "\"v3\"");
    }
    let id = path.rsplit('/').next().unwrap();
    let history = app.get(&format!("/api/v1/audit-events?entity_type=system&entity_id={id}"), &admin).await;
    assert_eq!(history.ok(200)["items"].as_array().unwrap().len(), 3, "created and two changes: {}", history.body);
    app.call_with_headers(Method::PATCH, &path, &admin, &[("if-match", "nonsense")], Some(json!({"hosting": "x"})))
        .await
        .problem(412);

    // Deleting needs it too.
    app.call_with_headers(Method::DELETE, &path, &admin, &[], None).await.problem(428);
    app.call_with_headers(Method::DELETE, &path, &admin, &[("if-match", "\"v2\"")], None).await.problem(412);
    let deleted = app.call_with_headers(Method::DELETE, &path, &admin, &[("if-match", "\"v3\"")], None).await;
    assert_eq!(deleted.status, 204);

    // Other resources honour If-Match when it is sent.
    let unit = app.post("/api/v1/org-units", &admin, json!({"name": "IT", "kind": "section"})).await;
    let unit_path = format!("/api/v1/org-units/{}", unit.ok(201)["id"].as_str().unwrap());
    assert_eq!(app.get(&unit_path, &admin).await.headers["etag"], "\"v1\"");
    app.call_with_headers(
        Method::PATCH,
        &unit_path,
        &admin,
        &[("if-match", "\"v7\"")],
        Some(json!({"name": "IT og Digitalisering"})),
    )
    .await
    .problem(412);
    app.patch(&unit_path, &admin, json!({"name": "IT og Digitalisering"})).await.ok(200);

    // A lifecycle transition answers with the system's new version; an incident carries its
    // version from its creation on.
    let system = app.post("/api/v1/systems", &admin, json!({"name": "ESDH", "kind": "it_system"})).await;
    let id = system.ok(201)["id"].as_str().unwrap().to_owned();
    let moved = app
        .post(
            &format!("/api/v1/systems/{id}/transitions"),
            &admin,
            json!({"to": "retired", "reason": "Fravalgt i udbuddet"}),
        )
        .await;
    assert_eq!(moved.headers["etag"], format!("\"v{}\"", moved.ok(200)["version"]));
    let incident = app
        .post(
            "/api/v1/incidents",
            &admin,
            json!({"system_ids": [id], "discovered_at": "2026-11-01T10:00:00Z", "description": "Mistet pc", "personal_data_breach": false}),
        )
        .await;
    assert_eq!(incident.headers["etag"], "\"v1\"", "{:?}", incident.body);
    let incident_path = format!("/api/v1/incidents/{}", incident.body["id"].as_str().unwrap());
    assert_eq!(app.get(&incident_path, &admin).await.headers["etag"], "\"v1\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_rate_limit_is_told_when_to_come_back() {
    let jwt = systemejer_api::JwtSettings::hs256(systemejer_e2e::TEST_SECRET.to_vec());
    let app = TestApp::spawn_full(systemejer_e2e::Backend::Sqlite, jwt, Some((1, 5))).await.unwrap();
    let mut limited = None;
    for _ in 0..20 {
        let reply = app.call(Method::GET, "/healthz", None, None).await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200);
    }
    let reply = limited.expect("the burst of 5 is exceeded within 20 quick requests");
    reply.problem(429);
    assert_eq!(reply.body["type"], "urn:systemejer:problem:rate_limited");
    assert!(reply.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    // A person's browser on the pages gets a page that says so, in Danish.
    let (status, content_type, body) = app.get_text_with_accept("/mine-opgaver", "text/html,*/*").await;
    assert_eq!(status, 429);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("<html lang=\"da\">") && body.contains("For mange forespørgsler"), "{body}");
}
