//! The register's first day: organisation, people, a system, the owner rule, the first
//! refusal, an abandoned purchase, and all of it in the audit log.

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(
    first_day_in_the_register,
    a_failed_change_writes_nothing,
    people_and_units_keep_their_integrity,
    health_docs_and_spec_are_open,
    a_system_names_its_successor_and_the_successor_links_back
);

async fn first_day_in_the_register(app: TestApp) {
    let admin = app.admin();
    let unit = app.create("/api/v1/org-units", json!({"name": "Sundhed og Omsorg", "kind": "directorate"})).await;
    let director = app
        .create(
            "/api/v1/people",
            json!({"name": "Dorte Direktør", "email": "Dorte.Direktor@Randers.dk", "position": "director", "org_unit_id": unit}),
        )
        .await;
    let employee = app
        .create(
            "/api/v1/people",
            json!({"name": "Erik Medarbejder", "email": "erik@randers.dk", "position": "employee", "manager_id": director}),
        )
        .await;

    // The employee may not own a system: the rule is named.
    let refused =
        app.post("/api/v1/systems", &admin, json!({"name": "Nexus", "kind": "it_system", "owner_id": employee})).await;
    let problem = refused.problem(422);
    assert_eq!(problem["errors"][0]["field"], "owner_id");
    assert_eq!(problem["errors"][0]["rule"], "owner_not_management");

    // The director may.
    let created =
        app.post("/api/v1/systems", &admin, json!({"name": "Nexus", "kind": "it_system", "owner_id": director})).await;
    let system = created.ok(201).clone();
    let id = system["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers["location"], format!("/api/v1/systems/{id}").as_str());
    assert_eq!(system["lifecycle_state"], "procurement");
    assert_eq!(system["owner_id"], director.as_str());

    // Going into use is refused, listing every unmet requirement, not only the first.
    let refusal = app.post(&format!("/api/v1/systems/{id}/transitions"), &admin, json!({"to": "in_use"})).await;
    let problem = refusal.problem(409).clone();
    let unmet = problem["unmet"].as_array().unwrap();
    assert!(unmet.len() >= 5, "expected several unmet requirements, got {problem}");
    let fields: Vec<&str> = unmet.iter().filter_map(|u| u["field"].as_str()).collect();
    for field in ["purpose", "description", "vendor", "hosting", "kle_codes", "criticality", "org_unit_id"] {
        assert!(fields.contains(&field), "{field} not reported in {problem}");
    }
    assert!(unmet.iter().any(|u| u["code"] == "risk_assessment_information_security_missing"));
    let unchanged = app.get(&format!("/api/v1/systems/{id}"), &admin).await;
    assert_eq!(unchanged.ok(200)["lifecycle_state"], "procurement", "a refused transition moves nothing");

    // Abandoning the purchase needs a reason, and then succeeds.
    let no_reason = app.post(&format!("/api/v1/systems/{id}/transitions"), &admin, json!({"to": "retired"})).await;
    assert_eq!(no_reason.problem(409)["unmet"][0]["code"], "reason_missing");
    let retired = app
        .post(
            &format!("/api/v1/systems/{id}/transitions"),
            &admin,
            json!({"to": "retired", "reason": "Udbuddet blev annulleret"}),
        )
        .await;
    assert_eq!(retired.ok(200)["lifecycle_state"], "retired");
    let history = app.get(&format!("/api/v1/systems/{id}/transitions"), &admin).await;
    let history = history.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["from"], "procurement");
    assert_eq!(history[0]["to"], "retired");
    assert_eq!(history[0]["reason"], "Udbuddet blev annulleret");
    assert_eq!(history[0]["actor"], "it-admin@randers.dk");

    // All of it is in the audit log, with who did it and the entity before and after.
    let auditor = app.token("revisor@randers.dk", &[Role::Auditor]);
    let log = app.get("/api/v1/audit-events?limit=500", &auditor).await;
    let events = log.ok(200)["items"].as_array().unwrap().clone();
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["entity_type"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("create", "org_unit"),
        ("create", "person"),
        ("create", "person"),
        ("create", "system"),
        ("transition", "system"),
    ];
    assert_eq!(seen, expected.map(|(a, t)| (a.to_owned(), t.to_owned())).to_vec(), "refusals leave no trace");
    let transition = &events[4];
    assert_eq!(transition["entity_id"], id.as_str());
    assert_eq!(transition["actor"], "it-admin@randers.dk");
    assert_eq!(transition["before"]["lifecycle_state"], "procurement");
    assert_eq!(transition["after"]["lifecycle_state"], "retired");
    assert_eq!(events[1]["after"]["email"], "dorte.direktor@randers.dk", "emails are stored normalised");

    let for_system = app.get(&format!("/api/v1/audit-events?entity_type=system&entity_id={id}"), &auditor).await;
    assert_eq!(for_system.ok(200)["total"], 2);
}

