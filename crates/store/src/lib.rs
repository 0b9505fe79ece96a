//! The register's storage: schema, queries and transactions, on SQLite and PostgreSQL.
//!
//! The store is built in layers, each importing only those below it (a test reads the `use`
//! statements and fails on a loop; `docs/architecture.md` draws them):
//! - [`tables`]: row access, one module per table; tables never import each other;
//! - `facts` (everything the domain's rules know about a system, read at once) and `duties`
//!   (a system's duties derived from its facts, kept in step in the `obligations` table);
//! - `changes`: the use cases, each one transaction that runs facts -> domain rule ->
//!   tables -> duties -> audit, so the audit log holds exactly what happened;
//! - `views`: what is read (entities, reports, monitoring, what the worker's passes read);
//! - `delivery`: what the worker writes (the outbox, its claims, the log of passes; the
//!   webhook deliveries, their claims and attempts).
//!
//! Beside the audit log, at its layer, `events`: the webhook events a change emits inside its
//! own transaction.
//!
//! Calls are blocking (diesel): async callers run them on a blocking pool.

#![deny(missing_docs)]

mod audit;
mod changes;
pub mod connection;
mod delivery;
mod duties;
mod error;
mod events;
mod facts;
pub mod migrations;
pub mod page;
mod schema;
mod sql;
mod tables;
mod views;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

pub use changes::bulk::{Bulk, BulkCounts, BulkSystem};
pub use changes::webhooks::PREVIOUS_SECRET_HOURS;
pub use connection::{AnyConnection, BackendKind, DatabaseUrl};
pub use delivery::{
    AttemptOutcome, Enqueued, KeyedEvent, RetryPolicy, WebhookAttemptResult, WebhookDisabling, WebhookSend,
};
pub use error::{Cause, ErrorChain, StoreError};
pub use page::{Page, PageRequest};
pub use systemejer_domain::org::UnitScope;
pub use tables::audit_events::AuditFilter;
pub use tables::documents::{DocumentKind, RecordKind};
pub use tables::incidents::IncidentFilter;
pub use tables::org_units::OrgUnitFilter;
pub use tables::origins::Origin;
pub use tables::outbox::{MessageKind, MessageStatus, NewMessage, NotificationFilter, StoredMessage};
pub use tables::people::PersonFilter;
pub use tables::processors::ProcessorFilter;
pub use tables::systems::SystemFilter;
pub use tables::worker_passes::{PassKind, PassRecord};
pub use views::due::{
    DpoEvent, DpoEventKind, DueDuty, DueSystem, FailedResult, HandoverNews, OpenExitSteps, OpenIncident,
};
pub use views::monitoring::{BreachDeadlines, PoolUse};
pub use views::reports::ComplianceFilter;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before the store answers `Unavailable`.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(5) }
    }
}

/// The register's database: a connection pool and how to use it safely on its backend.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<connection::Manager>,
    kind: BackendKind,
    /// The municipality's time zone: what "today" means for dates owners enter.
    timezone: chrono_tz::Tz,
    /// Days within which a failed test is due again.
    follow_up_days: u32,
    /// The municipality's working days, on which duties fall due.
    calendar: systemejer_domain::calendar::Calendar,
    /// SQLite allows one writer at a time; writers in this process queue here instead of
    /// racing for the file lock (a lock upgrade inside a transaction fails without waiting).
    sqlite_writer: Arc<Mutex<()>>,
    /// Write transactions this store (and its clones) has finished, committed or not.
    writes: Arc<AtomicU64>,
    /// Statements sent on the pool's connections (the pool's own checks left out).
    statements: Arc<AtomicU64>,
    /// When the last clone goes, waits for connections still being opened (see [`Settle`]).
    _settle: Arc<Settle>,
}

/// Waits, when the last clone of a store is dropped, until no connection is being opened.
///
/// r2d2 opens a connection on a thread of its own when a caller finds none idle, and the caller
/// may be served by one handed back meanwhile; the opening goes on. A one-shot command (`worker
/// --once`, `demo`) that returned then would exit while libpq is inside OpenSSL on that thread,
/// and the process's exit handlers freeing OpenSSL made it crash (SIGSEGV, about one run in
/// twenty of `worker --once --dry-run` on PostgreSQL).
struct Settle {
    opening: Arc<AtomicU64>,
    at_most: Duration,
}

