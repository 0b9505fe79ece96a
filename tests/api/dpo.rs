//! The data protection officer's own voice: advice on the DPIA decision, on a DPIA and on a
//! change, with whether the owner followed it; the DPO's alone to give.

use reqwest::Method;
use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::fixtures::{day, system_in_use};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(the_dpo_advises_and_the_owner_decides);

async fn the_dpo_advises_and_the_owner_decides(app: TestApp) {
    let admin = app.admin();
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let (sys, owner, _) = system_in_use(&app, "ea@randers.dk").await;
    let (other, other_owner, _) = system_in_use(&app, "finn@randers.dk").await;
    let dpia = app
        .post(
            &format!("{sys}/dpias"),
            &owner,
            json!({"performed_on": day(-3), "document_url": "https://intranet.randers.dk/dpia"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign_dpia = app
        .post(
            &format!("{other}/dpias"),
            &other_owner,
            json!({"performed_on": day(-3), "document_url": "https://intranet.randers.dk/dpia2"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("{sys}/transitions"),
        &owner,
        json!({"to": "changing", "change_description": "Ny integration til ESDH", "dpia_needed": false}),
    )
    .await
    .ok(200);
    let change =
        app.get(&format!("{sys}/changes"), &owner).await.ok(200)["items"][0]["id"].as_str().unwrap().to_owned();
    let advice = format!("{sys}/dpo-advice");

    // Only the DPO speaks as the DPO: not an admin, not the owner.
    let body = json!({"topic": "change", "about_id": change, "given_on": day(-1),
                      "advice": "Ændringen sender CPR-numre til ESDH: lav en ny DPIA."});
    for token in [&admin, &owner] {
        assert_eq!(
            app.post(&advice, token, body.clone()).await.problem(403)["type"],
            "urn:systemejer:problem:forbidden"
        );
    }
    let given = app.post(&advice, &dpo, body).await;
    let on_change = given.ok(201).clone();
    assert_eq!((on_change["topic"].as_str(), on_change["about_id"].as_str()), (Some("change"), Some(change.as_str())));
    assert_eq!(on_change["followed"], serde_json::Value::Null);
    assert_eq!(on_change["recorded_by"], "dpo@randers.dk");
    assert_eq!(given.headers["location"], format!("{advice}/{}", on_change["id"].as_str().unwrap()).as_str());
    app.post(
        &advice,
        &dpo,
        json!({"topic": "dpia", "about_id": dpia, "given_on": day(0), "advice": "DPIA'en er dækkende."}),
    )
    .await
    .ok(201);
    app.post(
        &advice,
        &dpo,
        json!({"topic": "dpia_decision", "given_on": day(-10), "advice": "Behandlingen kræver en DPIA."}),
    )
    .await
    .ok(201);

    // Advice is on something the system has, and not from the future.
    let refusals = [
        (json!({"topic": "dpia", "given_on": day(0), "advice": "x"}), "about_id", "required"),
        (json!({"topic": "dpia", "about_id": foreign_dpia, "given_on": day(0), "advice": "x"}), "about_id", "exists"),
        (
            json!({"topic": "dpia_decision", "about_id": dpia, "given_on": day(0), "advice": "x"}),
            "about_id",
            "not_applicable",
        ),
        (json!({"topic": "dpia_decision", "given_on": day(2), "advice": "x"}), "given_on", "not_in_future"),
        (json!({"topic": "hunch", "given_on": day(0), "advice": "x"}), "topic", "one_of"),
    ];
    for (bad, field, rule) in refusals {
        let problem = app.post(&advice, &dpo, bad.clone()).await.problem(422).clone();
        assert_eq!(
            (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
            (Some(field), Some(rule)),
            "{bad}: {problem}"
        );
    }

    // Whether the owner followed it is recorded later; a stale version loses nothing.
    let one = format!("{advice}/{}", on_change["id"].as_str().unwrap());
    let followed = app
        .call_with_headers(Method::PATCH, &one, &dpo, &[("if-match", "\"v1\"")], Some(json!({"followed": false})))
        .await;
    assert_eq!((followed.ok(200)["followed"].as_bool(), followed.body["version"].as_i64()), (Some(false), Some(2)));
    let stale = app
        .call_with_headers(Method::PATCH, &one, &dpo, &[("if-match", "\"v1\"")], Some(json!({"followed": true})))
        .await;
    stale.problem(412);
    app.patch(&one, &owner, json!({"followed": true})).await.problem(403);

    // Everyone who reads the register reads the advice beside the owner's decision.
    let list = app.get(&advice, &owner).await.ok(200).clone();
    let topics: Vec<&str> = list["items"].as_array().unwrap().iter().map(|a| a["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["dpia_decision", "change", "dpia"], "oldest advice first");
    assert_eq!(list["items"][1]["followed"], false);
    assert_eq!(app.get(&one, &owner).await.ok(200)["advice"], "Ændringen sender CPR-numre til ESDH: lav en ny DPIA.");
    let audit = app.get("/api/v1/audit-events?entity_type=dpo_advice", &admin).await;
    assert_eq!(audit.ok(200)["items"].as_array().unwrap().len(), 4, "three given, one marked: {}", audit.body);
}
