//! How values are written in the database, shared by the tables: text and JSON columns read
//! back into domain types (failing loudly, as `Internal`, on data that does not parse), text
//! search patterns, and multi-row inserts on either backend.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// A value as the JSON text a column keeps.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// A JSON column read back.
pub(crate) fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(column, e))
}

/// A text column read back into the type it was written from.
pub(crate) fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(|e| StoreError::corrupt(format!("{column} {text:?}"), e))
}

/// A nullable text column read back.
pub(crate) fn parse_opt<T: std::str::FromStr>(column: &str, text: Option<&str>) -> Result<Option<T>, StoreError>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.map(|t| parse(column, t)).transpose()
}

/// Text folded for searching (defined beside the SQLite connection that registers it).
pub(crate) use crate::connection::fold;

/// A `LIKE` pattern matching text that contains `needle` (lower-cased, wildcards escaped
/// with `\`).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let escaped = needle.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// A `LIKE` pattern (escaped with `\`) matching a JSON list of strings that holds `value`.
pub(crate) fn listed_pattern(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%\"{escaped}\"%")
}

/// Inserts `rows` in multi-row statements of `per_statement` rows (kept well below either
/// backend's limit on bound parameters: 32 766 on SQLite, 65 535 on PostgreSQL).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $per_statement:expr) => {
        for chunk in $rows.chunks($per_statement) {
            match &mut *$conn {
                $crate::AnyConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
                $crate::AnyConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}
pub(crate) use insert_all;

/// Locks the row `id` of `table` until the transaction ends, on PostgreSQL (`SELECT … FOR
/// UPDATE`): what every change reads first, so that two changes of one thing run one after the
/// other and the second sees what the first wrote (its version, its state, the cycle it
/// recorded). SQLite's writers already run one at a time (the store's writer lock and the
/// database's), so there it costs nothing. `table` is one of ours, never input.
pub(crate) fn lock_row(conn: &mut crate::AnyConnection, table: &'static str, id: &str) -> Result<(), StoreError> {
    if let crate::AnyConnection::Postgresql(c) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(c)?;
    }
    Ok(())
}
