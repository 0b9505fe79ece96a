//! Processing agreements as the DPO reads them: a system others run, with personal data, goes
//! into use only with its processor under a signed agreement in force, or a documented
//! decision that none is involved; every transfer outside the EU/EEA needs its chapter V basis
//! (else it is an open gate, flagged in the compliance report and named in the art. 30
//! export); an agreement is renewed or terminated, and its expiry is a duty.

use serde_json::{Value, json};
use systemejer_e2e::fixtures::{day, due_on, personal_data_ready};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(
    a_system_others_run_needs_its_processor_and_each_transfer_its_basis,
    an_agreement_is_renewed_or_terminated_and_its_expiry_is_a_duty,
);

fn codes(problem: &Value) -> Vec<(String, Option<String>)> {
    problem["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["code"].as_str().unwrap().to_owned(), u["subject"].as_str().map(str::to_owned)))
        .collect()
}

fn row<'a>(report: &'a Value, sys: &str) -> &'a Value {
    report["systems"].as_array().unwrap().iter().find(|r| sys.ends_with(r["system_id"].as_str().unwrap())).unwrap()
}

async fn a_system_others_run_needs_its_processor_and_each_transfer_its_basis(app: TestApp) {
    let admin = app.admin();
    let (sys, owner, _) = personal_data_ready(&app, "ann@randers.dk", "external").await;
    let transitions = format!("{sys}/transitions");
    let go_live = || app.post(&transitions, &owner, json!({"to": "in_use"}));

    // The hole as it was: a vendor runs it, it holds CPR numbers, and no processor is named.
    let refused = go_live().await;
    assert_eq!(codes(refused.problem(409)), [("processing_agreement_missing".to_owned(), None)]);
    assert_eq!(refused.problem(409)["unmet"][0]["field"], "hosted_at");

    // A cloud service in the United States, whose support desk is in India: a signed agreement,
    // but no transfer basis for either.
    let cloud = app.create("/api/v1/processors", json!({"name": "Northwind Cloud Inc.", "country": "US"})).await;
    let agreement = app
        .post(
            &format!("{sys}/processing-agreements"),
            &owner,
            json!({"processor_id": cloud, "signed_on": day(-10), "supervision_method": "soc2",
                   "sub_processors": [{"name": "Northwind Support Pvt. Ltd.", "country": "IN"},
                                      {"name": "Nordisk Datacenter AB", "country": "SE"}]}),
        )
        .await
        .ok(201)
        .clone();
    let aid = agreement["id"].as_str().unwrap().to_owned();
    let refused = go_live().await;
    assert_eq!(
        codes(refused.problem(409)),
        [
            ("transfer_basis_missing".to_owned(), Some(cloud.clone())),
            ("transfer_basis_missing".to_owned(), Some(format!("{cloud}/Northwind Support Pvt. Ltd."))),
        ],
        "the processor abroad and its sub-processor in India; not the Swedish one"
    );
    // The compliance report shows them before the go-live too.
    let report = app.get("/api/v1/reports/compliance", &admin).await.ok(200).clone();
    assert_eq!(row(&report, &sys)["transfer_basis_missing"].as_array().unwrap().len(), 2);
    assert_eq!(report["totals"]["transfer_basis_missing"], 1);

    // A basis for a country inside the EU/EEA is refused as meaningless.
    let agreement_path = format!("{sys}/processing-agreements/{aid}");
    let wrong = app
        .patch(
            &agreement_path,
            &owner,
            json!({"sub_processors": [{"name": "Nordisk Datacenter AB", "country": "SE", "transfer_basis": "adequacy_decision"}]}),
        )
        .await;
    let problem = wrong.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("sub_processors[0].transfer_basis"), Some("third_country_only"))
    );
    // The bases recorded: the processor under the standard clauses, its desk too.
    let patched = app
        .patch(
            &agreement_path,
            &owner,
            json!({"transfer_basis": "standard_contractual_clauses",
                   "sub_processors": [{"name": "Northwind Support Pvt. Ltd.", "country": "IN", "transfer_basis": "standard_contractual_clauses"}]}),
        )
        .await;
    assert_eq!(patched.ok(200)["transfer_basis"], "standard_contractual_clauses");
    assert_eq!(go_live().await.ok(200)["lifecycle_state"], "in_use");

    // In use, the processor takes on a new sub-processor abroad without a basis: the report
    // flags the system, and the art. 30 record says the basis is missing.
    app.patch(
        &agreement_path,
        &owner,
        json!({"sub_processors": [{"name": "Northwind Support Pvt. Ltd.", "country": "IN", "transfer_basis": "standard_contractual_clauses"},
                                  {"name": "Analytics LLC", "country": "US"}]}),
    )
    .await
    .ok(200);
    let report = app.get("/api/v1/reports/compliance?lifecycle_state=in_use", &admin).await.ok(200).clone();
    let flagged = &row(&report, &sys)["transfer_basis_missing"];
    assert_eq!(flagged.as_array().unwrap().len(), 1, "{flagged}");
    assert_eq!(flagged[0]["subject"], format!("{cloud}/Analytics LLC"));
    assert_eq!(flagged[0]["subject_name"], "Analytics LLC");
    let danish = app
        .call_with_headers(
            reqwest::Method::GET,
            "/api/v1/reports/compliance?lifecycle_state=in_use",
            &admin,
            &[("accept-language", "da")],
            None,
        )
        .await;
    let said = row(&danish.ok(200).clone(), &sys)["transfer_basis_missing"][0]["message"].as_str().unwrap().to_owned();
    assert!(said.starts_with("Underdatabehandleren Analytics LLC behandler data i et land uden for EU/EØS"), "{said}");
    let dpo = app.token("dpo@randers.dk", &[systemejer_api::Role::Dpo]);
    let record = app.get("/api/v1/reports/processing-records", &dpo).await.ok(200).clone();
    let ours = record["systems"]
        .as_array()
        .or_else(|| record["items"].as_array())
        .or_else(|| record.as_array())
        .unwrap()
        .iter()
        .find(|r| sys.ends_with(r["system_id"].as_str().unwrap()))
        .unwrap()
        .clone();
    let transfers: Vec<&str> =
        ours["third_country_transfers"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(
        transfers,
        [
            "Northwind Cloud Inc. (US): standardkontraktbestemmelser",
            "Northwind Support Pvt. Ltd. (underdatabehandler for Northwind Cloud Inc.) (IN): standardkontraktbestemmelser",
            "Analytics LLC (underdatabehandler for Northwind Cloud Inc.) (US): overførselsgrundlag mangler",
        ]
    );
    let (status, _, csv) = app.get_bytes("/api/v1/reports/processing-records.csv", &dpo).await;
    assert_eq!(status, 200);
    let csv = String::from_utf8_lossy(&csv).into_owned();
    assert!(
        csv.contains("Analytics LLC (underdatabehandler for Northwind Cloud Inc.) (US): overførselsgrundlag mangler")
    );

    // The alternative to a processor: the documented decision that none is involved.
    let (other, other_owner, _) = personal_data_ready(&app, "bo@randers.dk", "hybrid").await;
    let version = app.get(&other, &other_owner).await.ok(200)["version"].as_i64().unwrap();
    app.call_with_headers(
        reqwest::Method::PATCH,
        &other,
        &other_owner,
        &[("if-match", &format!("\"v{version}\""))],
        Some(json!({"no_processor_reason": "Leverandøren driver kun hardware og har ingen adgang til data"})),
    )
    .await
    .ok(200);
    let moved = app.post(&format!("{other}/transitions"), &other_owner, json!({"to": "in_use"})).await;
    assert_eq!(moved.ok(200)["lifecycle_state"], "in_use");
}

