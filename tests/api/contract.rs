//! Every GET operation of the OpenAPI document, called over HTTP against the demo municipality
//! with mail in the outbox, answers a body that its documented schema accepts (a JSON Schema
//! validator reading the document, not the code's types). A fuzzer against an empty register
//! cannot see the shape of what only data fills: a list of notifications, a readiness report
//! with unmet gates, an exit checklist.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(every_get_answers_what_its_schema_says);

/// Every list in the document has the one shape, `{items, total, next_cursor}`, and names its
/// item's schema instead of copying it (a generated client then has one class per resource).
#[test]
fn every_list_is_a_page_that_refers_to_its_item() {
    let doc = serde_json::to_value(systemejer_api::openapi()).unwrap();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    if content["schema"]["type"] == "array" {
                        problems.push(format!("{method} {path} {status} ({media}): a bare array"));
                    }
                }
            }
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let pages: Vec<_> = schemas.iter().filter(|(name, _)| name.starts_with("Page_")).collect();
    assert!(pages.len() >= 15, "the lists of systems, people, duties, records, ...: {}", pages.len());
    for (name, schema) in pages {
        let mut fields: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort_unstable();
        if fields != ["items", "next_cursor", "total"] {
            problems.push(format!("{name}: fields {fields:?}"));
        }
        let item = name.trim_start_matches("Page_");
        if schema["properties"]["items"]["items"]["$ref"] != format!("#/components/schemas/{item}") {
            problems.push(format!("{name}: its items copy {item} instead of referring to it"));
        }
    }
    assert!(problems.is_empty(), "lists out of shape:\n{}", problems.join("\n"));
}

/// The body `operation` answers with `status`, checked against the document's schema for it.
fn problems_of(doc: &Value, path: &str, status: u16, body: &Value) -> Vec<String> {
    let responses = &doc["paths"][path]["get"]["responses"];
    let Some(response) = responses.get(status.to_string()) else {
        return vec![format!("GET {path}: {status} is not documented")];
    };
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap_or_default()],
        None => response,
    };
    let Some(schema) = response["content"]
        .as_object()
        .and_then(|c| c.iter().find(|(media, _)| media.contains("json")).map(|(_, content)| content["schema"].clone()))
    else {
        return Vec::new(); // not JSON (a CSV): nothing to check here
    };
    // The schema, with the document's components beside it so that its `$ref`s resolve.
    let mut root = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "components": doc["components"]});
    match schema {
        Value::Object(fields) => {
            for (k, v) in fields {
                root[k] = v;
            }
        }
        other => return vec![format!("GET {path}: the schema is not an object: {other}")],
    }
    let validator = match jsonschema::validator_for(&root) {
        Ok(v) => v,
        Err(e) => return vec![format!("GET {path}: the schema does not compile: {e}")],
    };
    validator.iter_errors(body).map(|e| format!("GET {path} ({status}): {} at {}", e, e.instance_path())).collect()
}

async fn every_get_answers_what_its_schema_says(app: TestApp) {
    let today = app.store.today();
    systemejer_demo::load(&app.store, systemejer_demo::Options { systems: 40, seed: 7, today }).unwrap();
    // Mail in the outbox: a reminder pass, written to files.
    let outbox = tempfile::tempdir().unwrap();
    let mailer = systemejer_mail::Mailer::new(&systemejer_mail::MailerSettings {
        smtp_url: None,
        outbox_dir: outbox.path().to_path_buf(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    let settings = systemejer_worker::WorkerSettings {
        link_keys: app.link_keys.clone(),
        public_url: app.base.clone(),
        ..systemejer_worker::WorkerSettings::default()
    };
    let worker = systemejer_worker::Worker::new(app.store.clone(), mailer, settings);
    let pass = worker.run_once(today, chrono::Utc::now()).await.unwrap();
    assert!(pass.queued > 0, "the demo has reminders to send: {pass:?}");

    let admin = app.admin();
    let list = |path: &str| {
        let (app, admin, path) = (&app, admin.clone(), path.to_owned());
        async move { app.get(&path, &admin).await.ok(200).clone() }
    };
    let first_id = |page: &Value| page["items"][0]["id"].as_str().unwrap().to_owned();
    let systems = list("/api/v1/systems?limit=500").await;
    assert!(list("/api/v1/notifications").await["items"][0]["items"].is_array());

    // One system of each lifecycle state, for the sub-resources each state has.
    let mut by_state: BTreeMap<String, String> = BTreeMap::new();
    for s in systems["items"].as_array().unwrap() {
        by_state
            .entry(s["lifecycle_state"].as_str().unwrap().to_owned())
            .or_insert(s["id"].as_str().unwrap().to_owned());
    }
    assert!(by_state.len() >= 4, "the demo has systems in most states: {by_state:?}");
    let ids = [
        ("person", first_id(&list("/api/v1/people").await)),
        ("org_unit", first_id(&list("/api/v1/org-units").await)),
        ("processor", first_id(&list("/api/v1/processors").await)),
        ("incident", first_id(&list("/api/v1/incidents").await)),
    ];
    let ids: BTreeMap<&str, String> = ids.into_iter().collect();

    let doc = serde_json::to_value(systemejer_api::openapi()).unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        let mut paths = Vec::new();
        if template.starts_with("/api/v1/systems/{id}") {
            for system in by_state.values() {
                let base = template.replace("{id}", system);
                // Sub-resources by their own ids: those this system has.
                let collection = template.split('/').nth(5).unwrap_or_default();
                if template.contains("{rid}") {
                    let page = app.get(&format!("/api/v1/systems/{system}/{collection}"), &admin).await.ok(200).clone();
                    let items = page["items"].as_array().cloned().unwrap_or_default();
                    paths.extend(items.iter().filter_map(|i| i["id"].as_str()).map(|rid| base.replace("{rid}", rid)));
                } else if template.contains("{kind}") {
                    let page = app.get(&format!("/api/v1/systems/{system}/obligations"), &admin).await.ok(200).clone();
                    let items = page["items"].as_array().cloned().unwrap_or_default();
                    paths.extend(items.iter().filter_map(|i| i["kind"].as_str()).map(|k| base.replace("{kind}", k)));
                } else {
                    paths.push(base);
                }
            }
        } else {
            let path = ids.iter().fold(template.clone(), |p, (key, id)| {
                let collection = match *key {
                    "person" => "/people/{id}",
                    "org_unit" => "/org-units/{id}",
                    "processor" => "/processors/{id}",
                    _ => "/incidents/{id}",
                };
                if p.contains(collection) { p.replace("{id}", id) } else { p }
            });
            paths.push(path);
        }
        for path in paths {
            let reply = app.call(reqwest::Method::GET, &path, Some(&admin), None).await;
            let status = reply.status.as_u16();
            assert!(status < 500, "GET {path}: {status} {}", reply.body);
            if reply.body.is_array() {
                problems
                    .push(format!("GET {path}: a bare array, where every list answers {{items, total, next_cursor}}"));
            }
            problems.extend(problems_of(&doc, template, status, &reply.body));
            checked += 1;
        }
    }
    assert!(checked > 60, "every GET operation was called, most of them once per lifecycle state: {checked}");
    assert!(problems.is_empty(), "answers their schemas refuse:\n{}", problems.join("\n"));
}
