//! Test support: a fresh database per test (an SQLite file, or a throwaway PostgreSQL
//! database), the real service on a free port, and an HTTP client that speaks to it.
//!
//! PostgreSQL suites read `SYSTEMEJER_TEST_POSTGRES_URL` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without it they say so loudly and skip,
//! except under CI (`CI` set), where a missing URL fails the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use systemejer_api::{ApiSettings, Application, JwtSettings, Role, TokenSubject, WebhookPolicy};
use systemejer_domain::EmailAddress;
use systemejer_links::LinkKeys;
use systemejer_pages::PagesSettings;
use systemejer_store::{PoolOptions, Store};

/// The information security coordinator the test service names on its pages.
pub const COORDINATOR: &str = "isk@randers.dk";

/// The data protection officer the test service knows.
pub const DPO: &str = "dpo@randers.dk";

/// The controller the test service's record of processing names.
pub fn controller() -> systemejer_domain::reports::Controller {
    systemejer_domain::reports::Controller {
        name: Some("Randers Kommune".into()),
        cvr: Some("29189684".into()),
        address: Some("Laksetorvet 1, 8900 Randers C".into()),
        dpo_name: Some("Databeskyttelsesrådgiveren".into()),
        dpo_email: Some(DPO.into()),
        dpo_phone: Some("+45 89 15 15 15".into()),
    }
}

pub mod fixtures;
pub mod kitos;
pub mod raw_sql;
pub mod scratch_pg;
pub mod smtp;
pub mod visitor;
pub mod webhooks;

/// The backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

/// The admin URL of the test PostgreSQL server, or `None` (with a loud message) when it is
/// not configured outside CI.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("SYSTEMEJER_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("SYSTEMEJER_TEST_POSTGRES_URL is not set: under CI the PostgreSQL suites must not skip")
        }
        _ => {
            eprintln!(
                "\n*** SKIPPING a PostgreSQL test: set SYSTEMEJER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run it ***\n"
            );
            None
        }
    }
}

/// The URL of database `name` on the server of `admin_url`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_and_path = &base[scheme_end..];
    let host = host_and_path.split('/').next().unwrap_or_default();
    let mut url = format!("{}{}/{}", &base[..scheme_end], host, name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

impl TestDb {
    /// A fresh, empty database on `backend`; `None` when PostgreSQL is not configured.
    pub fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/register.db", dir.path().display());
                Some(Self { url, _dir: Some(dir), drop_pg: None })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url()?;
                let name = format!("systemejer_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
                diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).unwrap();
                Some(Self { url: with_database(&admin, &name), _dir: None, drop_pg: Some((admin, name)) })
            }
        }
    }

    /// A store on this database, migrated.
    pub fn store(&self) -> Store {
        let store =
            Store::connect(&self.url, &PoolOptions { max_connections: 4, acquire_timeout: Duration::from_secs(10) })
                .unwrap();
        store.migrate().unwrap();
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.drop_pg.take() else { return };
        if let Ok(mut conn) = PgConnection::establish(&admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// The service, running on a free port against a fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The store the service uses (for checks behind the API).
    pub store: Store,
    /// The keys the pages check the mails' links with (a worker signing links uses them too):
    /// a current key, and a previous one still accepted (a rotation under way).
    pub link_keys: LinkKeys,
    /// The previous key alone: signs as the service did before the rotation.
    pub previous_link_keys: LinkKeys,
    jwt: JwtSettings,
    client: reqwest::Client,
    server: actix_web::dev::ServerHandle,
    db: TestDb,
}

impl Drop for TestApp {
    /// Stops the server and waits for its worker threads to end before the database goes.
    /// Left running, they would keep the store's pool (and its threads reconnecting to a
    /// dropped database) alive into the process's exit, where libpq's exit handlers can crash
    /// under them (seen once as a SIGSEGV after the last test had passed).
    fn drop(&mut self) {
        let stop = self.server.stop(false);
        if let Ok(runtime) = tokio::runtime::Handle::try_current()
            && runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        {
            tokio::task::block_in_place(|| runtime.block_on(stop));
        }
    }
}

/// A response: status, headers and the JSON body (`Null` when there is none).
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as JSON.
    pub body: Value,
}

impl Reply {
    /// The `Content-Type` header.
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// Asserts a problem+json body with `status`, and returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.content_type(), "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| !t.is_empty()), "problem without a type: {}", self.body);
        assert!(self.body["title"].is_string());
        &self.body
    }

    /// Asserts `status` and returns the body.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        &self.body
    }
}

/// A secret for tests only.
pub const TEST_SECRET: &[u8] = b"test-secret-of-at-least-thirty-two-bytes!";

