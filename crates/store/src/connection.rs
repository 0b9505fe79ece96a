//! Connections to either backend: the `AnyConnection` enum, and an r2d2 manager that picks the backend from the URL scheme and reports the
//! real connection error (diesel's derived `establish` tries each backend and hides it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

pub use multi::AnyConnection;

mod multi {
    #![allow(missing_docs, reason = "diesel's MultiConnection derive writes items without docs")]

    use diesel::{PgConnection, SqliteConnection};

    /// One database connection, PostgreSQL or SQLite; queries are written once for both.
    #[derive(diesel::MultiConnection)]
    pub enum AnyConnection {
        /// PostgreSQL: production, and several API and worker instances.
        Postgresql(PgConnection),
        /// SQLite: the embedded default.
        Sqlite(SqliteConnection),
    }
}

/// Which database a URL points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://PATH` (or `sqlite:PATH`, or `sqlite::memory:`).
    Sqlite,
}

/// A database URL, split into its backend and what that backend's driver expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The backend.
    pub kind: BackendKind,
    /// For PostgreSQL the URL as given; for SQLite the file path (or `:memory:`).
    pub target: String,
}

impl DatabaseUrl {
    /// Reads the scheme; refuses anything that is neither PostgreSQL nor SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { kind: BackendKind::Postgres, target: url.to_owned() });
        }
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if rest.is_empty() {
                return Err("an SQLite URL needs a file path: sqlite://data/systemejer.db".into());
            }
            return Ok(Self { kind: BackendKind::Sqlite, target: rest.to_owned() });
        }
        Err(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
            redact(url)
        ))
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

diesel::define_sql_function! {
    /// Text folded for searching, as [`contains_pattern`] folds the needle: lower case for all
    /// of Unicode, Æ, Ø and Å included. SQLite's own `lower()` folds only A-Z, so there `fold`
    /// is Rust's `to_lowercase`, registered on each SQLite connection as it is opened (below); on
    /// PostgreSQL it is the SQL function of migration 000010 (`lower()`, with the Latin-1
    /// capitals mapped first, so that a database in the `C` locale folds them too).
    fn fold(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Opens one connection to the database `url` names, with the session settings it needs.
pub fn establish(url: &DatabaseUrl) -> Result<AnyConnection, diesel::ConnectionError> {
    match url.kind {
        BackendKind::Postgres => {
            let mut conn = PgConnection::establish(&url.target)?;
            conn.batch_execute("SET TIME ZONE 'UTC'").map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(AnyConnection::Postgresql(conn))
        }
        BackendKind::Sqlite => {
            let mut conn = SqliteConnection::establish(&url.target)?;
            // WAL lets readers go on while one writer writes; the busy timeout makes a second
            // process (e.g. `systemejer migrate`) wait instead of failing at once.
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            fold_utils::register_impl(&mut conn, |text: String| text.to_lowercase())
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// Counts the statements a connection sends (each one a round trip: `BEGIN` and `COMMIT`
/// included), into a counter the store shares: what the query-count tests hold.
fn count_statements(conn: &mut AnyConnection, counter: Arc<AtomicU64>) {
    let counting = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    };
    match conn {
        AnyConnection::Postgresql(c) => c.set_instrumentation(counting),
        AnyConnection::Sqlite(c) => c.set_instrumentation(counting),
    }
}

/// A connection as the pool keeps it: the connection, when it was last handed back, and
/// whether a query on it found the server gone.
pub struct Pooled {
    conn: AnyConnection,
    returned: Instant,
    lost: bool,
}

impl Pooled {
    /// Marks the connection as lost (a query on it found the server gone): the pool drops it
    /// instead of lending it again, and checks every older connection before lending it.
    pub(crate) fn lose(&mut self) {
        self.lost = true;
    }
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// A connection handed back less than this long ago is lent again without a check, unless a
/// connection has been lost since (HikariCP's rule, with its 500 ms). Checking every loan cost
/// a round trip per query, the largest single cost of a read (docs/performance.md).
pub const CHECK_AFTER_IDLE: Duration = Duration::from_millis(500);

/// The r2d2 manager: connects by the URL's scheme, checks a connection before lending it when
/// it has been idle or a connection has been lost since it was last used, and drops
/// connections found lost.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// When this manager was made; `last_loss` counts from it.
    epoch: Instant,
    /// Nanoseconds after `epoch` at which a connection was last found lost (0: never).
    last_loss: Arc<AtomicU64>,
    /// Statements sent on this manager's connections, the pool's own checks left out.
    statements: Arc<AtomicU64>,
    /// Connections being opened now (r2d2 opens them on threads of its own).
    opening: Arc<AtomicU64>,
}

impl Manager {
    /// A manager for `url` that counts the statements its connections send into `statements`,
    /// and the connections it is opening into `opening`.
    pub fn new(url: DatabaseUrl, statements: Arc<AtomicU64>, opening: Arc<AtomicU64>) -> Self {
        Self { url, epoch: Instant::now(), last_loss: Arc::new(AtomicU64::new(0)), statements, opening }
    }

    fn since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX).max(1)
    }

    /// Whether `conn` must answer a `SELECT 1` before it is lent.
    fn needs_check(&self, conn: &Pooled) -> bool {
        conn.returned.elapsed() >= CHECK_AFTER_IDLE
            || self.since_epoch(conn.returned) <= self.last_loss.load(Ordering::Relaxed)
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        /// Counts a connection as being opened until it is open or failed.
        struct Opening<'a>(&'a AtomicU64);
        impl Drop for Opening<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        self.opening.fetch_add(1, Ordering::AcqRel);
        let _opening = Opening(&self.opening);
        let mut conn = establish(&self.url).map_err(diesel::r2d2::Error::ConnectionError)?;
        count_statements(&mut conn, Arc::clone(&self.statements));
        Ok(Pooled { conn, returned: Instant::now(), lost: false })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), Self::Error> {
        if !self.needs_check(conn) {
            return Ok(());
        }
        let checked = conn.conn.batch_execute("SELECT 1");
        self.statements.fetch_sub(1, Ordering::Relaxed);
        checked.map_err(diesel::r2d2::Error::QueryError).inspect_err(|_| {
            self.last_loss.fetch_max(self.since_epoch(Instant::now()), Ordering::Relaxed);
        })
    }

    /// Called when a connection is handed back.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.returned = Instant::now();
        // diesel finds a PostgreSQL connection the server ended broken by itself; `lost` is
        // what the store saw (an outage answer on either backend).
        let lost = conn.lost || conn.conn.is_broken();
        if lost {
            self.last_loss.fetch_max(self.since_epoch(conn.returned), Ordering::Relaxed);
        }
        lost || std::thread::panicking()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").map(|u| (u.kind, u.target)),
            Ok((BackendKind::Sqlite, "data/x.db".into()))
        );
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").map(|u| u.kind), Ok(BackendKind::Postgres));
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://app:s3cret@db/reg"), "postgres://app:***@db/reg");
        assert_eq!(redact("postgres://app@db/reg"), "postgres://app@db/reg");
    }
}
