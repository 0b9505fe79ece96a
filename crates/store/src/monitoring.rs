//! What operations watch: the worker's passes, the outbox by status, breaches against their
//! 72-hour deadline, and the connection pool. Read at each scrape of `/metrics`, so every API
//! instance reports the same deployment-wide figures, however many workers there are.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::schema::{incidents::dsl as inc, outbox::dsl as ob, worker_passes::dsl as wp};
use crate::{Store, StoreError, new_id};

/// The worker's passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PassKind {
    /// Reminders of duties.
    ReminderPass,
    /// Alerts about breaches awaiting their report.
    BreachWatch,
}

impl PassKind {
    /// Both, in a fixed order.
    pub const ALL: [PassKind; 2] = [PassKind::ReminderPass, PassKind::BreachWatch];

    /// The stored (and label) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PassKind::ReminderPass => "reminder_pass",
            PassKind::BreachWatch => "breach_watch",
        }
    }
}

/// One pass, as a worker ran it.
#[derive(Debug, Clone, PartialEq)]
pub struct PassRecord {
    /// Which pass.
    pub pass: PassKind,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration: Duration,
    /// Duties (or breaches) it found due.
    pub found: u32,
    /// Messages it wrote to the outbox.
    pub queued: u32,
    /// Messages it delivered.
    pub sent: u32,
    /// Deliveries that failed and will be retried.
    pub retried: u32,
    /// Deliveries given up.
    pub failed: u32,
    /// Whether it ran to the end (a failed pass is logged and retried on schedule).
    pub succeeded: bool,
}

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

/// Passes older than this are pruned when a new one is recorded.
const KEEP_PASSES_DAYS: i64 = 90;

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl Store {
    /// Records a pass (and prunes those older than 90 days).
    pub fn record_pass(&self, pass: &PassRecord) -> Result<(), StoreError> {
        let i32_of = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        self.write(|conn| {
            diesel::insert_into(wp::worker_passes)
                .values((
                    wp::id.eq(new_id().to_string()),
                    wp::pass.eq(pass.pass.as_str()),
                    wp::started_at.eq(pass.started_at.naive_utc()),
                    wp::duration_ms.eq(i64::try_from(pass.duration.as_millis()).unwrap_or(i64::MAX)),
                    wp::found.eq(i32_of(pass.found)),
                    wp::queued.eq(i32_of(pass.queued)),
                    wp::sent.eq(i32_of(pass.sent)),
                    wp::retried.eq(i32_of(pass.retried)),
                    wp::failed.eq(i32_of(pass.failed)),
                    wp::succeeded.eq(pass.succeeded),
                ))
                .execute(conn)?;
            let cutoff = (pass.started_at - chrono::Duration::days(KEEP_PASSES_DAYS)).naive_utc();
            diesel::delete(wp::worker_passes.filter(wp::started_at.lt(cutoff))).execute(conn)?;
            Ok(())
        })
    }

    /// The latest pass of each kind that has run.
    pub fn latest_passes(&self) -> Result<Vec<PassRecord>, StoreError> {
        type Row = (String, NaiveDateTime, i64, i32, i32, i32, i32, i32, bool);
        self.read(|conn| {
            let mut out = Vec::new();
            for pass in PassKind::ALL {
                let row: Option<Row> = wp::worker_passes
                    .filter(wp::pass.eq(pass.as_str()))
                    .order(wp::started_at.desc())
                    .select((
                        wp::pass,
                        wp::started_at,
                        wp::duration_ms,
                        wp::found,
                        wp::queued,
                        wp::sent,
                        wp::retried,
                        wp::failed,
                        wp::succeeded,
                    ))
                    .first(conn)
                    .optional()?;
                if let Some((_, started, ms, found, queued, sent, retried, failed, succeeded)) = row {
                    let n = |v: i32| count(i64::from(v));
                    out.push(PassRecord {
                        pass,
                        started_at: started.and_utc(),
                        duration: Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                        found: n(found),
                        queued: n(queued),
                        sent: n(sent),
                        retried: n(retried),
                        failed: n(failed),
                        succeeded,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Messages in the outbox by status (`queued`, `sent`, `failed`), counted by the database.
    pub fn outbox_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        self.read(|conn| {
            let rows: Vec<(String, i64)> =
                ob::outbox.group_by(ob::status).select((ob::status, count_star())).load(conn)?;
            Ok(rows.into_iter().collect())
        })
    }

    /// Personal data breaches awaiting their report or the decision not to report, split by
    /// whether their 72 hours have run out at `now`.
    pub fn breach_deadlines(&self, now: DateTime<Utc>) -> Result<BreachDeadlines, StoreError> {
        let cutoff = (now - chrono::Duration::hours(72)).naive_utc();
        self.read(|conn| {
            let open = inc::incidents.filter(crate::incidents::awaiting_report());
            let passed: i64 = open.filter(inc::discovered_at.lt(cutoff)).select(count_star()).first(conn)?;
            let all: i64 = open.select(count_star()).first(conn)?;
            Ok(BreachDeadlines { running: count(all - passed), passed: count(passed) })
        })
    }

    /// This process's connection pool.
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse { open: state.connections, idle: state.idle_connections, max: self.pool.max_size() }
    }
}
