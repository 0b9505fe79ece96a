//! Migrations for both backends, embedded in the binary. The two folders under `migrations/`
//! hold the same migration names; a test fails when they drift apart.

use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{AnyConnection, Store, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// The names of the embedded migrations of a backend, in order.
pub fn names(kind: crate::BackendKind) -> Vec<String> {
    let source = match kind {
        crate::BackendKind::Postgres => POSTGRES,
        crate::BackendKind::Sqlite => SQLITE,
    };
    MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
        .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
        .unwrap_or_default()
}

fn failed(e: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::internal_from("a migration failed", e)
}

impl Store {
    /// Applies every pending migration; answers the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let _turn = self.sqlite_writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut conn = self.pool.get()?;
        let applied = match &mut **conn {
            AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES).map_err(failed)?,
            AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(failed)?,
        };
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// The migrations not applied yet, by name, without applying them.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.get()?;
        Ok(match &mut **conn {
            AnyConnection::Postgresql(c) => {
                c.pending_migrations(POSTGRES).map_err(failed)?.iter().map(|m| m.name().to_string()).collect()
            }
            AnyConnection::Sqlite(c) => {
                c.pending_migrations(SQLITE).map_err(failed)?.iter().map(|m| m.name().to_string()).collect()
            }
        })
    }

    /// Reverts every applied migration, newest first: for tests of the down migrations.
    pub fn revert_all_migrations(&self) -> Result<Vec<String>, StoreError> {
        let _turn = self.sqlite_writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut conn = self.pool.get()?;
        let reverted = match &mut **conn {
            AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES).map_err(failed)?,
            AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(failed)?,
        };
        Ok(reverted.iter().map(ToString::to_string).collect())
    }
}
