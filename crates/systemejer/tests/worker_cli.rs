//! `systemejer worker --once` on the embedded default: with no SMTP server, reminders are
//! written as `.eml` files into the outbox folder beside the database; `--dry-run` only tells.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use chrono::Months;
use serde_json::{Value, json};
use systemejer_domain::records::Recorded;
use systemejer_domain::risk::{DpiaDecision, RiskAssessment};
use systemejer_domain::{LifecycleState, TransitionRequest};
use systemejer_store::{PoolOptions, Store};

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// A register with one system in use whose backup test is due in three days.
fn prepare(url: &str) {
    let store = Store::connect(url, &PoolOptions::default()).unwrap();
    store.migrate().unwrap();
    let today = store.today();
    let owner = store
        .create_person(from(json!({"name": "Ole Ejer", "email": "ole@randers.dk", "position": "director"})), "test")
        .unwrap();
    let unit = store.create_org_unit(from(json!({"name": "Teknik", "kind": "department"})), "test").unwrap();
    let system = store
        .create_system(
            from(json!({
                "name": "Vejregister", "kind": "database", "owner_id": owner.id, "org_unit_id": unit.id,
                "purpose": "Vejdata", "description": "Register", "vendor": "Egen", "hosting": "Lokalt",
                "business_processes": ["Vejdrift"], "data_formats": ["text"], "processes_personal_data": false,
                "kle_codes": ["05.01.00"], "criticality": "low", "archive_status": "discard"
            })),
            "test",
        )
        .unwrap();
    let risk: Recorded<RiskAssessment> = store
        .add_record(
            system.id,
            from(json!({"perspective": "information_security", "performed_on": today, "risk_level": "low", "summary": "Lav"})),
            "test",
        )
        .unwrap();
    store.approve_record::<RiskAssessment>(system.id, Some(risk.id), owner.id, "ole@randers.dk").unwrap();
    let _: Recorded<DpiaDecision> = store
        .put_record(
            system.id,
            from(json!({"needed": false, "reason": "Ingen persondata", "dpo_consulted_on": today})),
            "test",
        )
        .unwrap();
    for kind in ["user_administration", "access_review", "backup"] {
        let procedure: systemejer_domain::operations::Procedure =
            from(json!({"kind": kind, "title": kind, "document_url": "https://intranet/p", "approved_on": today}));
        store.add_record(system.id, procedure, "test").unwrap();
    }
    let moved =
        store.transition_system(system.id, &from::<TransitionRequest>(json!({"to": "in_use"})), "test").unwrap();
    assert_eq!(moved.lifecycle_state, LifecycleState::InUse);
    let done_on = (today + chrono::Duration::days(3)).checked_sub_months(Months::new(12)).unwrap();
    store
        .add_completion(
            system.id,
            systemejer_domain::obligations::ObligationKind::BackupTest,
            from(json!({"done_on": done_on, "result": "passed"})),
            "test",
        )
        .unwrap();
}

fn systemejer(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SYSTEMEJER_DATABASE_URL", url);
    cmd
}

#[test]
fn reminders_become_eml_files_without_a_mail_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/systemejer.db", dir.path().display());
    prepare(&url);
    let outbox = dir.path().join("data/outbox");

    let dry = systemejer(&url).args(["worker", "--once", "--dry-run", "--json"]).output().unwrap();
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let plan: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(plan["messages"][0]["addressee"]["email"], "ole@randers.dk");
    assert_eq!(plan["messages"][0]["items"][0]["kind"], "backup_test");
    assert_eq!(plan["messages"][0]["items"][0]["days_left"], 3);
    let said = String::from_utf8_lossy(&dry.stderr);
    assert!(said.contains("dry run: 1 due duties found in "), "{said}");
    assert!(said.contains("; 1 item(s) to 1 recipient(s) planned in "), "{said}");
    assert!(!outbox.exists() || std::fs::read_dir(&outbox).unwrap().next().is_none(), "a dry run writes nothing");

    let run = systemejer(&url).args(["worker", "--once"]).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("1 messages queued, 1 sent"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let mail = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        mail.contains("To: \"Ole Ejer\" <ole@randers.dk>") || mail.contains("To: Ole Ejer <ole@randers.dk>"),
        "{mail}"
    );
    assert!(mail.contains("Auto-Submitted: auto-generated"));
    assert!(mail.contains("text/calendar"));

    let again = systemejer(&url).args(["worker", "--once"]).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 messages queued"));
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1, "never the same reminder twice");
}

/// Twenty owners, each with a backup test due in two days, on a fresh SQLite register; and a
/// slow SMTP server (300 ms a message) on its own runtime.
fn twenty_reminders_to_a_slow_server()
-> (tokio::runtime::Runtime, systemejer_e2e::smtp::SmtpServer, tempfile::TempDir, String, Store) {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    use systemejer_e2e::smtp::{Mode, SmtpServer};

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let smtp = runtime.block_on(SmtpServer::start());
    smtp.set_mode(Mode::Slow);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, &PoolOptions::default()).unwrap();
    store.migrate().unwrap();
    let today = store.today();
    for n in 0..20 {
        let owner = store
            .create_person(from(json!({"name": format!("Ejer {n}"), "email": format!("ejer{n}@randers.dk"), "position": "director"})), "test")
            .unwrap();
        let system = store
            .create_system(from(json!({"name": format!("System {n}"), "kind": "app", "owner_id": owner.id})), "test")
            .unwrap();
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        diesel::sql_query(format!(
            "INSERT INTO obligations (system_id, kind, subject, interval_months, appeared_on, next_due_on) VALUES ('{}', 'backup_test', '', 12, '{today}', '{}')",
            system.id,
            today + chrono::Duration::days(2)
        ))
        .execute(&mut conn)
        .unwrap();
    }
    (runtime, smtp, dir, url, store)
}

