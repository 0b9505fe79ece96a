//! Two changes of one resource at the same moment, each against the version both read: exactly
//! one wins, the other is refused (412, or 409 for a move), and the row holds the winner's
//! change. A hundred pairs per resource and backend: the race is real, not a sequence.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

use crate::common::system_in_use;

on_both_backends!(two_changes_at_once_one_wins, two_moves_at_once_one_wins, two_people_with_one_email_at_once);

const PAIRS: usize = 100;

/// Sends `a` and `b` to `path` at once with the same `If-Match`, `PAIRS` times; answers how many
/// pairs had exactly one 200 and one 412 and a row holding the winner's `field`.
async fn race(app: &TestApp, path: &str, field: &str, make: impl Fn(usize, char) -> Value) {
    let admin = app.admin();
    for i in 0..PAIRS {
        let tag = app.get(path, &admin).await.ok(200).clone();
        let etag = format!("\"v{}\"", tag["version"]);
        let (a, b) = (make(i, 'a'), make(i, 'b'));
        let headers = [("if-match", etag.as_str())];
        let (ra, rb) = tokio::join!(
            app.call_with_headers(Method::PATCH, path, &admin, &headers, Some(a.clone())),
            app.call_with_headers(Method::PATCH, path, &admin, &headers, Some(b.clone())),
        );
        let statuses = (ra.status.as_u16(), rb.status.as_u16());
        let winner = match statuses {
            (200, 412) => &a,
            (412, 200) => &b,
            _ => panic!("pair {i} on {path}: {statuses:?} ({:?} / {:?})", ra.body, rb.body),
        };
        let now = app.get(path, &admin).await.ok(200).clone();
        assert_eq!(now[field], winner[field], "pair {i} on {path}: the row holds the winner's change");
    }
}

async fn two_changes_at_once_one_wins(app: TestApp) {
    let system = app.create("/api/v1/systems", json!({"name": "Løn", "kind": "it_system"})).await;
    race(&app, &format!("/api/v1/systems/{system}"), "vendor", |i, s| json!({"vendor": format!("Leverandør {s}{i}")}))
        .await;
    let person =
        app.create("/api/v1/people", json!({"name": "Ib", "email": "ib@randers.dk", "position": "employee"})).await;
    race(&app, &format!("/api/v1/people/{person}"), "name", |i, s| json!({"name": format!("Ib {s}{i}")})).await;
    let unit = app.create("/api/v1/org-units", json!({"name": "Vej", "kind": "department"})).await;
    race(&app, &format!("/api/v1/org-units/{unit}"), "name", |i, s| json!({"name": format!("Vej {s}{i}")})).await;
    let incident = app
        .create(
            "/api/v1/incidents",
            json!({"system_ids": [system], "discovered_at": "2026-11-01T10:00:00Z", "description": "Mistet pc", "personal_data_breach": false}),
        )
        .await;
    race(
        &app,
        &format!("/api/v1/incidents/{incident}"),
        "description",
        |i, s| json!({"description": format!("Mistet pc {s}{i}")}),
    )
    .await;
}

/// Two moves of one system at once from the same state: exactly one is made.
async fn two_moves_at_once_one_wins(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "ove@randers.dk").await;
    let transitions = format!("{sys}/transitions");
    for i in 0..PAIRS / 2 {
        let change = json!({"to": "changing", "change_description": format!("Ændring {i}"), "dpia_needed": false});
        let (a, b) =
            tokio::join!(app.post(&transitions, &owner, change.clone()), app.post(&transitions, &owner, change));
        let statuses = (a.status.as_u16(), b.status.as_u16());
        assert!(matches!(statuses, (200, 409) | (409, 200)), "move {i}: {statuses:?} ({:?} / {:?})", a.body, b.body);
        let history = app.get(&format!("{sys}/transitions"), &owner).await.ok(200).clone();
        let changes = history.as_array().unwrap().iter().filter(|t| t["to"] == "changing").count();
        assert_eq!(changes, i + 1, "move {i}: one move recorded, not two");
        // Back in use for the next pair: a risk assessment approved since the change began.
        let rid = app
            .post(
                &format!("{sys}/risk-assessments"),
                &owner,
                json!({"perspective": "information_security", "performed_on": crate::common::day(0), "risk_level": "low", "summary": "Uændret"}),
            )
            .await
            .ok(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &owner, json!({})).await.ok(200);
        app.post(&transitions, &owner, json!({"to": "in_use"})).await.ok(200);
    }
}

/// Two people created at once with the same e-mail: one 201 and one 409, never a 500, and one
/// person in the register.
async fn two_people_with_one_email_at_once(app: TestApp) {
    let admin = app.admin();
    for i in 0..PAIRS {
        let email = format!("samme{i}@randers.dk");
        let body = |name: &str| json!({"name": name, "email": email, "position": "employee"});
        let (a, b) = tokio::join!(
            app.post("/api/v1/people", &admin, body("Anna")),
            app.post("/api/v1/people", &admin, body("Bent")),
        );
        let statuses = (a.status.as_u16(), b.status.as_u16());
        assert!(matches!(statuses, (201, 409) | (409, 201)), "pair {i}: {statuses:?} ({:?} / {:?})", a.body, b.body);
        let found = app.get(&format!("/api/v1/people?q={email}"), &admin).await.ok(200).clone();
        assert_eq!(found["total"], 1, "pair {i}: one person with {email}");
    }
}
