//! Round trips per request: the statements (each one a round trip to the database; `BEGIN` and
//! `COMMIT` count) that the write requests an owner and an admin make most cost, held here so
//! that a change that reads a fact twice, or a system's records kind by kind, fails.
//!
//! The system is a heavy one (personal data, a delegate, a processor's agreement, every record
//! the gate into use asks for), so that per-record costs show. Each figure is the whole
//! request, as a client pays for it: the caller's person, the use case, its duties and audit.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

use crate::common::day;

on_both_backends!(write_requests_cost_a_fixed_small_number_of_round_trips);

/// Each request: the statements it sent before the store was split by job (commit 98b7d48,
/// when a transition read the system three times and the records kind by kind, twice), and the
/// most it may send now (measured, then held).
const HELD: &[(&str, u64, u64)] = &[
    // A system's facts include its risk measures and its owner's eligibility (two queries more
    // since they came; a transition read the owner apart before). A change a webhook may be told
    // of (a system made, changed or moved, a duty done) queues its event in its own transaction:
    // one statement more (`INSERT … SELECT` over the subscriptions that want it, however many).
    ("create_system", 24, 11),
    ("update_system", 22, 18),
    ("add_risk_assessment", 21, 16),
    ("approve_risk_assessment", 22, 16),
    ("put_dpia_decision", 23, 16),
    ("add_retention_rule", 21, 16),
    ("put_processing_record", 23, 16),
    ("add_procedure", 21, 16),
    ("add_processing_agreement", 23, 17),
    ("transition_into_use", 40, 19),
    ("add_completion", 28, 18),
    ("delete_retention_rule", 29, 17),
    ("transition_into_decommissioning", 48, 19),
    ("update_exit_step", 8, 8),
];

