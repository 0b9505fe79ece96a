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
}
