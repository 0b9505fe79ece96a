//! Where imported entities came from: read by an import to find them again, written by it
//! after an update (a creation writes its origin with the batch, `Bulk::origins`).

use chrono::{DateTime, Utc};

use crate::tables::leases;
use crate::tables::origins::{self, Origin};
use crate::{Store, StoreError};

impl Store {
    /// Every entity imported from `source` (`kitos`), with its values as last imported.
    pub fn origins(&self, source: &str) -> Result<Vec<Origin>, StoreError> {
        self.read(|conn| origins::list(conn, source))
    }

    /// Records `origins` (each replacing the one of the same source, kind and external id),
    /// in one transaction.
    pub fn put_origins(&self, list: &[Origin]) -> Result<(), StoreError> {
        self.write(|conn| origins::put(conn, list))
    }

    /// Takes the lease of `name` (an import of one source) for `holder` until `until`, unless
    /// another holds it and it has not run out; answers who holds it and until when if so.
    /// Two takers at once: one gets it.
    pub fn take_lease(
        &self,
        name: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> Result<Result<(), (String, DateTime<Utc>)>, StoreError> {
        let now = Utc::now();
        let taken = self.write(|conn| match leases::get(conn, name)? {
            Some((other, ends)) if other != holder && ends > now => Ok(Err((other, ends))),
            _ => leases::put(conn, name, holder, until).map(Ok),
        });
        match taken {
            // Another taker inserted it between this one's read and write (PostgreSQL).
            Err(StoreError::Conflict { .. }) => match self.read(|conn| leases::get(conn, name))? {
                Some(held) => Ok(Err(held)),
                None => Ok(Err((String::from("another import"), now))),
            },
            other => other,
        }
    }

    /// Gives up `holder`'s lease of `name`.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        self.write(|conn| leases::remove(conn, name, holder))
    }
}
