//! SQL on a test database from outside the store, as an operator or an intruder with the
//! database's password would run it: to look behind the service, or to try what it forbids.

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

/// Runs `sql` on the database at `url` (`sqlite://…` or `postgres://…`); answers the rows
/// changed, or the database's refusal.
pub fn execute(url: &str, sql: &str) -> Result<usize, diesel::result::Error> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        diesel::sql_query(sql).execute(&mut SqliteConnection::establish(path).unwrap())
    } else {
        diesel::sql_query(sql).execute(&mut PgConnection::establish(url).unwrap())
    }
}

/// Runs a count (`SELECT COUNT(*) AS n …`) on the database at `url`.
pub fn count(url: &str, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<N> = if let Some(path) = url.strip_prefix("sqlite://") {
        diesel::sql_query(sql).load(&mut SqliteConnection::establish(path).unwrap()).unwrap()
    } else {
        diesel::sql_query(sql).load(&mut PgConnection::establish(url).unwrap()).unwrap()
    };
    rows.first().map_or_else(|| panic!("no row from {sql}"), |r| r.n)
}
