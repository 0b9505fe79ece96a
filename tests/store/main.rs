//! The store on both backends: migrations that agree and run up, down and up again, and
//! writes that are whole or not at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod checks;
mod demo;
mod history;
mod webhooks;

use std::path::Path;

use systemejer_domain::{NewSystem, Position};
use systemejer_e2e::{Backend, TestDb, raw_sql};
use systemejer_store::AuditFilter;
use systemejer_store::{
    BackendKind, NotificationFilter, PageRequest, PoolOptions, StoreError, SystemFilter, migrations,
};

fn folder_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let pg = folder_names("postgres");
    let sqlite = folder_names("sqlite");
    assert!(!pg.is_empty());
    assert_eq!(pg, sqlite, "migrations/postgres and migrations/sqlite must list the same migrations");
    for name in &pg {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                let path =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(backend).join(name).join(file);
                assert!(path.is_file(), "{} is missing", path.display());
            }
        }
    }
    assert_eq!(migrations::names(BackendKind::Postgres), migrations::names(BackendKind::Sqlite));
    assert_eq!(migrations::names(BackendKind::Postgres).len(), pg.len(), "every folder is embedded");
}

fn up_down_up(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let all = migrations::names(store.backend()).len();
    let reverted = store.revert_all_migrations().unwrap();
    assert_eq!(reverted.len(), all);
    let applied = store.migrate().unwrap();
    assert_eq!(applied.len(), all);
    // The schema works after the round trip.
    let owner = store
        .create_person(
            systemejer_domain::NewPerson {
                name: "Dorte".to_owned().try_into().unwrap(),
                email: systemejer_domain::EmailAddress::parse("dorte@randers.dk").unwrap(),
                position: Position::Director,
                org_unit_id: None,
                manager_id: None,
                active: true,
                language: systemejer_domain::Language::default(),
            },
            "test",
        )
        .unwrap();
    assert_eq!(store.get_person(owner.id).unwrap().email.as_str(), "dorte@randers.dk");
}

#[test]
fn migrations_run_up_down_and_up_on_sqlite() {
    up_down_up(Backend::Sqlite);
}

#[test]
fn migrations_run_up_down_and_up_on_postgres() {
    up_down_up(Backend::Postgres);
}

fn new_system(name: &str) -> NewSystem {
    serde_json::from_value(serde_json::json!({"name": name, "kind": "it_system"})).unwrap()
}

fn concurrent_writers_all_land(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    store.create_system(new_system(&format!("System {t}-{i}")), "test").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let page = PageRequest { limit: 500, offset: 0, cursor: None };
    assert_eq!(store.list_systems(&SystemFilter::default(), &page).unwrap().total, 80);
    assert_eq!(store.list_audit_events(&AuditFilter::default(), &page).unwrap().total, 80, "one audit event per write");
}

#[test]
fn concurrent_writers_all_land_on_sqlite() {
    concurrent_writers_all_land(Backend::Sqlite);
}

#[test]
fn concurrent_writers_all_land_on_postgres() {
    concurrent_writers_all_land(Backend::Postgres);
}

/// The API and the worker as two processes on one SQLite file (the systemd units' layout):
/// each has its own writer lock, so their writers meet in SQLite itself. A change reads before
/// it writes; begun as a reader it would be refused at once ("database is locked") when the
/// other process wrote in between. Every write must wait its turn and land.
#[test]
fn two_processes_on_one_sqlite_file_write_in_turn() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let first = db.store();
    let second = systemejer_store::Store::connect(&db.url, &PoolOptions::default()).unwrap();
    let systems: Vec<_> =
        (0..4).map(|i| first.create_system(new_system(&format!("System {i}")), "test").unwrap().id).collect();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = if t % 2 == 0 { first.clone() } else { second.clone() };
            let systems = systems.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    let patch = serde_json::from_value(serde_json::json!({"vendor": format!("V {t}-{i}")})).unwrap();
                    store.update_system(systems[i % systems.len()], &patch, None, "test").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let page = PageRequest { limit: 500, offset: 0, cursor: None };
    let versions: i64 =
        first.list_systems(&SystemFilter::default(), &page).unwrap().items.iter().map(|s| s.version).sum();
    assert_eq!(versions, 4 + 8 * 40, "every change landed, one version each");
}

