//! The webhook event an importer emits when it has finished (`import.finished`), called
//! directly as an importer will: queued for each active subscription that wants it, with the
//! import's report; for nobody else.

use chrono::Utc;
use systemejer_domain::webhooks::{EventType, ImportReport, WebhookSecret};
use systemejer_e2e::{Backend, TestDb};
use systemejer_store::PageRequest;

fn an_import_that_finished_is_told_to_those_who_want_it(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let report = ImportReport {
        import_id: uuid::Uuid::now_v7(),
        source: "kitos".into(),
        started_at: Utc::now() - chrono::Duration::minutes(3),
        // In whole microseconds, as both backends keep a time.
        finished_at: systemejer_store::now(),
        succeeded: true,
        created: 41,
        linked: 2,
        updated: 7,
        conflicts: 1,
        skipped: 4,
        findings: 3,
    };
    // Nobody subscribed: nothing is queued, and nothing fails.
    assert_eq!(store.import_finished(&report).unwrap(), 0);

    let subscribe = |events: serde_json::Value, active: bool| {
        let new = serde_json::from_value(serde_json::json!({
            "url": "https://hooks.randers.dk/import", "events": events, "active": active,
        }))
        .unwrap();
        store.create_webhook(new, &WebhookSecret::from_key(&[9u8; 32]).unwrap(), "test").unwrap().id
    };
    let wanting = subscribe(serde_json::json!(["import.finished"]), true);
    let other = subscribe(serde_json::json!(["system.created"]), true);
    let paused = subscribe(serde_json::json!(["import.finished"]), false);
    assert!(store.webhooks_want(&[EventType::ImportFinished]).unwrap());
    assert_eq!(store.import_finished(&report).unwrap(), 1);

    let page = PageRequest { limit: 10, ..PageRequest::default() };
    let queued = store.list_webhook_deliveries(wanting, None, &page).unwrap();
    assert_eq!(queued.items.len(), 1);
    assert_eq!(queued.items[0].event_type, EventType::ImportFinished);
    assert_eq!(queued.items[0].occurred_at, report.finished_at);
    assert!(store.list_webhook_deliveries(other, None, &page).unwrap().items.is_empty());
    assert!(store.list_webhook_deliveries(paused, None, &page).unwrap().items.is_empty());

    // What the worker will send: the report as the event's data.
    let claimed = store.claim_webhook_deliveries(10, chrono::Duration::minutes(1), Utc::now()).unwrap();
    assert_eq!(claimed.len(), 1);
    let body: serde_json::Value =
        serde_json::from_str(&systemejer_worker::webhook_body(&claimed[0], "https://systemejer.randers.dk")).unwrap();
    assert_eq!(body["type"], "import.finished");
    assert_eq!(body["url"], serde_json::Value::Null, "an import has no resource of its own in the API yet");
    assert_eq!(body["data"]["source"], "kitos");
    assert_eq!(body["data"]["created"], 41);
    assert_eq!((body["data"]["updated"].as_u64(), body["data"]["conflicts"].as_u64()), (Some(7), Some(1)));
    assert_eq!(body["data"]["import_id"], report.import_id.to_string());
}

#[test]
fn an_import_that_finished_is_told_to_those_who_want_it_on_sqlite() {
    an_import_that_finished_is_told_to_those_who_want_it(Backend::Sqlite);
}

#[test]
fn an_import_that_finished_is_told_to_those_who_want_it_on_postgres() {
    an_import_that_finished_is_told_to_those_who_want_it(Backend::Postgres);
}
