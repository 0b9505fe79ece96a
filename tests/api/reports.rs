//! The compliance overview (now, and rebuilt from the audit log) and the record of processing
//! activities as JSON and as CSV read back by a CSV reader.

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};
use systemejer_store::ComplianceFilter;

use crate::common::{a_record_of_processing, day, system_in_use, today};

on_both_backends!(the_compliance_overview, the_record_of_processing_as_csv, a_unit_filter_takes_the_units_below_it);

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
    let (dpo, owner, sys) = a_record_of_processing(&app).await;
    app.create("/api/v1/systems", json!({"name": "Vejdata", "kind": "database", "processes_personal_data": false}))
        .await;
    let json_rows = app.get("/api/v1/reports/processing-records", &dpo).await;
    let items = json_rows.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "only systems that process personal data");
    assert_eq!(items[0]["retention_periods"], json!(["Sagsakter: P5Y"]));
    // Art. 30(1)(a): the record names the controller and its DPO.
    let controller = json_rows.ok(200)["controller"].clone();
    assert_eq!(controller["name"], "Randers Kommune");
    assert_eq!(controller["cvr"], "29189684");
    assert_eq!(controller["dpo_email"], "dpo@randers.dk");
    assert_eq!((json_rows.ok(200)["total"].as_i64(), json_rows.ok(200)["next_cursor"].is_null()), (Some(1), true));
    app.get("/api/v1/reports/processing-records", &owner).await.problem(403);

    app.get("/api/v1/reports/processing-records.csv", &owner).await.problem(403);
    let (status, headers, bytes) = app.get_bytes("/api/v1/reports/processing-records.csv", &dpo).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte order mark, so Excel reads UTF-8");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        &header[..7],
        ["controller", "controller_cvr", "controller_address", "dpo", "dpo_email", "dpo_phone", "system_id"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one row per system");
    let field = |name: &str| rows[0].get(header.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(field("system_id"), sys);
    assert_eq!((field("controller"), field("controller_cvr")), ("Randers Kommune".to_owned(), "29189684".to_owned()));
    // A phone number begins with + as a formula would: kept as text, like any such cell.
    assert_eq!(
        (field("dpo"), field("dpo_phone")),
        ("Databeskyttelsesrådgiveren".to_owned(), "'+45 89 15 15 15".to_owned())
    );
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

/// A directorate's filter takes its departments and their sections, wherever a unit filter
/// exists (systems, people, the compliance overview); `include_sub_units=false` takes the unit
/// alone.
async fn a_unit_filter_takes_the_units_below_it(app: TestApp) {
    let unit = |name: &str, kind: &str, parent: Option<&str>| {
        let mut body = json!({"name": name, "kind": kind});
        if let Some(parent) = parent {
            body["parent_id"] = json!(parent);
        }
        app.create("/api/v1/org-units", body)
    };
    let directorate = unit("Teknik og Miljø", "directorate", None).await;
    let department = unit("Vej og Park", "department", Some(&directorate)).await;
    let section = unit("Vejdrift", "section", Some(&department)).await;
    let elsewhere = unit("Børn og Skole", "directorate", None).await;
    let system = |name: &str, unit: &str| {
        app.create("/api/v1/systems", json!({"name": name, "kind": "it_system", "org_unit_id": unit}))
    };
    let in_section = system("Vejregister", &section).await;
    let in_directorate = system("Sagsoverblik", &directorate).await;
    system("Elevplan", &elsewhere).await;
    let person = app
        .create(
            "/api/v1/people",
            json!({"name": "Åse Vej", "email": "aase.vej@randers.dk", "position": "employee", "org_unit_id": section}),
        )
        .await;

    let admin = app.admin();
    let ids = |page: &serde_json::Value, list: &str| {
        let mut ids: Vec<String> = page[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().or(x["system_id"].as_str()).unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let both = sorted(vec![in_section.clone(), in_directorate.clone()]);
    for (path, list) in [("/api/v1/systems", "items"), ("/api/v1/reports/compliance", "systems")] {
        let whole = app.get(&format!("{path}?org_unit_id={directorate}"), &admin).await.ok(200).clone();
        assert_eq!(ids(&whole, list), both, "{path}: the directorate and the units below it");
        let alone =
            app.get(&format!("{path}?org_unit_id={directorate}&include_sub_units=false"), &admin).await.ok(200).clone();
        assert_eq!(ids(&alone, list), vec![in_directorate.clone()], "{path}: the directorate alone");
        let department = app.get(&format!("{path}?org_unit_id={department}"), &admin).await.ok(200).clone();
        assert_eq!(
            ids(&department, list),
            vec![in_section.clone()],
            "{path}: a department takes its sections, not its parent"
        );
    }
    let people = app.get(&format!("/api/v1/people?org_unit_id={directorate}"), &admin).await.ok(200).clone();
    assert_eq!(ids(&people, "items"), vec![person.clone()]);
    let alone = app
        .get(&format!("/api/v1/people?org_unit_id={directorate}&include_sub_units=false"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(people["total"], 1);
    assert_eq!(alone["total"], 0);
    let wrong = app.get(&format!("/api/v1/systems?org_unit_id={directorate}&include_sub_units=maybe"), &admin).await;
    assert_eq!(wrong.problem(400)["errors"][0]["field"], "include_sub_units");
}
