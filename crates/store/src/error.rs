//! The store's error policy.
//!
//! - [`StoreError::NotFound`], [`StoreError::Invalid`], [`StoreError::Conflict`] and
//!   [`StoreError::Refused`] are answers about the request (the API maps them to 404, 422, 409
//!   and 409 with the unmet requirements); nothing was written.
//! - [`StoreError::Stale`]: the caller's version is not the current one (412).
//! - [`StoreError::Forbidden`]: a rule about who may do it, checked inside the transaction (403).
//! - [`StoreError::Unavailable`] means the database could not be reached in time (503).
//! - [`StoreError::Internal`] is everything else: what was being done, and the error that
//!   caused it (kept whole, so the log shows the chain: `Display` for the context, `source()`
//!   for the cause). It is for the log, never the client.

use systemejer_domain::{Refusal, Violation};

/// An error of any kind, kept as the cause of an internal one.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation did not happen. A failed operation never leaves a partial change.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such entity.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of thing (e.g. `system`).
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The change breaks rules about its fields (an unknown owner, an ineligible owner, ...).
    #[error("invalid: {}", described(.0))]
    Invalid(Vec<Violation>),
    /// The change conflicts with the register as it stands (a duplicate email, a person who
    /// still owns systems, ...).
    #[error("conflict ({code}): {message}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// The caller may not do this to this entity (e.g. approve a record without being the
    /// system's owner).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The change was made against a version that is no longer current (`If-Match`).
    #[error("stale: expected version {expected}, the current is {current}")]
    Stale {
        /// The version the caller had.
        expected: i64,
        /// The version now.
        current: i64,
    },
    /// A lifecycle transition was refused.
    #[error("transition refused: {0:?}")]
    Refused(Refusal),
    /// The database could not be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data, an unexpected database error.
    #[error("internal store error: {context}")]
    Internal {
        /// What was being done.
        context: String,
        /// What made it fail, when another error did.
        #[source]
        cause: Option<Cause>,
    },
}

impl StoreError {
    /// A single field violation.
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![Violation::new(field, rule, message)])
    }

    /// An internal error with no other error behind it.
    pub fn internal(context: impl Into<String>) -> Self {
        StoreError::Internal { context: context.into(), cause: None }
    }

    /// An internal error caused by `cause`, which is kept (the log shows it after `context`).
    pub fn internal_from(context: impl Into<String>, cause: impl Into<Cause>) -> Self {
        StoreError::Internal { context: context.into(), cause: Some(cause.into()) }
    }

    /// Data in the database that does not parse: corruption or a bug.
    pub(crate) fn corrupt(what: impl std::fmt::Display, cause: impl Into<Cause>) -> Self {
        StoreError::internal_from(format!("unreadable stored data: {what}"), cause)
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => StoreError::NotFound { entity: "row", id: String::new() },
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict { code: "duplicate", message: format!("already exists: {}", info.message()) }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => StoreError::Conflict {
                code: "referenced",
                message: format!("still referenced, or refers to something missing: {}", info.message()),
            },
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            // The server going away under a connection (shutdown, restart, network) is an
            // outage, not a fault of ours: 503, and the pool reconnects when it is back.
            Error::DatabaseError(_, info) if is_outage(info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::internal_from("a database statement failed", other),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// Whether a database error message says the server went away.
fn is_outage(message: &str) -> bool {
    let m = message.to_lowercase();
    [
        "terminating connection",
        "server closed the connection",
        "connection refused",
        "could not connect",
        "no connection to the server",
        "the database system is shutting down",
        "the database system is starting up",
        "connection to server",
        "broken pipe",
        // SQLite: another process held the write lock longer than the busy timeout (5 s).
        "database is locked",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

/// An error with every cause behind it, for a log line: `what failed: why: why that failed`.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'a));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

/// Violations as a line of text: `field (rule): message`, separated by `; `.
fn described(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{} ({}): {}", v.field, v.rule, v.message)).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_keeps_its_cause_for_the_log() {
        let e = StoreError::from(diesel::result::Error::QueryBuilderError("no columns to set".into()));
        assert!(matches!(e, StoreError::Internal { .. }), "{e:?}");
        assert_eq!(e.to_string(), "internal store error: a database statement failed");
        let cause = std::error::Error::source(&e).expect("the database's error is kept");
        assert_eq!(cause.to_string(), "no columns to set");
        assert_eq!(ErrorChain(&e).to_string(), "internal store error: a database statement failed: no columns to set");
        let corrupt = StoreError::corrupt("systems.kle_codes", serde_json::from_str::<u8>("x").unwrap_err());
        assert!(ErrorChain(&corrupt).to_string().contains("unreadable stored data: systems.kle_codes: expected value"));
    }
}