#[test]
fn a_wrong_database_url_says_what_is_wrong() {
    let options = systemejer_store::PoolOptions::default();
    let err = systemejer_store::Store::connect("mysql://x@y/z", &options).err().unwrap();
    assert!(err.to_string().contains("sqlite://"), "{err}");
    let err = systemejer_store::Store::connect("postgres://nobody@127.0.0.1:1/none", &options).err().unwrap();
    assert!(matches!(err, StoreError::Unavailable(ref m) if m.contains("127.0.0.1")), "{err}");
}

/// The audit log of the database at `url` refuses every change and deletion, also from SQL
/// outside the service, and is left as it was.
fn assert_audit_log_immutable(url: &str) {
    let before = raw_sql::count(url, "SELECT COUNT(*) AS n FROM audit_events");
    assert!(before > 0, "there is an audit log to try");
    let mut attempts = vec!["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"];
    if !url.starts_with("sqlite://") {
        attempts.push("TRUNCATE audit_events");
    }
    for sql in attempts {
        let err = raw_sql::execute(url, sql).expect_err(sql).to_string();
        assert!(err.contains("audit events cannot be changed or deleted"), "{sql}: {err}");
    }
    assert_eq!(raw_sql::count(url, "SELECT COUNT(*) AS n FROM audit_events"), before);
    assert_eq!(raw_sql::count(url, "SELECT COUNT(*) AS n FROM audit_events WHERE actor = 'someone else'"), 0);
}

fn the_audit_log_cannot_be_changed(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    store.create_system(new_system("Nexus"), "test").unwrap();
    let page = PageRequest { limit: 10, offset: 0, cursor: None };
    assert_eq!(store.list_audit_events(&AuditFilter::default(), &page).unwrap().total, 1);
    assert_audit_log_immutable(&db.url);
    let events = store.list_audit_events(&AuditFilter::default(), &page).unwrap();
    assert_eq!(events.total, 1);
    assert_eq!(events.items[0].actor, "test");
}

#[test]
fn the_audit_log_cannot_be_changed_on_sqlite() {
    the_audit_log_cannot_be_changed(Backend::Sqlite);
}

#[test]
fn the_audit_log_cannot_be_changed_on_postgres() {
    the_audit_log_cannot_be_changed(Backend::Postgres);
}

/// A message, as the worker would write one to the outbox.
fn a_message() -> systemejer_store::NewMessage {
    systemejer_store::NewMessage {
        kind: systemejer_store::MessageKind::Reminder,
        recipient_email: "ole@randers.dk".into(),
        recipient_name: None,
        language: "da".into(),
        subject: "Påmindelse".into(),
        text_body: "tekst".into(),
        html_body: "<p>tekst</p>".into(),
        ics: None,
        items: serde_json::json!([]),
        system_ids: vec![],
    }
}

/// The register, the audit log and the outbox, as a store reads them, for comparing.
fn everything(store: &systemejer_store::Store) -> (serde_json::Value, serde_json::Value, Vec<String>) {
    let page = PageRequest { limit: 500, offset: 0, cursor: None };
    let systems = serde_json::to_value(store.list_systems(&SystemFilter::default(), &page).unwrap().items).unwrap();
    let audit = serde_json::to_value(store.list_audit_events(&AuditFilter::default(), &page).unwrap().items).unwrap();
    let outbox = store
        .list_notifications(&NotificationFilter::default(), &page)
        .unwrap()
        .items
        .into_iter()
        .map(|m| format!("{} {} {}", m.id, m.recipient_email, m.status))
        .collect();
    (systems, audit, outbox)
}

