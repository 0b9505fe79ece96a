//! The compliance overview (now, and rebuilt from the audit log) and the record of processing
//! activities as JSON and as CSV read back by a CSV reader.

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};
use systemejer_store::ComplianceFilter;

use crate::common::{day, system_in_use, today};

on_both_backends!(the_compliance_overview, the_record_of_processing_as_csv);

async fn the_compliance_overview(app: TestApp) {
    let auditor = app.token("revisor@randers.dk", &[Role::Auditor]);
    let (late_sys, owner, owner_id) = system_in_use(&app, "lise@randers.dk").await;
    let (_, _, _) = system_in_use(&app, "mads@randers.dk").await;
    let draft = app.create("/api/v1/systems", json!({"name": "Ny app", "kind": "app", "owner_id": owner_id})).await;
    let retired = app.create("/api/v1/systems", json!({"name": "Gammel", "kind": "app"})).await;
    app.post(
        &format!("/api/v1/systems/{retired}/transitions"),
        &app.admin(),
        json!({"to": "retired", "reason": "Aldrig brugt"}),
    )
    .await
    .ok(200);

    // A backup test last done 13 months ago is a month overdue.
    let long_ago = (today() - chrono::Months::new(13)).to_string();
    app.post(
        &format!("{late_sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": long_ago, "result": "passed"}),
    )
    .await
    .ok(201);
    // A breach awaiting its decision.
    let late_id = late_sys.rsplit('/').next().unwrap();
    let breach = app
        .post(
            "/api/v1/incidents",
            &owner,
            json!({"system_ids": [late_id], "discovered_at": chrono::Utc::now().to_rfc3339(), "description": "Bærbar stjålet", "personal_data_breach": true}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let report = app.get("/api/v1/reports/compliance", &auditor).await.ok(200).clone();
    assert_eq!(report["as_of"], today().to_string());
    assert_eq!(report["source"], "register");
    let systems = report["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 3, "retired systems are left out by default");
    let late = systems.iter().find(|s| s["system_id"] == late_id).unwrap();
    assert_eq!(late["status"], "overdue");
    assert_eq!(late["open_breaches"], json!([breach]));
    let backup = late["obligations"].as_array().unwrap().iter().find(|o| o["kind"] == "backup_test").unwrap();
    assert_eq!(backup["status"], "overdue");
    assert_eq!(report["totals"]["systems"]["overdue"], 1);
    assert_eq!(report["totals"]["open_breaches"], 1);
    let draft_row = systems.iter().find(|s| s["system_id"] == draft.as_str()).unwrap();
    assert_eq!(draft_row["next_transition"], "in_use");
    assert!(draft_row["open_gates"].as_array().unwrap().iter().any(|g| g["code"] == "description_incomplete"));
    assert_eq!(draft_row["obligations"], json!([]), "no duties before going into use");

    // Filters.
    let overdue = app.get("/api/v1/reports/compliance?status=overdue", &auditor).await;
    assert_eq!(overdue.ok(200)["systems"].as_array().unwrap().len(), 1);
    let with_retired = app.get("/api/v1/reports/compliance?lifecycle_state=retired", &auditor).await;
    assert_eq!(with_retired.ok(200)["systems"][0]["system_id"], retired.as_str());

    // Owners see their own systems, and only when they ask for them.
    let mine = app.get(&format!("/api/v1/reports/compliance?owner_id={owner_id}"), &owner).await;
    assert_eq!(mine.ok(200)["systems"].as_array().unwrap().len(), 2);
    // Each is told the real reason: the owner how to see their own, the integration that it
    // has no person to own anything.
    let p = app.get("/api/v1/reports/compliance", &owner).await.problem(403).clone();
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("admin, auditor or dpo role") && detail.contains(&format!("owner_id={owner_id}")),
        "{detail}"
    );
    let reader = app.client_token("intranet", &[Role::Reader]);
    let p = app.get("/api/v1/reports/compliance", &reader).await.problem(403).clone();
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.starts_with("the whole report needs the admin, auditor or dpo role"), "{detail}");
    assert!(detail.contains("a token for an active person"), "{detail}");
    assert!(!detail.contains("your own person id"), "a reader has no person: {detail}");

    // As of a past date: rebuilt from the audit log (yesterday, nothing existed yet).
    let past = app.get(&format!("/api/v1/reports/compliance?as_of={}", day(-1)), &auditor).await;
    assert_eq!(past.ok(200)["source"], "audit_log");
    assert_eq!(past.body["systems"], json!([]));
    let future = app.get(&format!("/api/v1/reports/compliance?as_of={}", day(2)), &auditor).await;
    assert_eq!(future.problem(400)["errors"][0]["field"], "as_of");

    // Rebuilt from the audit log as of today, the overview is the same as the register's.
    let store = app.store.clone();
    let (live, rebuilt) = tokio::task::spawn_blocking(move || {
        let filter = ComplianceFilter::default();
        (
            store.compliance_report(&filter, None).unwrap(),
            store.compliance_report_rebuilt(&filter, store.today()).unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(live.systems, rebuilt.systems);
    assert_eq!(live.totals, rebuilt.totals);
}

async fn the_record_of_processing_as_csv(app: TestApp) {
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let owner_id = app
        .create("/api/v1/people", json!({"name": "Åse Ærø", "email": "aase@randers.dk", "position": "director"}))
        .await;
    let owner = app.token("aase@randers.dk", &[]);
    let sys = app
        .create(
            "/api/v1/systems",
            json!({"name": "Børnesager; \"Nyt\"", "kind": "it_system", "owner_id": owner_id, "processes_personal_data": true,
                   "processes_sensitive_data": true, "processes_cpr_numbers": true}),
        )
        .await;
    app.create("/api/v1/systems", json!({"name": "Vejdata", "kind": "database", "processes_personal_data": false}))
        .await;
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/systems/{sys}/processing-record"),
        Some(&owner),
        Some(json!({
            "purposes": ["Sagsbehandling", "Tilsyn"], "data_subject_categories": ["=HYPERLINK(\"http://evil\";\"x\")", "Forældre"],
            "personal_data_categories": ["Helbred"], "recipients": ["Domstole"],
            "third_country_transfers": [{"country": "us", "safeguard": "EU-US Data Privacy Framework"}],
            "retention_summary": "5 år", "security_measures": "Kryptering;\nlogning"
        })),
    )
    .await
    .ok(200);
    app.post(
        &format!("/api/v1/systems/{sys}/retention-rules"),
        &owner,
        json!({"data_category": "Sagsakter", "retention_period": "P5Y", "legal_basis": "Arkivloven"}),
    )
    .await
    .ok(201);

    let json_rows = app.get("/api/v1/reports/processing-records", &dpo).await;
    let items = json_rows.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "only systems that process personal data");
    assert_eq!(items[0]["retention_periods"], json!(["Sagsakter: P5Y"]));
    app.get("/api/v1/reports/processing-records", &owner).await.problem(403);

    app.get("/api/v1/reports/processing-records.csv", &owner).await.problem(403);
    let (status, headers, bytes) = app.get_bytes("/api/v1/reports/processing-records.csv", &dpo).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte order mark, so Excel reads UTF-8");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..3], ["system_id", "system", "lifecycle_state"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one row per system");
    let field = |name: &str| rows[0].get(header.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(field("system_id"), sys);
    assert_eq!(field("system"), "Børnesager; \"Nyt\"", "quotes and delimiters survive");
    assert_eq!(field("owner"), "Åse Ærø");
    assert_eq!(field("purposes"), "Sagsbehandling, Tilsyn");
    assert_eq!(field("sensitive_data"), "ja");
    assert_eq!(field("third_country_transfers"), "US: EU-US Data Privacy Framework");
    assert_eq!(field("security_measures"), "Kryptering;\nlogning");
    // What begins as a formula is text in a spreadsheet (a leading '), not a formula to run;
    // the JSON keeps it as it was given.
    assert_eq!(field("data_subject_categories"), "'=HYPERLINK(\"http://evil\";\"x\"), Forældre");
    assert_eq!(items[0]["data_subject_categories"][0], "=HYPERLINK(\"http://evil\";\"x\")");
}
