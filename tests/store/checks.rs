//! The database's CHECK lists held against the code's enums, on both backends: every value of
//! every enum stored in a checked column is accepted, a value outside it is refused, and every
//! CHECK the schema has is one this test knows. So a variant added in Rust and forgotten in a
//! migration (or the other way round) fails here, not when a user first meets it.
//!
//! Each value is written into a row of the demo municipality (every table has rows) by an
//! `UPDATE` that is rolled back. CHECK constraints are evaluated before uniqueness on both
//! backends, so a value the CHECK refuses is refused as a CHECK violation even where the row
//! would also collide with another.

use std::collections::BTreeSet;

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use systemejer_domain::exit::{ExitStepKind, ExitStepStatus};
use systemejer_domain::gdpr::{SUPERVISION_INTERVALS_MONTHS, SupervisionMethod, TransferBasis};
use systemejer_domain::obligations::{CompletionResult, INTERVAL_OVERRIDE_MONTHS, ObligationKind, Via};
use systemejer_domain::risk::{MeasureStatus, RiskLevel};
use systemejer_domain::webhooks::{DeliveryStatus, EventType};
use systemejer_domain::{
    ArchiveStatus, Criticality, DelegateRole, HostedAt, Language, LifecycleState, OrgUnitKind, Position, SystemKind,
};
use systemejer_e2e::{Backend, TestDb};
use systemejer_store::{DocumentKind, MessageKind, MessageStatus, PassKind, PassRecord};

/// A checked column, the column that picks one of its rows, and every value the code writes
/// into it (SQL literals).
struct Checked {
    table: &'static str,
    column: &'static str,
    key: &'static str,
    values: Vec<String>,
}

fn text<T>(all: impl IntoIterator<Item = T>, name: impl Fn(T) -> &'static str) -> Vec<String> {
    all.into_iter().map(|v| format!("'{}'", name(v))).collect()
}

