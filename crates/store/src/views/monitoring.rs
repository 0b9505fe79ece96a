//! What operations watch: the worker's passes, the outbox by status, breaches against their
//! 72-hour deadline, and the connection pool. Read at each scrape of `/metrics`, so every API
//! instance reports the same deployment-wide figures, however many workers there are.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::tables::worker_passes::{self, PassKind, PassRecord};
use crate::tables::{incidents, outbox};
use crate::{Store, StoreError};

/// Personal data breaches awaiting their report or decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BreachDeadlines {
    /// Within the 72 hours.
    pub running: u32,
    /// Past the 72 hours.
    pub passed: u32,
}

/// The connection pool of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open.
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The most it opens.
    pub max: u32,
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl Store {
    /// The latest pass of each kind that has run.
    pub fn latest_passes(&self) -> Result<Vec<PassRecord>, StoreError> {
        self.read(|conn| {
            let mut out = Vec::new();
            for pass in PassKind::ALL {
                out.extend(worker_passes::latest(conn, pass)?);
            }
            Ok(out)
        })
    }

    /// Messages in the outbox by status (`queued`, `sent`, `failed`), counted by the database.
    pub fn outbox_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        self.read(outbox::counts_by_status)
    }

    /// Personal data breaches awaiting their report or the decision not to report, split by
    /// whether their 72 hours have run out at `now`.
    pub fn breach_deadlines(&self, now: DateTime<Utc>) -> Result<BreachDeadlines, StoreError> {
        let cutoff = (now - chrono::Duration::hours(72)).naive_utc();
        self.read(|conn| {
            let (all, passed) = incidents::count_awaiting_report(conn, cutoff)?;
            Ok(BreachDeadlines { running: count(all - passed), passed: count(passed) })
        })
    }

    /// This process's connection pool.
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse { open: state.connections, idle: state.idle_connections, max: self.pool.max_size() }
    }
}
