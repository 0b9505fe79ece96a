//! PostgreSQL stopped and started under load: the API answers 503 problems with
//! `Retry-After` while it is down (never 500, never hanging), and serves again within 5 s of
//! its return, without a restart. `/readyz` says which it is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use systemejer_api::{ApiSettings, Application, JwtSettings, Role, TokenSubject};
use systemejer_domain::EmailAddress;
use systemejer_e2e::TEST_SECRET;
use systemejer_e2e::scratch_pg::ScratchPostgres;
use systemejer_store::{PoolOptions, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_survives_its_database_going_away() {
    let Some(pg) = ScratchPostgres::start() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to run a scratch PostgreSQL (root and the server binaries)"
        );
        eprintln!(
            "\n*** SKIPPING the database fault test: no scratch PostgreSQL here (needs root and the server binaries) ***\n"
        );
        return;
    };
    let options = PoolOptions { max_connections: 4, acquire_timeout: Duration::from_secs(2) };
    let store = Store::connect(&pg.url(), &options).unwrap();
    store.migrate().unwrap();
    let jwt = JwtSettings::hs256(TEST_SECRET.to_vec());
    let app = Application::build(
        &ApiSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            jwt: jwt.clone(),
            workers: Some(2),
            rate_limit: None,
            person_cache: Duration::from_secs(5),
            mount: None,
            controller: systemejer_e2e::controller(),
            webhooks: systemejer_api::WebhookPolicy::default(),
        },
        store,
    )
    .unwrap();
    let base = format!("http://{}", app.address());
    tokio::spawn(app.into_server());
    let subject = TokenSubject::Person(EmailAddress::parse("it-admin@randers.dk").unwrap());
    let token =
        systemejer_api::mint_token(&jwt, &subject, &[Role::Admin], chrono::Duration::hours(1), chrono::Utc::now())
            .unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let created = client
        .post(format!("{base}/api/v1/systems"))
        .bearer_auth(&token)
        .json(&json!({"name": "Nexus", "kind": "it_system"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // Load throughout: every answer is 200 or 503, and none takes long.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let status = client
                    .get(format!("{base}/api/v1/systems"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                seen.push((status.unwrap_or(0), started.elapsed()));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert!(pg.down());
    let started = Instant::now();
    let down = client.get(format!("{base}/api/v1/systems")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(down.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(5), "answered within the pool's timeout, not hanging");
    assert_eq!(down.headers()["content-type"], "application/problem+json");
    assert!(down.headers().contains_key("retry-after"));
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert!(pg.up());
    let back = Instant::now();
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        if ready.status() == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "serving again within 5 s of the database's return");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list = client.get(format!("{base}/api/v1/systems")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let body: serde_json::Value = list.json().await.unwrap();
    assert_eq!(body["items"][0]["name"], "Nexus", "nothing was lost");

    stop.store(true, Ordering::SeqCst);
    let seen = load.await.unwrap();
    assert!(seen.iter().any(|(s, _)| *s == 503), "the load saw the outage");
    for (status, took) in &seen {
        assert!(*status == 200 || *status == 503, "only 200 or 503 under the outage, got {status}");
        assert!(*took < Duration::from_secs(5), "no request hung ({took:?})");
    }
}