fn checked() -> Vec<Checked> {
    let c = |table, column, key, values| Checked { table, column, key, values };
    vec![
        c("org_units", "kind", "id", text(OrgUnitKind::ALL.iter().copied(), OrgUnitKind::as_str)),
        c("people", "position", "id", text(Position::ALL.iter().copied(), Position::as_str)),
        c("people", "language", "id", text(Language::ALL.iter().copied(), Language::as_str)),
        c("systems", "kind", "id", text(SystemKind::ALL.iter().copied(), SystemKind::as_str)),
        c("systems", "criticality", "id", text(Criticality::ALL.iter().copied(), Criticality::as_str)),
        c("systems", "lifecycle_state", "id", text(LifecycleState::ALL.iter().copied(), LifecycleState::as_str)),
        c("systems", "archive_status", "id", text(ArchiveStatus::ALL.iter().copied(), ArchiveStatus::as_str)),
        c("systems", "hosted_at", "id", text(HostedAt::ALL.iter().copied(), HostedAt::as_str)),
        c("system_delegates", "role", "system_id", text(DelegateRole::ALL.iter().copied(), DelegateRole::as_str)),
        c(
            "processing_agreements",
            "supervision_method",
            "id",
            text(SupervisionMethod::ALL.iter().copied(), SupervisionMethod::as_str),
        ),
        c(
            "processing_agreements",
            "supervision_interval_months",
            "id",
            SUPERVISION_INTERVALS_MONTHS.iter().map(ToString::to_string).collect(),
        ),
        c(
            "processing_agreements",
            "transfer_basis",
            "id",
            text(TransferBasis::ALL.iter().copied(), TransferBasis::as_str),
        ),
        c("risk_measures", "status", "id", text(MeasureStatus::ALL.iter().copied(), MeasureStatus::as_str)),
        c("system_records", "kind", "id", text(DocumentKind::ALL.iter().copied(), |k| k.entity().as_str())),
        c("exit_steps", "step", "system_id", text(ExitStepKind::ALL.iter().copied(), ExitStepKind::as_str)),
        c("exit_steps", "status", "system_id", text(ExitStepStatus::ALL.iter().copied(), ExitStepStatus::as_str)),
        c("obligations", "kind", "system_id", text(ObligationKind::ALL.iter().copied(), ObligationKind::as_str)),
        c(
            "obligations",
            "interval_override_months",
            "system_id",
            [INTERVAL_OVERRIDE_MONTHS.start(), INTERVAL_OVERRIDE_MONTHS.end()]
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        c(
            "obligation_completions",
            "result",
            "id",
            text(CompletionResult::ALL.iter().copied(), CompletionResult::as_str),
        ),
        c("obligation_completions", "via", "id", text(Via::ALL.iter().copied(), Via::as_str)),
        c("incidents", "risk_level", "id", text(RiskLevel::ALL.iter().copied(), RiskLevel::as_str)),
        c("outbox", "kind", "id", text(MessageKind::ALL, MessageKind::as_str)),
        c("outbox", "status", "id", text(MessageStatus::ALL, MessageStatus::as_str)),
        c("worker_passes", "pass", "id", text(PassKind::ALL, PassKind::as_str)),
        c("webhook_deliveries", "event_type", "event_id", text(EventType::ALL.iter().copied(), EventType::as_str)),
        c(
            "webhook_deliveries",
            "status",
            "event_id",
            text(DeliveryStatus::ALL.iter().copied(), DeliveryStatus::as_str),
        ),
        c(
            "dpo_advice",
            "topic",
            "id",
            text(
                systemejer_domain::advice::AdviceTopic::ALL.iter().copied(),
                systemejer_domain::advice::AdviceTopic::as_str,
            ),
        ),
    ]
}

/// A database connection of either backend, opened apart from the store.
enum Raw {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl Raw {
    fn open(backend: Backend, url: &str) -> Self {
        match backend {
            Backend::Postgres => Raw::Pg(PgConnection::establish(url).unwrap()),
            Backend::Sqlite => Raw::Sqlite(SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap()),
        }
    }

    /// Runs `sql` in a transaction that is always rolled back; answers its error, if any.
    fn try_and_undo(&mut self, sql: &str) -> Option<Error> {
        fn attempt<C: Connection>(conn: &mut C, sql: &str) -> Option<Error>
        where
            diesel::query_builder::SqlQuery: diesel::query_dsl::methods::ExecuteDsl<C>,
        {
            let mut failed = None;
            let _ = conn.transaction::<(), Error, _>(|c| {
                if let Err(e) = diesel::sql_query(sql).execute(c) {
                    failed = Some(e);
                }
                Err(Error::RollbackTransaction)
            });
            failed
        }
        match self {
            Raw::Pg(c) => attempt(c, sql),
            Raw::Sqlite(c) => attempt(c, sql),
        }
    }

    /// The first text value of `sql`'s first column.
    fn first(&mut self, sql: &str) -> String {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let rows: Vec<Row> = match self {
            Raw::Pg(c) => diesel::sql_query(sql).load(c).unwrap(),
            Raw::Sqlite(c) => diesel::sql_query(sql).load(c).unwrap(),
        };
        rows.into_iter().next().map_or_else(|| panic!("no row: {sql}"), |r| r.value)
    }

    /// Every (table, column) a CHECK constraint of the schema names.
    fn checked_columns(&mut self) -> BTreeSet<(String, String)> {
        #[derive(diesel::QueryableByName)]
        struct Def {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table_name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            definition: String,
        }
        let mut out = BTreeSet::new();
        match self {
            Raw::Pg(c) => {
                let defs: Vec<Def> = diesel::sql_query(
                    "SELECT conrelid::regclass::text AS table_name, pg_get_constraintdef(oid) AS definition \
                     FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0 AND connamespace = 'public'::regnamespace",
                )
                .load(c)
                .unwrap();
                for d in defs {
                    // CHECK ((kind = ANY (ARRAY[...]))) or CHECK (((n >= 1) AND (n <= 60)))
                    let column: String = d
                        .definition
                        .trim_start_matches("CHECK")
                        .trim_start_matches([' ', '(', '"'])
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.insert((d.table_name, column));
                }
            }
            Raw::Sqlite(c) => {
                let defs: Vec<Def> = diesel::sql_query(
                    "SELECT name AS table_name, sql AS definition FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
                )
                .load(c)
                .unwrap();
                for d in defs {
                    for part in d.definition.split("CHECK (").skip(1) {
                        let column: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        out.insert((d.table_name.clone(), column));
                    }
                }
            }
        }
        out
    }
}

fn is_check_violation(e: &Error) -> bool {
    match e {
        Error::DatabaseError(DatabaseErrorKind::CheckViolation, _) => true,
        // SQLite reports a CHECK failure as a constraint error of no finer kind.
        Error::DatabaseError(_, info) => info.message().contains("CHECK constraint failed"),
        _ => false,
    }
}

fn every_enum_value_passes_its_check(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let today = store.today();
    systemejer_demo::load(&store, systemejer_demo::Options { systems: 40, seed: 11, today }).unwrap();
    let message = super::a_message();
    store.enqueue(&["check-key".to_owned()], &message).unwrap();
    store
        .record_pass(&PassRecord {
            pass: PassKind::ReminderPass,
            started_at: chrono::Utc::now(),
            duration: std::time::Duration::from_millis(5),
            found: 0,
            queued: 0,
            sent: 0,
            retried: 0,
            failed: 0,
            succeeded: true,
        })
        .unwrap();
    let mut raw = Raw::open(backend, &db.url);
    if let Raw::Sqlite(c) = &mut raw {
        c.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
    }

    let columns = checked();
    let known: BTreeSet<(String, String)> = columns.iter().map(|c| (c.table.to_owned(), c.column.to_owned())).collect();
    assert_eq!(raw.checked_columns(), known, "the schema's CHECK constraints and this test's list differ");

    let mut out_of_step = Vec::new();
    for c in &columns {
        let key = raw.first(&format!("SELECT CAST({} AS TEXT) AS value FROM {} LIMIT 1", c.key, c.table));
        let update = |value: &str| format!("UPDATE {} SET {} = {value} WHERE {} = '{key}'", c.table, c.column, c.key);
        for value in &c.values {
            if let Some(e) = raw.try_and_undo(&update(value)).filter(is_check_violation) {
                out_of_step.push(format!("{}.{} refuses {value}, which the code writes: {e}", c.table, c.column));
            }
        }
        // And the CHECK is there: a value the code never writes is refused.
        let outside = if c.values[0].starts_with('\'') { "'not_a_value'" } else { "-1" };
        match raw.try_and_undo(&update(outside)) {
            Some(e) if is_check_violation(&e) => {}
            other => out_of_step.push(format!("{}.{} accepts {outside}: {other:?}", c.table, c.column)),
        }
    }
    assert!(out_of_step.is_empty(), "CHECK lists out of step with the code:\n{}", out_of_step.join("\n"));
}

#[test]
fn every_enum_value_passes_its_check_on_sqlite() {
    every_enum_value_passes_its_check(Backend::Sqlite);
}

#[test]
fn every_enum_value_passes_its_check_on_postgres() {
    every_enum_value_passes_its_check(Backend::Postgres);
}
