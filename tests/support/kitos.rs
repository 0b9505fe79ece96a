//! A test Kitos (API v2) server on 127.0.0.1 and a free port: it serves a fixture directory as
//! API-V2.md describes (token, bare-array lists paged with `page`/`pageSize`, the filters, the
//! delta feed), and lets a test change or delete a usage, expire tokens and count requests.
//! It works on raw JSON, not on `systemejer-kitos`'s types, so that it tests the client.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The API user's e-mail address.
pub const EMAIL: &str = "kitos-api@testrup.example";
/// The API user's password.
pub const PASSWORD: &str = "hemmeligt-kodeord-123";
/// The message of Kitos's 401 on a refused login.
pub const LOGIN_REFUSED: &str = "Du har ikke adgang til denne funktion log ind med en bruger og prøv igen";

/// The fixture set `year` (`"2026"` or `"2025"`) under `tests/fixtures/kitos`.
pub fn fixtures(year: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kitos").join(year)
}

/// What the server serves and has seen.
struct State {
    usages: Vec<Value>,
    registrations: Vec<Value>,
    units: Vec<Value>,
    users: Vec<Value>,
    role_types: Vec<Value>,
    systems: HashMap<String, Value>,
    deleted: Vec<Value>,
    organization: String,
    tokens: HashMap<String, DateTime<Utc>>,
    token_lifetime: chrono::Duration,
    tokens_issued: usize,
    unauthorized: usize,
    /// Every request as `"METHOD /path?query"`, in order.
    requests: Vec<String>,
    /// How many of the next API requests are answered 503.
    failing: usize,
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_list(dir: &Path, name: &str) -> Vec<Value> {
    let path = dir.join(name);
    if !path.exists() {
        return Vec::new();
    }
    match read_json(&path) {
        Value::Array(items) => items,
        other => panic!("{}: not an array but {other}", path.display()),
    }
}

impl State {
    fn load(&mut self, dir: &Path) {
        self.usages = read_list(dir, "it-system-usages.json");
        self.registrations = read_list(dir, "data-processing-registrations.json");
        self.units = read_list(dir, "organization-units.json");
        self.users = read_list(dir, "users.json");
        self.role_types = read_list(dir, "it-system-usage-role-types.json");
        self.deleted = read_list(dir, "deleted-entities.json");
        self.systems.clear();
        for entry in std::fs::read_dir(dir.join("it-systems")).unwrap() {
            let system = read_json(&entry.unwrap().path());
            self.systems.insert(system["uuid"].as_str().unwrap().to_owned(), system);
        }
        self.organization = self
            .usages
            .iter()
            .find_map(|usage| usage["organizationContext"]["uuid"].as_str())
            .expect("the fixture's usages name their organization")
            .to_owned();
    }
}

/// A running test Kitos server; it stops when dropped.
pub struct KitosServer {
    base: String,
    state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for KitosServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl KitosServer {
    /// Starts serving the fixture directory `dir` (in the current tokio runtime); tokens live
    /// 24 hours, as Kitos's do.
    pub fn start(dir: &Path) -> Self {
        let mut state = State {
            usages: Vec::new(),
            registrations: Vec::new(),
            units: Vec::new(),
            users: Vec::new(),
            role_types: Vec::new(),
            systems: HashMap::new(),
            deleted: Vec::new(),
            organization: String::new(),
            tokens: HashMap::new(),
            token_lifetime: chrono::Duration::hours(24),
            tokens_issued: 0,
            unauthorized: 0,
            requests: Vec::new(),
            failing: 0,
        };
        state.load(dir);
        let state = Arc::new(Mutex::new(state));
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || App::new().app_data(shared.clone()).default_service(web::to(handle)))
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        KitosServer { base: format!("http://{address}"), state, handle }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The organization the fixture's usages belong to.
    pub fn organization(&self) -> uuid::Uuid {
        self.state().organization.parse().unwrap()
    }

    /// Serves the fixture directory `dir` from now on (e.g. the 2025 set); tokens stay valid.
    pub fn use_fixtures(&self, dir: &Path) {
        self.state().load(dir);
    }

    /// How long tokens issued from now on live.
    pub fn set_token_lifetime(&self, lifetime: std::time::Duration) {
        self.state().token_lifetime = chrono::Duration::from_std(lifetime).unwrap();
    }

    /// Answers the next `requests` API requests 503 Service Unavailable (a Kitos restarting).
    pub fn fail_next(&self, requests: usize) {
        self.state().failing = requests;
    }

    /// Forgets every token issued (as a restarted Kitos with a new key would): each is refused.
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    /// Applies the JSON merge patch `merge` (RFC 7386) to the usage `uuid` and sets its
    /// `lastModified` to now.
    pub fn change_usage(&self, uuid: uuid::Uuid, merge: &Value) {
        let mut state = self.state();
        let uuid = uuid.to_string();
        let usage = state.usages.iter_mut().find(|usage| usage["uuid"] == uuid.as_str()).expect("no such usage");
        merge_patch(usage, merge);
        usage["lastModified"] = json!(kitos_time(Utc::now()));
    }

    /// Deletes the usage `uuid`: it leaves the lists and enters the delta feed.
    pub fn delete_usage(&self, uuid: uuid::Uuid) {
        let mut state = self.state();
        let uuid = uuid.to_string();
        let before = state.usages.len();
        state.usages.retain(|usage| usage["uuid"] != uuid.as_str());
        assert_eq!(state.usages.len() + 1, before, "no such usage");
        let occurred = kitos_time(Utc::now());
        state.deleted.push(json!({"occurredAtUtc": occurred, "entityUuid": uuid, "entityType": "ItSystemUsage"}));
    }

    /// Every request so far, as `"METHOD /path?query"`.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }

    /// How many requests so far had a path starting with `prefix` (e.g. `/api/v2/it-systems/`).
    pub fn count(&self, prefix: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|line| line.split_once(' ').is_some_and(|(_, p)| p.starts_with(prefix)))
            .count()
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.state().tokens_issued
    }

