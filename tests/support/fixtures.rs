//! What several suites need: dates as the service sees them, and a system taken into use
//! through the API.

use serde_json::{Value, json};

use crate::TestApp;

/// Today in the municipality (the service's "today").
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive()
}

/// `today` moved by `days`, as an ISO date.
pub fn day(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}

/// The working days of the service under test (the usual closed days, as by default).
pub fn calendar() -> systemejer_domain::calendar::Calendar {
    systemejer_domain::calendar::Calendar::with_closed_days(systemejer_domain::calendar::USUAL_CLOSED_DAYS)
}

/// The day a duty counted to `date` (ISO) falls due: `date`, or the working day before it.
pub fn due_on(date: &str) -> String {
    let date: chrono::NaiveDate = date.parse().unwrap_or_else(|e| panic!("{date}: {e}"));
    calendar().on_or_before(date).to_string()
}

/// An information security risk assessment of the system at path `sys`, performed on `on`,
/// recorded with `token`; answers its id.
pub async fn risk_assessment(app: &TestApp, sys: &str, token: &str, on: &str, summary: &str) -> String {
    let body =
        json!({"perspective": "information_security", "performed_on": on, "risk_level": "low", "summary": summary});
    app.post(&format!("{sys}/risk-assessments"), token, body).await.ok(201)["id"].as_str().unwrap().to_owned()
}

/// The same, approved by the owner whose token `owner` is.
pub async fn approved_risk_assessment(app: &TestApp, sys: &str, owner: &str, on: &str, summary: &str) -> String {
    let rid = risk_assessment(app, sys, owner, on, summary).await;
    app.post(&format!("{sys}/risk-assessments/{rid}/approve"), owner, json!({})).await.ok(200);
    rid
}

/// A system in use with the fewest duties the guidance allows: no personal data, low
/// criticality, to be discarded. Answers the system's path and its owner's token and id.
pub async fn system_in_use(app: &TestApp, owner_email: &str) -> (String, String, String) {
    let (sys, owner, owner_id) = system_ready(app, owner_email).await;
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "in_use"})).await.ok(200);
    (sys, owner, owner_id)
}

/// The same system in procurement, with everything its go-live needs but the owner's move.
pub async fn system_ready(app: &TestApp, owner_email: &str) -> (String, String, String) {
    let unit =
        app.create("/api/v1/org-units", json!({"name": format!("Enhed {owner_email}"), "kind": "department"})).await;
    let owner_id = app
        .create("/api/v1/people", json!({"name": "Owner", "email": owner_email, "position": "head_of_department"}))
        .await;
    let owner = app.token(owner_email, &[]);
    let id = app
        .create(
            "/api/v1/systems",
            json!({
                "name": "Vejregister", "kind": "database", "owner_id": owner_id, "org_unit_id": unit,
                "purpose": "Vejdata", "description": "Register over kommunale veje", "vendor": "Egen drift",
                "hosting": "Kommunens datacenter", "business_processes": ["Vejdrift"], "data_formats": ["text"],
                "processes_personal_data": false, "kle_codes": ["05.01.00"], "criticality": "low", "archive_status": "discard"
            }),
        )
        .await;
    let sys = format!("/api/v1/systems/{id}");
    approved_risk_assessment(app, &sys, &owner, &day(-5), "Lav risiko").await;
    app.call(
        reqwest::Method::PUT,
        &format!("{sys}/dpia-decision"),
        Some(&owner),
        Some(json!({"needed": false, "reason": "Ingen personoplysninger", "dpo_consulted_on": day(-5)})),
    )
    .await
    .ok(200);
    for kind in ["user_administration", "access_review", "backup"] {
        app.post(
            &format!("{sys}/procedures"),
            &owner,
            json!({"kind": kind, "title": kind, "document_url": "https://intranet.randers.dk/p", "approved_on": day(-5)}),
        )
        .await
        .ok(201);
    }
    (sys, owner, owner_id)
}

/// The obligation of `kind` in a list, by kind.
pub fn obligation<'a>(list: &'a Value, kind: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} obligation in {list}"))
}

/// The same system in procurement, but processing personal data (CPR numbers, no sensitive
/// data) and run as `hosted_at` says, with everything personal data asks of its go-live but a
/// processor: the data subjects' risk assessment, a retention rule, the record of processing.
pub async fn personal_data_ready(app: &TestApp, owner_email: &str, hosted_at: &str) -> (String, String, String) {
    let (sys, owner, owner_id) = system_ready(app, owner_email).await;
    let version = app.get(&sys, &owner).await.ok(200)["version"].as_i64().unwrap();
    app.call_with_headers(
        reqwest::Method::PATCH,
        &sys,
        &owner,
        &[("if-match", &format!("\"v{version}\""))],
        Some(json!({
            "processes_personal_data": true, "processes_sensitive_data": false, "processes_cpr_numbers": true,
            "data_subject_rights": ["access"], "hosted_at": hosted_at
        })),
    )
    .await
    .ok(200);
    let body = json!({"perspective": "data_subject", "performed_on": day(-5), "risk_level": "low", "summary": "Lav"});
    let rid =
        app.post(&format!("{sys}/risk-assessments"), &owner, body).await.ok(201)["id"].as_str().unwrap().to_owned();
    app.post(&format!("{sys}/risk-assessments/{rid}/approve"), &owner, json!({})).await.ok(200);
    app.post(
        &format!("{sys}/retention-rules"),
        &owner,
        json!({"data_category": "Sager", "retention_period": "P5Y", "legal_basis": "Arkivloven"}),
    )
    .await
    .ok(201);
    app.call(
        reqwest::Method::PUT,
        &format!("{sys}/processing-record"),
        Some(&owner),
        Some(json!({"purposes": ["Vejdrift"], "data_subject_categories": ["Borgere"], "personal_data_categories": ["CPR"],
                    "retention_summary": "5 år", "security_measures": "Adgangsstyring"})),
    )
    .await
    .ok(200);
    (sys, owner, owner_id)
}
