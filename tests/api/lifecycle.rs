//! Lifecycle moves that do not exist, and previews of those that do.

use serde_json::json;
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(
    moves_that_do_not_exist_are_refused_as_such,
    readiness_previews_without_moving,
    only_the_owner_approves_the_go_live
);

/// Registers a director, a unit and a system in procurement; answers the system's id.
async fn described_system(app: &TestApp, complete: bool) -> (String, String) {
    let unit = app.create("/api/v1/org-units", json!({"name": "Borgerservice", "kind": "department"})).await;
    let owner = app
        .create(
            "/api/v1/people",
            json!({"name": "Bo Fagchef", "email": "bo@randers.dk", "position": "head_of_department"}),
        )
        .await;
    let mut body = json!({"name": "Selvbetjening", "kind": "online_service", "owner_id": owner});
    if complete {
        let description = json!({
            "purpose": "Borgernes ansøgninger om pas og kørekort",
            "description": "Webformularer med NemLog-in",
            "vendor": "KMD",
            "hosting": "Leverandørens datacenter",
            "business_processes": ["Pas", "Kørekort"],
            "data_formats": ["text", "images"],
            "processes_personal_data": true,
            "processes_sensitive_data": false,
            "processes_cpr_numbers": true,
            "kle_codes": ["05.04.02"],
            "criticality": "medium",
            "org_unit_id": unit,
            "self_service_links": [{"title": "Søg pas", "url": "https://www.borger.dk/pas"}]
        });
        for (k, v) in description.as_object().unwrap() {
            body[k] = v.clone();
        }
    }
    (app.create("/api/v1/systems", body).await, owner)
}

async fn moves_that_do_not_exist_are_refused_as_such(app: TestApp) {
    let admin = app.admin();
    let (id, _) = described_system(&app, false).await;
    let reply = app.post(&format!("/api/v1/systems/{id}/transitions"), &admin, json!({"to": "decommissioning"})).await;
    let p = reply.problem(409);
    assert_eq!(p["code"], "transition_not_allowed");
    assert!(p["detail"].as_str().unwrap().contains("in_use, retired"), "{p}");
    let bogus = app.post(&format!("/api/v1/systems/{id}/transitions"), &admin, json!({"to": "archived"})).await;
    assert_eq!(bogus.problem(422)["errors"][0]["field"], "to");
}

async fn readiness_previews_without_moving(app: TestApp) {
    let admin = app.admin();
    let (id, _) = described_system(&app, false).await;
    let preview = app.get(&format!("/api/v1/systems/{id}/readiness"), &admin).await;
    let body = preview.ok(200);
    assert_eq!(body["from"], "procurement");
    assert_eq!(body["to"], "in_use");
    assert_eq!(body["ready"], false);
    let codes: Vec<&str> = body["unmet"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert!(codes.iter().filter(|c| **c == "description_incomplete").count() >= 5, "{body}");
    assert!(codes.contains(&"archive_status_undecided") && codes.contains(&"dpia_decision_missing"), "{body}");

    let abandon = app.get(&format!("/api/v1/systems/{id}/readiness?to=retired"), &admin).await;
    assert_eq!(abandon.ok(200)["ready"], true, "the reason comes with the transition itself");
    let impossible = app.get(&format!("/api/v1/systems/{id}/readiness?to=changing"), &admin).await;
    impossible.problem(409);
    let system = app.get(&format!("/api/v1/systems/{id}"), &admin).await;
    assert_eq!(system.ok(200)["lifecycle_state"], "procurement");
}

/// *At godkende anskaffelser og installation af disse*: an admin or a delegate prepares a
/// go-live, and only the owner, with their own token, makes it.
async fn only_the_owner_approves_the_go_live(app: TestApp) {
    use systemejer_e2e::fixtures::system_ready;
    let admin = app.admin();
    let (sys, owner, _) = system_ready(&app, "olga@randers.dk").await;
    let delegate_id = app
        .create("/api/v1/people", json!({"name": "Dan Forvalter", "email": "dan@randers.dk", "position": "employee"}))
        .await;
    app.patch(&sys, &admin, json!({"delegates": [{"person_id": delegate_id, "role": "systemforvalter"}]}))
        .await
        .ok(200);
    let delegate = app.token("dan@randers.dk", &[]);
    // A script's client token is no person: it cannot approve either.
    let script = app.client_token("esdh-integration", &[systemejer_api::Role::Admin]);

    for (who, token) in [("admin", &admin), ("delegate", &delegate), ("client", &script)] {
        let refused = app.post(&format!("{sys}/transitions"), token, json!({"to": "in_use"})).await;
        let problem = refused.problem(409);
        let codes: Vec<&str> =
            problem["unmet"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["owner_approval_missing"], "{who}: everything else is prepared: {problem}");
        assert_eq!(problem["unmet"][0]["field"], "owner_id");
        let preview = app.get(&format!("{sys}/readiness?to=in_use"), token).await;
        assert_eq!(preview.ok(200)["ready"], false, "{who}");
        assert_eq!(preview.body["unmet"][0]["code"], "owner_approval_missing");
    }
    assert_eq!(app.get(&sys, &admin).await.ok(200)["lifecycle_state"], "procurement", "the refusals moved nothing");

    // The owner sees that the move is theirs to make, and makes it.
    let preview = app.get(&format!("{sys}/readiness?to=in_use"), &owner).await;
    assert_eq!(preview.ok(200)["ready"], true, "{}", preview.body);
    let moved = app.post(&format!("{sys}/transitions"), &owner, json!({"to": "in_use"})).await;
    assert_eq!(moved.ok(200)["lifecycle_state"], "in_use");
    let history = app.get(&format!("{sys}/transitions"), &admin).await;
    let last = history.ok(200)["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "olga@randers.dk", "the record names the owner who approved: {last}");

    // Later moves are not the owner's alone: a delegate begins a change and ends it.
    let change = json!({"to": "changing", "change_description": "Ny version", "dpia_needed": false});
    app.post(&format!("{sys}/transitions"), &delegate, change).await.ok(200);
}
