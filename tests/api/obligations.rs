//! Recurring duties: which a system has, their due dates from completions, stricter and
//! overridden intervals, and their appearance and disappearance with the facts.

use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

use crate::common::{day, obligation, system_in_use, today};
use systemejer_e2e::fixtures::due_on;

on_both_backends!(
    due_dates_follow_completions_and_facts,
    a_failed_test_is_due_again_within_thirty_days,
    software_updates_are_reviewed_with_the_version_in_use,
    a_duty_counted_to_a_holiday_is_due_the_working_day_before
);

fn kinds(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|o| o["kind"].as_str().unwrap().to_owned()).collect()
}

/// When a duty done on `date` with an interval of `months` is next due: that many calendar
/// months later, on the working day on or before it.
fn months_later(date: &str, months: u32) -> String {
    let d: chrono::NaiveDate = date.parse().unwrap();
    due_on(&d.checked_add_months(chrono::Months::new(months)).unwrap().to_string())
}

async fn due_dates_follow_completions_and_facts(app: TestApp) {
    let admin = app.admin();
    let (sys, owner, _) = system_in_use(&app, "ove@randers.dk").await;
    let obligations = format!("{sys}/obligations");
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(kinds(&list), ["backup_test", "access_review", "risk_reassessment", "procedure_review", "patch_review"]);
    let backup = obligation(&list, "backup_test");
    assert_eq!(backup["interval_months"], 12);
    assert_eq!(
        backup["next_due_on"],
        months_later(&today().to_string(), 12),
        "never done: one interval after it appeared"
    );
    assert_eq!(backup["status"], "ok");
    assert!(backup["done_means"].as_str().unwrap().contains("gendannelse"));
    let risk = obligation(&list, "risk_reassessment");
    assert_eq!(risk["last_done_on"], today().to_string(), "approving the risk assessment completed it");
    assert_eq!(obligation(&list, "access_review")["interval_months"], 6);

    // Done late: the next due date counts from the day it was done.
    let done_on = day(-10);
    let completion = json!({"done_on": done_on, "result": "passed",
                            "evidence": {"type": "backup_test", "restore_minutes": 42, "restored": "Hele databasen til testmiljø"}});
    app.post(&format!("{obligations}/backup_test/completions"), &owner, completion).await.ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], months_later(&done_on, 12));

    // A failed result is recorded, is not a pass, and makes the test due again within 30 days.
    app.post(
        &format!("{obligations}/backup_test/completions"),
        &owner,
        json!({"done_on": day(-1), "result": "failed", "notes": "Restore fejlede"}),
    )
    .await
    .ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["last_done_on"], done_on);
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], due_on(&day(29)));
    let history = app.get(&format!("{obligations}/backup_test/completions"), &owner).await;
    assert_eq!(history.ok(200)["items"].as_array().unwrap().len(), 2);
    assert_eq!(history.body["items"][0]["result"], "failed", "newest first");
    // Passed again the same day: the failure is answered, and the year runs from the pass.
    let done_on = day(-1);
    app.post(
        &format!("{obligations}/backup_test/completions"),
        &owner,
        json!({"done_on": done_on, "result": "passed"}),
    )
    .await
    .ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], months_later(&done_on, 12));

    // Done early: likewise from the day it was done.
    app.post(
        &format!("{obligations}/access_review/completions"),
        &owner,
        json!({"done_on": day(-2), "result": "passed", "evidence": {"type": "access_review", "accounts_reviewed": 40, "accounts_removed": 3}}),
    )
    .await
    .ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "access_review")["next_due_on"], months_later(&day(-2), 6));

    // Bad completions.
    let future = app
        .post(&format!("{obligations}/backup_test/completions"), &owner, json!({"done_on": day(2), "result": "passed"}))
        .await;
    assert_eq!(future.problem(422)["errors"][0]["rule"], "not_in_future");
    let wrong = app
        .post(&format!("{obligations}/backup_test/completions"), &owner, json!({"done_on": day(-1), "result": "passed", "evidence": {"type": "access_review", "accounts_reviewed": 1, "accounts_removed": 0}}))
        .await;
    assert_eq!(wrong.problem(422)["errors"][0]["rule"], "fits_duty");
    let by_approval = app
        .post(
            &format!("{obligations}/risk_reassessment/completions"),
            &owner,
            json!({"done_on": day(-1), "result": "passed"}),
        )
        .await;
    assert_eq!(by_approval.problem(422)["errors"][0]["rule"], "done_by_approval");
    let absent = app
        .post(&format!("{obligations}/log_sample/completions"), &owner, json!({"done_on": day(-1), "result": "passed"}))
        .await;
    assert_eq!(absent.problem(409)["code"], "no_such_duty");

    // Stricter intervals when the facts change: a critical system's backup every 6 months,
    // and its access review every 3.
    app.patch(&sys, &owner, json!({"criticality": "critical"})).await.ok(200);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], months_later(&done_on, 6));
    assert_eq!(obligation(&list, "access_review")["interval_months"], 3);

    // An override per system, and back to the default with null.
    let changed = app.patch(&format!("{obligations}/backup_test"), &owner, json!({"interval_months": 2})).await;
    assert_eq!(changed.ok(200)["items"][0]["next_due_on"], months_later(&done_on, 2));
    assert_eq!(changed.body["items"][0]["interval_override_months"], 2);
    let bad = app.patch(&format!("{obligations}/backup_test"), &owner, json!({"interval_months": 0})).await;
    assert_eq!(bad.problem(422)["errors"][0]["field"], "interval_months");
    let reset = app.patch(&format!("{obligations}/backup_test"), &owner, json!({"interval_months": null})).await;
    assert_eq!(reset.ok(200)["items"][0]["interval_months"], 6);

    // New facts bring new duties.
    app.post(
        &format!("{sys}/retention-rules"),
        &owner,
        json!({"data_category": "Vejdata", "retention_period": "P10Y", "legal_basis": "Vejloven"}),
    )
    .await
    .ok(201);
    app.call(
        reqwest::Method::PUT,
        &format!("{sys}/contingency-plan"),
        Some(&owner),
        Some(json!({"document_url": "https://intranet.randers.dk/b", "manual_procedures": "Kort på papir"})),
    )
    .await
    .ok(200);
    let processor = app.create("/api/v1/processors", json!({"name": "Netcompany A/S", "country": "DK"})).await;
    let agreement = app
        .post(&format!("{sys}/processing-agreements"), &owner, json!({"processor_id": processor, "signed_on": day(-30), "supervision_method": "isae_3000", "supervision_interval_months": 24}))
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&sys, &owner, json!({"contract_notice_on": day(20)})).await.ok(200);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(
        kinds(&list),
        [
            "backup_test",
            "access_review",
            "risk_reassessment",
            "processor_supervision",
            "contingency_plan_test",
            "deletion_run",
            "procedure_review",
            "contract_renewal",
            "patch_review"
        ]
    );
    let supervision = obligation(&list, "processor_supervision");
    assert_eq!(supervision["subject"], agreement.as_str());
    assert_eq!(supervision["interval_months"], 24);
    let renewal = obligation(&list, "contract_renewal");
    assert_eq!(renewal["next_due_on"], due_on(&day(20)));
    assert_eq!(renewal["status"], "due_soon");
    let no_subject = app
        .post(
            &format!("{obligations}/processor_supervision/completions"),
            &owner,
            json!({"done_on": day(-1), "result": "passed"}),
        )
        .await;
    assert_eq!(no_subject.problem(422)["errors"][0]["field"], "subject");
    app.post(
        &format!("{obligations}/processor_supervision/completions"),
        &owner,
        json!({"done_on": day(-1), "result": "passed", "subject": agreement, "evidence": {"type": "supervision", "report_kind": "isae_3000", "conclusion": "Ingen bemærkninger"}}),
    )
    .await
    .ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "processor_supervision")["next_due_on"], months_later(&day(-1), 24));

    // A change makes the risk reassessment due at once.
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "changing", "change_description": "Nyt GIS-lag", "dpia_needed": false}),
    )
    .await
    .ok(200);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "risk_reassessment")["next_due_on"], today().to_string());
    assert_eq!(obligation(&list, "risk_reassessment")["status"], "due_soon");

    // Retiring a system ends its duties.
    systemejer_e2e::fixtures::approved_risk_assessment(&app, &sys, &owner, &day(0), "Efter ændring").await;
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "in_use"})).await.ok(200);
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "decommissioning", "reason": "Nedlægges"}))
        .await
        .ok(200);
    for step in app.get(&format!("{sys}/exit-checklist"), &owner).await.ok(200).clone()["items"].as_array().unwrap() {
        let path = format!("{sys}/exit-checklist/{}", step["step"].as_str().unwrap());
        app.call(
            reqwest::Method::PUT,
            &path,
            Some(&owner),
            Some(json!({"status": "not_applicable", "reason": "Ikke relevant"})),
        )
        .await
        .ok(200);
    }
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "retired"})).await.ok(200);
    assert_eq!(app.get(&obligations, &admin).await.ok(200), &json!({"items": [], "total": 0, "next_cursor": null}));
}

