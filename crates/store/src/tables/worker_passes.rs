//! The `worker_passes` table: each pass the worker ran, for `/metrics`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::worker_passes::dsl as wp;
use crate::{AnyConnection, StoreError};

/// The worker's passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PassKind {
    /// Reminders of duties.
    ReminderPass,
    /// Alerts about breaches awaiting their report.
    BreachWatch,
    /// Notices of tests that failed.
    FailedResults,
    /// Weekly reminders of open exit steps.
    ExitSteps,
    /// Notices to the coordinator of incidents recorded.
    IncidentNotices,
    /// Weekly reminders of open incidents.
    IncidentFollowUp,
    /// Notices to the DPO of systems with personal data.
    DpoNotices,
    /// The mails of handovers of ownership.
    OwnerHandovers,
}

impl PassKind {
    /// Every pass, in a fixed order.
    pub const ALL: [PassKind; 8] = [
        PassKind::ReminderPass,
        PassKind::BreachWatch,
        PassKind::FailedResults,
        PassKind::ExitSteps,
        PassKind::IncidentNotices,
        PassKind::IncidentFollowUp,
        PassKind::DpoNotices,
        PassKind::OwnerHandovers,
    ];

    /// The stored (and label) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PassKind::ReminderPass => "reminder_pass",
            PassKind::BreachWatch => "breach_watch",
            PassKind::FailedResults => "failed_results",
            PassKind::ExitSteps => "exit_steps",
            PassKind::IncidentNotices => "incident_notices",
            PassKind::IncidentFollowUp => "incident_follow_up",
            PassKind::DpoNotices => "dpo_notices",
            PassKind::OwnerHandovers => "owner_handovers",
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

fn count(n: i32) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Writes a pass, and deletes those that began before `prune_before`.
pub(crate) fn insert(
    conn: &mut AnyConnection,
    id: &str,
    pass: &PassRecord,
    prune_before: DateTime<Utc>,
) -> Result<(), StoreError> {
    let i32_of = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    diesel::insert_into(wp::worker_passes)
        .values((
            wp::id.eq(id),
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
    diesel::delete(wp::worker_passes.filter(wp::started_at.lt(prune_before.naive_utc()))).execute(conn)?;
    Ok(())
}

/// The latest pass of this kind, if one ran.
pub(crate) fn latest(conn: &mut AnyConnection, pass: PassKind) -> Result<Option<PassRecord>, StoreError> {
    type Row = (chrono::NaiveDateTime, i64, i32, i32, i32, i32, i32, bool);
    let row: Option<Row> = wp::worker_passes
        .filter(wp::pass.eq(pass.as_str()))
        .order(wp::started_at.desc())
        .select((
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
    Ok(row.map(|(started, ms, found, queued, sent, retried, failed, succeeded)| PassRecord {
        pass,
        started_at: started.and_utc(),
        duration: Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
        found: count(found),
        queued: count(queued),
        sent: count(sent),
        retried: count(retried),
        failed: count(failed),
        succeeded,
    }))
}