impl TestApp {
    /// Starts the service on `backend`; `None` when PostgreSQL is not configured.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, JwtSettings::hs256(TEST_SECRET.to_vec())).await
    }

    /// Starts the service on `backend` with these token settings.
    pub async fn spawn_with(backend: Backend, jwt: JwtSettings) -> Option<Self> {
        Self::spawn_full(backend, jwt, None).await
    }

    /// Starts the service on `backend` with these token settings and rate limit.
    pub async fn spawn_full(backend: Backend, jwt: JwtSettings, rate_limit: Option<(u64, u32)>) -> Option<Self> {
        // Webhook receivers in the tests listen on this machine: allowed, as
        // SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE=true allows them.
        Self::spawn_webhooks(backend, jwt, rate_limit, WebhookPolicy { allow_private: true }).await
    }

    /// Starts the service on `backend` refusing webhook receivers on private addresses, as a
    /// deployment does by default.
    pub async fn spawn_refusing_private(backend: Backend) -> Option<Self> {
        let jwt = JwtSettings::hs256(TEST_SECRET.to_vec());
        Self::spawn_webhooks(backend, jwt, None, WebhookPolicy { allow_private: false }).await
    }

    /// Starts the service on `backend` with these token settings, rate limit and webhook policy.
    #[allow(clippy::unused_async, reason = "async like the other ways to start it, which its callers await alike")]
    pub async fn spawn_webhooks(
        backend: Backend,
        jwt: JwtSettings,
        rate_limit: Option<(u64, u32)>,
        webhooks: WebhookPolicy,
    ) -> Option<Self> {
        let db = TestDb::create(backend)?;
        let store = db.store();
        // The person cache as production has it: the suites change people and check access
        // through the same instance, which must count at once.
        let key = || [uuid::Uuid::new_v4().into_bytes(), uuid::Uuid::new_v4().into_bytes()].concat();
        let (current, previous) = (key(), key());
        let link_keys = LinkKeys::new(current, Some(previous.clone())).unwrap();
        let previous_link_keys = LinkKeys::new(previous, None).unwrap();
        let pages = PagesSettings {
            public_url: "http://127.0.0.1".into(),
            keys: link_keys.clone(),
            coordinator_email: Some(COORDINATOR.into()),
            dpo_email: Some(DPO.into()),
        };
        let settings = ApiSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            jwt: jwt.clone(),
            workers: Some(1),
            rate_limit,
            person_cache: Duration::from_secs(5),
            mount: Some(systemejer_pages::mount(pages, store.clone())),
            controller: controller(),
            webhooks,
        };
        let app = Application::build(&settings, store.clone()).unwrap();
        let base = format!("http://{}", app.address());
        let server = app.into_server();
        let handle = server.handle();
        tokio::spawn(server);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Some(Self { base, store, link_keys, previous_link_keys, jwt, client, server: handle, db })
    }

    /// A token for a person with `roles`, valid for an hour.
    pub fn token(&self, email: &str, roles: &[Role]) -> String {
        let subject = TokenSubject::Person(EmailAddress::parse(email).unwrap());
        systemejer_api::mint_token(&self.jwt, &subject, roles, chrono::Duration::hours(1), chrono::Utc::now()).unwrap()
    }

    /// A token for an integration with `roles`.
    pub fn client_token(&self, client_id: &str, roles: &[Role]) -> String {
        let subject = TokenSubject::Client(client_id.to_owned());
        systemejer_api::mint_token(&self.jwt, &subject, roles, chrono::Duration::hours(1), chrono::Utc::now()).unwrap()
    }

    /// An admin's token.
    pub fn admin(&self) -> String {
        self.token("it-admin@randers.dk", &[Role::Admin])
    }

    /// Sends a request; `body` is sent as JSON when given. Like a careful client, it changes or
    /// deletes a system with `If-Match` set to the ETag it just read.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let system_resource = path.starts_with("/api/v1/systems/") && path.matches('/').count() == 4;
        let mut if_match = None;
        if system_resource && (method == Method::PATCH || method == Method::DELETE) {
            let mut read = self.client.get(format!("{}{}", self.base, path));
            if let Some(t) = token {
                read = read.bearer_auth(t);
            }
            let res = read.send().await.unwrap();
            if_match = res.headers().get("etag").cloned();
        }
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    /// Sends raw bytes with a content type.
    pub async fn call_raw(&self, method: Method, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        Self::reply(req.send().await.unwrap()).await
    }

    async fn reply(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply { status, headers, body }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// GET a text resource (such as `/metrics`): status, content type and body.
    pub async fn get_text(&self, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
        let mut request = self.client.get(format!("{}{}", self.base, path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let res = request.send().await.unwrap();
        let status = res.status();
        let content_type =
            res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (status, content_type, res.text().await.unwrap())
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// PATCH JSON with a token.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(body)).await
    }

    /// DELETE with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates a resource as admin and returns its id.
    pub async fn create(&self, path: &str, body: Value) -> String {
        let reply = self.post(path, &self.admin(), body).await;
        reply.ok(201)["id"].as_str().unwrap().to_owned()
    }
}

/// Declares each listed test function (`async fn name(app: TestApp)`) once per backend:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("SQLite is always available");
                    super::$name(app).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}

impl TestApp {
    /// Sends a request with extra headers, exactly as given.
    pub async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{}", self.base, path)).bearer_auth(token);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    /// GET as a browser asks for a page: status, content type and body.
    pub async fn get_text_with_accept(&self, path: &str, accept: &str) -> (StatusCode, String, String) {
        let res = self.client.get(format!("{}{}", self.base, path)).header("accept", accept).send().await.unwrap();
        let status = res.status();
        let content_type =
            res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (status, content_type, res.text().await.unwrap())
    }

    /// GET with a raw `Authorization` header.
    pub async fn client_get_with_header(&self, path: &str, authorization: &str) -> Reply {
        let req = self.client.get(format!("{}{}", self.base, path)).header("authorization", authorization);
        Self::reply(req.send().await.unwrap()).await
    }
}

impl TestApp {
    /// The URL of the test database.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// Whether the service runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.store.backend() == systemejer_store::BackendKind::Postgres
    }

    /// A GET whose body is returned as raw bytes (for exports).
    pub async fn get_bytes(&self, path: &str, token: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self.client.get(format!("{}{}", self.base, path)).bearer_auth(token).send().await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        (status, headers, res.bytes().await.unwrap().to_vec())
    }
}