async fn a_failed_test_is_due_again_within_thirty_days(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "ove@randers.dk").await;
    let obligations = format!("{sys}/obligations");
    let completions = format!("{sys}/obligations/backup_test/completions");
    app.post(&completions, &owner, json!({"done_on": day(-10), "result": "passed"})).await.ok(201);
    let passed = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&passed, "backup_test")["status"], "ok");
    // The restore failed: the test is due again within 30 days, and shows as due soon.
    app.post(&completions, &owner, json!({"done_on": day(-1), "result": "failed"})).await.ok(201);
    let failed = app.get(&obligations, &owner).await.ok(200).clone();
    let backup = obligation(&failed, "backup_test");
    assert_eq!(backup["next_due_on"], due_on(&day(29)), "{backup}");
    assert_eq!(backup["status"], "due_soon");
    assert_eq!(backup["last_done_on"], day(-10), "a failure is not a pass");
    // A register set to a shorter follow-up (SYSTEMEJER_FAILED_TEST_FOLLOW_UP_DAYS=14).
    let store = systemejer_store::Store::connect(app.database_url(), &systemejer_store::PoolOptions::default())
        .unwrap()
        .with_follow_up_days(14);
    let id: systemejer_domain::SystemId = sys.trim_start_matches("/api/v1/systems/").parse().unwrap();
    let failed: systemejer_domain::obligations::NewCompletion =
        serde_json::from_value(json!({"done_on": day(0), "result": "failed"})).unwrap();
    store
        .add_completion(id, systemejer_domain::obligations::ObligationKind::BackupTest, failed, "ove@randers.dk")
        .unwrap();
    let shorter = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&shorter, "backup_test")["next_due_on"], due_on(&day(14)), "{shorter}");

    // Passed again: back to the yearly rhythm from the new pass.
    app.post(&completions, &owner, json!({"done_on": today().to_string(), "result": "passed"})).await.ok(201);
    let again = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&again, "backup_test")["next_due_on"], months_later(&today().to_string(), 12));
}

