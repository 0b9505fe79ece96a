//! Incidents and personal data breaches: the 72-hour deadline, reports, decisions, who may
//! see them, and the risk reassessment they make due.

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};

use crate::common::{obligation, system_in_use, today};

on_both_backends!(a_breach_from_discovery_to_closing);

async fn a_breach_from_discovery_to_closing(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "bo@randers.dk").await;
    let system_id = sys.rsplit('/').next().unwrap().to_owned();
    let (other_sys, other_owner, _) = system_in_use(&app, "ib@randers.dk").await;
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let reader = app.client_token("intranet", &[Role::Reader]);

    let discovered = chrono::Utc::now() - chrono::Duration::hours(80);
    let body = json!({
        "system_ids": [system_id], "discovered_at": discovered.to_rfc3339(),
        "description": "Liste med CPR-numre sendt til forkert modtager", "personal_data_breach": true,
        "data_subject_categories": ["Borgere"], "approx_data_subjects": 40, "risk_level": "high"
    });
    // Only the owners and delegates of the systems, admins and the DPO record incidents.
    app.post("/api/v1/incidents", &other_owner, body.clone()).await.problem(403);
    let created = app.post("/api/v1/incidents", &owner, body).await;
    let incident = created.ok(201).clone();
    let id = incident["id"].as_str().unwrap().to_owned();
    let deadline: chrono::DateTime<chrono::Utc> = incident["authority_deadline"].as_str().unwrap().parse().unwrap();
    assert_eq!(deadline - discovered, chrono::Duration::hours(72));
    assert_eq!(incident["status"], "open");

    // The incident makes the system's risk reassessment due at once.
    let list = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    let due: chrono::NaiveDate =
        obligation(&list, "risk_reassessment")["next_due_on"].as_str().unwrap().parse().unwrap();
    assert!(due <= today() && due >= discovered.date_naive() - chrono::Duration::days(1), "{due}");

    // Who sees it: never integrations; not the owner of another system.
    app.get(&format!("/api/v1/incidents/{id}"), &reader).await.problem(403);
    app.get(&format!("/api/v1/incidents/{id}"), &other_owner).await.problem(403);
    app.get("/api/v1/incidents", &owner).await.problem(403);
    let mine = app.get(&format!("/api/v1/incidents?system_id={system_id}"), &owner).await;
    assert_eq!(mine.ok(200)["total"], 1);
    let other_id = other_sys.rsplit('/').next().unwrap();
    app.get(&format!("/api/v1/incidents?system_id={other_id}"), &owner).await.problem(403);
    let open = app.get("/api/v1/incidents?open=true&personal_data_breach=true", &dpo).await;
    assert_eq!(open.ok(200)["items"][0]["id"], id.as_str());

    // It cannot be closed undecided; a late report needs the reason for the delay.
    let close = json!({"closed_at": chrono::Utc::now().to_rfc3339()});
    assert_eq!(
        app.patch(&format!("/api/v1/incidents/{id}"), &owner, close.clone()).await.problem(422)["errors"][0]["rule"],
        "breach_undecided"
    );
    let report = json!({"reported_at": chrono::Utc::now().to_rfc3339(), "reference": "DT-2026-123"});
    let late = app.post(&format!("/api/v1/incidents/{id}/reports"), &dpo, report).await;
    assert_eq!(late.problem(422)["errors"][0]["field"], "late_report_reason");
    let reported = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            &dpo,
            json!({"reported_at": chrono::Utc::now().to_rfc3339(), "reference": "DT-2026-123", "late_report_reason": "Opdaget i en weekend"}),
        )
        .await;
    assert_eq!(reported.ok(201)["status"], "reported");
    let not_both =
        app.patch(&format!("/api/v1/incidents/{id}"), &dpo, json!({"not_reported_reason": "Lav risiko"})).await;
    assert_eq!(not_both.problem(422)["errors"][0]["rule"], "already_reported");
    let told = app
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &owner,
            json!({"subjects_notified_at": chrono::Utc::now().to_rfc3339(), "measures": "Modtager har slettet listen"}),
        )
        .await;
    assert!(told.ok(200)["subjects_notified_at"].is_string());
    // A high risk to the data subjects (art. 34): when they were told is not enough to close;
    // how they were told must be on record too.
    let undecided = app.patch(&format!("/api/v1/incidents/{id}"), &owner, close.clone()).await;
    let problem = undecided.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("subjects_notified_how"), Some("data_subjects_undecided")),
        "{problem}"
    );
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("art. 34"), "{problem}");
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{id}"), &owner).await.ok(200)["closed_at"],
        serde_json::Value::Null,
        "nothing written"
    );
    let how = json!({"subjects_notified_how": "Brev i Digital Post til hver af de 40 borgere",
                     "cause": "Modtageren blev autoudfyldt i mailprogrammet"});
    app.patch(&format!("/api/v1/incidents/{id}"), &owner, how).await.ok(200);
    let closed = app.patch(&format!("/api/v1/incidents/{id}"), &owner, close).await;
    assert_eq!(closed.ok(200)["status"], "closed");
    assert_eq!(closed.ok(200)["subjects_notified_how"], "Brev i Digital Post til hver af de 40 borgere");

    // Not telling them needs an art. 34(3) ground as well as the reason; and a breach whose
    // risk was never assessed cannot be closed at all.
    let second = app
        .post("/api/v1/incidents", &owner, json!({"system_ids": [system_id], "discovered_at": chrono::Utc::now().to_rfc3339(), "description": "Bærbar stjålet", "personal_data_breach": true}))
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = format!("/api/v1/incidents/{second}");
    let report = json!({"reported_at": chrono::Utc::now().to_rfc3339()});
    app.post(&format!("{at}/reports"), &dpo, report).await.ok(201);
    let unassessed = app.patch(&at, &owner, json!({"closed_at": chrono::Utc::now().to_rfc3339()})).await;
    assert_eq!(unassessed.problem(422)["errors"][0]["rule"], "breach_risk_undecided");
    let reason_only = json!({"risk_level": "high", "subjects_not_notified_reason": "Disken var krypteret", "closed_at": chrono::Utc::now().to_rfc3339()});
    let problem = app.patch(&at, &owner, reason_only.clone()).await.problem(422).clone();
    assert_eq!(problem["errors"][0]["field"], "subjects_not_notified_ground", "{problem}");
    let bad_ground = json!({"subjects_not_notified_ground": "forgot"});
    assert_eq!(
        app.patch(&at, &owner, bad_ground).await.problem(422)["errors"][0]["field"],
        "subjects_not_notified_ground"
    );
    let mut grounded = reason_only;
    grounded["subjects_not_notified_ground"] = json!("unintelligible");
    grounded["cause"] = json!("Bærbaren blev efterladt i en bil");
    grounded["measures"] = json!("Adgangen fra bærbaren er spærret");
    let closed = app.patch(&at, &owner, grounded).await;
    assert_eq!(closed.ok(200)["status"], "closed");
    assert_eq!(closed.ok(200)["subjects_not_notified_ground"], "unintelligible");
    let both = json!({"subjects_notified_how": "Telefon"});
    assert_eq!(app.patch(&at, &owner, both).await.problem(422)["errors"][0]["rule"], "exclusive");

    // An incident that is not a breach has no deadline and is not reported.
    let plain = app
        .post(
            "/api/v1/incidents",
            &dpo,
            json!({"system_ids": [system_id, "0193a5b2-0000-7000-8000-000000000001"], "discovered_at": chrono::Utc::now().to_rfc3339(), "description": "Nedbrud", "personal_data_breach": false}),
        )
        .await;
    assert_eq!(plain.problem(422)["errors"][0]["field"], "system_ids[1]");
    let plain = app
        .post("/api/v1/incidents", &dpo, json!({"system_ids": [system_id], "discovered_at": chrono::Utc::now().to_rfc3339(), "description": "Nedbrud", "personal_data_breach": false}))
        .await;
    assert_eq!(plain.ok(201)["authority_deadline"], serde_json::Value::Null);
}
