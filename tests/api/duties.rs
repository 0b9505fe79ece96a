//! A system's whole life through the API only, on both backends: refused into use with every
//! missing duty listed by code; each duty recorded; into use; changed and reassessed; shut
//! down through the exit checklist; retired.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(from_procurement_to_retirement);

fn codes(problem: &Value) -> Vec<String> {
    problem["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| match u["subject"].as_str() {
            Some(subject) => format!("{}:{subject}", u["code"].as_str().unwrap()),
            None => u["code"].as_str().unwrap().to_owned(),
        })
        .collect()
}

async fn from_procurement_to_retirement(app: TestApp) {
    let admin = app.admin();
    let unit = app.create("/api/v1/org-units", json!({"name": "Sundhed og Omsorg", "kind": "directorate"})).await;
    let owner_id = app
        .create(
            "/api/v1/people",
            json!({"name": "Sanne Sundhedschef", "email": "sanne@randers.dk", "position": "director"}),
        )
        .await;
    let owner = app.token("sanne@randers.dk", &[]);
    let system = app
        .create(
            "/api/v1/systems",
            json!({
                "name": "Nexus", "kind": "it_system", "owner_id": owner_id, "org_unit_id": unit,
                "purpose": "Omsorgsjournal", "description": "Journal for hjemmepleje og sygepleje",
                "vendor": "Systematic", "hosting": "Leverandørens datacenter", "hosted_at": "external",
                "business_processes": ["Hjemmepleje"], "data_formats": ["text"],
                "processes_personal_data": true, "processes_sensitive_data": true, "processes_cpr_numbers": true,
                "kle_codes": ["27.24.00"], "criticality": "critical", "archive_status": "preserve",
                "self_service_links": [{"title": "Bestil hjemmehjælp", "url": "https://www.borger.dk/hjemmehjaelp"}]
            }),
        )
        .await;
    let sys = format!("/api/v1/systems/{system}");
    let into_use = json!({"to": "in_use"});

    // 1. Every missing duty, by code, at once.
    let refusal = app.post(&format!("{sys}/transitions"), &owner, into_use.clone()).await;
    let found: BTreeSet<String> = codes(refusal.problem(409)).into_iter().collect();
    let expected: BTreeSet<String> = [
        "archive_body_missing",
        "archive_not_notified",
        "risk_assessment_information_security_missing",
        "dpia_decision_missing",
        "risk_assessment_data_subject_missing",
        // The vendor runs it: its processor, under an agreement.
        "processing_agreement_missing",
        "retention_rule_missing",
        "processing_record_missing",
        "data_subject_rights_missing",
        "procedure_missing:user_administration",
        "procedure_missing:access_review",
        "procedure_missing:backup",
        "contingency_plan_missing",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(found, expected);

    // 2. Each duty, recorded by the owner.
    app.patch(
        &sys,
        &owner,
        json!({"archive_body": "Randers Stadsarkiv", "archive_notified_on": "2026-10-01", "data_subject_rights": ["access", "rectification", "erasure"]}),
    )
    .await
    .ok(200);

    let risk = |perspective: &str| {
        json!({"perspective": perspective, "performed_on": "2026-10-15", "risk_level": "high",
               "confidentiality": "high", "integrity": "medium", "availability": "high",
               "summary": "Helbredsoplysninger; kryptering og logning", "document_url": "https://intranet.randers.dk/risiko/nexus"})
    };
    for perspective in ["information_security", "data_subject"] {
        let added = app.post(&format!("{sys}/risk-assessments"), &owner, risk(perspective)).await;
        let rid = added.ok(201)["id"].as_str().unwrap().to_owned();
        assert_eq!(added.body["approved_at"], Value::Null);
        // Only the owner approves: not even an admin.
        app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &admin, json!({})).await.problem(403);
        let approved = app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &owner, json!({})).await;
        assert_eq!(approved.ok(200)["approved_by"], owner_id.as_str());
        app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &owner, json!({})).await.problem(409);
    }
    let future = app
        .post(
            &format!("{sys}/risk-assessments"),
            &owner,
            json!({"perspective": "data_subject", "performed_on": "2999-01-01", "risk_level": "low", "summary": "x"}),
        )
        .await;
    assert_eq!(future.problem(422)["errors"][0]["rule"], "not_in_future");

    app.call(
        reqwest::Method::PUT,
        &format!("{sys}/dpia-decision"),
        Some(&owner),
        Some(
            json!({"needed": true, "reason": "Følsomme oplysninger i stort omfang", "dpo_consulted_on": "2026-10-10"}),
        ),
    )
    .await
    .ok(200);
    let dpia = app
        .post(
            &format!("{sys}/dpias"),
            &owner,
            json!({"performed_on": "2026-10-20", "document_url": "https://intranet.randers.dk/dpia/nexus"}),
        )
        .await;
    let did = dpia.ok(201)["id"].as_str().unwrap().to_owned();
    app.post(&format!("{sys}/dpias/{did}/approve"), &owner, json!({})).await.ok(200);

    let processor =
        app.create("/api/v1/processors", json!({"name": "Systematic A/S", "cvr": "78834412", "country": "DK"})).await;
    let unsigned = app
        .post(
            &format!("{sys}/processing-agreements"),
            &owner,
            json!({"processor_id": processor, "supervision_method": "isae_3402"}),
        )
        .await;
    let aid = unsigned.ok(201)["id"].as_str().unwrap().to_owned();
    let refusal = app.get(&format!("{sys}/readiness"), &owner).await;
    assert!(codes(&refusal.ok(200).clone()).contains(&format!("processing_agreement_not_in_force:{processor}")));
    app.delete(&format!("{sys}/processing-agreements/{aid}"), &owner).await.ok(204);
    app.post(
        &format!("{sys}/processing-agreements"),
        &owner,
        json!({"processor_id": processor, "signed_on": "2026-09-01", "supervision_method": "isae_3402", "supervision_interval_months": 12}),
    )
    .await
    .ok(201);

    app.post(&format!("{sys}/retention-rules"), &owner, json!({"data_category": "Omsorgsjournaler", "retention_period": "P5Y", "legal_basis": "Journalføringsbekendtgørelsen"}))
        .await
        .ok(201);
    let bad_period = app
        .post(
            &format!("{sys}/retention-rules"),
            &owner,
            json!({"data_category": "X", "retention_period": "5 years", "legal_basis": "Y"}),
        )
        .await;
    assert_eq!(bad_period.problem(422)["errors"][0]["field"], "retention_period");
    app.call(
        reqwest::Method::PUT,
        &format!("{sys}/processing-record"),
        Some(&owner),
        Some(json!({
            "purposes": ["Pleje og behandling"], "data_subject_categories": ["Borgere"],
            "personal_data_categories": ["Helbredsoplysninger", "CPR-nummer"], "recipients": ["Egen læge"],
            "third_country_transfers": [], "retention_summary": "5 år efter sidste kontakt",
            "security_measures": "Kryptering, adgangsstyring, logning"
        })),
    )
    .await
    .ok(200);
    for kind in ["user_administration", "access_review", "backup"] {
        app.post(
            &format!("{sys}/procedures"),
            &owner,
            json!({"kind": kind, "title": format!("Procedure for {kind}"), "document_url": "https://intranet.randers.dk/proc", "approved_on": "2026-10-30"}),
        )
        .await
        .ok(201);
    }
    app.call(reqwest::Method::PUT, &format!("{sys}/contingency-plan"), Some(&owner), Some(json!({"document_url": "https://intranet.randers.dk/beredskab/nexus", "manual_procedures": "Papirjournal og telefonliste"})))
        .await
        .ok(200);
    app.post(&format!("{sys}/contingency-plan/approve"), &owner, json!({})).await.ok(200);

    // 3. Ready, and into use.
    let ready = app.get(&format!("{sys}/readiness"), &owner).await;
    assert_eq!(ready.ok(200)["ready"], true, "{}", ready.body);
    assert_eq!(
        app.post(&format!("{sys}/transitions"), &owner, into_use.clone()).await.ok(200)["lifecycle_state"],
        "in_use"
    );
    let orphan = app.patch(&sys, &admin, json!({"owner_id": null})).await;
    assert_eq!(orphan.problem(422)["errors"][0]["rule"], "required", "a system in use keeps an owner");

    // 4. A change: described, with the owner's DPIA answer; back into use only when reassessed.
    let undescribed = app.post(&format!("{sys}/transitions"), &owner, json!({"to": "changing"})).await;
    assert_eq!(codes(undescribed.problem(409)), ["change_description_missing", "dpia_answer_missing"]);
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "changing", "change_description": "Ny modul til rehabilitering", "dpia_needed": true}),
    )
    .await
    .ok(200);
    let back = app.post(&format!("{sys}/transitions"), &owner, into_use.clone()).await;
    assert_eq!(codes(back.problem(409)), ["risk_reassessment_missing", "dpia_after_change_missing"]);
    let rid = app.post(&format!("{sys}/risk-assessments"), &owner, risk("information_security")).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &owner, json!({})).await.ok(200);
    let did = app
        .post(
            &format!("{sys}/dpias"),
            &owner,
            json!({"performed_on": "2026-11-20", "document_url": "https://intranet.randers.dk/dpia/nexus-2"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("{sys}/dpias/{did}/approve"), &owner, json!({})).await.ok(200);
    app.post(&format!("{sys}/transitions"), &owner, into_use).await.ok(200);
    let changes = app.get(&format!("{sys}/changes"), &owner).await;
    let changes = changes.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["dpia_needed"], true);
    assert!(changes[0]["ended_at"].is_string(), "the change is closed when the system is back in use");

    // 5. Shut down through the exit checklist.
    assert_eq!(
        app.get(&format!("{sys}/exit-checklist"), &owner).await.ok(200),
        &json!({"items": [], "total": 0, "next_cursor": null})
    );
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "decommissioning", "reason": "Erstattes af fælleskommunal løsning"}),
    )
    .await
    .ok(200);
    let checklist = app.get(&format!("{sys}/exit-checklist"), &owner).await;
    let steps: Vec<String> =
        checklist.ok(200)["items"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap().to_owned()).collect();
    assert_eq!(steps.len(), 8);
    let links_step =
        checklist.body["items"].as_array().unwrap().iter().find(|s| s["step"] == "self_service_links_removed").unwrap();
    assert_eq!(
        links_step["links"][0]["url"], "https://www.borger.dk/hjemmehjaelp",
        "the step lists the links to remove"
    );
    let retire = app.post(&format!("{sys}/transitions"), &owner, json!({"to": "retired"})).await;
    assert_eq!(codes(retire.problem(409)).len(), 8);

    let put_step = |step: &str, body: Value| {
        let path = format!("{sys}/exit-checklist/{step}");
        let owner = owner.clone();
        let app = &app;
        async move { app.call(reqwest::Method::PUT, &path, Some(&owner), Some(body)).await }
    };
    let early = put_step("vendor_data_deleted", json!({"status": "done", "done_on": "2026-11-27"})).await;
    assert_eq!(early.problem(422)["errors"][0]["rule"], "archive_before_deletion");
    let skip = put_step("archived", json!({"status": "not_applicable", "reason": "Ingen"})).await;
    assert_eq!(skip.problem(422)["errors"][0]["rule"], "archive_required");
    let no_reason = put_step("data_migrated", json!({"status": "not_applicable"})).await;
    assert_eq!(no_reason.problem(422)["errors"][0]["field"], "reason");
    let archived =
        put_step("archived", json!({"status": "done", "done_on": "2026-11-26", "note": "Afleveret til Stadsarkivet"}))
            .await;
    assert_eq!(archived.ok(200)["recorded_by"], "sanne@randers.dk");
    put_step("data_migrated", json!({"status": "not_applicable", "reason": "Data flyttes ikke"})).await.ok(200);
    for step in steps.iter().filter(|s| !["archived", "data_migrated"].contains(&s.as_str())) {
        put_step(step, json!({"status": "done", "done_on": "2026-11-27"})).await.ok(200);
    }
    let retired = app.post(&format!("{sys}/transitions"), &owner, json!({"to": "retired"})).await;
    assert_eq!(retired.ok(200)["lifecycle_state"], "retired");
    put_step("archived", json!({"status": "open"})).await.problem(409);

    // 6. The audit log has every record and every approval.
    let approvals = app.get("/api/v1/audit-events?limit=500", &admin).await;
    let actions: Vec<(String, String)> = approvals.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["entity_type"].as_str().unwrap().to_owned()))
        .collect();
    let count = |action: &str, entity: &str| actions.iter().filter(|(a, e)| a == action && e == entity).count();
    assert_eq!(count("approve", "risk_assessment"), 3);
    assert_eq!(count("approve", "dpia"), 2);
    assert_eq!(count("approve", "contingency_plan"), 1);
    assert_eq!(count("update", "exit_step"), 8);
    assert_eq!(count("transition", "system"), 5);
}
