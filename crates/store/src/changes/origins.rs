//! Where imported entities came from: read by an import to find them again, written by it
//! after an update (a creation writes its origin with the batch, `Bulk::origins`).

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
}
