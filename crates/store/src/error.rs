//! The store's error policy.
//!
//! - [`StoreError::NotFound`], [`StoreError::Invalid`], [`StoreError::Conflict`] and
//!   [`StoreError::Refused`] are answers about the request (the API maps them to 404, 422, 409
//!   and 409 with the unmet requirements); nothing was written.
//! - [`StoreError::Stale`]: the caller's version is not the current one (412).
//! - [`StoreError::Forbidden`]: a rule about who may do it, checked inside the transaction (403).
//! - [`StoreError::Unavailable`] means the database could not be reached in time (503).
//! - [`StoreError::Internal`] is everything else; its text is for the log, never the client.

use systemejer_domain::{Refusal, Violation};

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
    #[error("invalid: {0:?}")]
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
    #[error("internal store error: {0}")]
    Internal(String),
}

impl StoreError {
    /// A single field violation.
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![Violation::new(field, rule, message)])
    }

    /// Data in the database that does not parse: corruption or a bug.
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Internal(format!("unreadable stored data: {what}"))
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
            other => StoreError::Internal(other.to_string()),
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
    ]
    .iter()
    .any(|needle| m.contains(needle))
}
