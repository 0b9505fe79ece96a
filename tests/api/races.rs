//! Two changes of one resource at the same moment, each against the version both read: exactly
//! one wins, the other is refused (412, or 409 for a move), and the row holds the winner's
//! change. A hundred pairs per resource and backend: the race is real, not a sequence.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

use systemejer_e2e::fixtures::{approved_risk_assessment, day, risk_assessment, system_in_use};

on_both_backends!(
    two_changes_at_once_one_wins,
    two_moves_at_once_one_wins,
    two_people_with_one_email_at_once,
    two_approvals_at_once_one_wins,
    a_step_reopened_while_the_system_retires,
);

const PAIRS: usize = 100;

/// Sends `a` and `b` to `path` at once with the same `If-Match`, `PAIRS` times (a PATCH; `race_put`
/// for a replacement); each pair must have exactly one 200 and one 412 and a row holding the
/// winner's `field`.
async fn race(app: &TestApp, path: &str, field: &str, make: impl Fn(usize, char) -> Value) {
    race_with(app, Method::PATCH, path, field, make).await;
}

async fn race_with(app: &TestApp, method: Method, path: &str, field: &str, make: impl Fn(usize, char) -> Value) {
    let admin = app.admin();
    for i in 0..PAIRS {
        let tag = app.get(path, &admin).await.ok(200).clone();
        let etag = format!("\"v{}\"", tag["version"]);
        let (a, b) = (make(i, 'a'), make(i, 'b'));
        let headers = [("if-match", etag.as_str())];
        let (ra, rb) = tokio::join!(
            app.call_with_headers(method.clone(), path, &admin, &headers, Some(a.clone())),
            app.call_with_headers(method.clone(), path, &admin, &headers, Some(b.clone())),
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
    let processor = app.create("/api/v1/processors", json!({"name": "Netcompany A/S", "country": "DK"})).await;
    race_with(
        &app,
        Method::PUT,
        &format!("/api/v1/processors/{processor}"),
        "name",
        |i, s| json!({"name": format!("Netcompany {s}{i}"), "country": "DK"}),
    )
    .await;
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
        let changes = history["items"].as_array().unwrap().iter().filter(|t| t["to"] == "changing").count();
        assert_eq!(changes, i + 1, "move {i}: one move recorded, not two");
        // Back in use for the next pair: a risk assessment approved since the change began.
        approved_risk_assessment(&app, &sys, &owner, &day(0), "Uændret").await;
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

/// The owner approves one record twice at once (a double click, two tabs): one 200, one 409
/// `already_approved`, and one approval in the audit log.
async fn two_approvals_at_once_one_wins(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "aase@randers.dk").await;
    let admin = app.admin();
    for i in 0..PAIRS {
        let rid = risk_assessment(&app, &sys, &owner, &day(0), &format!("Vurdering {i}")).await;
        let approve = format!("{sys}/risk-assessments/{rid}/approve");
        let (a, b) = tokio::join!(app.post(&approve, &owner, json!({})), app.post(&approve, &owner, json!({})));
        let statuses = (a.status.as_u16(), b.status.as_u16());
        let loser = match statuses {
            (200, 409) => &b,
            (409, 200) => &a,
            _ => panic!("pair {i}: {statuses:?} ({:?} / {:?})", a.body, b.body),
        };
        assert_eq!(loser.body["code"], "already_approved", "pair {i}: {:?}", loser.body);
        let log = app.get(&format!("/api/v1/audit-events?entity_id={rid}"), &admin).await.ok(200).clone();
        let approvals = log["items"].as_array().unwrap().iter().filter(|e| e["action"] == "approve").count();
        assert_eq!(approvals, 1, "pair {i}: approved once, not twice: {log}");
    }
}

/// A step of the exit checklist reopened at the moment the system is retired: either the step
/// is reopened (and the system cannot retire with an open step) or the system is retired (and
/// its closed checklist cannot change); never both.
async fn a_step_reopened_while_the_system_retires(app: TestApp) {
    for i in 0..PAIRS {
        let (sys, owner, _) = system_in_use(&app, &format!("exit{i}@randers.dk")).await;
        let transitions = format!("{sys}/transitions");
        app.post(&transitions, &owner, json!({"to": "decommissioning", "reason": "Nedlægges"})).await.ok(200);
        let checklist = app.get(&format!("{sys}/exit-checklist"), &owner).await.ok(200).clone();
        for step in checklist["items"].as_array().unwrap() {
            let path = format!("{sys}/exit-checklist/{}", step["step"].as_str().unwrap());
            let done = json!({"status": "done", "done_on": day(0)});
            app.call(Method::PUT, &path, Some(&owner), Some(done)).await.ok(200);
        }
        let reopen = format!("{sys}/exit-checklist/contract_terminated");
        let (step, retire) = tokio::join!(
            app.call(Method::PUT, &reopen, Some(&owner), Some(json!({"status": "open"}))),
            app.post(&transitions, &owner, json!({"to": "retired"})),
        );
        let statuses = (step.status.as_u16(), retire.status.as_u16());
        let system = app.get(&sys, &owner).await.ok(200).clone();
        let steps = app.get(&format!("{sys}/exit-checklist"), &owner).await.ok(200).clone();
        let open = steps["items"].as_array().unwrap().iter().filter(|s| s["status"] == "open").count();
        match statuses {
            (200, 409) => {
                assert_eq!(system["lifecycle_state"], "decommissioning", "pair {i}");
                assert_eq!(open, 1, "pair {i}: the reopened step");
            }
            (409, 200) => {
                assert_eq!(step.body["code"], "not_decommissioning", "pair {i}: {:?}", step.body);
                assert_eq!(system["lifecycle_state"], "retired", "pair {i}");
                assert_eq!(open, 0, "pair {i}: retired with every step closed");
            }
            _ => panic!("pair {i}: {statuses:?} ({:?} / {:?})", step.body, retire.body),
        }
    }
}