fn backup_and_restore(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    store.create_system(new_system("Nexus"), "test").unwrap();
    store.create_system(new_system("ESDH"), "test").unwrap();
    let message = a_message();
    store.enqueue(&["key-1".to_owned()], &message).unwrap();
    let before = everything(&store);
    assert_eq!(before.0.as_array().unwrap().len(), 2);

    let dir = tempfile::tempdir().unwrap();
    if backend == Backend::Sqlite {
        let copy = dir.path().join("exists.db");
        store.backup_sqlite(&copy).unwrap();
        assert!(store.backup_sqlite(&copy).is_err(), "an existing file is never overwritten");
    }
    let (restored_url, _kept) = back_up_and_restore(&store, &db, dir.path());
    let restored = systemejer_store::Store::connect(&restored_url, &PoolOptions::default()).unwrap();
    assert_eq!(restored.migrate().unwrap(), Vec::<String>::new(), "the copy is at the latest migration");
    assert_eq!(everything(&restored), before, "the same register, audit log and outbox");
    // The copy is a working register, with its audit log still immutable.
    restored.create_system(new_system("Efter gendannelse"), "test").unwrap();
    assert_audit_log_immutable(&restored_url);
}

/// Backs `db` up as the operations guide says (SQLite: `backup`, i.e. `VACUUM INTO`; PostgreSQL:
/// `pg_dump -Fc`, `pg_restore` into an empty database) into `dir`; answers the copy's URL and
/// what keeps it alive.
fn back_up_and_restore(store: &systemejer_store::Store, db: &TestDb, dir: &Path) -> (String, Option<TestDb>) {
    if db.url.starts_with("sqlite://") {
        let copy = dir.join(format!("backup-{}.db", uuid::Uuid::new_v4().simple()));
        store.backup_sqlite(&copy).unwrap();
        return (format!("sqlite://{}", copy.display()), None);
    }
    let dump = dir.join("systemejer.dump");
    let out = std::process::Command::new("pg_dump").args(["-Fc", "-d", &db.url, "-f"]).arg(&dump).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let target = TestDb::create(Backend::Postgres).unwrap();
    let out =
        std::process::Command::new("pg_restore").args(["--no-owner", "-d", &target.url]).arg(&dump).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (target.url.clone(), Some(target))
}

/// A backup taken while a writer is busy (systems created and changed, people created) restores
/// to one moment: every audit event's row is there, and every row has the audit event that
/// made it; no change is there without its audit event or the other way round.
fn a_backup_during_writes_is_consistent(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let system = store.create_system(new_system(&format!("System {n}")), "writer").unwrap();
                let patch = serde_json::from_value(serde_json::json!({"vendor": format!("Leverandør {n}")})).unwrap();
                store.update_system(system.id, &patch, Some(system.version), "writer").unwrap();
                let person = serde_json::json!({"name": format!("Person {n}"), "email": format!("p{n}@randers.dk"), "position": "employee"});
                store.create_person(serde_json::from_value(person).unwrap(), "writer").unwrap();
                n += 1;
            }
            n
        })
    };
    // Backups while it writes, each from a register a little further on.
    let dir = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(300));
        copies.push(back_up_and_restore(&store, &db, dir.path()));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 10, "the writer wrote while the backups were taken: {written}");
    let mut seen = Vec::new();
    for (url, _kept) in &copies {
        let systems = raw_sql::count(url, "SELECT COUNT(*) AS n FROM systems");
        seen.push(systems);
        let orphans = [
            "SELECT COUNT(*) AS n FROM audit_events a WHERE a.entity_type = 'system' AND NOT EXISTS (SELECT 1 FROM systems s WHERE s.id = a.entity_id)",
            "SELECT COUNT(*) AS n FROM audit_events a WHERE a.entity_type = 'person' AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = a.entity_id)",
            "SELECT COUNT(*) AS n FROM systems s WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'system' AND a.entity_id = s.id AND a.action = 'create')",
            "SELECT COUNT(*) AS n FROM people p WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'person' AND a.entity_id = p.id AND a.action = 'create')",
            // A changed system (version 2) has its change logged; one still at version 1 has none.
            "SELECT COUNT(*) AS n FROM systems s WHERE (s.version > 1) <> EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'system' AND a.entity_id = s.id AND a.action = 'update')",
        ];
        for sql in orphans {
            assert_eq!(raw_sql::count(url, sql), 0, "{sql}");
        }
        let restored = systemejer_store::Store::connect(url, &PoolOptions::default()).unwrap();
        assert_eq!(restored.migrate().unwrap(), Vec::<String>::new());
        assert_audit_log_immutable(url);
    }
    assert!(seen.windows(2).all(|w| w[0] <= w[1]) && seen[0] < seen[2], "each copy is later: {seen:?}");
}

