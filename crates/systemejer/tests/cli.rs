//! The `systemejer` binary as an admin runs it: the committed OpenAPI document, tokens,
//! migrations and configuration errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn systemejer() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Fails when `api-spec/openapi.json` differs from what `systemejer openapi` prints. Run with
/// `UPDATE_OPENAPI=1` to rewrite the committed file after changing the API.
#[test]
fn the_committed_openapi_document_matches_the_code() {
    let output = systemejer().arg("openapi").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-spec/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &printed).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == printed,
        "api-spec/openapi.json is not what the code describes: run `cargo run -- openapi > api-spec/openapi.json` (or UPDATE_OPENAPI=1 cargo test) and commit it"
    );
    let doc: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    // Enumerations are documented by the names clients send (snake_case), not Rust's; a webhook
    // event's type is dotted (`system.state_changed`), as the Standard Webhooks examples are.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for value in schema["enum"].as_array().into_iter().flatten() {
            let text = value.as_str().unwrap_or_default();
            let dotted = name == "EventType" && text.split('.').count() == 2;
            assert!(
                !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (dotted && c == '.')),
                "schema {name} documents the enum value {value}, which no client sends"
            );
        }
    }
    // Text the service trims and refuses when empty is documented as such, so a generated
    // client (or a fuzzer) does not send "" believing it valid.
    #[allow(clippy::items_after_statements, reason = "the check reads best where it is used")]
    fn bounded_strings_are_not_empty(at: &str, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map.contains_key("maxLength") {
                    assert_eq!(
                        map.get("minLength").and_then(serde_json::Value::as_u64),
                        Some(1),
                        "{at} has a maxLength but no minLength 1"
                    );
                }
                for (key, inner) in map {
                    bounded_strings_are_not_empty(&format!("{at}/{key}"), inner);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|inner| bounded_strings_are_not_empty(at, inner)),
            _ => {}
        }
    }
    bounded_strings_are_not_empty("#", &doc);
    // A PATCH body documents `null` only where the service takes it (to clear a field), and
    // says what it does there; a field that cannot be cleared is not nullable.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if !name.ends_with("Changes") {
            continue;
        }
        for (field, property) in schema["properties"].as_object().unwrap() {
            let one_of = property["oneOf"].as_array().cloned().unwrap_or_default();
            let nullable = property["type"].as_array().is_some_and(|types| types.contains(&"null".into()))
                || one_of.iter().any(|option| option["type"] == "null");
            let description = property["description"]
                .as_str()
                .or_else(|| one_of.iter().find_map(|option| option["description"].as_str()))
                .unwrap_or_default();
            assert_eq!(
                nullable,
                description.contains("`null`"),
                "{name}.{field}: documented as nullable={nullable}, but its description is {description:?}"
            );
        }
    }
    // Links lead from each creation to operations that exist, fill every path parameter
    // those operations take, and read the new id from a body that has one.
    let mut operation_ids = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op["operationId"].as_str() {
                operation_ids.insert(id.to_owned(), (path.clone(), op.clone()));
            }
        }
    }
    let schema_of = |response: &serde_json::Value| {
        let reference = response["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or_default();
        doc["components"]["schemas"][reference.trim_start_matches("#/components/schemas/")].clone()
    };
    let mut links = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let at = format!("{method} {path} {status} link {name}");
                    let target = link["operationId"].as_str().unwrap_or_else(|| panic!("{at} has no operationId"));
                    let (target_path, target_op) =
                        operation_ids.get(target).unwrap_or_else(|| panic!("{at} names no operation"));
                    for parameter in target_op["parameters"].as_array().into_iter().flatten() {
                        let key =
                            format!("{}.{}", parameter["in"].as_str().unwrap(), parameter["name"].as_str().unwrap());
                        if parameter["in"] == "path" {
                            assert!(
                                link["parameters"].get(&key).is_some(),
                                "{at} leaves {key} of {target_path} unfilled"
                            );
                        }
                    }
                    for (key, value) in link["parameters"].as_object().unwrap() {
                        let value = value.as_str().unwrap();
                        if value == "$response.body#/id" {
                            assert!(schema_of(response)["properties"].get("id").is_some(), "{at}: the body has no id");
                        } else if let Some(name) = value.strip_prefix("$request.path.") {
                            assert!(path.contains(&format!("{{{name}}}")), "{at}: {key} from {name}, not in {path}");
                        } else {
                            assert_eq!(value, "$response.header.ETag", "{at}: {key}");
                            assert!(response["headers"].get("ETag").is_some(), "{at}: the response has no ETag");
                        }
                    }
                }
            }
        }
    }
    assert!(links > 20, "only {links} links");
    // Every operation documents its problems and (but for health) its security.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path} lacks a 500");
            if path.starts_with("/api/") {
                assert!(op["security"].is_array(), "{method} {path} lacks security");
                for status in ["401", "403"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks a {status}");
                }
            }
        }
    }
}

