//! The background worker: runs its pass on a cron schedule (in the municipality's time zone).
//!
//! One pass function, [`run_once`], serves the scheduler, `systemejer worker --once` and the
//! tests. In this version the pass checks that the register is reachable and counts the
//! systems whose duties it will watch; finding due duties and mailing owners builds on it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use systemejer_domain::LifecycleState;
use systemejer_store::systems::SystemFilter;
use systemejer_store::{PageRequest, Store, StoreError};
use tokio::sync::watch;

/// The slice of settings the worker needs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// When the pass runs; `None` turns the scheduler off.
    pub schedule: Option<cron::Schedule>,
    /// The time zone the schedule is read in.
    pub timezone: chrono_tz::Tz,
}

/// What one pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The time the pass ran as of.
    pub as_of: DateTime<Utc>,
    /// Systems whose duties are watched (those in use, being changed or shut down).
    pub systems_watched: i64,
}

/// One pass of the worker, as of `now`.
pub fn run_once(store: &Store, now: DateTime<Utc>) -> Result<Outcome, StoreError> {
    let page = PageRequest { limit: 1, offset: 0, cursor: None };
    let mut watched = 0;
    for state in [LifecycleState::InUse, LifecycleState::Changing, LifecycleState::Decommissioning] {
        let filter = SystemFilter { lifecycle_state: Some(state), ..SystemFilter::default() };
        watched += store.list_systems(&filter, &page)?.total;
    }
    Ok(Outcome { as_of: now, systems_watched: watched })
}

/// The next time the schedule fires after `after`, in UTC.
pub fn next_run(settings: &WorkerSettings, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = settings.schedule.as_ref()?;
    schedule.after(&after.with_timezone(&settings.timezone)).next().map(|t| t.with_timezone(&Utc))
}

/// Runs passes on the schedule until `shutdown` turns true. A failed pass is logged and the
/// next one runs on time; nothing here panics.
pub async fn run(store: Store, settings: WorkerSettings, mut shutdown: watch::Receiver<bool>) {
    if settings.schedule.is_none() {
        tracing::info!("worker schedule is empty: the reminder pass is off");
        return;
    }
    loop {
        let Some(next) = next_run(&settings, Utc::now()) else {
            tracing::warn!("the worker schedule has no future run; stopping");
            return;
        };
        tracing::info!(next = %next.with_timezone(&settings.timezone), "worker: next pass scheduled");
        let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {
                tracing::info!("worker: shutting down");
                return;
            }
        }
        let pass_store = store.clone();
        match tokio::task::spawn_blocking(move || run_once(&pass_store, Utc::now())).await {
            Ok(Ok(outcome)) => tracing::info!(systems_watched = outcome.systems_watched, "worker: pass done"),
            Ok(Err(e)) => tracing::error!(error = %e, "worker: pass failed; the next pass runs on schedule"),
            Err(e) => tracing::error!(error = %e, "worker: pass aborted"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn the_schedule_is_read_in_copenhagen_time() {
        let settings = WorkerSettings {
            schedule: Some(cron::Schedule::from_str("0 0 7 * * Mon-Fri").unwrap()),
            timezone: chrono_tz::Europe::Copenhagen,
        };
        // Friday 2026-11-27 08:00 UTC is 09:00 in Copenhagen: the next run is Monday 07:00
        // local, which is 06:00 UTC in winter.
        let after = DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z").unwrap().with_timezone(&Utc);
        let next = next_run(&settings, after).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-30T06:00:00+00:00");
        // In summer (CEST, UTC+2) 07:00 local is 05:00 UTC.
        let summer = DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(next_run(&settings, summer).unwrap().to_rfc3339(), "2026-06-02T05:00:00+00:00");
    }

    #[test]
    fn no_schedule_means_no_run() {
        let settings = WorkerSettings { schedule: None, timezone: chrono_tz::Europe::Copenhagen };
        assert_eq!(next_run(&settings, Utc::now()), None);
    }
}
