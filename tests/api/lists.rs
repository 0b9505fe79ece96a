//! Lists: filters, paging by offset and by cursor, and incremental sync with deletions.

use std::collections::HashSet;

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};

on_both_backends!(paging_filters_and_sync, danish_letters_are_found_as_typed);

async fn paging_filters_and_sync(app: TestApp) {
    let reader = app.client_token("rapportvaerktoej", &[Role::Reader]);
    let owner = app
        .create("/api/v1/people", json!({"name": "Ida", "email": "ida@randers.dk", "position": "head_of_staff"}))
        .await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let body = if i % 2 == 0 {
            json!({"name": format!("Fagsystem {i}"), "kind": "it_system", "owner_id": owner})
        } else {
            json!({"name": format!("App {i} 100%_klar"), "kind": "app"})
        };
        ids.push(app.create("/api/v1/systems", body).await);
    }

    // Walk every page by cursor: each system exactly once.
    let mut seen = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let path = if cursor.is_empty() {
            "/api/v1/systems?limit=3".to_owned()
        } else {
            format!("/api/v1/systems?limit=3&cursor={cursor}")
        };
        let page = app.get(&path, &reader).await;
        let body = page.ok(200);
        assert_eq!(body["total"], 7);
        seen.extend(body["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        next = body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ids, "cursor paging returns everything once, in sync order");

    let offset = app.get("/api/v1/systems?limit=2&offset=6", &reader).await;
    assert_eq!(offset.ok(200)["items"].as_array().unwrap().len(), 1);

    // Filters.
    let mine = app.get(&format!("/api/v1/systems?owner_id={owner}"), &reader).await;
    assert_eq!(mine.ok(200)["total"], 4);
    let apps = app.get("/api/v1/systems?q=APP", &reader).await;
    assert_eq!(apps.ok(200)["total"], 3, "q is case-insensitive");
    let literal = app.get("/api/v1/systems?q=100%25_k", &reader).await;
    assert_eq!(literal.ok(200)["total"], 3, "% and _ in q match themselves");
    let none = app.get("/api/v1/systems?q=10_%25x", &reader).await;
    assert_eq!(none.ok(200)["total"], 0);
    let procurement = app.get("/api/v1/systems?lifecycle_state=procurement", &reader).await;
    assert_eq!(procurement.ok(200)["total"], 7);

    // Incremental sync: what changed since a point, and what was deleted.
    let checkpoint = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.patch(&format!("/api/v1/systems/{}", ids[2]), &app.admin(), json!({"vendor": "Netcompany"})).await.ok(200);
    app.delete(&format!("/api/v1/systems/{}", ids[3]), &app.admin()).await.ok(204);
    let changed = app.get(&format!("/api/v1/systems?changed_since={checkpoint}"), &reader).await;
    let changed: HashSet<&str> =
        changed.ok(200)["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(changed, HashSet::from([ids[2].as_str()]));
    let deleted = app.get(&format!("/api/v1/deleted?since={checkpoint}"), &reader).await;
    let items = deleted.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["entity_type"], "system");
    assert_eq!(items[0]["entity_id"], ids[3].as_str());
}

/// Search finds Æ, Ø and Å whichever case is typed, on every `q` filter and both backends.
/// "Aa" is a different spelling, not "Å": `aase` does not find "Åse" (nor would a user of a
/// printed register expect it to).
async fn danish_letters_are_found_as_typed(app: TestApp) {
    let admin = app.admin();
    let unit = app.create("/api/v1/org-units", json!({"name": "Økonomi og Løn", "kind": "department"})).await;
    let system = app.create("/api/v1/systems", json!({"name": "Ærø Havneregister", "kind": "app"})).await;
    let person = app
        .create("/api/v1/people", json!({"name": "Åse Gårdbo", "email": "aase@randers.dk", "position": "employee"}))
        .await;
    let processor = app.create("/api/v1/processors", json!({"name": "ÆBLE Ø-Data A/S"})).await;
    app.create("/api/v1/org-units", json!({"name": "Teknik", "kind": "department"})).await;
    let found = |path: &str, q: &str| {
        let (app, admin) = (&app, admin.clone());
        let url = format!("{path}?q={}", q.replace(' ', "%20"));
        async move {
            let page = app.get(&url, &admin).await.ok(200).clone();
            page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    for q in ["Økonomi", "økonomi", "ØKONOMI", "øKoNoMi", "løn", "LØN", "og Løn"] {
        assert_eq!(found("/api/v1/org-units", q).await, std::slice::from_ref(&unit), "org units, q={q}");
    }
    for q in ["Ærø", "ærø", "ÆRØ", "æRø havne"] {
        assert_eq!(found("/api/v1/systems", q).await, std::slice::from_ref(&system), "systems, q={q}");
    }
    for q in ["Åse", "åse", "ÅSE", "gÅrdbo", "GÅRD"] {
        assert_eq!(found("/api/v1/people", q).await, std::slice::from_ref(&person), "people, q={q}");
    }
    for q in ["æble", "ÆBLE", "ø-data", "Ø-DATA"] {
        assert_eq!(found("/api/v1/processors", q).await, std::slice::from_ref(&processor), "processors, q={q}");
    }
    assert!(found("/api/v1/people", "aase gård").await.is_empty(), "aa is not å");
    assert!(found("/api/v1/org-units", "okonomi").await.is_empty(), "o is not ø");
}
