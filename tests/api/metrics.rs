//! `/metrics`: Prometheus scrapes requests by route and status, their latency, the pool, the
//! outbox, breaches against their 72 hours and the worker's latest passes, with a token of
//! the `metrics` role, which reads nothing else.

// The metrics this test reads are counts, exact as floats.
#![allow(clippy::float_cmp, clippy::cast_precision_loss)]

use std::collections::HashMap;

use serde_json::json;
use systemejer_api::auth::Role;
use systemejer_e2e::{TestApp, on_both_backends};
use systemejer_store::{PassKind, PassRecord};

on_both_backends!(prometheus_scrapes_what_operations_watch);

/// The samples of an OpenMetrics text: `name{labels}` -> value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_owned(), v.parse().unwrap())))
        .collect()
}

async fn prometheus_scrapes_what_operations_watch(app: TestApp) {
    let admin = app.admin();
    let scraper = app.token("prometheus@kommune.dk", &[Role::Metrics]);

    // Who may scrape: not anonymous, not a reader; and the scraper reads nothing else.
    assert_eq!(app.get_text("/metrics", None).await.0, 401);
    assert_eq!(app.get_text("/metrics", Some(&app.client_token("esdh", &[Role::Reader]))).await.0, 403);
    app.get("/api/v1/systems", &scraper).await.problem(403);

    // Some traffic: two reads, a miss, and two breaches, one past its 72 hours.
    let system = app.create("/api/v1/systems", json!({"name": "Løn", "kind": "it_system"})).await;
    let system = json!({"id": system});
    app.get("/api/v1/systems", &admin).await.ok(200);
    app.get("/api/v1/systems", &admin).await.ok(200);
    app.get(&format!("/api/v1/systems/{}", system["id"].as_str().unwrap()), &admin).await.ok(200);
    app.get("/api/v1/systems/0193a5b2-0000-7000-8000-000000000001", &admin).await.problem(404);
    for hours in [2, 100] {
        let discovered = chrono::Utc::now() - chrono::Duration::hours(hours);
        app.post(
            "/api/v1/incidents",
            &admin,
            json!({"system_ids": [system["id"]], "discovered_at": discovered.to_rfc3339(), "description": "Forkert modtager", "personal_data_breach": true}),
        )
        .await
        .ok(201);
    }
    let started = chrono::Utc::now() - chrono::Duration::minutes(5);
    app.store
        .record_pass(&PassRecord {
            pass: PassKind::ReminderPass,
            started_at: started,
            duration: std::time::Duration::from_millis(1500),
            found: 12,
            queued: 3,
            sent: 3,
            retried: 0,
            failed: 0,
            succeeded: true,
        })
        .unwrap();

    let (status, content_type, text) = app.get_text("/metrics", Some(&scraper)).await;
    assert_eq!(status, 200, "{text}");
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    assert!(text.ends_with("# EOF\n"), "a complete exposition");
    let s = samples(&text);
    let get = |key: &str| *s.get(key).unwrap_or_else(|| panic!("no sample {key} in:\n{text}"));
    // By the route pattern, not the id: a bounded set of series.
    assert_eq!(get(r#"systemejer_http_requests_total{method="GET",route="/api/v1/systems",status="200"}"#), 2.0);
    assert_eq!(get(r#"systemejer_http_requests_total{method="GET",route="/api/v1/systems/{id}",status="200"}"#), 1.0);
    assert_eq!(get(r#"systemejer_http_requests_total{method="GET",route="/api/v1/systems/{id}",status="404"}"#), 1.0);
    // Latency by route, whatever the status: the two reads and the scraper's refusal.
    assert_eq!(get(r#"systemejer_http_request_duration_seconds_count{method="GET",route="/api/v1/systems"}"#), 3.0);
    assert_eq!(
        get(r#"systemejer_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v1/systems"}"#),
        3.0
    );
    assert_eq!(get(r#"systemejer_breaches_awaiting_report{deadline="running"}"#), 1.0);
    assert_eq!(get(r#"systemejer_breaches_awaiting_report{deadline="passed"}"#), 1.0);
    assert_eq!(get(r#"systemejer_outbox_messages{status="queued"}"#), 0.0);
    assert_eq!(get("systemejer_db_pool_max_connections"), 4.0);
    let open = get(r#"systemejer_db_pool_connections{state="in_use"}"#)
        + get(r#"systemejer_db_pool_connections{state="idle"}"#);
    assert!((1.0..=4.0).contains(&open), "the pool has connections open, at most its maximum: {open}");
    assert_eq!(get(r#"systemejer_worker_last_pass_found{pass="reminder_pass"}"#), 12.0);
    assert_eq!(get(r#"systemejer_worker_last_pass_duration_seconds{pass="reminder_pass"}"#), 1.5);
    assert_eq!(get(r#"systemejer_worker_last_pass_succeeded{pass="reminder_pass"}"#), 1.0);
    let at = get(r#"systemejer_worker_last_pass_timestamp_seconds{pass="reminder_pass"}"#);
    assert!((at - started.timestamp() as f64).abs() < 1.0, "{at} vs {}", started.timestamp());
    // An admin may scrape too.
    assert_eq!(app.get_text("/metrics", Some(&admin)).await.0, 200);
}
