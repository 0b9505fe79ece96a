//! The HTTP client against the test Kitos server: the same snapshot as the files, paging,
//! token renewal, changes since a time, deletions, and the server's own rules.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use systemejer_e2e::kitos::{EMAIL, KitosServer, LOGIN_REFUSED, PASSWORD, fixtures};
use systemejer_kitos::client::ClientSettings;
use systemejer_kitos::{Credentials, Error, FetchOptions, KitosClient, Shape, read_dir};

use super::{LON, VAGT, id};

fn settings(server: &KitosServer, page_size: u16) -> ClientSettings {
    let credentials = Credentials::Password { email: EMAIL.to_owned(), password: PASSWORD.to_owned() };
    ClientSettings { page_size, ..ClientSettings::new(server.url(), credentials) }
}

fn client(server: &KitosServer, page_size: u16) -> KitosClient {
    KitosClient::new(settings(server, page_size)).unwrap()
}

/// Everything, deletions since long ago included.
fn everything() -> FetchOptions {
    FetchOptions { deleted_since: Some("2000-01-01T00:00:00Z".parse().unwrap()), ..FetchOptions::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reads_what_the_files_hold_page_by_page() {
    let server = KitosServer::start(&fixtures("2026"));
    let client = client(&server, 3);
    let org = server.organization();
    let snapshot = client.snapshot(org, &everything()).await.unwrap();
    assert_eq!(snapshot, read_dir(fixtures("2026")).unwrap());
    assert_eq!(snapshot.shape, Shape::Kitos2026);

    // 8 usages in pages of 3: 3 + 3 + 2; 3 registrations: 3 + 0; 7 units: 3 + 3 + 1.
    assert_eq!(server.count("/api/v2/it-system-usages"), 3);
    assert_eq!(server.count("/api/v2/data-processing-registrations"), 2);
    assert_eq!(server.count(&format!("/api/v2/organizations/{org}/organization-units")), 3);
    assert_eq!(server.count(&format!("/api/v2/organizations/{org}/users")), 3);
    assert_eq!(server.count("/api/v2/it-systems/"), 8);
    assert_eq!(server.count("/api/v2/delta-feed/deleted-entities"), 1);
    assert_eq!(server.tokens_issued(), 1);
    let requests = server.requests();
    let usage_pages: Vec<&String> =
        requests.iter().filter(|r| r.starts_with("GET /api/v2/it-system-usages?")).collect();
    for (page, request) in usage_pages.iter().enumerate() {
        assert!(request.contains(&format!("organizationUuid={org}")), "{request}");
        assert!(request.contains(&format!("page={page}&pageSize=3")), "{request}");
    }

    // The 2025 build, through the same client.
    server.use_fixtures(&fixtures("2025"));
    let old = client.snapshot(org, &everything()).await.unwrap();
    assert_eq!(old, read_dir(fixtures("2025")).unwrap());
    assert_eq!(old.shape, Shape::Kitos2025);
    assert_eq!(server.tokens_issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_renewed_when_it_expires_and_after_a_401() {
    let server = KitosServer::start(&fixtures("2026"));
    let org = server.organization();

    // A long-lived token is fetched once.
    let steady = client(&server, 250);
    steady.usages(org, None).await.unwrap();
    steady.units(org).await.unwrap();
    assert_eq!(server.tokens_issued(), 1);

    // A token living 2 s is renewed by the client before it sends with an expired one.
    server.reset_counts();
    server.set_token_lifetime(Duration::from_secs(2));
    let client = KitosClient::new(ClientSettings { renewal_margin: Duration::ZERO, ..settings(&server, 250) }).unwrap();
    assert_eq!(client.usages(org, None).await.unwrap().len(), 8);
    assert_eq!(server.tokens_issued(), 1);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(client.usages(org, None).await.unwrap().len(), 8);
    assert_eq!((server.tokens_issued(), server.unauthorized()), (2, 0));

    // With a margin, it is renewed before it expires (at most half its life early).
    server.set_token_lifetime(Duration::from_secs(4));
    let early =
        KitosClient::new(ClientSettings { renewal_margin: Duration::from_secs(60), ..settings(&server, 250) }).unwrap();
    server.reset_counts();
    early.units(org).await.unwrap();
    early.units(org).await.unwrap();
    assert_eq!(server.tokens_issued(), 1);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    early.units(org).await.unwrap();
    assert_eq!((server.tokens_issued(), server.unauthorized()), (2, 0));

    // A token Kitos no longer accepts, though the client holds it valid for a day: one 401,
    // one renewal, the request again.
    server.set_token_lifetime(Duration::from_secs(3600));
    server.reset_counts();
    server.revoke_tokens();
    assert_eq!(steady.users(org).await.unwrap().len(), 8);
    assert_eq!((server.tokens_issued(), server.unauthorized()), (1, 1));

    // A given token is not renewed: its 401 is an error naming the URL.
    let fixed = KitosClient::new(ClientSettings::new(server.url(), Credentials::Token("outdated".into()))).unwrap();
    let error = fixed.units(org).await.unwrap_err();
    assert!(
        matches!(&error, Error::Status { status: 401, url, .. } if url.contains("/organization-units?")),
        "{error:?}"
    );
    assert!(!error.to_string().contains("outdated"), "{error}");

    // A wrong password: Kitos's message, and never the password.
    let wrong = Credentials::Password { email: EMAIL.to_owned(), password: "forkert-kodeord".to_owned() };
    assert!(!format!("{wrong:?}").contains("forkert"));
    let error = KitosClient::new(ClientSettings::new(server.url(), wrong)).unwrap().units(org).await.unwrap_err();
    assert!(matches!(&error, Error::Login { status: 401, message, .. } if message == LOGIN_REFUSED), "{error:?}");
    assert!(!error.to_string().contains("forkert"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_since_a_time_and_deletions_are_read() {
    let server = KitosServer::start(&fixtures("2026"));
    let org = server.organization();
    let client = client(&server, 2);
    let before = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.change_usage(id(LON), &json!({"general": {"localCallName": "Løn", "notes": null}}));
    server.delete_usage(id(VAGT));

    let changed = client.usages(org, Some(before)).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0].uuid, changed[0].local_call_name()), (id(LON), Some("Løn")));
    assert!(changed[0].last_modified.unwrap().instant() >= before);
    assert!(server.requests().iter().any(|r| r.contains("changedSinceGtEq=")));
    assert!(client.registrations(org, Some(before)).await.unwrap().is_empty());

    let deleted = client.deletions("ItSystemUsage", Some(before)).await.unwrap();
    assert_eq!(deleted.iter().map(|d| d.entity_uuid).collect::<Vec<_>>(), [id(VAGT)]);
    assert_eq!(client.deletions("ItSystemUsage", None).await.unwrap().len(), 2);

    let options = FetchOptions { changed_since: Some(before), deleted_since: Some(before), role_types: false };
    let snapshot = client.snapshot(org, &options).await.unwrap();
    assert_eq!(snapshot.usages.len(), 1);
    assert_eq!(snapshot.systems.keys().copied().collect::<Vec<_>>(), [snapshot.usages[0].system_uuid().unwrap()]);
    assert_eq!(snapshot.deletions.unwrap().len(), 1);
    assert_eq!(snapshot.role_types, None);

    let all = client.usages(org, None).await.unwrap();
    assert_eq!(all.len(), 7);
    assert!(all.iter().all(|u| u.uuid != id(VAGT)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_a_page_size_over_250() {
    let server = KitosServer::start(&fixtures("2026"));
    let http = reqwest::Client::new();
    let login = json!({"Email": EMAIL, "Password": PASSWORD});
    let answer: serde_json::Value = http
        .post(format!("{}/api/authorize/GetToken", server.url()))
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["response"]["token"].as_str().unwrap().to_owned();
    assert!(answer["response"]["expires"].as_str().unwrap().ends_with('Z'));
    let org = server.organization();
    let get = |query: String| {
        let request = http.get(format!("{}/api/v2/it-system-usages?{query}", server.url())).bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(get(format!("organizationUuid={org}&pageSize=251")).await.status(), 400);
    assert_eq!(get(format!("organizationUuid={org}&pageSize=0")).await.status(), 400);
    let full = get(format!("organizationUuid={org}&pageSize=250")).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.json::<serde_json::Value>().await.unwrap().as_array().unwrap().len(), 8);
    let other = get(format!("organizationUuid={}&pageSize=250", uuid::Uuid::new_v4())).await;
    assert_eq!(other.json::<serde_json::Value>().await.unwrap(), json!([]));
    let unauthenticated = http.get(format!("{}/api/v2/it-system-usages", server.url())).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);

    // The client will not ask for more than Kitos serves.
    let error = KitosClient::new(settings(&server, 251)).unwrap_err();
    assert!(matches!(error, Error::Settings(ref m) if m.contains("251")), "{error:?}");
}

/// A Kitos that fails for a moment (503 while it restarts) is waited out, up to the tries
/// allowed; one that keeps failing is an error naming the status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passing_failure_is_tried_again() {
    let server = KitosServer::start(&fixtures("2026"));
    let org = server.organization();
    let waits = vec![Duration::from_millis(10), Duration::from_millis(20)];
    let patient = KitosClient::new(ClientSettings { retry_waits: waits.clone(), ..settings(&server, 250) }).unwrap();
    server.fail_next(2);
    assert_eq!(patient.usages(org, None).await.unwrap().len(), 8, "two 503s, then the answer");

    server.fail_next(3);
    let Err(Error::Status { status, .. }) = patient.units(org).await else { panic!("three 503s are one too many") };
    assert_eq!(status, 503);
}
