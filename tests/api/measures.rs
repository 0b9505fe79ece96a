//! Risk treatment (*"de rette foranstaltninger er implementeret"*): an approved risk assessment
//! lists its measures, each with what, who and by when; a measure still planned is a duty of its
//! system (overdue past its day), and the compliance report counts the open and overdue ones.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::fixtures::{day, risk_assessment, system_in_use};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(an_approved_assessment_lists_its_measures_until_they_are_done);

fn row<'a>(report: &'a Value, sys: &str) -> &'a Value {
    report["systems"].as_array().unwrap().iter().find(|r| sys.ends_with(r["system_id"].as_str().unwrap())).unwrap()
}

async fn an_approved_assessment_lists_its_measures_until_they_are_done(app: TestApp) {
    let admin = app.admin();
    let (sys, owner, owner_id) = system_in_use(&app, "ida@randers.dk").await;
    let approved = app.get(&format!("{sys}/risk-assessments"), &owner).await.ok(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let draft = risk_assessment(&app, &sys, &owner, &day(-1), "Udkast").await;
    let it = app
        .create("/api/v1/people", json!({"name": "Ulla IT", "email": "ulla@randers.dk", "position": "employee"}))
        .await;
    let report = || app.get("/api/v1/reports/compliance", &admin);

    // Before any measure: nothing open, nothing overdue.
    let before = report().await.ok(200).clone();
    assert_eq!(row(&before, &sys)["risk_measures"], json!({"open": 0, "overdue": 0}));

    // Measures belong to an assessment the owner approved.
    let measure =
        |due: String| json!({"measure": "Tofaktorlogin for administratorer", "responsible_id": it, "due_on": due});
    let on_draft = app.post(&format!("{sys}/risk-assessments/{draft}/measures"), &owner, measure(day(10))).await;
    assert_eq!(on_draft.problem(409)["code"], "not_approved");
    let stranger = uuid::Uuid::new_v4().to_string();
    let nobody = app
        .post(
            &format!("{sys}/risk-assessments/{approved}/measures"),
            &owner,
            json!({"measure": "x", "responsible_id": stranger, "due_on": day(10)}),
        )
        .await;
    assert_eq!(nobody.problem(422)["errors"][0]["field"], "responsible_id");

    // One late, one under way.
    let late = app.post(&format!("{sys}/risk-assessments/{approved}/measures"), &owner, measure(day(-3))).await;
    let late = late.ok(201).clone();
    let mid = late["id"].as_str().unwrap().to_owned();
    assert_eq!((late["status"].as_str(), late["version"].as_i64()), (Some("planned"), Some(1)));
    app.post(
        &format!("{sys}/risk-assessments/{approved}/measures"),
        &owner,
        json!({"measure": "Kryptering af backup", "responsible_id": owner_id, "due_on": day(40)}),
    )
    .await
    .ok(201);
    let listed = app.get(&format!("{sys}/risk-assessments/{approved}/measures"), &admin).await.ok(200).clone();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert_eq!(listed["items"][0]["id"], mid.as_str(), "by their day");

    // Each planned measure is a duty, reminded to the person responsible.
    let duties = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    let duty = duties["items"]
        .as_array()
        .or_else(|| duties.as_array())
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "risk_measure" && o["subject"] == mid.as_str())
        .unwrap()
        .clone();
    assert_eq!((duty["status"].as_str(), duty["assignee_id"].as_str()), (Some("overdue"), Some(it.as_str())));
    let report_now = report().await.ok(200).clone();
    assert_eq!(row(&report_now, &sys)["risk_measures"], json!({"open": 2, "overdue": 1}));
    assert_eq!(report_now["totals"]["risk_measures"]["overdue"], 1);

    // Done by recording the measure, not by a completion.
    let refused = app
        .post(
            &format!("{sys}/obligations/risk_measure/completions"),
            &owner,
            json!({"done_on": day(0), "result": "passed", "subject": mid}),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["rule"], "done_by_update");
    let said = refused.problem(422)["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(said.contains("recording the measure implemented"), "each duty says how it is done: {said}");

    // Implemented needs its day; a stale If-Match is refused; then it is done.
    let path = format!("{sys}/risk-measures/{mid}");
    let no_day = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &owner,
            &[("if-match", "\"v1\"")],
            Some(json!({"status": "implemented"})),
        )
        .await;
    assert_eq!(
        (no_day.problem(422)["errors"][0]["field"].as_str(), no_day.problem(422)["errors"][0]["rule"].as_str()),
        (Some("implemented_on"), Some("required"))
    );
    let stale = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &owner,
            &[("if-match", "\"v9\"")],
            Some(json!({"status": "implemented", "implemented_on": day(0)})),
        )
        .await;
    stale.problem(412);
    let done = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &owner,
            &[("if-match", "\"v1\"")],
            Some(json!({"status": "implemented", "implemented_on": day(0)})),
        )
        .await;
    assert_eq!((done.ok(200)["status"].as_str(), done.ok(200)["version"].as_i64()), (Some("implemented"), Some(2)));
    assert_eq!(row(&report().await.ok(200).clone(), &sys)["risk_measures"], json!({"open": 1, "overdue": 0}));
    let duties = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    assert!(!duties.to_string().contains(&mid), "the duty ends with the measure: {duties}");

    // The record of what was decided stays: the assessment is not deleted under its measures,
    // nor the person responsible.
    let deleted = app.call(Method::DELETE, &format!("{sys}/risk-assessments/{approved}"), Some(&owner), None).await;
    assert_eq!(deleted.problem(409)["code"], "has_measures");
    let gone = app.call(Method::DELETE, &format!("/api/v1/people/{it}"), Some(&admin), None).await;
    assert_eq!(gone.problem(409)["code"], "person_in_use");
    let get = app.get(&path, &admin).await;
    assert_eq!(get.ok(200)["implemented_on"], day(0).as_str());
}