#[test]
fn a_backup_during_writes_is_consistent_on_sqlite() {
    a_backup_during_writes_is_consistent(Backend::Sqlite);
}

#[test]
fn a_backup_during_writes_is_consistent_on_postgres() {
    a_backup_during_writes_is_consistent(Backend::Postgres);
}

#[test]
fn backup_and_restore_on_sqlite() {
    backup_and_restore(Backend::Sqlite);
}

#[test]
fn backup_and_restore_on_postgres() {
    backup_and_restore(Backend::Postgres);
}

/// Ends every other session on the store's PostgreSQL database, as a server restart or a
/// failover does; answers how many it ended.
fn end_other_sessions(url: &str) -> usize {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut conn)
    .unwrap()
}

/// The pool lends a connection used a moment ago without a check (a round trip per query
/// otherwise), so when the server ends its sessions one request may fail, as unavailable, after
/// which every connection older than that loss is checked before it is lent; a connection that
/// sat idle is checked anyway and replaced without anyone noticing.
#[test]
fn a_connection_the_server_ended_fails_at_most_once() {
    let Some(db) = TestDb::create(Backend::Postgres) else { return };
    let store = db.store();
    let page = PageRequest { limit: 10, offset: 0, cursor: None };
    store.create_system(new_system("Nexus"), "test").unwrap();
    // Three connections in the pool, all just used.
    let nested = store.read(|_| store.read(|_| store.read(|_| Ok(()))));
    assert!(nested.is_ok());
    assert_eq!(store.list_systems(&SystemFilter::default(), &page).unwrap().total, 1);

    assert!(end_other_sessions(&db.url) >= 3);
    let mut failed = 0;
    for _ in 0..4 {
        match store.list_systems(&SystemFilter::default(), &page) {
            Ok(found) => assert_eq!(found.total, 1),
            Err(e) => {
                assert!(matches!(e, StoreError::Unavailable(_)), "an outage, not a fault: {e}");
                failed += 1;
            }
        }
    }
    assert!(failed <= 1, "{failed} reads failed: the connections older than the loss were lent unchecked");

    // Ended while idle: checked before it is lent, and replaced.
    let nested = store.read(|_| store.read(|_| Ok(())));
    assert!(nested.is_ok());
    assert!(end_other_sessions(&db.url) >= 2);
    std::thread::sleep(systemejer_store::connection::CHECK_AFTER_IDLE + std::time::Duration::from_millis(100));
    assert_eq!(store.list_systems(&SystemFilter::default(), &page).unwrap().total, 1, "no one noticed");
    assert!(store.ping().is_ok());
}

/// The reminder pass reads on two connections at once where it can; with a pool of one it
/// must take them in turn, not wait for itself.
fn a_pool_of_one_finds_the_due_duties(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let usual = db.store();
    let today = usual.today();
    systemejer_demo::load(&usual, systemejer_demo::Options { systems: 20, seed: 3, today }).unwrap();
    let options = PoolOptions { max_connections: 1, acquire_timeout: std::time::Duration::from_secs(2) };
    let one = systemejer_store::Store::connect(&db.url, &options).unwrap();
    let horizon = today + chrono::Duration::days(3650);
    let (with_one, with_four) = (one.due_duties(horizon, &[]).unwrap(), usual.due_duties(horizon, &[]).unwrap());
    assert!(!with_one.is_empty());
    assert_eq!(with_one.len(), with_four.len());
}

#[test]
fn a_pool_of_one_finds_the_due_duties_on_sqlite() {
    a_pool_of_one_finds_the_due_duties(Backend::Sqlite);
}

#[test]
fn a_pool_of_one_finds_the_due_duties_on_postgres() {
    a_pool_of_one_finds_the_due_duties(Backend::Postgres);
}
