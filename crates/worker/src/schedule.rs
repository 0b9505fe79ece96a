//! The scheduler: sleeps until the next time on the cron schedule, then runs one pass.

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::Worker;

/// A cron schedule read in a time zone.
#[derive(Debug, Clone)]
pub struct WorkerSchedule {
    /// The schedule (with a seconds field).
    pub schedule: cron::Schedule,
    /// The time zone it is read in.
    pub timezone: chrono_tz::Tz,
}

/// The next time `schedule` fires after `after`, in UTC.
pub fn next_run(schedule: &WorkerSchedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule.schedule.after(&after.with_timezone(&schedule.timezone)).next().map(|t| t.with_timezone(&Utc))
}

/// Runs passes on the worker's schedule until `shutdown` turns true. A failed pass is logged
/// and the next one runs on time; nothing here panics.
pub async fn run(worker: Worker, mut shutdown: watch::Receiver<bool>) {
    let Some(schedule) = worker.settings().schedule.clone() else {
        tracing::info!("worker schedule is empty: the reminder pass is off");
        return;
    };
    let schedule = WorkerSchedule { schedule, timezone: worker.settings().timezone };
    // One pass at start catches up on what fell due while the service was down; it is safe to
    // repeat, since every reminder is written once.
    pass(&worker).await;
    loop {
        let Some(next) = next_run(&schedule, Utc::now()) else {
            tracing::warn!("the worker schedule has no future run; stopping");
            return;
        };
        tracing::info!(next = %next.with_timezone(&schedule.timezone), "worker: next pass scheduled");
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {
                tracing::info!("worker: shutting down");
                return;
            }
        }
        pass(&worker).await;
    }
}

async fn pass(worker: &Worker) {
    match worker.run_once(worker.today(), Utc::now()).await {
        Ok(o) => tracing::info!(
            duties_due = o.duties_due,
            queued = o.queued,
            sent = o.sent,
            retried = o.retried,
            failed = o.failed,
            "worker: pass done"
        ),
        Err(e) => tracing::error!(error = %e, "worker: pass failed; the next pass runs on schedule"),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn the_schedule_is_read_in_copenhagen_time() {
        let s = WorkerSchedule {
            schedule: cron::Schedule::from_str("0 0 7 * * Mon-Fri").unwrap(),
            timezone: chrono_tz::Europe::Copenhagen,
        };
        // Friday 2026-11-27 08:00 UTC is 09:00 in Copenhagen: the next run is Monday 07:00
        // local, which is 06:00 UTC in winter.
        let after = DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(next_run(&s, after).unwrap().to_rfc3339(), "2026-11-30T06:00:00+00:00");
        // In summer (CEST, UTC+2) 07:00 local is 05:00 UTC.
        let summer = DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(next_run(&s, summer).unwrap().to_rfc3339(), "2026-06-02T05:00:00+00:00");
    }
}
