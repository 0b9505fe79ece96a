//! Least privilege, walked: every operation of the OpenAPI document is called by every kind of
//! caller, and answers as the access table says: 403 to those it does not allow; to those it
//! does, the status this world calls for (below), which the document must list for the
//! operation, and never a 5xx. The README carries the same table.

use reqwest::Method;
use serde_json::{Value, json};
use systemejer_api::Role;
use systemejer_api::access::{RULES, Who, markdown, rule_of};
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(every_operation_answers_every_caller_as_the_table_says);

/// Fails when README.md's access table is not the code's; `UPDATE_README=1` rewrites it.
#[test]
fn the_readme_carries_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- access-table:start -->\n", "<!-- access-table:end -->");
    let from = readme.find(start).expect("README.md has an access-table:start marker") + start.len();
    let to = readme.find(end).expect("README.md has an access-table:end marker");
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(path, format!("{}{}{}", &readme[..from], markdown(), &readme[to..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[from..to],
        markdown(),
        "README.md's access table is not the code's: run UPDATE_README=1 cargo test -p systemejer-e2e --test api the_readme"
    );
}

struct World {
    ids: std::collections::HashMap<&'static str, String>,
}

impl World {
    fn path(&self, template: &str) -> String {
        let mut path = template.to_owned();
        let id = match template.split('/').nth(3) {
            Some("org-units") => &self.ids["unit"],
            Some("people") => &self.ids["person"],
            Some("processors") => &self.ids["processor"],
            Some("incidents") => &self.ids["incident"],
            Some("webhooks") => &self.ids["webhook"],
            _ => &self.ids["system"],
        };
        path = path.replace("{id}", id);
        let rid = match template.split('/').nth(5) {
            // Measures are listed on an approved assessment: the world's other one.
            Some("risk-assessments") if template.ends_with("/measures") => self.ids["approved_risk"].as_str(),
            Some("risk-assessments") => self.ids["risk"].as_str(),
            // The agreement terminated is another than the one changed and deleted.
            Some("processing-agreements") if template.ends_with("/termination") => self.ids["ending"].as_str(),
            Some("dpias") => self.ids["dpia"].as_str(),
            Some("retention-rules") => self.ids["retention"].as_str(),
            Some("procedures") => self.ids["procedure"].as_str(),
            Some("processing-agreements") => self.ids["agreement"].as_str(),
            _ => "",
        };
        path.replace("{rid}", rid)
            .replace("{aid}", &self.ids["advice"])
            .replace("{mid}", &self.ids["measure"])
            .replace("{kind}", "backup_test")
            .replace("{step}", "contract_terminated")
    }

    fn body(&self, operation: &str) -> Option<Value> {
        let now = chrono::Utc::now().to_rfc3339();
        Some(match operation {
            "create_org_unit" => json!({"name": "Ny enhed", "kind": "section"}),
            "update_org_unit" => json!({"name": "Omdøbt"}),
            "create_person" => {
                json!({"name": "Ny", "email": format!("ny-{}@randers.dk", uuid::Uuid::new_v4().simple()), "position": "employee"})
            }
            "update_person" => json!({"name": "Omdøbt"}),
            "create_system" => json!({"name": "Ny", "kind": "app"}),
            "update_system" => json!({"vendor": "KMD"}),
            "transition_system" => json!({"to": "in_use"}),
            "add_risk_assessment" => {
                json!({"perspective": "information_security", "performed_on": "2026-01-01", "risk_level": "low", "summary": "x"})
            }
            "add_dpia" => json!({"performed_on": "2026-01-01", "document_url": "https://intranet.randers.dk/d"}),
            "put_dpia_decision" => json!({"needed": true, "reason": "x", "dpo_consulted_on": "2026-01-01"}),
            "add_retention_rule" => json!({"data_category": "x", "retention_period": "P1Y", "legal_basis": "x"}),
            "put_processing_record" => {
                json!({"purposes": ["x"], "data_subject_categories": ["x"], "personal_data_categories": ["x"], "retention_summary": "x", "security_measures": "x"})
            }
            "add_procedure" => json!({"kind": "other", "title": "x", "document_url": "https://intranet.randers.dk/p"}),
            "put_contingency_plan" => {
                json!({"document_url": "https://intranet.randers.dk/c", "manual_procedures": "x"})
            }
            "add_processing_agreement" => json!({"processor_id": self.ids["processor"], "supervision_method": "other"}),
            "update_processing_agreement" => json!({"document_url": "https://intranet.randers.dk/dba"}),
            "terminate_processing_agreement" => json!({"terminated_on": "2026-01-01", "reason": "Ny leverandør"}),
            "add_risk_measure" => {
                json!({"measure": "Tofaktorlogin", "responsible_id": self.ids["owner"], "due_on": "2027-01-01"})
            }
            "update_risk_measure" => json!({"due_on": "2027-02-01"}),
            "update_exit_step" => json!({"status": "done", "done_on": "2026-01-01"}),
            "update_obligation" => json!({"interval_months": 3}),
            "add_completion" => json!({"done_on": "2026-01-01", "result": "passed"}),
            "create_processor" => json!({"name": "Ny leverandør"}),
            "import_kitos" => {
                json!({"itSystemUsages": [], "dataProcessingRegistrations": [], "organizationUnits": [], "users": [], "itSystems": []})
            }
            "replace_processor" => json!({"name": "Omdøbt"}),
            "create_incident" => {
                json!({"system_ids": [self.ids["system"]], "discovered_at": now, "description": "x", "personal_data_breach": false})
            }
            "update_incident" => json!({"measures": "x"}),
            "add_incident_report" => json!({"reported_at": now}),
            "add_dpo_advice" => json!({"topic": "dpia_decision", "given_on": "2026-01-01", "advice": "Lav en DPIA"}),
            "update_dpo_advice" => json!({"followed": true}),
            "create_webhook" => json!({"url": "https://hooks.randers.dk/systemejer", "events": ["system.changed"]}),
            "update_webhook" => json!({"description": "Intranettet"}),
            "rotate_webhook_secret" => json!({}),
            // To the owner it has: refused, so that the world keeps its owner for the rest.
            "hand_over_owner" => json!({"new_owner_id": self.ids["owner"], "reason": "Ny fagchef"}),
            _ => return None,
        })
    }
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin();
    let mut ids = std::collections::HashMap::new();
    ids.insert("unit", app.create("/api/v1/org-units", json!({"name": "Enhed", "kind": "department"})).await);
    let owner = app
        .create("/api/v1/people", json!({"name": "Ejer", "email": "owner@randers.dk", "position": "director"}))
        .await;
    let delegate = app
        .create(
            "/api/v1/people",
            json!({"name": "Forvalter", "email": "delegate@randers.dk", "position": "employee", "manager_id": owner}),
        )
        .await;
    ids.insert(
        "person",
        app.create("/api/v1/people", json!({"name": "Anden", "email": "person@randers.dk", "position": "director"}))
            .await,
    );
    ids.insert("processor", app.create("/api/v1/processors", json!({"name": "Leverandør"})).await);
    let system = app
        .create("/api/v1/systems", json!({"name": "System", "kind": "app", "owner_id": owner, "delegates": [{"person_id": delegate, "role": "systemforvalter"}]}))
        .await;
    let sys = format!("/api/v1/systems/{system}");
    let w = World {
        ids: std::collections::HashMap::from([("system", system.clone()), ("processor", ids["processor"].clone())]),
    };
    for (key, collection, op) in [
        ("risk", "risk-assessments", "add_risk_assessment"),
        ("dpia", "dpias", "add_dpia"),
        ("retention", "retention-rules", "add_retention_rule"),
        ("procedure", "procedures", "add_procedure"),
        ("agreement", "processing-agreements", "add_processing_agreement"),
    ] {
        let id = app.post(&format!("{sys}/{collection}"), &admin, w.body(op).unwrap()).await.ok(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ids.insert(key, id);
    }
    for (path, op) in [
        ("dpia-decision", "put_dpia_decision"),
        ("processing-record", "put_processing_record"),
        ("contingency-plan", "put_contingency_plan"),
    ] {
        app.call(Method::PUT, &format!("{sys}/{path}"), Some(&admin), w.body(op)).await.ok(200);
    }
    let incident = app
        .post("/api/v1/incidents", &admin, json!({"system_ids": [system], "discovered_at": chrono::Utc::now().to_rfc3339(), "description": "x", "personal_data_breach": true}))
        .await;
    ids.insert("incident", incident.ok(201)["id"].as_str().unwrap().to_owned());
    ids.insert("owner", owner.clone());
    // An approved assessment with a measure; an agreement with a second processor, to end.
    let owner_token = app.token("owner@randers.dk", &[]);
    let approved = app
        .post(&format!("{sys}/risk-assessments"), &admin, w.body("add_risk_assessment").unwrap())
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("{sys}/risk-assessments/{approved}/approve"), &owner_token, json!({})).await.ok(200);
    let w = World { ids: ids.clone() };
    let measure = app
        .post(&format!("{sys}/risk-assessments/{approved}/measures"), &admin, w.body("add_risk_measure").unwrap())
        .await;
    ids.insert("measure", measure.ok(201)["id"].as_str().unwrap().to_owned());
    ids.insert("approved_risk", approved);
    let second = app.create("/api/v1/processors", json!({"name": "Anden leverandør"})).await;
    let ending = app
        .post(
            &format!("{sys}/processing-agreements"),
            &admin,
            json!({"processor_id": second, "signed_on": "2025-01-01", "supervision_method": "other"}),
        )
        .await;
    ids.insert("ending", ending.ok(201)["id"].as_str().unwrap().to_owned());
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let advice = app.post(&format!("{sys}/dpo-advice"), &dpo, w.body("add_dpo_advice").unwrap()).await;
    ids.insert("advice", advice.ok(201)["id"].as_str().unwrap().to_owned());
    ids.insert("system", system);
    let webhook = app.post("/api/v1/webhooks", &admin, w.body("create_webhook").unwrap()).await;
    ids.insert("webhook", webhook.ok(201)["id"].as_str().unwrap().to_owned());
    World { ids }
}

/// What an allowed caller gets from `op` in the world above, the `nth` allowed caller to call
/// it (from 0): the success an operation is for, or the refusal this world provokes, with why.
fn expected(op: &str, method: &Method, nth: usize) -> u16 {
    match op {
        // The system is in procurement: it has no backup test duty yet, so there is nothing to
        // complete or reschedule; no checklist before decommissioning; the move into use is
        // refused by its gates (no owner's approved risk assessment, no procedures).
        "add_completion" | "update_exit_step" | "transition_system" => 409,
        "update_obligation" => 404,
        // Handed over to the owner it has.
        "hand_over_owner" => 422,
        // The processor already has an agreement on this system (made in the world).
        "add_processing_agreement" => 409,
        // The processor is still named by that agreement.
        "delete_processor" => 409,
        // The first allowed caller deletes it; for the next it is gone.
        _ if *method == Method::DELETE => {
            if nth == 0 {
                204
            } else {
                404
            }
        }
        _ if *method == Method::GET => 200,
        _ if op.starts_with("create_") || op.starts_with("add_") => 201,
        _ => 200,
    }
}

fn token(app: &TestApp, who: Who) -> String {
    match who {
        Who::Admin => app.admin(),
        Who::Auditor => app.token("auditor@randers.dk", &[Role::Auditor]),
        Who::Dpo => app.token("dpo@randers.dk", &[Role::Dpo]),
        Who::Reader => app.client_token("intranet", &[Role::Reader]),
        Who::Owner => app.token("owner@randers.dk", &[]),
        Who::Delegate => app.token("delegate@randers.dk", &[]),
        Who::Person => app.token("person@randers.dk", &[]),
        Who::Stranger => app.token("stranger@randers.dk", &[]),
    }
}

async fn every_operation_answers_every_caller_as_the_table_says(app: TestApp) {
    let world = world(&app).await;
    let doc = serde_json::to_value(systemejer_api::openapi()).unwrap();
    let mut operations: Vec<(String, Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                operations.push((
                    op["operationId"].as_str().unwrap().to_owned(),
                    method.to_uppercase().parse().unwrap(),
                    path.clone(),
                ));
            }
        }
    }
    // Every secured operation has a rule, and every rule an operation.
    for (op, _, _) in &operations {
        assert!(rule_of(op).is_some(), "{op} has no rule in the access table");
    }
    assert_eq!(operations.len(), RULES.len(), "the table has rules for operations that do not exist");
    // What destroys comes last, people last of all (they are the callers).
    operations.sort_by_key(|(op, method, _)| {
        (*method == Method::DELETE, op.starts_with("delete_person"), op.starts_with("delete_system"))
    });

    for (op, method, template) in &operations {
        let rule = rule_of(op).unwrap();
        let path = world.path(template);
        let documented = &doc["paths"][template.as_str()][method.as_str().to_lowercase()]["responses"];
        let mut callers: Vec<Who> = Who::ALL.to_vec();
        callers.sort_by_key(|w| rule.allowed.contains(w)); // the refused first, before anything changes
        let mut nth = 0;
        for who in callers {
            let reply = app.call(method.clone(), &path, Some(&token(&app, who)), world.body(op)).await;
            let status = reply.status.as_u16();
            assert!(status < 500, "{op} by {}: {status} {}", who.name(), reply.body);
            assert!(
                documented.get(status.to_string()).is_some(),
                "{op} by {}: {status} is not among the document's responses for it: {}",
                who.name(),
                reply.body
            );
            if rule.allowed.contains(&who) {
                assert_eq!(status, expected(op, method, nth), "{op} by {} (allowed): {}", who.name(), reply.body);
                nth += 1;
            } else {
                assert_eq!(status, 403, "{op} by {}: {}", who.name(), reply.body);
            }
        }
    }
}