/// *Opdatering af anvendt software*: every 6 months (3 for a critical system), done by
/// recording the version in use and the day of the last update.
async fn software_updates_are_reviewed_with_the_version_in_use(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "ove@randers.dk").await;
    let obligations = format!("{sys}/obligations");
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    let review = obligation(&list, "patch_review");
    assert_eq!(review["interval_months"], 6);
    assert_eq!(review["next_due_on"], months_later(&today().to_string(), 6));
    assert!(review["done_means"].as_str().unwrap().contains("version"));

    let completions = format!("{obligations}/patch_review/completions");
    let bare = app.post(&completions, &owner, json!({"done_on": day(-1), "result": "passed"})).await;
    let problem = bare.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("evidence"), Some("required"))
    );
    let later = app
        .post(
            &completions,
            &owner,
            json!({"done_on": day(-3), "result": "passed",
                   "evidence": {"type": "patch_review", "version_in_use": "4.2.1", "last_updated_on": day(-1)}}),
        )
        .await;
    let problem = later.problem(422);
    assert_eq!(problem["errors"][0]["field"], "evidence.last_updated_on");
    assert_eq!(problem["errors"][0]["rule"], "not_after_done_on");
    let ancient = app
        .post(
            &completions,
            &owner,
            json!({"done_on": day(-1), "result": "passed",
                   "evidence": {"type": "patch_review", "version_in_use": "4.2.1", "last_updated_on": "1850-01-01"}}),
        )
        .await;
    assert_eq!(ancient.problem(422)["errors"][0]["rule"], "date_range", "the years 1900 to 9999, as every date");
    // A review is done or not: it is no test that can fail.
    let failed = app
        .post(
            &completions,
            &owner,
            json!({"done_on": day(-1), "result": "failed",
                   "evidence": {"type": "patch_review", "version_in_use": "4.2.1", "last_updated_on": day(-2)}}),
        )
        .await;
    let problem = failed.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("result"), Some("passed_only"))
    );
    let missing = app
        .post(&completions, &owner, json!({"done_on": day(-1), "result": "passed", "evidence": {"type": "patch_review", "version_in_use": "4.2.1"}}))
        .await;
    assert_eq!(missing.status, 422, "the day of the last update is part of the evidence: {}", missing.body);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "patch_review")["last_done_on"], Value::Null, "refusals record nothing");

    let done = app
        .post(
            &completions,
            &owner,
            json!({"done_on": day(-2), "result": "passed",
                   "evidence": {"type": "patch_review", "version_in_use": "KMD Nexus 2026.3 (build 1187)", "last_updated_on": day(-20)}}),
        )
        .await;
    assert_eq!(done.ok(201)["evidence"]["version_in_use"], "KMD Nexus 2026.3 (build 1187)");
    assert_eq!(done.body["evidence"]["last_updated_on"], day(-20));
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "patch_review")["next_due_on"], months_later(&day(-2), 6));

    // A critical system reviews its updates every 3 months.
    app.patch(&sys, &owner, json!({"criticality": "critical"})).await.ok(200);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "patch_review")["interval_months"], 3);
    assert_eq!(obligation(&list, "patch_review")["next_due_on"], months_later(&day(-2), 3));
}