/// A worker killed (SIGKILL) while delivering: a rerun delivers what was not delivered, and
/// re-sends at most the message that was in flight.
#[test]
fn a_killed_worker_loses_nothing_and_repeats_at_most_one() {
    use systemejer_e2e::smtp::Mode;

    let (runtime, smtp, _dir, url, store) = twenty_reminders_to_a_slow_server();
    drop(store);

    let mut worker = systemejer(&url).args(["worker", "--once"]).env("SYSTEMEJER_SMTP_URL", &smtp.url).spawn().unwrap();
    let started = std::time::Instant::now();
    while smtp.received().len() < 5 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the worker delivers");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    worker.kill().unwrap(); // SIGKILL: no chance to tidy up
    worker.wait().unwrap();
    let before_rerun = smtp.received().len();
    assert!(before_rerun < 20, "killed mid-delivery");

    smtp.set_mode(Mode::Accept);
    let rerun = systemejer(&url).args(["worker", "--once"]).env("SYSTEMEJER_SMTP_URL", &smtp.url).output().unwrap();
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    let mut recipients: Vec<String> = smtp.received().into_iter().flat_map(|r| r.to).collect();
    let total = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert!(recipients.len() >= 19, "everything but at most the message in flight is delivered: {}", recipients.len());
    assert!(total - recipients.len() <= 1, "at most the message in flight is sent twice");
    drop(runtime);
}

/// SIGTERM while delivering: the worker finishes the message it is sending, records it, and
/// exits 0; what it had not sent stays in the outbox for the next delivery.
#[test]
fn sigterm_finishes_the_message_being_sent_and_exits_zero() {
    let (runtime, smtp, _dir, url, store) = twenty_reminders_to_a_slow_server();

    // The long-running worker: its first pass starts at once.
    let mut worker = systemejer(&url).arg("worker").env("SYSTEMEJER_SMTP_URL", &smtp.url).spawn().unwrap();
    let started = std::time::Instant::now();
    while smtp.received().len() < 5 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the worker delivers");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-TERM", &worker.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopping = std::time::Instant::now();
    let status = worker.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(stopping.elapsed() < std::time::Duration::from_secs(5), "it stops after one message, not the whole pass");

    let delivered = smtp.received().len();
    assert!(delivered < 20, "stopped mid-pass: {delivered}");
    let counts = store.outbox_counts().unwrap();
    assert_eq!(
        counts.get("sent").copied().unwrap_or(0),
        i64::try_from(delivered).unwrap(),
        "every message handed to the server is recorded as sent, the one in flight included: {counts:?}"
    );
    assert_eq!(counts.get("failed"), None, "nothing is given up: {counts:?}");
    assert_eq!(counts.values().sum::<i64>(), 20, "the rest waits in the outbox: {counts:?}");
    drop(runtime);
}

/// A one-shot command exits 0 every time on PostgreSQL. The pool opens connections on threads
/// of its own; one still opening when the command returned made the process crash in OpenSSL's
/// exit handlers (SIGSEGV in about one run in twenty of the dry run, which reads on two
/// connections at once); the store now waits for them when it is dropped.
#[test]
fn the_dry_run_exits_cleanly_on_postgres_run_after_run() {
    let Some(db) = systemejer_e2e::TestDb::create(systemejer_e2e::Backend::Postgres) else { return };
    let store = db.store();
    let today = store.today();
    systemejer_demo::load(&store, systemejer_demo::Options { systems: 60, seed: 5, today }).unwrap();
    drop(store);
    for run in 1..=25 {
        let out = systemejer(&db.url)
            .env("SYSTEMEJER_JWT_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .env("SYSTEMEJER_LINK_SECRET", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")
            .args(["worker", "--once", "--dry-run", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "run {run}: {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
}

/// `worker --once` runs the breach watch too: an admin trying the alerts sees them at once.
#[test]
fn once_also_alerts_of_a_breach() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/systemejer.db", dir.path().display());
    prepare(&url);
    let store = Store::connect(&url, &PoolOptions::default()).unwrap();
    let system = store.list_systems(
        &systemejer_store::SystemFilter::default(),
        &systemejer_store::PageRequest { limit: 1, ..Default::default() },
    );
    let system = system.unwrap().items.remove(0);
    store
        .create_incident(
            from(json!({
                "system_ids": [system.id], "discovered_at": chrono::Utc::now(),
                "description": "Borgerdata sendt til forkert modtager", "personal_data_breach": true
            })),
            "test",
        )
        .unwrap();
    drop(store);

    let run = systemejer(&url).args(["worker", "--once"]).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains("breach watch done: 1 breaches awaiting their report, 1 alerts queued, 1 delivered"),
        "{said}"
    );
    let alerts: Vec<String> = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|mail| mail.contains("Brud p"))
        .collect();
    assert_eq!(alerts.len(), 1, "the owner is alerted");
}