async fn a_failed_change_writes_nothing(app: TestApp) {
    let admin = app.admin();
    let director = app
        .create("/api/v1/people", json!({"name": "Dorte", "email": "dorte@randers.dk", "position": "director"}))
        .await;
    let id = app.create("/api/v1/systems", json!({"name": "ESDH", "kind": "it_system", "owner_id": director})).await;
    let before = app.get("/api/v1/audit-events", &admin).await.ok(200)["total"].clone();

    // Several rules broken at once: every one is named, and nothing is written.
    let reply = app
        .patch(
            &format!("/api/v1/systems/{id}"),
            &admin,
            json!({
                "processes_personal_data": false,
                "processes_cpr_numbers": true,
                "delegates": [{"person_id": director, "role": "contact"}],
                "org_unit_id": "00000000-0000-7000-8000-000000000000"
            }),
        )
        .await;
    let problem = reply.problem(422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["processes_cpr_numbers", "delegates[0].person_id", "org_unit_id"], "{problem}");

    let after = app.get("/api/v1/audit-events", &admin).await.ok(200)["total"].clone();
    assert_eq!(before, after);
    let system = app.get(&format!("/api/v1/systems/{id}"), &admin).await;
    assert_eq!(system.ok(200)["processes_cpr_numbers"], serde_json::Value::Null);
    assert_eq!(system.body["version"], 1);
}

async fn people_and_units_keep_their_integrity(app: TestApp) {
    let admin = app.admin();
    let top = app.create("/api/v1/org-units", json!({"name": "Randers Kommune", "kind": "municipality"})).await;
    let dept =
        app.create("/api/v1/org-units", json!({"name": "Job og Borger", "kind": "department", "parent_id": top})).await;
    let head = app
        .create(
            "/api/v1/people",
            json!({"name": "Hanne", "email": "hanne@randers.dk", "position": "head_of_department", "org_unit_id": dept}),
        )
        .await;
    let leader = app
        .create(
            "/api/v1/people",
            json!({"name": "Lars", "email": "lars@randers.dk", "position": "leader", "manager_id": head}),
        )
        .await;

    // Emails are unique, case-insensitively.
    let dup = app
        .post("/api/v1/people", &admin, json!({"name": "H2", "email": "HANNE@randers.dk", "position": "employee"}))
        .await;
    assert_eq!(dup.problem(409)["code"], "email_taken");

    // No one manages themselves, however indirectly; no unit sits below itself.
    let cycle = app.patch(&format!("/api/v1/people/{head}"), &admin, json!({"manager_id": leader})).await;
    assert_eq!(cycle.problem(422)["errors"][0]["rule"], "no_cycle");
    let unit_cycle = app.patch(&format!("/api/v1/org-units/{top}"), &admin, json!({"parent_id": dept})).await;
    assert_eq!(unit_cycle.problem(422)["errors"][0]["rule"], "no_cycle");

    // A leader reporting to a head of department may own a system.
    let system =
        app.create("/api/v1/systems", json!({"name": "Jobcenter-app", "kind": "app", "owner_id": leader})).await;

    // Nothing still in use can be deleted.
    assert_eq!(app.delete(&format!("/api/v1/people/{leader}"), &admin).await.problem(409)["code"], "person_in_use");
    assert_eq!(app.delete(&format!("/api/v1/org-units/{dept}"), &admin).await.problem(409)["code"], "org_unit_in_use");

    // A field that cannot be cleared refuses null rather than ignoring it.
    let null_name = app.patch(&format!("/api/v1/org-units/{top}"), &admin, json!({"name": null})).await;
    assert_eq!(null_name.problem(422)["errors"][0]["field"], "name");

    // Clearing a field with null, and then deleting what is free.
    let moved = app.patch(&format!("/api/v1/people/{head}"), &admin, json!({"org_unit_id": null})).await;
    assert_eq!(moved.ok(200)["org_unit_id"], serde_json::Value::Null);
    assert_eq!(moved.body["version"], 2);
    app.delete(&format!("/api/v1/systems/{system}"), &admin).await.ok(204);
    app.delete(&format!("/api/v1/people/{leader}"), &admin).await.ok(204);
    app.delete(&format!("/api/v1/org-units/{dept}"), &admin).await.ok(204);
    app.get(&format!("/api/v1/people/{leader}"), &admin).await.problem(404);
}