    /// How many requests were refused with 401 for a missing, unknown or expired token.
    pub fn unauthorized(&self) -> usize {
        self.state().unauthorized
    }

    /// Forgets the requests seen and the counts.
    pub fn reset_counts(&self) {
        let mut state = self.state();
        state.requests.clear();
        state.tokens_issued = 0;
        state.unauthorized = 0;
    }
}

/// An instant as Kitos writes it: `Z`, up to 7 fractional digits, trailing zeros dropped.
pub fn kitos_time(instant: DateTime<Utc>) -> String {
    let fraction = format!("{:07}", instant.timestamp_subsec_nanos() % 1_000_000_000 / 100);
    let fraction = fraction.trim_end_matches('0');
    let dot = if fraction.is_empty() { "" } else { "." };
    format!("{}{dot}{fraction}Z", instant.format("%Y-%m-%dT%H:%M:%S"))
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let target = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn answer(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json; charset=utf-8").body(body.to_string())
}

/// A 400 as ASP.NET model validation gives it: field → messages.
fn bad_request(field: &str, message: &str) -> HttpResponse {
    answer(StatusCode::BAD_REQUEST, &json!({ field: [message] }))
}

/// A domain error as the 2026 build gives it: a JSON string.
fn not_found(what: &str) -> HttpResponse {
    answer(StatusCode::NOT_FOUND, &json!(format!("{what} not found")))
}

fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// One page of `items`, by `page` and `pageSize` (1…250, default 250; `unbounded` lists give
/// everything when no `pageSize` is given).
fn paged(items: Vec<Value>, query: &HashMap<String, String>, unbounded: bool) -> HttpResponse {
    let page = match query.get("page").map(|p| p.parse::<usize>()) {
        None => 0,
        Some(Ok(page)) => page,
        Some(Err(_)) => return bad_request("page", "The field Page must be between 0 and 2147483647."),
    };
    let page_size = match query.get("pageSize").map(|s| s.parse::<i64>()) {
        None if unbounded => return answer(StatusCode::OK, &Value::Array(items)),
        None => 250,
        Some(Ok(size)) if (1..=250).contains(&size) || (unbounded && size >= 1) => usize::try_from(size).unwrap(),
        Some(_) => return bad_request("pageSize", "The field PageSize must be between 1 and 250."),
    };
    let page: Vec<Value> = items.into_iter().skip(page * page_size).take(page_size).collect();
    answer(StatusCode::OK, &Value::Array(page))
}

/// The items of `organizationUuid` (all when not given), changed at or after
/// `changedSinceGtEq`, ordered by last change when that is given; the page asked for, or 400.
fn filtered_page(items: &[Value], query: &HashMap<String, String>) -> HttpResponse {
    let mut out: Vec<Value> = items
        .iter()
        .filter(|item| {
            query.get("organizationUuid").is_none_or(|org| item["organizationContext"]["uuid"] == org.as_str())
        })
        .cloned()
        .collect();
    if let Some(since) = query.get("changedSinceGtEq") {
        let Some(since) = parse_instant(since) else {
            return bad_request("changedSinceGtEq", "The value is not a valid date.");
        };
        let modified = |item: &Value| item["lastModified"].as_str().and_then(parse_instant);
        out.retain(|item| modified(item).is_some_and(|at| at >= since));
        out.sort_by_key(|item| modified(item));
    }
    paged(out, query, false)
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<Mutex<State>>) -> HttpResponse {
    let path = request.path().to_owned();
    let query_string = request.query_string().to_owned();
    let line = if query_string.is_empty() { path.clone() } else { format!("{path}?{query_string}") };
    let mut state = state.lock().unwrap();
    state.requests.push(format!("{} {line}", request.method()));
    let query: HashMap<String, String> = match web::Query::<HashMap<String, String>>::from_query(&query_string) {
        Ok(query) => query.into_inner(),
        Err(_) => return bad_request("query", "The query string does not parse."),
    };
    let method = request.method().as_str();
    if method == "POST" && path == "/api/authorize/GetToken" {
        return get_token(&mut state, &body);
    }
    if !path.starts_with("/api/v2/") {
        return not_found("route");
    }
    if state.failing > 0 {
        state.failing -= 1;
        return HttpResponse::ServiceUnavailable().content_type("text/html").body("<h1>Service Unavailable</h1>");
    }
    let token = request
        .headers()
        .get("Authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    let valid = token.and_then(|token| state.tokens.get(&token).copied()).is_some_and(|expires| Utc::now() < expires);
    if !valid {
        state.unauthorized += 1;
        return HttpResponse::Unauthorized().insert_header(("WWW-Authenticate", "Bearer")).finish();
    }
    if method != "GET" {
        return HttpResponse::MethodNotAllowed().finish();
    }
    let segments: Vec<&str> = path.trim_start_matches("/api/v2/").trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["it-system-usages"] => filtered_page(&state.usages, &query),
        ["it-system-usages", uuid] => state
            .usages
            .iter()
            .find(|u| u["uuid"] == *uuid)
            .map_or_else(|| not_found("usage"), |u| answer(StatusCode::OK, u)),
        ["data-processing-registrations"] => filtered_page(&state.registrations, &query),
        ["it-systems", uuid] => {
            state.systems.get(*uuid).map_or_else(|| not_found("it-system"), |s| answer(StatusCode::OK, s))
        }
        ["organizations", org, "organization-units"] if *org == state.organization => {
            paged(state.units.clone(), &query, false)
        }
        ["organizations", org, "users"] if *org == state.organization => paged(state.users.clone(), &query, false),
        ["organizations", _, _] => not_found("organization"),
        ["it-system-usage-role-types"] => match query.get("organizationUuid") {
            Some(org) if *org == state.organization => paged(state.role_types.clone(), &query, true),
            Some(_) => not_found("organization"),
            None => bad_request("organizationUuid", "The organizationUuid field is required."),
        },
        ["delta-feed", "deleted-entities"] => {
            let since = match query.get("deletedSinceUTC").map(|s| parse_instant(s)) {
                None => None,
                Some(Some(since)) => Some(since),
                Some(None) => return bad_request("deletedSinceUTC", "The value is not a valid date."),
            };
            let items: Vec<Value> = state
                .deleted
                .iter()
                .filter(|d| query.get("entityType").is_none_or(|kind| d["entityType"] == kind.as_str()))
                .filter(|d| {
                    since.is_none_or(|since| {
                        d["occurredAtUtc"].as_str().and_then(parse_instant).is_some_and(|at| at >= since)
                    })
                })
                .cloned()
                .collect();
            paged(items, &query, false)
        }
        _ => not_found("route"),
    }
}

/// `POST api/authorize/GetToken`: model binding is case-insensitive.
fn get_token(state: &mut State, body: &[u8]) -> HttpResponse {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return answer(StatusCode::BAD_REQUEST, &json!({"msg": "The request is invalid.", "response": {}}));
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str());
    if field("email") != Some(EMAIL) || field("password") != Some(PASSWORD) {
        return answer(StatusCode::UNAUTHORIZED, &json!({"msg": LOGIN_REFUSED, "response": {}}));
    }
    let token = format!("test-token-{}", uuid::Uuid::new_v4().simple());
    let expires = Utc::now() + state.token_lifetime;
    state.tokens.insert(token.clone(), expires);
    state.tokens_issued += 1;
    let expires = kitos_time(expires);
    let response = json!({"token": token, "email": EMAIL, "loginSuccessful": true, "expires": expires});
    answer(StatusCode::OK, &json!({"msg": "", "response": response}))
}
