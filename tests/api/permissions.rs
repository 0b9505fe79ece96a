//! Who may do what: admins, auditors, readers, owners, delegates and strangers.

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(
    owners_delegates_and_strangers,
    roles_read_and_write_what_they_should,
    a_change_to_a_person_counts_at_once
);

async fn owners_delegates_and_strangers(app: TestApp) {
    let admin = app.admin();
    let owner =
        app.create("/api/v1/people", json!({"name": "Ole", "email": "ole@randers.dk", "position": "director"})).await;
    let delegate = app
        .create(
            "/api/v1/people",
            json!({"name": "Dina", "email": "dina@randers.dk", "position": "employee", "manager_id": owner}),
        )
        .await;
    app.create("/api/v1/people", json!({"name": "Sten", "email": "sten@randers.dk", "position": "director"})).await;
    let id = app
        .create(
            "/api/v1/systems",
            json!({"name": "Løn", "kind": "it_system", "owner_id": owner, "delegates": [{"person_id": delegate, "role": "systemforvalter"}]}),
        )
        .await;
    let path = format!("/api/v1/systems/{id}");
    let (ole, dina, sten) =
        (app.token("ole@randers.dk", &[]), app.token("dina@randers.dk", &[]), app.token("sten@randers.dk", &[]));

    // Everyone known may read.
    for token in [&ole, &dina, &sten] {
        app.get(&path, token).await.ok(200);
    }
    // The owner and the delegate change the description; a stranger may not.
    app.patch(&path, &ole, json!({"vendor": "Silkeborg Data"})).await.ok(200);
    let changed = app.patch(&path, &dina, json!({"hosting": "KMD"})).await;
    assert_eq!(changed.ok(200)["vendor"], "Silkeborg Data");
    app.patch(&path, &sten, json!({"vendor": "X"})).await.problem(403);
    app.post(&format!("{path}/transitions"), &sten, json!({"to": "retired", "reason": "x"})).await.problem(403);

    // Only an admin changes the owner; only an admin or the owner changes delegates.
    app.patch(&path, &ole, json!({"owner_id": null})).await.problem(403);
    app.patch(&path, &dina, json!({"delegates": []})).await.problem(403);
    app.patch(&path, &ole, json!({"delegates": []})).await.ok(200);
    // Dina is no longer a delegate, so she may no longer change it.
    app.patch(&path, &dina, json!({"hosting": "On premises"})).await.problem(403);

    // The audit log names who did each change.
    let log = app.get(&format!("/api/v1/audit-events?entity_id={id}&actor=dina@randers.dk"), &admin).await;
    assert_eq!(log.ok(200)["total"], 1);

    // Owners may not create or delete systems, nor read the audit log.
    app.post("/api/v1/systems", &ole, json!({"name": "Ny", "kind": "app"})).await.problem(403);
    app.delete(&path, &ole).await.problem(403);
    app.get("/api/v1/audit-events", &ole).await.problem(403);

    // The owner moves the system through its lifecycle.
    let moved = app
        .post(&format!("{path}/transitions"), &ole, json!({"to": "retired", "reason": "Ikke længere nødvendig"}))
        .await;
    assert_eq!(moved.ok(200)["lifecycle_state"], "retired");
    let history = app.get(&format!("{path}/transitions"), &ole).await;
    assert_eq!(history.ok(200)["items"][0]["actor"], "ole@randers.dk");
}

async fn roles_read_and_write_what_they_should(app: TestApp) {
    let reader = app.client_token("intranet", &[Role::Reader]);
    let auditor = app.token("revisor@randers.dk", &[Role::Auditor]);
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let stranger = app.token("ukendt@randers.dk", &[]);
    let unit = app.create("/api/v1/org-units", json!({"name": "IT og Digitalisering", "kind": "staff_function"})).await;

    for token in [&reader, &auditor, &dpo] {
        app.get("/api/v1/systems", token).await.ok(200);
        app.get(&format!("/api/v1/org-units/{unit}"), token).await.ok(200);
        app.get("/api/v1/people", token).await.ok(200);
        app.get("/api/v1/deleted", token).await.ok(200);
        app.post("/api/v1/org-units", token, json!({"name": "X", "kind": "section"})).await.problem(403);
        app.patch(&format!("/api/v1/org-units/{unit}"), token, json!({"name": "Y"})).await.problem(403);
        app.delete(&format!("/api/v1/org-units/{unit}"), token).await.problem(403);
    }
    app.get("/api/v1/audit-events", &reader).await.problem(403);
    app.get("/api/v1/audit-events", &dpo).await.problem(403);
    let log = app.get("/api/v1/audit-events", &auditor).await;
    assert_eq!(log.ok(200)["items"][0]["actor"], "it-admin@randers.dk");

    // A token with no role whose email matches no one reads nothing.
    let p = app.get("/api/v1/systems", &stranger).await;
    assert!(p.problem(403)["detail"].as_str().unwrap().contains("no role"));
}

/// The service remembers the person a token names for a few seconds; a change made through it
/// must still count on the very next request.
async fn a_change_to_a_person_counts_at_once(app: TestApp) {
    let bo = app.token("bo@randers.dk", &[]);
    // Unknown (and so remembered as no one): refused.
    app.get("/api/v1/systems", &bo).await.problem(403);
    app.get("/api/v1/systems", &bo).await.problem(403);
    let id =
        app.create("/api/v1/people", json!({"name": "Bo", "email": "bo@randers.dk", "position": "employee"})).await;
    // Known at once, and read several times while nothing changes.
    for _ in 0..3 {
        app.get("/api/v1/systems", &bo).await.ok(200);
    }
    app.patch(&format!("/api/v1/people/{id}"), &app.admin(), json!({"active": false})).await.ok(200);
    let refused = app.get("/api/v1/systems", &bo).await;
    let refused = refused.problem(403);
    assert!(refused["detail"].as_str().unwrap().contains("no active person"), "{refused}");
}
