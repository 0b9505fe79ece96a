//! The scheduler: sleeps until the next time on the cron schedule, then runs one pass.

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::worker::Worker;

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

/// Runs the reminder pass, the breach watch and the webhook delivery, each on its schedule, until `shutdown` turns
/// true; a pass under way then ends after the message being sent. A failed pass is logged and
/// the next one runs on time; nothing here panics.
pub async fn run(worker: Worker, shutdown: watch::Receiver<bool>) {
    let timezone = worker.settings().timezone;
    let reminders = worker.settings().schedule.clone().map(|schedule| WorkerSchedule { schedule, timezone });
    let breaches = worker.settings().breach_schedule.clone().map(|schedule| WorkerSchedule { schedule, timezone });
    let hooks = worker.settings().webhooks.schedule.clone().map(|schedule| WorkerSchedule { schedule, timezone });
    let (w1, w2, s1, s2) = (worker.clone(), worker.clone(), shutdown.clone(), shutdown.clone());
    let (w3, s3) = (worker.clone(), shutdown.clone());
    // On shutdown, a pass under way stops after the message it is sending.
    let mut told = shutdown;
    let stopper = async move {
        if told.changed().await.is_ok() {
            worker.request_stop();
        }
    };
    tokio::join!(
        stopper,
        // The weekly reminders (exit steps, open incidents) run with the reminder pass; the
        // notices of what happened (a failed test, an incident recorded, a handover, news for
        // the DPO) with the breach watch, so that they go out within minutes.
        repeat("reminder pass", reminders, s1, move || {
            let w = w1.clone();
            async move {
                let reminders = w.run_once(w.today(), Utc::now()).await;
                log_pass("exit steps reminder", w.exit_steps_pass(w.today(), Utc::now()).await);
                log_pass("incident follow-up", w.incident_follow_up_pass(w.today(), Utc::now()).await);
                reminders
            }
        }),
        repeat("breach watch", breaches, s2, move || {
            let w = w2.clone();
            async move {
                let breaches = w.breach_pass(Utc::now()).await;
                log_pass("failed results notice", w.failed_results_pass(Utc::now()).await);
                log_pass("incident notices", w.incident_notices_pass(Utc::now()).await);
                log_pass("DPO notices", w.dpo_notices_pass(Utc::now()).await);
                log_pass("handovers", w.handovers_pass(Utc::now()).await);
                breaches
            }
        }),
        // Webhook events go out within seconds of the change that emitted them.
        repeat("webhook delivery", hooks, s3, move || {
            let w = w3.clone();
            async move { w.webhook_pass(Utc::now()).await }
        }),
    );
}

/// Runs `pass` once at start (catching up on what fell due while the service was down; safe,
/// since every message is written once), then at each time of `schedule`.
async fn repeat<F, Fut>(name: &str, schedule: Option<WorkerSchedule>, mut shutdown: watch::Receiver<bool>, pass: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<crate::pass::Outcome, crate::pass::WorkerError>>,
{
    let Some(schedule) = schedule else {
        tracing::info!("worker: the {name} has no schedule and is off");
        return;
    };
    loop {
        log_pass(name, pass().await);
        let Some(next) = next_run(&schedule, Utc::now()) else {
            tracing::warn!("worker: the {name} schedule has no future run; stopping it");
            return;
        };
        tracing::debug!(next = %next.with_timezone(&schedule.timezone), "worker: next {name} scheduled");
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {
                tracing::info!("worker: {name} shutting down");
                return;
            }
        }
    }
}

/// Logs the outcome of a pass that runs beside another.
fn log_pass(name: &str, result: Result<crate::pass::Outcome, crate::pass::WorkerError>) {
    match result {
        // Webhook delivery runs every few seconds: only a run that did something is worth a line.
        Ok(o) if name == "webhook delivery" && o.sent + o.retried + o.failed == 0 => {
            tracing::debug!("worker: {name} found nothing due");
        }
        Ok(o) => tracing::info!(
            found = o.duties_due,
            queued = o.queued,
            sent = o.sent,
            retried = o.retried,
            failed = o.failed,
            "worker: {name} done"
        ),
        Err(e) => {
            let error = systemejer_store::ErrorChain(&e);
            tracing::error!(%error, "worker: {name} failed; it runs again on schedule");
        }
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