async fn health_docs_and_spec_are_open(app: TestApp) {
    let health = app.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(health.ok(200)["status"], "ok");
    let ready = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.ok(200)["status"], "ok");
    let spec = app.call(reqwest::Method::GET, "/openapi.json", None, None).await;
    assert!(spec.ok(200)["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec.body["paths"]["/api/v1/systems/{id}/transitions"]["post"].is_object());
    let docs = app.call(reqwest::Method::GET, "/docs/", None, None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.body.as_str().unwrap().contains("swagger-ui"), "the docs page is served from the binary");
    assert!(
        docs.body.as_str().unwrap().contains("<title>systemejer API</title>"),
        "titled as the service, not Swagger UI"
    );
    for asset in ["swagger-ui.css", "index.css", "swagger-initializer.js", "swagger-ui-standalone-preset.js"] {
        let reply = app.call(reqwest::Method::GET, &format!("/docs/{asset}"), None, None).await;
        assert_eq!(reply.status, 200, "{asset}: every file the page names is there");
    }
    assert_eq!(spec.body["info"]["title"], "systemejer API");
    assert_eq!(spec.body["paths"]["/healthz"]["get"]["security"], serde_json::json!([]), "open, and said to be");
    let script = app.call(reqwest::Method::GET, "/docs/swagger-ui-bundle.js", None, None).await;
    assert_eq!(script.status, 200, "Swagger UI's assets are vendored, not fetched");

    // Security headers on every response, API and docs, success and error alike.
    let page = docs.body.as_str().unwrap();
    assert!(!page.contains("<script>"), "no inline scripts, so the docs' CSP can forbid them");
    assert!(docs.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    for reply in [
        &health,
        &app.call(reqwest::Method::GET, "/api/v1/systems", None, None).await,
        &app.get("/api/v1/systems", &app.admin()).await,
    ] {
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
        assert_eq!(reply.headers["x-frame-options"], "DENY");
        assert_eq!(reply.headers["cache-control"], "no-store");
        assert_eq!(reply.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    }
}

/// A system being shut down names the system that takes over its work (*afløses af*), and the
/// successor links back; a loop, the system itself or a system that does not exist is refused,
/// and a successor cannot be deleted while another names it.
async fn a_system_names_its_successor_and_the_successor_links_back(app: TestApp) {
    let admin = app.admin();
    let old = app.create("/api/v1/systems", json!({"name": "Gammelt ESDH", "kind": "it_system"})).await;
    let new = app.create("/api/v1/systems", json!({"name": "Nyt ESDH", "kind": "it_system"})).await;
    let (old_path, new_path) = (format!("/api/v1/systems/{old}"), format!("/api/v1/systems/{new}"));

    let named = app.patch(&old_path, &admin, json!({"successor_id": new})).await.ok(200).clone();
    assert_eq!(named["successor_id"], new.as_str());
    assert_eq!(named["predecessor_ids"], json!([]));
    let successor = app.get(&new_path, &admin).await.ok(200).clone();
    assert_eq!(successor["predecessor_ids"], json!([old]), "the successor links back");
    assert_eq!(successor["successor_id"], serde_json::Value::Null);
    let listed = app.get("/api/v1/systems?q=ESDH", &admin).await.ok(200).clone();
    let listed_new = listed["items"].as_array().unwrap().iter().find(|s| s["id"] == new.as_str()).unwrap().clone();
    assert_eq!(listed_new["predecessor_ids"], json!([old]), "in lists too");

    let refused = |body: serde_json::Value, path: String| {
        let app = &app;
        let admin = admin.clone();
        async move { app.patch(&path, &admin, body).await.problem(422)["errors"][0].clone() }
    };
    let looped = refused(json!({"successor_id": old}), new_path.clone()).await;
    assert_eq!((looped["field"].as_str(), looped["rule"].as_str()), (Some("successor_id"), Some("no_loop")));
    assert_eq!(refused(json!({"successor_id": old}), old_path.clone()).await["rule"], "not_self");
    let nowhere = refused(json!({"successor_id": "0193a5b2-0000-7000-8000-000000000001"}), old_path.clone()).await;
    assert_eq!(nowhere["rule"], "exists");
    assert_eq!(app.get(&new_path, &admin).await.ok(200)["successor_id"], serde_json::Value::Null, "nothing written");

    assert_eq!(app.delete(&new_path, &admin).await.problem(409)["code"], "named_as_successor");
    app.patch(&old_path, &admin, json!({"successor_id": null})).await.ok(200);
    assert_eq!(app.get(&new_path, &admin).await.ok(200)["predecessor_ids"], json!([]));
    app.delete(&new_path, &admin).await.ok(204);
}