#[test]
fn a_minted_token_carries_its_subject_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/r.db", dir.path().display());
    // The service (here `migrate`) makes the secret; `token` uses it.
    let migrated = systemejer().arg("migrate").env("SYSTEMEJER_DATABASE_URL", &db).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let output = systemejer()
        .args(["token", "--email", "IT@Randers.dk", "--role", "admin", "--role", "auditor", "--ttl", "2h"])
        .env("SYSTEMEJER_DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap();
    // The token verifies with the secret the service keeps beside its database.
    let secret = std::fs::read_to_string(dir.path().join("jwt-secret")).unwrap();
    let key = jsonwebtoken::DecodingKey::from_secret(secret.trim().as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<serde_json::Value>(token.trim(), &key, &validation).unwrap().claims;
    assert_eq!(claims["email"], "it@randers.dk");
    assert_eq!(claims["roles"], serde_json::json!(["admin", "auditor"]));
    let ttl = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(ttl, 7200);

    let bad = systemejer()
        .args(["token", "--email", "x@y.dk", "--role", "boss"])
        .env("SYSTEMEJER_DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a role"));
}

#[test]
fn migrate_prepares_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/sub/r.db", dir.path().display());
    let output = systemejer().arg("migrate").env("SYSTEMEJER_DATABASE_URL", &db).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("latest"));
    assert!(dir.path().join("sub/r.db").is_file());
}

#[test]
fn bad_settings_fail_at_start_with_one_line_each() {
    let output = systemejer()
        .arg("serve")
        .env("SYSTEMEJER_DATABASE_URL", "postgres://app@127.0.0.1:1/reg")
        .env("SYSTEMEJER_LISTEN", "everywhere")
        .env("SYSTEMEJER_WORKER_SCHEDULE", "every morning")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for var in ["SYSTEMEJER_JWT_SECRET", "SYSTEMEJER_LISTEN", "SYSTEMEJER_WORKER_SCHEDULE"] {
        assert_eq!(stderr.lines().filter(|l| l.contains(var)).count(), 1, "{var} in:\n{stderr}");
    }
}

#[test]
fn backup_makes_its_folder_or_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/systemejer.db", dir.path().display());
    let migrated = systemejer().env("SYSTEMEJER_DATABASE_URL", &url).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));

    // As the README says it: into a folder that is not there yet.
    let to = dir.path().join("backups/2026-12-01/systemejer.db");
    let out = systemejer().env("SYSTEMEJER_DATABASE_URL", &url).args(["backup", "--to"]).arg(&to).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata(&to).unwrap().len() > 0, "the copy is there");

    // Where no folder can be made (a file is in the way), the message says so.
    std::fs::write(dir.path().join("taken"), "a file").unwrap();
    let blocked = dir.path().join("taken/systemejer.db");
    let out =
        systemejer().env("SYSTEMEJER_DATABASE_URL", &url).args(["backup", "--to"]).arg(&blocked).output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("making the folder") && said.contains("taken"), "{said}");
    assert!(!said.contains("internal store error"), "{said}");
}

/// An upgrade whose rules call for a new duty (here `patch_review`, on a register from before
/// it) brings every live system's duties in step as it migrates: the worker then reminds of
/// the new duty without waiting for each system's next change.
#[test]
fn an_upgrade_brings_the_duties_in_step_with_the_new_rules() {
    use systemejer_e2e::{Backend, TestDb, raw_sql};
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend) else { continue };
        let run = |args: &[&str]| {
            let out = systemejer()
                .args(args)
                .env("SYSTEMEJER_DATABASE_URL", &db.url)
                .env("SYSTEMEJER_JWT_SECRET", "a-test-secret-of-at-least-32-bytes!!")
                .env("SYSTEMEJER_LINK_SECRET", "another-test-secret-of-32-bytes-or-more")
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out
        };
        run(&["demo", "--systems", "30"]);
        let live =
            "SELECT COUNT(*) AS n FROM systems WHERE lifecycle_state IN ('in_use', 'changing', 'decommissioning')";
        let reviews = "SELECT COUNT(*) AS n FROM obligations WHERE kind = 'patch_review'";
        let systems = raw_sql::count(&db.url, live);
        assert!(systems > 10);
        assert_eq!(raw_sql::count(&db.url, reviews), systems, "each live system reviews its software updates");

        // The register as the version before this duty left it.
        raw_sql::execute(&db.url, "DELETE FROM obligations WHERE kind = 'patch_review'").unwrap();
        raw_sql::execute(&db.url, "DELETE FROM __diesel_schema_migrations WHERE version = '20261201000013'").unwrap();

        let out = run(&["migrate"]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(log.contains("duties brought in step"), "{log}");
        assert_eq!(raw_sql::count(&db.url, reviews), systems, "{backend:?}: the new duty is there for each");
        // Nothing else moved: a second migration has nothing to apply and changes nothing.
        let before = raw_sql::count(&db.url, "SELECT COUNT(*) AS n FROM obligations");
        let out = run(&["migrate"]);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("duties brought in step"));
        assert_eq!(raw_sql::count(&db.url, "SELECT COUNT(*) AS n FROM obligations"), before);
    }
}