/// A date counted ahead that falls on a holiday, a weekend or a day the municipality keeps
/// closed moves to the working day before; other closed days (`SYSTEMEJER_CLOSED_DAYS`) move
/// the stored dates when the service starts with them.
async fn a_duty_counted_to_a_holiday_is_due_the_working_day_before(app: TestApp) {
    let (sys, owner, _) = system_in_use(&app, "hella@randers.dk").await;
    let obligations = format!("{sys}/obligations");
    // Tested on Juledag 2025, yearly: Juledag 2026 is a Friday, Juleaftensdag before it is
    // kept closed, so the test is due on Wednesday 23 December 2026.
    app.post(
        &format!("{obligations}/backup_test/completions"),
        &owner,
        json!({"done_on": "2025-12-25", "result": "passed"}),
    )
    .await
    .ok(201);
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], "2026-12-23");

    // A municipality that keeps 24 December open: started again with no closed days, the
    // stored date is worked out again (once), and the test is due on Thursday 24 December.
    let open_on_the_24th = app.store.clone().with_calendar(systemejer_domain::calendar::Calendar::new());
    assert!(open_on_the_24th.keep_duties_in_step(false).unwrap().is_some_and(|n| n >= 1));
    assert_eq!(open_on_the_24th.keep_duties_in_step(false).unwrap(), None, "nothing to do a second time");
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], "2026-12-24");
    // Back to the usual days.
    assert!(app.store.keep_duties_in_step(false).unwrap().is_some());
    let list = app.get(&obligations, &owner).await.ok(200).clone();
    assert_eq!(obligation(&list, "backup_test")["next_due_on"], "2026-12-23");
}