impl Drop for Settle {
    fn drop(&mut self) {
        let deadline = std::time::Instant::now() + self.at_most;
        while self.opening.load(Ordering::Acquire) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.kind).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`). One connection is opened at
    /// once so that a wrong URL, password or path fails here with the database's own words.
    pub fn connect(url: &str, options: &PoolOptions) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url).map_err(StoreError::Unavailable)?;
        let sqlite_dir = match url.kind {
            BackendKind::Sqlite => std::path::Path::new(&url.target).parent().filter(|d| !d.as_os_str().is_empty()),
            BackendKind::Postgres => None,
        };
        if let Some(dir) = sqlite_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create the database folder {}: {e}", dir.display()))
            })?;
        }
        let first = connection::establish(&url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let kind = url.kind;
        let statements = Arc::new(AtomicU64::new(0));
        let opening = Arc::new(AtomicU64::new(0));
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(options.acquire_timeout)
            .test_on_check_out(true)
            .build_unchecked(connection::Manager::new(url, Arc::clone(&statements), Arc::clone(&opening)));
        drop(first);
        Ok(Self {
            pool,
            kind,
            timezone: chrono_tz::Europe::Copenhagen,
            follow_up_days: systemejer_domain::obligations::FOLLOW_UP_DAYS,
            calendar: systemejer_domain::calendar::Calendar::with_closed_days(
                systemejer_domain::calendar::USUAL_CLOSED_DAYS,
            ),
            sqlite_writer: Arc::new(Mutex::new(())),
            writes: Arc::new(AtomicU64::new(0)),
            statements,
            _settle: Arc::new(Settle { opening, at_most: options.acquire_timeout }),
        })
    }

    /// The same store, with a failed test due again within `days` (default 30).
    #[must_use]
    pub fn with_follow_up_days(mut self, days: u32) -> Self {
        self.follow_up_days = days;
        self
    }

    /// The same store, with duties due on `calendar`'s working days (default: the public
    /// holidays, weekends and the usual closed days, see `calendar::USUAL_CLOSED_DAYS`).
    #[must_use]
    pub fn with_calendar(mut self, calendar: systemejer_domain::calendar::Calendar) -> Self {
        self.calendar = calendar;
        self
    }

    /// The municipality's working days.
    pub fn calendar(&self) -> &systemejer_domain::calendar::Calendar {
        &self.calendar
    }

    /// The day duties are worked out on: `today`, with this register's follow-up days.
    pub(crate) fn day_on(&self, today: chrono::NaiveDate) -> duties::Day {
        duties::Day { today, follow_up_days: self.follow_up_days, timezone: self.timezone, calendar: self.calendar }
    }

    /// The time zone "today" is read in.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.timezone
    }

    /// The same store, reading "today" in `timezone` (default Europe/Copenhagen).
    pub fn with_timezone(mut self, timezone: chrono_tz::Tz) -> Self {
        self.timezone = timezone;
        self
    }

    /// Today's date in the municipality.
    pub fn today(&self) -> chrono::NaiveDate {
        Utc::now().with_timezone(&self.timezone).date_naive()
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> BackendKind {
        self.kind
    }

    /// Writes a consistent copy of an SQLite database to `path` while the service runs
    /// (`VACUUM INTO`); the copy is a complete database, restored by putting it in place of the
    /// original. PostgreSQL is backed up with its own tools (`pg_dump`), so this refuses there.
    pub fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        use diesel::RunQueryDsl;
        if path.exists() {
            return Err(StoreError::Conflict { code: "exists", message: format!("{} exists already", path.display()) });
        }
        let target = path.to_str().ok_or_else(|| StoreError::internal("the backup path is not UTF-8"))?;
        let mut conn = self.pool.get()?;
        match &mut **conn {
            AnyConnection::Sqlite(c) => {
                diesel::sql_query("VACUUM INTO ?").bind::<diesel::sql_types::Text, _>(target).execute(c)?;
                Ok(())
            }
            AnyConnection::Postgresql(_) => Err(StoreError::Conflict {
                code: "use_pg_dump",
                message: "back up PostgreSQL with pg_dump -Fc (see the README)".into(),
            }),
        }
    }

    /// Tidies up after a bulk load. PostgreSQL: `VACUUM (ANALYZE)`, so the planner has the
    /// tables' real figures (it planned a 74 000-row result as 363 rows) and the visibility map
    /// lets counts read only an index (the list's count took 6 ms from the table, 1 ms from
    /// the index), without waiting for autovacuum, which may be slow to come or off. SQLite:
    /// `ANALYZE`. Outside a transaction: `VACUUM` cannot run in one.
    pub fn analyze(&self) -> Result<(), StoreError> {
        use diesel::RunQueryDsl;
        let statement = match self.backend() {
            BackendKind::Postgres => "VACUUM (ANALYZE)",
            BackendKind::Sqlite => "ANALYZE",
        };
        self.read(|conn| {
            diesel::sql_query(statement).execute(conn)?;
            Ok(())
        })
    }

    /// Whether the database answers now.
    pub fn ping(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
    }

    /// Runs `f` on a pooled connection, outside any transaction: for reads.
    pub fn read<T>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let result = f(&mut conn);
        Self::keep_or_lose(&mut conn, &result);
        result
    }

    /// A connection on which a query found the server gone is not lent again.
    fn keep_or_lose<T>(conn: &mut connection::Pooled, result: &Result<T, StoreError>) {
        if matches!(result, Err(StoreError::Unavailable(_))) {
            conn.lose();
        }
    }

    /// Runs `f` in one transaction: all of it is written, or nothing.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_unless(|conn| f(conn).map(Ok::<T, std::convert::Infallible>)).map(|done| match done {
            Ok(t) => t,
            Err(never) => match never {},
        })
    }

    /// Runs `f` in one transaction, which is committed when `f` answers `Ok(Ok(_))` and rolled
    /// back when it answers `Ok(Err(_))` (a change that turned out not to be wanted, which is
    /// no error) or fails.
    pub(crate) fn write_unless<T, R>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<Result<T, R>, StoreError>,
    ) -> Result<Result<T, R>, StoreError> {
        /// Why a transaction was rolled back.
        enum Undo<R> {
            Failed(StoreError),
            Unwanted(R),
        }
        impl<R> From<diesel::result::Error> for Undo<R> {
            fn from(e: diesel::result::Error) -> Self {
                Undo::Failed(e.into())
            }
        }
        let mut conn = self.pool.get()?;
        let _turn = match self.kind {
            BackendKind::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)),
            BackendKind::Postgres => None,
        };
        let result = immediate_transaction(&mut conn, |c| match f(c) {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(unwanted)) => Err(Undo::Unwanted(unwanted)),
            Err(e) => Err(Undo::Failed(e)),
        });
        self.writes.fetch_add(1, Ordering::Release);
        let result = match result {
            Ok(done) => Ok(Ok(done)),
            Err(Undo::Unwanted(r)) => Ok(Err(r)),
            Err(Undo::Failed(e)) => Err(e),
        };
        Self::keep_or_lose(&mut conn, &result);
        result
    }
}

/// Runs `f` in a transaction that is committed when it answers `Ok` and rolled back otherwise.
/// On SQLite the transaction takes the database's write lock as it begins (`BEGIN IMMEDIATE`),
/// waiting up to the busy timeout for another process's writer: a transaction begun as a reader
/// that then writes is refused at once ("database is locked") when another process wrote in
/// between, which the writer lock of this process cannot prevent (the API and the worker as
/// two processes on one file). PostgreSQL begins as usual.
fn immediate_transaction<T, E: From<diesel::result::Error>>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match conn {
        AnyConnection::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        AnyConnection::Postgresql(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            // A failed rollback leaves the connection broken; the pool's check discards it.
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

impl Store {
    /// How many write transactions this store and its clones have finished (committed or
    /// rolled back). A value read before a query and unchanged after says that nothing this
    /// process wrote could have changed what the query saw: what in-process caches check.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// How many statements this store and its clones have sent to the database (each a round
    /// trip; `BEGIN` and `COMMIT` count, the pool's connection checks do not): what the tests
    /// that hold the queries per use case read before and after a call.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// The current time as the store records it: UTC, in whole microseconds (what both backends
/// keep), so that a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new identifier: a UUID v7, time-ordered, so that indexes on ids stay compact.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Refuses a change made against another version than the current one (a lost update).
pub(crate) fn check_version(expected: Option<i64>, current: i64) -> Result<(), StoreError> {
    match expected {
        Some(v) if v != current => Err(StoreError::Stale { expected: v, current }),
        _ => Ok(()),
    }
}