/// Sends one request and answers its reply and the statements it cost. A system's `If-Match`
/// is read before, outside the measurement.
async fn measured(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (Value, u64) {
    let etag = if method == Method::PATCH {
        let tag = app.get(path, token).await.headers["etag"].to_str().unwrap().to_owned();
        vec![("if-match", tag)]
    } else {
        Vec::new()
    };
    let headers: Vec<(&str, &str)> = etag.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let before = app.store.statements();
    let reply = app.call_with_headers(method, path, token, &headers, body).await;
    let cost = app.store.statements() - before;
    assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
    (reply.body, cost)
}

async fn write_requests_cost_a_fixed_small_number_of_round_trips(app: TestApp) {
    let admin = app.admin();
    let unit = app.create("/api/v1/org-units", json!({"name": "Borgerservice", "kind": "department"})).await;
    let owner_id =
        app.create("/api/v1/people", json!({"name": "Ejer", "email": "ejer@randers.dk", "position": "director"})).await;
    let delegate_id = app
        .create(
            "/api/v1/people",
            json!({"name": "Forvalter", "email": "forvalter@randers.dk", "position": "employee", "manager_id": owner_id}),
        )
        .await;
    let processor = app.create("/api/v1/processors", json!({"name": "Leverandør A/S"})).await;
    let owner = app.token("ejer@randers.dk", &[]);
    let mut costs: Vec<(&str, u64)> = Vec::new();

    let (system, cost) = measured(
        &app,
        Method::POST,
        "/api/v1/systems",
        &admin,
        Some(json!({
            "name": "Borgerportal", "kind": "it_system", "owner_id": owner_id, "org_unit_id": unit,
            "delegates": [{"person_id": delegate_id, "role": "systemforvalter"}],
            "purpose": "Selvbetjening", "description": "Borgernes indgang", "vendor": "Leverandør A/S",
            "hosting": "Leverandørens datacenter", "hosted_at": "external",
            "business_processes": ["Borgerservice"], "data_formats": ["text"],
            "processes_personal_data": true, "processes_sensitive_data": false, "processes_cpr_numbers": true,
            "data_subject_rights": ["access", "rectification"], "kle_codes": ["00.01.00"], "criticality": "medium",
            "archive_status": "discard"
        })),
    )
    .await;
    costs.push(("create_system", cost));
    let sys = format!("/api/v1/systems/{}", system["id"].as_str().unwrap());

    let (_, cost) = measured(&app, Method::PATCH, &sys, &admin, Some(json!({"vendor": "Leverandør ApS"}))).await;
    costs.push(("update_system", cost));

    let mut assessments = Vec::new();
    for perspective in ["information_security", "data_subject"] {
        let (risk, cost) = measured(
            &app,
            Method::POST,
            &format!("{sys}/risk-assessments"),
            &admin,
            Some(json!({"perspective": perspective, "performed_on": day(-5), "risk_level": "low", "summary": "Lav risiko"})),
        )
        .await;
        costs.push(("add_risk_assessment", cost));
        assessments.push(risk["id"].as_str().unwrap().to_owned());
    }
    for id in &assessments {
        let (_, cost) =
            measured(&app, Method::POST, &format!("{sys}/risk-assessments/{id}/approve"), &owner, Some(json!({})))
                .await;
        costs.push(("approve_risk_assessment", cost));
    }
    let (_, cost) = measured(
        &app,
        Method::PUT,
        &format!("{sys}/dpia-decision"),
        &admin,
        Some(json!({"needed": false, "reason": "Ingen høj risiko", "dpo_consulted_on": day(-5)})),
    )
    .await;
    costs.push(("put_dpia_decision", cost));
    let mut rules = Vec::new();
    for category in ["Sagsakter", "Logdata"] {
        let (rule, cost) = measured(
            &app,
            Method::POST,
            &format!("{sys}/retention-rules"),
            &admin,
            Some(json!({"data_category": category, "retention_period": "P5Y", "legal_basis": "Arkivloven"})),
        )
        .await;
        costs.push(("add_retention_rule", cost));
        rules.push(rule["id"].as_str().unwrap().to_owned());
    }
    let (_, cost) = measured(
        &app,
        Method::PUT,
        &format!("{sys}/processing-record"),
        &admin,
        Some(json!({"purposes": ["Selvbetjening"], "data_subject_categories": ["Borgere"],
                    "personal_data_categories": ["Kontaktoplysninger"], "retention_summary": "Fem år",
                    "security_measures": "Adgangsstyring"})),
    )
    .await;
    costs.push(("put_processing_record", cost));
    for kind in ["user_administration", "access_review", "backup"] {
        let (_, cost) = measured(
            &app,
            Method::POST,
            &format!("{sys}/procedures"),
            &admin,
            Some(json!({"kind": kind, "title": kind, "document_url": "https://intranet.randers.dk/p", "approved_on": day(-5)})),
        )
        .await;
        costs.push(("add_procedure", cost));
    }
    let (_, cost) = measured(
        &app,
        Method::POST,
        &format!("{sys}/processing-agreements"),
        &admin,
        Some(json!({"processor_id": processor, "signed_on": day(-10), "supervision_method": "isae_3000"})),
    )
    .await;
    costs.push(("add_processing_agreement", cost));

    let (_, cost) =
        measured(&app, Method::POST, &format!("{sys}/transitions"), &owner, Some(json!({"to": "in_use"}))).await;
    costs.push(("transition_into_use", cost));
    let (_, cost) = measured(
        &app,
        Method::POST,
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        Some(json!({"done_on": day(-1), "result": "passed"})),
    )
    .await;
    costs.push(("add_completion", cost));
    let (_, cost) = measured(&app, Method::DELETE, &format!("{sys}/retention-rules/{}", rules[1]), &admin, None).await;
    costs.push(("delete_retention_rule", cost));
    let (_, cost) = measured(
        &app,
        Method::POST,
        &format!("{sys}/transitions"),
        &owner,
        Some(json!({"to": "decommissioning", "reason": "Erstattet af fælleskommunal løsning"})),
    )
    .await;
    costs.push(("transition_into_decommissioning", cost));
    let (_, cost) = measured(
        &app,
        Method::PUT,
        &format!("{sys}/exit-checklist/contract_terminated"),
        &owner,
        Some(json!({"status": "done", "done_on": day(0)})),
    )
    .await;
    costs.push(("update_exit_step", cost));

    let backend = if app.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let mut report = format!("round trips per request on {backend} (before the redesign -> now):\n");
    for (name, cost) in &costs {
        let before = HELD.iter().find(|(n, ..)| n == name).map_or(0, |(_, b, _)| *b);
        report.push_str(&format!("  {name:32} {before:3} -> {cost}\n"));
    }
    eprintln!("{report}");
    for (name, cost) in &costs {
        // On PostgreSQL a change of a system first locks its row (`SELECT … FOR UPDATE`), so
        // that two changes at once run one after the other: one statement more than SQLite,
        // whose writers already take turns.
        let lock = u64::from(app.is_postgres() && *name != "create_system");
        let held = HELD.iter().find(|(n, ..)| n == name).map(|(.., h)| *h).unwrap() + lock;
        assert!(*cost <= held, "{name} cost {cost} statements, more than the {held} held\n{report}");
    }
    for (name, ..) in HELD {
        assert!(costs.iter().any(|(n, _)| n == name), "{name} was not measured");
    }
}
