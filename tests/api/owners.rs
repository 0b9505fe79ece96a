//! Owners who leave or change role: a system past procurement whose owner is no longer
//! eligible is flagged `owner_ineligible`, in `/readiness` and the compliance report, which
//! lists such systems on their own with `owner_ineligible=true`.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::fixtures::{system_in_use, system_ready};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(a_system_whose_owner_left_or_changed_role_is_flagged);

fn row<'a>(report: &'a Value, sys: &str) -> Option<&'a Value> {
    report["systems"].as_array().unwrap().iter().find(|r| sys.ends_with(r["system_id"].as_str().unwrap()))
}

async fn a_system_whose_owner_left_or_changed_role_is_flagged(app: TestApp) {
    let admin = app.admin();
    let (moved, _, moved_owner) = system_in_use(&app, "mona@randers.dk").await;
    let (left, _, left_owner) = system_in_use(&app, "leo@randers.dk").await;
    let (planned, _, _) = system_ready(&app, "pia@randers.dk").await;
    let flagged = "/api/v1/reports/compliance?owner_ineligible=true";

    let readiness = app.get(&format!("{moved}/readiness"), &admin).await;
    assert_eq!(readiness.ok(200)["owner_ineligible"], Value::Null, "an eligible owner");
    let report = app.get(flagged, &admin).await.ok(200).clone();
    assert_eq!(
        (report["systems"].as_array().unwrap().len(), report["totals"]["owner_ineligible"].as_u64()),
        (0, Some(0))
    );

    // One owner becomes an employee; another leaves; the planned system's owner leaves too.
    app.patch(&format!("/api/v1/people/{moved_owner}"), &admin, json!({"position": "employee"})).await.ok(200);
    app.patch(&format!("/api/v1/people/{left_owner}"), &admin, json!({"active": false})).await.ok(200);
    let planned_owner = app.get(&planned, &admin).await.ok(200)["owner_id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/people/{planned_owner}"), &admin, json!({"active": false})).await.ok(200);

    // A handover is now a duty of each live system, due at once; not of the planned one.
    let handover_duty = |sys: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let list = app.get(&format!("{sys}/obligations"), &admin).await.ok(200).clone();
            list["items"].as_array().unwrap().iter().find(|o| o["kind"] == "owner_handover").cloned()
        }
    };
    for sys in [&moved, &left] {
        let duty = handover_duty(sys.clone()).await.expect("a handover duty");
        assert_eq!(duty["next_due_on"], systemejer_e2e::fixtures::day(0).as_str(), "{duty}");
    }
    assert!(handover_duty(planned.clone()).await.is_none());

    let readiness = app.get(&format!("{moved}/readiness"), &admin).await.ok(200).clone();
    assert_eq!(readiness["owner_ineligible"]["code"], "owner_not_management", "{readiness}");
    assert_eq!(readiness["owner_ineligible"]["field"], "owner_id");
    let readiness = app.get(&format!("{left}/readiness"), &admin).await.ok(200).clone();
    assert_eq!(readiness["owner_ineligible"]["code"], "owner_inactive");
    // A system not yet in use says so in its gate, not with the flag.
    let readiness = app.get(&format!("{planned}/readiness?to=in_use"), &admin).await.ok(200).clone();
    assert_eq!(readiness["owner_ineligible"], Value::Null);
    assert!(readiness["unmet"].as_array().unwrap().iter().any(|u| u["code"] == "owner_inactive"), "{readiness}");

    // The report of systems whose owner must be handed over.
    let report = app.get(flagged, &admin).await.ok(200).clone();
    assert_eq!(report["totals"]["owner_ineligible"], 2);
    let codes: Vec<&str> = [&moved, &left]
        .iter()
        .map(|s| row(&report, s).unwrap()["owner_ineligible"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["owner_not_management", "owner_inactive"]);
    assert!(row(&report, &planned).is_none());
    let others = app.get("/api/v1/reports/compliance?owner_ineligible=false", &admin).await.ok(200).clone();
    assert!(row(&others, &moved).is_none() && row(&others, &planned).is_some());

    // In Danish for people.
    let danish = app.call_with_headers(Method::GET, flagged, &admin, &[("accept-language", "da")], None).await;
    let message =
        row(&danish.ok(200).clone(), &left).unwrap()["owner_ineligible"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Personen er ikke længere aktiv"), "{message}");

    // A new owner is set by an explicit handover that says why; a PATCH of a live system's
    // owner is refused, and the new owner must be eligible.
    let heir = app
        .create("/api/v1/people", json!({"name": "Hans Arving", "email": "hans@randers.dk", "position": "director"}))
        .await;
    let clerk = app
        .create("/api/v1/people", json!({"name": "Kim Kontor", "email": "kim@randers.dk", "position": "employee"}))
        .await;
    let version = app.get(&left, &admin).await.ok(200)["version"].as_i64().unwrap();
    let etag = format!("\"v{version}\"");
    let patched = app
        .call_with_headers(Method::PATCH, &left, &admin, &[("if-match", &etag)], Some(json!({"owner_id": heir})))
        .await;
    assert_eq!(patched.problem(409)["code"], "use_owner_handover");
    let handover = format!("{left}/owner-handover");
    let owner = app.token("hans@randers.dk", &[]);
    app.post(&handover, &owner, json!({"new_owner_id": heir, "reason": "Leo er stoppet"})).await.problem(403);
    let refused = app.post(&handover, &admin, json!({"new_owner_id": clerk, "reason": "Leo er stoppet"})).await;
    let problem = refused.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("new_owner_id"), Some("owner_not_management"))
    );
    let bare = app.post(&handover, &admin, json!({"new_owner_id": heir})).await;
    assert_eq!(bare.problem(422)["errors"][0]["field"], "reason");
    let done = app
        .post(&handover, &admin, json!({"new_owner_id": heir, "reason": "Leo er stoppet; Hans overtager vejområdet"}))
        .await;
    let record = done.ok(201).clone();
    assert_eq!(
        (record["from_owner_id"].as_str(), record["to_owner_id"].as_str()),
        (Some(left_owner.as_str()), Some(heir.as_str()))
    );
    assert_eq!(record["handed_over_by"], "it-admin@randers.dk", "{record}");
    assert_eq!(app.get(&left, &admin).await.ok(200)["owner_id"], heir.as_str());
    let history = app.get(&format!("{left}/owner-handovers"), &owner).await.ok(200).clone();
    assert_eq!(history["items"][0]["reason"], "Leo er stoppet; Hans overtager vejområdet");
    let again = app.post(&handover, &admin, json!({"new_owner_id": heir, "reason": "igen"})).await;
    assert_eq!(again.problem(422)["errors"][0]["rule"], "changed");

    let report = app.get(flagged, &admin).await.ok(200).clone();
    assert_eq!(report["totals"]["owner_ineligible"], 1);
    assert!(row(&report, &left).is_none());
    assert!(handover_duty(left.clone()).await.is_none(), "handed over: the duty is done");
    assert!(handover_duty(moved.clone()).await.is_some(), "not yet handed over");
}
