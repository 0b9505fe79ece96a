//! `systemejer serve` as operations run it: JSON logs whose lines carry the request id that
//! the response and its problem body name, and a graceful stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `systemejer serve` on a fresh SQLite register, its log lines collected.
struct Service {
    child: Child,
    address: SocketAddr,
    lines: mpsc::Receiver<String>,
    database: String,
    dir: tempfile::TempDir,
}

fn systemejer(database: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SYSTEMEJER_DATABASE_URL", database);
    cmd
}

impl Service {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let database = format!("sqlite://{}/register.db", dir.path().display());
        let mut child = systemejer(&database)
            .arg("serve")
            .env("SYSTEMEJER_LISTEN", address.to_string())
            .env("SYSTEMEJER_LOG_FORMAT", "json")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let service = Self { child, address, lines, database, dir };
        let started = Instant::now();
        while service.request("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_none() {
            assert!(started.elapsed() < Duration::from_secs(30), "the service did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        service
    }

    /// Sends raw HTTP and reads the whole answer; `None` while nothing listens.
    fn request(&self, raw: &str) -> Option<String> {
        let mut stream = TcpStream::connect(self.address).ok()?;
        stream.write_all(raw.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        (!answer.is_empty()).then_some(answer)
    }

    /// Log lines until one satisfies `wanted` (or 10 seconds pass).
    fn wait_for_line(&self, wanted: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Every log line written until none came for half a second.
    fn lines_so_far(&self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            out.push(line);
        }
        out
    }

    /// An admin's token, signed with the secret the service generated beside its database.
    fn admin_token(&self) -> String {
        let out =
            systemejer(&self.database).args(["token", "--email", "it@kommune.dk", "--role", "admin"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    answer
        .split("\r\n\r\n")
        .next()?
        .lines()
        .find_map(|line| line.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

fn body(answer: &str) -> serde_json::Value {
    serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap()
}

#[test]
fn a_problem_names_the_request_id_its_log_lines_carry() {
    let service = Service::start();
    let answer = service.request("GET /api/v1/systems HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let id = header(&answer, "x-request-id").expect("every response names its request id").to_owned();
    let problem = body(&answer);
    assert_eq!(problem["request_id"], id.as_str(), "the problem body names the same id");
    assert_eq!(problem["status"], 401);

    // The log line about it is JSON, and carries the id in its request span.
    let line = service.wait_for_line(|l| l.contains(&id)).expect("a log line carries the request id");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
    assert_eq!(entry["span"]["request_id"], id.as_str(), "{line}");
    assert_eq!(entry["fields"]["status"], 401, "{line}");

    // Each request has its own id.
    let again = service.request("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let other = header(&again, "x-request-id").unwrap();
    assert_ne!(other, id);
}

/// SIGTERM stops accepting, lets the request in flight finish, and exits 0.
#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_zero() {
    let mut service = Service::start();
    let token = service.admin_token();
    // A request in flight: its head and half its body sent, the rest after SIGTERM.
    let body = r#"{"name": "Teknik og Miljø", "kind": "directorate"}"#;
    let (first, rest) = body.split_at(10);
    let mut stream = TcpStream::connect(service.address).unwrap();
    write!(
        stream,
        "POST /api/v1/org-units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    service.terminate();
    service.wait_for_line(|l| l.contains("graceful")).expect("the server says it stops gracefully");
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "the request in flight is answered: {answer:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = service.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the service did not stop within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        service.request("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_none(),
        "nothing listens after the stop"
    );
}

/// `systemejer probe` (the image's health check) says ready only while the service answers.
#[test]
fn probe_exits_zero_only_while_the_service_is_ready() {
    let service = Service::start();
    let probe =
        |address: &str| systemejer(&service.database).arg("probe").env("SYSTEMEJER_LISTEN", address).output().unwrap();
    let ready = probe(&service.address.to_string());
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));
    // Listening on all interfaces: the probe asks localhost.
    let any = probe(&format!("0.0.0.0:{}", service.address.port()));
    assert!(any.status.success(), "{}", String::from_utf8_lossy(&any.stderr));
    let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let nobody = probe(&free.to_string());
    assert!(!nobody.status.success(), "nothing listens on {free}");
}

/// A fault of ours (here: a row no code could have written, as corruption or a bad manual fix
/// would leave it) answers an opaque 500 naming the request id, and its log line carries the
/// whole cause: what was being read, and the parser's own words.
#[test]
fn an_internal_error_logs_its_cause_and_tells_the_client_nothing_of_it() {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let service = Service::start();
    let token = service.admin_token();
    let system = r#"{"name": "Vejregister", "kind": "app"}"#;
    let create = format!(
        "POST /api/v1/systems HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{system}",
        system.len()
    );
    let created = service.request(&create).unwrap();
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let id = body(&created)["id"].as_str().unwrap().to_owned();
    let mut db = SqliteConnection::establish(service.database.trim_start_matches("sqlite://")).unwrap();
    diesel::sql_query("UPDATE systems SET kle_codes = 'not json' WHERE id = ?")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut db)
        .unwrap();

    let read = format!(
        "GET /api/v1/systems/{id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let answer = service.request(&read).unwrap();
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    let request_id = header(&answer, "x-request-id").unwrap().to_owned();
    let problem = body(&answer);
    assert_eq!(problem["request_id"], request_id.as_str());
    assert!(!answer.contains("kle_codes") && !answer.contains("not json"), "nothing of the cause reaches the client");

    let line = service
        .wait_for_line(|l| l.contains(&request_id) && l.contains("request failed"))
        .expect("the failure is logged with the request id");
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    let error = entry["fields"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("unreadable stored data: systems.kle_codes"), "what was being read: {line}");
    assert!(error.contains("expected ident"), "the parser's own words, the cause behind it: {line}");
}

/// The token of a mail's link never reaches a log line, even with every request logged: the
/// path is logged as `/l/-`. Opened, the link answers with a session cookie scoped to its page.
#[test]
fn no_link_token_is_ever_logged() {
    let service = Service::start_with(&[("SYSTEMEJER_LOG", "debug")]);
    let demo = systemejer(&service.database).args(["demo", "--systems", "3"]).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let people = service
        .request(&format!(
            "GET /api/v1/people?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            service.admin_token()
        ))
        .unwrap();
    let person = body(&people)["items"][0]["id"].as_str().unwrap().parse().unwrap();
    let secret = std::fs::read_to_string(service.dir.path().join("link-secret")).unwrap();
    let keys = systemejer_links::LinkKeys::new(secret.trim().as_bytes().to_vec(), None).unwrap();
    let link = systemejer_links::Link {
        person,
        target: systemejer_links::LinkTarget::MyDuties,
        expires_at: chrono::Utc::now() + chrono::Duration::days(1),
    };
    let token = keys.sign(&link);
    let get =
        |path: &str| service.request(&format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).unwrap();
    let opened = get(&format!("/l/{token}"));
    assert!(opened.starts_with("HTTP/1.1 200"), "{opened}");
    let cookie = header(&opened, "set-cookie").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/mine-opgaver", "Max-Age=1800"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains(&token), "the session is not the link");
    let tampered = get(&format!("/l/{}x", &token[..token.len() - 1]));
    assert!(tampered.starts_with("HTTP/1.1 403"), "{tampered}");
    // A mangled link (another case, a doubled slash) is hidden as well.
    for mangled in [format!("/L/{token}"), format!("//l/{token}")] {
        assert!(!get(&mangled).is_empty());
    }
    let lines = service.lines_so_far();
    assert!(lines.iter().any(|l| l.contains("/l/-")), "the request is logged, its token hidden: {lines:#?}");
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').next().unwrap();
    for line in &lines {
        assert!(!line.contains(signature) && !line.contains(payload), "a token in the log: {line}");
    }
}

/// `token` uses the service's secret or none: run in a folder without the database's, it says
/// where it looked and makes nothing; after `migrate` made the secret, it mints, also from
/// another folder given the service's database URL, and still makes no second secret.
#[test]
fn token_never_makes_a_secret_of_its_own() {
    let service = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let mint = |cwd: &std::path::Path, url: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
        for (key, _) in std::env::vars() {
            if key.starts_with("SYSTEMEJER_") {
                cmd.env_remove(key);
            }
        }
        if let Some(url) = url {
            cmd.env("SYSTEMEJER_DATABASE_URL", url);
        }
        cmd.current_dir(cwd).args(["token", "--email", "it@randers.dk", "--role", "admin"]).output().unwrap()
    };
    let refused = mint(elsewhere.path(), None);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("there is no secret beside the database (data/jwt-secret does not exist)"), "{said}");
    assert!(said.contains("`systemejer run`, `serve`, `migrate` or `demo`"), "{said}");
    assert!(!elsewhere.path().join("data").exists(), "nothing made where it ran");

    let url = format!("sqlite://{}/data/systemejer.db", service.path().display());
    let migrated = systemejer(&url).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let secret = std::fs::read_to_string(service.path().join("data/jwt-secret")).unwrap();
    for (cwd, url) in [(service.path(), None), (elsewhere.path(), Some(url.as_str()))] {
        let minted = mint(cwd, url);
        assert!(minted.status.success(), "{}", String::from_utf8_lossy(&minted.stderr));
        let token = String::from_utf8(minted.stdout).unwrap();
        let key = jsonwebtoken::DecodingKey::from_secret(secret.trim().as_bytes());
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_aud = false;
        jsonwebtoken::decode::<serde_json::Value>(token.trim(), &key, &validation)
            .expect("signed with the service's secret");
    }
    assert!(!elsewhere.path().join("data").exists(), "still nothing made where it ran");
}

/// What anyone can send without a token writes nothing above info: a malformed request is a
/// 400 without an ERROR line, a 4xx answer one info line ("answered with a problem"), not a
/// WARN; and the text log has no colour codes when standard error is not a terminal. (The
/// controller is named, or the start would warn that the record of processing lacks it.)
#[test]
fn malformed_requests_and_4xx_do_not_flood_the_log() {
    let service =
        Service::start_with(&[("SYSTEMEJER_LOG_FORMAT", "text")].into_iter().chain(CONTROLLER).collect::<Vec<_>>());
    for raw in [
        "GARBAGE LINE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n",
    ] {
        let answer = service.request(raw).unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 400"), "{raw:?}: {answer}");
    }
    let token = service.admin_token();
    let stale = format!(
        "PATCH /api/v1/systems/01a231c7-d80a-71a9-a3c3-27fb2a41d429 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nIf-Match: \"v9\"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    let answer = service.request(&stale).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let lines = service.lines_so_far();
    assert!(lines.iter().any(|l| l.contains("answered with a problem")), "{lines:#?}");
    let loud: Vec<_> = lines.iter().filter(|l| l.contains("ERROR") || l.contains("WARN")).collect();
    assert!(loud.is_empty(), "nothing above info: {loud:#?}");
    assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "no colour codes in a pipe: {:?}", lines.first());
}

#[test]
fn start_up_and_the_demo_say_what_to_do_next() {
    // An empty register, started through cargo (cargo names the package to what it runs).
    let service = Service::start_with(&[("CARGO_PKG_NAME", "systemejer")]);
    let up = service.wait_for_line(|l| l.contains("systemejer is up")).expect("a line saying the service is up");
    assert!(up.contains("the register is empty: load Demo Kommune with `cargo run -- demo`"), "{up}");

    // The demo ends with the next step, as the binary is called when cargo did not start it.
    let demo =
        systemejer(&service.database).args(["demo", "--systems", "3"]).env("CARGO_PKG_NAME", "").output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let said = String::from_utf8_lossy(&demo.stdout);
    assert!(said.contains("next: start the service with `systemejer run`"), "{said}");
    assert!(said.contains("`systemejer worker --once` sends them now"), "{said}");
    assert!(said.contains("`systemejer token --email it-admin@demo-kommune.dk --role admin`"), "{said}");

    // A register with systems: the docs and how to get a token.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut again = systemejer(&service.database)
        .arg("serve")
        .env("SYSTEMEJER_LISTEN", format!("127.0.0.1:{port}"))
        .env("SYSTEMEJER_LOG_FORMAT", "json")
        .env("CARGO_PKG_NAME", "")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = again.stderr.take().unwrap();
    let up = BufReader::new(stderr).lines().map_while(Result::ok).find(|l| l.contains("systemejer is up"));
    let _ = again.kill();
    let _ = again.wait();
    let up = up.expect("a line saying the service is up");
    assert!(up.contains("/docs/ ; get a token with: systemejer token --email you@kommune.dk --role admin"), "{up}");
}

/// The controller and its DPO, as a municipality configures them.
const CONTROLLER: [(&str, &str); 5] = [
    ("SYSTEMEJER_CONTROLLER_NAME", "Randers Kommune"),
    ("SYSTEMEJER_CONTROLLER_CVR", "29189684"),
    ("SYSTEMEJER_CONTROLLER_ADDRESS", "Laksetorvet 1, 8900 Randers C"),
    ("SYSTEMEJER_DPO_NAME", "Databeskyttelsesrådgiveren"),
    ("SYSTEMEJER_DPO_EMAIL", "dpo@randers.dk"),
];

/// A record of processing that cannot name the controller and its DPO (art. 30(1)(a)) is
/// warned of at start, naming the settings that are missing.
#[test]
fn a_record_without_its_controller_is_warned_of_at_start() {
    let service = Service::start_with(&[("SYSTEMEJER_LOG_FORMAT", "text"), CONTROLLER[0], CONTROLLER[1]]);
    let lines = service.lines_so_far();
    let warned: Vec<_> = lines.iter().filter(|l| l.contains("WARN") && l.contains("record of processing")).collect();
    assert_eq!(warned.len(), 1, "{lines:#?}");
    for missing in ["SYSTEMEJER_CONTROLLER_ADDRESS", "SYSTEMEJER_DPO_NAME", "SYSTEMEJER_DPO_EMAIL"] {
        assert!(warned[0].contains(missing), "{missing}: {}", warned[0]);
    }
    assert!(!warned[0].contains("SYSTEMEJER_CONTROLLER_NAME"), "{}", warned[0]);
}
