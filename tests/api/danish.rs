//! Danish for people, codes for machines: with `Accept-Language: da`, problem bodies, a
//! refused go-live, readiness and the compliance report's open gates read in Danish; every
//! code, rule and field is the same as in English, which stays the default.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_e2e::fixtures::{day, system_ready};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(danish_for_people_codes_for_machines);

const DA: &[(&str, &str)] = &[("accept-language", "da-DK,da;q=0.9,en;q=0.8")];

fn codes(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let code = u.get("code").or_else(|| u.get("rule")).and_then(Value::as_str).unwrap_or_default();
            (code.to_owned(), u["field"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

async fn danish_for_people_codes_for_machines(app: TestApp) {
    let admin = app.admin();
    let (sys, owner, _) = system_ready(&app, "ole@randers.dk").await;
    let transitions = format!("{sys}/transitions");
    let into_use = json!({"to": "in_use"});

    // A refused go-live: the same codes, the words in Danish.
    let english = app.post(&transitions, &admin, into_use.clone()).await;
    let english = english.problem(409).clone();
    let danish = app.call_with_headers(Method::POST, &transitions, &admin, DA, Some(into_use.clone())).await;
    assert_eq!(danish.headers["content-language"], "da");
    let danish = danish.problem(409).clone();
    assert_eq!(english["title"], "The transition is refused until its requirements are met");
    assert_eq!(danish["title"], "Skiftet afvises, indtil kravene er opfyldt");
    assert_eq!(
        (&danish["type"], &danish["code"], &danish["status"]),
        (&english["type"], &english["code"], &english["status"])
    );
    assert_eq!(codes(&danish["unmet"]), codes(&english["unmet"]));
    let approval = danish["unmet"][0]["message"].as_str().unwrap();
    assert!(approval.starts_with("Kun systemejeren godkender idriftsættelsen"), "{approval}");
    assert_eq!(danish["detail"], "1 krav er ikke opfyldt; se `unmet`.");

    // A preview and the compliance report's open gates, likewise.
    let preview = app.call_with_headers(Method::GET, &format!("{sys}/readiness?to=in_use"), &admin, DA, None).await;
    assert_eq!(preview.ok(200)["unmet"][0]["code"], "owner_approval_missing");
    assert!(preview.body["unmet"][0]["message"].as_str().unwrap().contains("systemejeren"), "{}", preview.body);
    assert_eq!(preview.headers["content-language"], "da");
    app.patch(&sys, &admin, json!({"purpose": null})).await.ok(200);
    let report = app.call_with_headers(Method::GET, "/api/v1/reports/compliance", &admin, DA, None).await;
    let row = report.ok(200)["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| sys.ends_with(r["system_id"].as_str().unwrap()))
        .unwrap()
        .clone();
    let gates: Vec<(&str, &str)> = row["open_gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["code"].as_str().unwrap(), g["message"].as_str().unwrap()))
        .collect();
    assert!(gates.contains(&("description_incomplete", "Systembeskrivelsen mangler feltet purpose.")), "{gates:?}");
    let plain = app.get("/api/v1/reports/compliance", &admin).await;
    let row = plain.ok(200)["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| sys.ends_with(r["system_id"].as_str().unwrap()))
        .unwrap()
        .clone();
    assert_eq!(row["open_gates"][1]["message"], "the system description lacks `purpose`", "English without the header");

    // A rule broken: the rule and the field as ever, the words in Danish.
    let completion = json!({"done_on": day(3), "result": "passed"});
    let path = format!("{sys}/obligations/backup_test/completions");
    let refused = app.call_with_headers(Method::POST, &path, &owner, DA, Some(completion)).await;
    let problem = refused.problem(422);
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("done_on"), Some("not_in_future"))
    );
    assert_eq!(problem["errors"][0]["message"], "kan ikke ligge i fremtiden");
    assert_eq!(problem["detail"], "done_on: kan ikke ligge i fremtiden");
    // Not in use yet: the system has no such duty, said in Danish.
    let completion = json!({"done_on": day(-3), "result": "passed"});
    let refused = app.call_with_headers(Method::POST, &path, &owner, DA, Some(completion)).await;
    assert_eq!(refused.problem(409)["code"], "no_such_duty");
    assert_eq!(refused.body["detail"], "Systemet har ikke denne opgave.");
    let bad = json!({"name": "X", "kind": "app", "owner_id": "ikke-et-id", "criticality": "hgh"});
    let refused = app.call_with_headers(Method::POST, "/api/v1/systems", &admin, DA, Some(bad.clone())).await;
    let problem = refused.problem(422).clone();
    let english = app.post("/api/v1/systems", &admin, bad).await.problem(422).clone();
    assert_eq!(codes(&problem["errors"]), codes(&english["errors"]));
    assert_eq!(problem["title"], "Forespørgslen bryder registrets regler");
    let messages: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages.contains(&"er ikke en af de tilladte værdier"), "{messages:?}");
    assert!(
        problem["detail"].as_str().unwrap().contains("criticality: er ikke en af de tilladte værdier"),
        "{problem}"
    );

    // A rule with a general name reads right where it is used.
    let both = app.call_with_headers(Method::GET, "/api/v1/systems?cursor=abc&offset=5", &admin, DA, None).await;
    let problem = both.problem(400).clone();
    assert_eq!(problem["errors"][0]["rule"], "exclusive", "{problem}");
    assert!(!problem["errors"][0]["message"].as_str().unwrap().contains("registrerede"), "{problem}");

    // Not found, and a caller who may not: Danish too.
    let missing = "/api/v1/systems/0193a5b2-0000-7000-8000-000000000001";
    let gone = app.call_with_headers(Method::GET, missing, &admin, DA, None).await;
    assert_eq!(gone.problem(404)["title"], "Findes ikke");
    assert_eq!(gone.body["detail"], "Der er intet system med id'et 0193a5b2-0000-7000-8000-000000000001.");
    let forbidden = app
        .call_with_headers(
            Method::POST,
            "/api/v1/people",
            &owner,
            DA,
            Some(json!({"name": "X", "email": "x@randers.dk", "position": "employee"})),
        )
        .await;
    assert_eq!(forbidden.problem(403)["detail"], "Det kræver rollen admin.");

    // English where English weighs more, and for scripts that say nothing.
    let english_first = [("accept-language", "en-GB,en;q=0.9,da;q=0.8")];
    let answer = app.call_with_headers(Method::GET, missing, &admin, &english_first, None).await;
    assert_eq!(answer.problem(404)["title"], "Not found");
    assert!(answer.headers.get("content-language").is_none());
}
