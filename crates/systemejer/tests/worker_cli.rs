//! `systemejer worker --once` on the embedded default: with no SMTP server, reminders are
//! written as `.eml` files into the outbox folder beside the database; `--dry-run` only tells.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use chrono::Months;
use serde_json::{Value, json};
use systemejer_domain::records::Recorded;
use systemejer_domain::risk::{DpiaDecision, RiskAssessment};
use systemejer_domain::{LifecycleState, TransitionRequest};
use systemejer_e2e::raw_sql;
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
    let moved = store
        .transition_system(system.id, &from::<TransitionRequest>(json!({"to": "in_use"})), system.owner_id, "test")
        .unwrap();
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
    // Done a year ago less three days: due in three days, or on the working day before.
    let today = Store::connect(&url, &PoolOptions::default()).unwrap().today();
    let due = systemejer_e2e::fixtures::calendar().on_or_before(today + chrono::Duration::days(3));
    assert_eq!(plan["messages"][0]["items"][0]["days_left"], (due - today).num_days());
    let said = String::from_utf8_lossy(&dry.stderr);
    assert!(said.contains("dry run: 1 due duties found in "), "{said}");
    assert!(said.contains("; 1 item(s) to 1 recipient(s) planned in "), "{said}");
    assert!(!outbox.exists() || std::fs::read_dir(&outbox).unwrap().next().is_none(), "a dry run writes nothing");
    // A day the flag cannot read is refused in words that say what to type.
    for bad in ["2026-02-30", "2026-3-1", "31-03-2026", "2026-03-31T00:00"] {
        let out = systemejer(&url).args(["worker", "--once", "--dry-run", "--as-of", bad]).output().unwrap();
        assert!(!out.status.success(), "{bad}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("must be a date as YYYY-MM-DD, for example 2026-03-31"), "{bad}: {said}");
        assert!(
            !said.contains("premature") && !said.contains("trailing input") && !said.contains("out of range"),
            "{said}"
        );
    }
    let out = systemejer(&url).args(["worker", "--once", "--dry-run", "--as-of", "0026-03-31"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("must fall in the years 1900 to 9999"), "the API's rule too");

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

/// Twenty owners, each with a backup test due in two days, on a fresh register on `backend`
/// (`None`: PostgreSQL is not configured); and a slow SMTP server (300 ms a message) on its
/// own runtime.
fn twenty_reminders_to_a_slow_server(
    backend: systemejer_e2e::Backend,
) -> Option<(tokio::runtime::Runtime, systemejer_e2e::smtp::SmtpServer, systemejer_e2e::TestDb, Store)> {
    let (runtime, smtp, db, store) = slow_server(backend)?;
    let today = store.today();
    for n in 0..20 {
        let owner = store
            .create_person(from(json!({"name": format!("Ejer {n}"), "email": format!("ejer{n}@randers.dk"), "position": "director"})), "test")
            .unwrap();
        let system = store
            .create_system(from(json!({"name": format!("System {n}"), "kind": "app", "owner_id": owner.id})), "test")
            .unwrap();
        raw_sql::execute(&db.url,
            &format!(
                "INSERT INTO obligations (system_id, kind, subject, interval_months, appeared_on, next_due_on) VALUES ('{}', 'backup_test', '', 12, '{today}', '{}')",
                system.id,
                today + chrono::Duration::days(2)
            ),
        )
        .unwrap();
    }
    Some((runtime, smtp, db, store))
}

/// A fresh register on `backend` (its duties' settings recorded, as the service leaves them)
/// and an SMTP server that takes 300 ms over each message.
fn slow_server(
    backend: systemejer_e2e::Backend,
) -> Option<(tokio::runtime::Runtime, systemejer_e2e::smtp::SmtpServer, systemejer_e2e::TestDb, Store)> {
    use systemejer_e2e::smtp::{Mode, SmtpServer};

    let db = systemejer_e2e::TestDb::create(backend)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let smtp = runtime.block_on(SmtpServer::start());
    smtp.set_mode(Mode::Slow);
    let store = db.store();
    store.keep_duties_in_step(false).unwrap();
    Some((runtime, smtp, db, store))
}

/// `systemejer` on `url` with PostgreSQL's required secrets, a 1-second delivery timeout and a
/// 2-second lease.
fn short_lease_worker(url: &str, smtp: &str) -> Command {
    with_short_lease(systemejer(url), smtp)
}

fn with_short_lease(mut cmd: Command, smtp: &str) -> Command {
    cmd.env("SYSTEMEJER_JWT_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        .env("SYSTEMEJER_LINK_SECRET", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")
        .env("SYSTEMEJER_SMTP_URL", smtp)
        .env("SYSTEMEJER_SMTP_TIMEOUT_SECONDS", "1")
        .env("SYSTEMEJER_WORKER_LEASE_SECONDS", "2")
        .args(["worker", "--once"]);
    cmd
}

/// Two workers, one after the other, SIGKILLed while delivering (no chance to tidy up): the
/// message each was sending stays claimed by it; once its lease runs out, a third worker
/// delivers it with the rest. Every owner gets the reminder, nothing is left queued or claimed,
/// and at most one message per kill (the one in flight) arrives twice.
fn killed_workers_lose_nothing_and_repeat_at_most_one_each(backend: systemejer_e2e::Backend) {
    use systemejer_e2e::smtp::Mode;

    let Some((runtime, smtp, db, store)) = twenty_reminders_to_a_slow_server(backend) else { return };
    drop(store);
    for kill in 1..=2 {
        let mut worker = short_lease_worker(&db.url, &smtp.url).spawn().unwrap();
        let started = std::time::Instant::now();
        let target = 5 * kill;
        while smtp.received().len() < target {
            assert!(started.elapsed() < std::time::Duration::from_secs(60), "worker {kill} delivers");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // Well inside the next message's 300 ms at the server: the worker holds its claim.
        std::thread::sleep(std::time::Duration::from_millis(100));
        worker.kill().unwrap(); // SIGKILL
        worker.wait().unwrap();
        assert!(smtp.received().len() < 20, "killed mid-delivery");
        let claimed = raw_sql::count(&db.url, "SELECT COUNT(*) AS n FROM outbox WHERE claim_token IS NOT NULL");
        assert_eq!(claimed, 1, "kill {kill}: the message in flight stays claimed by the dead worker");
        std::thread::sleep(std::time::Duration::from_millis(2500)); // past the 2-second lease
    }

    smtp.set_mode(Mode::Accept);
    let rest = short_lease_worker(&db.url, &smtp.url).output().unwrap();
    assert!(rest.status.success(), "{}", String::from_utf8_lossy(&rest.stderr));
    let mut recipients: Vec<String> = smtp.received().into_iter().flat_map(|r| r.to).collect();
    let total = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 20, "every owner is reminded");
    assert!(total - recipients.len() <= 2, "at most one message per kill arrives twice: {total} for 20");
    assert_eq!(
        raw_sql::count(&db.url, "SELECT COUNT(*) AS n FROM outbox WHERE status <> 'sent'"),
        0,
        "nothing left queued"
    );
    assert_eq!(
        raw_sql::count(&db.url, "SELECT COUNT(*) AS n FROM outbox WHERE claim_token IS NOT NULL"),
        0,
        "nothing left claimed"
    );
    drop(runtime);
}

#[test]
fn killed_workers_lose_nothing_on_sqlite() {
    killed_workers_lose_nothing_and_repeat_at_most_one_each(systemejer_e2e::Backend::Sqlite);
}

#[test]
fn killed_workers_lose_nothing_on_postgres() {
    killed_workers_lose_nothing_and_repeat_at_most_one_each(systemejer_e2e::Backend::Postgres);
}

/// SIGTERM while delivering: the worker finishes the message it is sending, records it, and
/// exits 0; what it had not sent stays in the outbox for the next delivery.
#[test]
fn sigterm_finishes_the_message_being_sent_and_exits_zero() {
    let (runtime, smtp, db, store) = slow_server(systemejer_e2e::Backend::Sqlite).unwrap();
    let url = db.url.clone();
    // Twenty reminders written to the outbox (the long-running worker's reminder pass writes
    // on working days only; its delivery sends what is queued on any day).
    for n in 0..20 {
        let message = systemejer_store::NewMessage {
            kind: systemejer_store::MessageKind::Reminder,
            recipient_email: format!("ejer{n}@randers.dk"),
            recipient_name: Some(format!("Ejer {n}")),
            language: "da".into(),
            subject: format!("Påmindelse {n}"),
            text_body: "Test af gendannelse fra backup".into(),
            html_body: "<p>Test af gendannelse fra backup</p>".into(),
            ics: None,
            items: json!([]),
            system_ids: Vec::new(),
        };
        store.enqueue(&[format!("sigterm/{n}")], &message).unwrap();
    }

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

/// Two workers on one PostgreSQL, one of them on a machine whose clock runs 150 s ahead (more
/// than the lease): it must not take over the messages the other is sending. The lease is
/// reckoned by the database's clock, so nobody gets a reminder twice.
#[test]
fn a_worker_whose_clock_runs_ahead_takes_over_nothing_on_postgres() {
    let faketime = Command::new("faketime").args(["-f", "+150s", "true"]).status().is_ok_and(|s| s.success());
    if !faketime {
        assert!(std::env::var_os("CI").is_none(), "CI installs faketime (libfaketime) for this test");
        eprintln!("skipped: faketime is not installed (apt-get install faketime)");
        return;
    }
    let Some((runtime, smtp, db, store)) = twenty_reminders_to_a_slow_server(systemejer_e2e::Backend::Postgres) else {
        return;
    };
    drop(store);
    let mut on_time = short_lease_worker(&db.url, &smtp.url).spawn().unwrap();
    let started = std::time::Instant::now();
    while smtp.received().len() < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the first worker delivers");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut ahead = Command::new("faketime");
    ahead.args(["-f", "+150s", env!("CARGO_BIN_EXE_systemejer")]);
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") {
            ahead.env_remove(key);
        }
    }
    ahead.env("SYSTEMEJER_DATABASE_URL", &db.url);
    let ahead = with_short_lease(ahead, &smtp.url).output().unwrap();
    assert!(ahead.status.success(), "{}", String::from_utf8_lossy(&ahead.stderr));
    assert!(on_time.wait().unwrap().success());
    let mut recipients: Vec<String> = smtp.received().into_iter().flat_map(|r| r.to).collect();
    let total = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!((recipients.len(), total), (20, 20), "every owner reminded once");
    drop(runtime);
}

/// The dry run is read by people: each duty on a line of words, a supervision by its
/// processor's name, no codes to look up.
#[test]
fn the_dry_run_reads_as_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/register.db", dir.path().display());
    let demo = systemejer(&url).args(["demo", "--systems", "40"]).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    // A year and more ahead, every supervision of a processor has fallen due.
    let ahead = (chrono::Local::now().date_naive() + chrono::Duration::days(400)).to_string();

    let json = systemejer(&url).args(["worker", "--once", "--dry-run", "--json", "--as-of", &ahead]).output().unwrap();
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let plan: Value = serde_json::from_slice(&json.stdout).unwrap();
    let supervisions: Vec<&Value> = plan["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["items"].as_array().unwrap())
        .filter(|i| i["kind"] == "processor_supervision")
        .collect();
    assert!(!supervisions.is_empty(), "the demo's agreements are due for supervision");
    let processor = supervisions[0]["subject_name"].as_str().expect("the processor's name").to_owned();
    assert!(!processor.is_empty());

    let text = systemejer(&url).args(["worker", "--once", "--dry-run", "--as-of", &ahead]).output().unwrap();
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(
        said.starts_with(&format!("as of {ahead}, these reminders would be sent (nothing is sent or recorded):")),
        "{said}"
    );
    assert!(said.contains(&format!("processor_supervision ({processor}), due ")), "{said}");
    assert!(!said.contains(" :"), "no space before a colon: {said}");
    for code in ["before_", "overdue_", "[", "owner_of_overdue", "assigned;"] {
        assert!(!said.contains(code), "{code} is written out: {said}");
    }
    assert!(said.contains("the reminder ") && said.contains("weeks overdue"), "{said}");
    assert!(said.contains("told as owner: they own the system and the duty is overdue"), "{said}");
    assert!(String::from_utf8_lossy(&text.stderr).contains("checking which were already sent took"));
}