async fn an_agreement_is_renewed_or_terminated_and_its_expiry_is_a_duty(app: TestApp) {
    let (sys, owner, _) = personal_data_ready(&app, "eva@randers.dk", "on_premises").await;
    app.post(&format!("{sys}/transitions"), &owner, json!({"to": "in_use"})).await.ok(200);
    let vendor = app.create("/api/v1/processors", json!({"name": "KMD A/S"})).await;
    let expires = day(60);
    let agreement = app
        .post(
            &format!("{sys}/processing-agreements"),
            &owner,
            json!({"processor_id": vendor, "signed_on": day(-300), "expires_on": expires, "supervision_method": "isae_3402"}),
        )
        .await
        .ok(201)
        .clone();
    let aid = agreement["id"].as_str().unwrap().to_owned();
    let path = format!("{sys}/processing-agreements/{aid}");
    let duty = |list: &Value, kind: &str| {
        list.as_array()
            .or_else(|| list["items"].as_array())
            .unwrap()
            .iter()
            .find(|o| o["kind"] == kind && o["subject"] == aid.as_str())
            .cloned()
    };
    let list = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    let expiry = duty(&list, "agreement_expiry").expect("the expiry is a duty of a system in use");
    assert_eq!(expiry["next_due_on"], due_on(&expires), "the expiry's day, or the working day before");
    assert_eq!(expiry["status"], "ok", "60 days ahead");
    assert!(duty(&list, "processor_supervision").is_some());

    // Done by renewing, not by a completion.
    let refused = app
        .post(
            &format!("{sys}/obligations/agreement_expiry/completions"),
            &owner,
            json!({"done_on": day(0), "result": "passed", "subject": aid}),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["rule"], "done_by_update");
    let said = refused.problem(422)["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(said.contains("renewing the agreement"), "{said}");

    // Renewed: the duty moves with the new expiry date. Read back the same.
    let renewed = app.patch(&path, &owner, json!({"expires_on": day(400)})).await.ok(200).clone();
    assert_eq!(renewed["expires_on"], day(400).as_str());
    assert_eq!(app.get(&path, &owner).await.ok(200).clone(), renewed);
    let list = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    assert_eq!(duty(&list, "agreement_expiry").unwrap()["next_due_on"], due_on(&day(400)));

    // Bad input names the field and the rule, and changes nothing.
    let bad = app.patch(&path, &owner, json!({"expires_on": day(-400)})).await;
    assert_eq!(bad.problem(422)["errors"][0]["rule"], "after_signed_on");
    let early =
        app.post(&format!("{path}/termination"), &owner, json!({"terminated_on": day(-400), "reason": "x"})).await;
    assert_eq!(early.problem(422)["errors"][0]["field"], "terminated_on");
    let late =
        app.post(&format!("{path}/termination"), &owner, json!({"terminated_on": day(401), "reason": "x"})).await;
    assert_eq!(late.problem(422)["errors"][0]["rule"], "not_after_expiry");
    assert_eq!(app.get(&path, &owner).await.ok(200).clone(), renewed);

    // Terminated: no longer supervised, its expiry no longer a duty; kept as history.
    let ended = app
        .post(
            &format!("{path}/termination"),
            &owner,
            json!({"terminated_on": day(0), "reason": "Systemet drives nu af kommunen selv"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(ended["terminated_on"], day(0).as_str());
    let list = app.get(&format!("{sys}/obligations"), &owner).await.ok(200).clone();
    assert!(duty(&list, "agreement_expiry").is_none() && duty(&list, "processor_supervision").is_none(), "{list}");
    let again = app.patch(&path, &owner, json!({"expires_on": day(500)})).await;
    assert_eq!(again.problem(409)["code"], "agreement_terminated");
    // Terminating again corrects the reason; a stale If-Match is refused.
    let version = ended["version"].as_i64().unwrap();
    let termination = format!("{path}/termination");
    let tag = format!("\"v{version}\"");
    let corrected = app
        .call_with_headers(
            reqwest::Method::POST,
            &termination,
            &owner,
            &[("if-match", &tag)],
            Some(json!({"terminated_on": day(0), "reason": "Kommunen driver nu selv systemet"})),
        )
        .await;
    assert_eq!(corrected.ok(200)["termination_reason"], "Kommunen driver nu selv systemet");
    let stale = app
        .call_with_headers(
            reqwest::Method::POST,
            &termination,
            &owner,
            &[("if-match", &tag)],
            Some(json!({"terminated_on": day(0), "reason": "x"})),
        )
        .await;
    stale.problem(412);
    // Its successor with the same processor is registered beside it; the ended one is history.
    let new_one = json!({"processor_id": vendor, "signed_on": day(0), "supervision_method": "isae_3402"});
    app.post(&format!("{sys}/processing-agreements"), &owner, new_one.clone()).await.ok(201);
    let twice = app.post(&format!("{sys}/processing-agreements"), &owner, new_one).await;
    assert_eq!(twice.problem(409)["code"], "agreement_exists", "one in force per processor");
    let listed = app.get(&format!("{sys}/processing-agreements"), &owner).await.ok(200).clone();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "the ended one kept as history");
}
