//! The background worker: on its schedule it finds the duties whose reminders are due, writes
//! one digest per recipient into the outbox (each duty, due date, stage and recipient once),
//! and delivers the outbox by mail, retrying what fails.
//!
//! [`Worker::run_once`] is the one pass, used alike by the scheduler, `systemejer worker --once`
//! and the tests; [`Worker::plan`] is the same pass without writing or sending (the dry run).

mod breaches;
mod reminders;
mod schedule;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use systemejer_domain::reminders::ReminderPolicy;
use systemejer_mail::Mailer;
use systemejer_store::monitoring::{PassKind, PassRecord};
use systemejer_store::outbox::RetryPolicy;
use systemejer_store::{Store, StoreError};

pub use reminders::{Plan, PlannedItem};
pub use schedule::{WorkerSchedule, next_run, run};

/// The slice of settings the worker needs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// When the reminder pass runs; `None` turns it off.
    pub schedule: Option<cron::Schedule>,
    /// When the breach watch runs; `None` turns it off.
    pub breach_schedule: Option<cron::Schedule>,
    /// The municipality's time zone: of the schedule and of "today".
    pub timezone: chrono_tz::Tz,
    /// When reminders are sent, and when they escalate.
    pub policy: ReminderPolicy,
    /// The information security coordinator's address, for escalations.
    pub coordinator_email: Option<String>,
    /// The data protection officer's address, for breach alerts.
    pub dpo_email: Option<String>,
    /// The sender of every mail.
    pub mail_from: String,
    /// The base of links in mails.
    pub public_url: String,
    /// How delivery failures are retried.
    pub retry: RetryPolicy,
    /// How long a claimed message is reserved for the worker sending it.
    pub lease: Duration,
    /// How many messages are claimed at a time. Each claimed message is leased to this worker;
    /// with 1 (the default) a worker that dies holds back only the message it was sending.
    pub batch: i64,
    /// How long one delivery may take before it counts as failed (a server that hangs).
    pub send_timeout: StdDuration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            schedule: None,
            breach_schedule: None,
            timezone: chrono_tz::Europe::Copenhagen,
            policy: ReminderPolicy::default(),
            coordinator_email: None,
            dpo_email: None,
            mail_from: "systemejer <systemejer@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            retry: RetryPolicy::default(),
            lease: Duration::minutes(2),
            batch: 1,
            send_timeout: StdDuration::from_secs(60),
        }
    }
}

/// What a pass is to send (what was sent before left out), and how long working it out took:
/// what the dry run prints, and what the pass writes.
#[derive(Debug, Clone)]
pub struct PassPlan {
    /// Who would be told what.
    pub plans: Vec<Plan>,
    /// Duties within the reminder horizon.
    pub duties_due: usize,
    /// Finding the due duties with their systems and people (the store).
    pub found: StdDuration,
    /// Working out who is told of which at which stage.
    pub planned: StdDuration,
    /// Leaving out what was sent before.
    pub checked: StdDuration,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// Duties found within the reminder horizon.
    pub duties_due: usize,
    /// Messages written to the outbox by this pass.
    pub queued: usize,
    /// Messages delivered.
    pub sent: usize,
    /// Deliveries that failed and will be tried again.
    pub retried: usize,
    /// Deliveries that failed for the last time.
    pub failed: usize,
    /// Time spent delivering, in milliseconds.
    pub delivery_ms: u64,
}

/// Why a pass could not run at all (single deliveries that fail do not stop it).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking task could not finish.
    #[error("background task failed: {0}")]
    Task(String),
}

/// The worker: the register, a mailer and its settings.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    mailer: Mailer,
    settings: WorkerSettings,
    /// Set on shutdown: delivery ends after the message being sent.
    stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Worker {
    /// A worker.
    pub fn new(store: Store, mailer: Mailer, settings: WorkerSettings) -> Self {
        Self { store, mailer, settings, stopping: Default::default() }
    }

    /// Asks every clone of this worker to stop delivering after the message it is sending.
    /// What it had claimed but not sent stays in the outbox and goes out once its lease ends
    /// (from another worker, or this one's next start): nothing is lost.
    pub fn request_stop(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The settings.
    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// Today in the municipality.
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.settings.timezone).date_naive()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WorkerError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| WorkerError::Task(e.to_string()))?
            .map_err(WorkerError::from)
    }

    /// What a pass on `today` would send, without writing or sending anything.
    pub async fn plan(&self, today: NaiveDate) -> Result<Vec<Plan>, WorkerError> {
        Ok(self.plan_pass(today).await?.plans)
    }

    /// [`Worker::plan`], with how long each step took.
    pub async fn plan_pass(&self, today: NaiveDate) -> Result<PassPlan, WorkerError> {
        let horizon = today + Duration::days(i64::from(self.settings.policy.horizon_days()));
        let started = std::time::Instant::now();
        let duties = self.blocking(move |s| s.due_duties(horizon)).await?;
        let found = started.elapsed();
        let plans = reminders::plan(&duties, today, &self.settings);
        let planned = started.elapsed();
        let keys: Vec<String> = plans.iter().flat_map(|p| p.items.iter().map(|i| i.key.clone())).collect();
        let sent = self.blocking(move |s| s.existing_reminder_keys(&keys)).await?;
        let plans = reminders::without_keys(plans, &sent);
        Ok(PassPlan {
            plans,
            duties_due: duties.len(),
            found,
            planned: planned - found,
            checked: started.elapsed() - planned,
        })
    }

    /// One pass as of `today`: plan, write the outbox, deliver it. The pass is recorded (for
    /// `/metrics`), failed or not.
    pub async fn run_once(&self, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let started = std::time::Instant::now();
        let result = self.reminder_pass(today, now).await;
        self.record_pass(PassKind::ReminderPass, now, started.elapsed(), &result).await;
        result
    }

    /// Records a pass; a failure to record is logged, never fatal.
    async fn record_pass(
        &self,
        pass: PassKind,
        started_at: DateTime<Utc>,
        duration: StdDuration,
        result: &Result<Outcome, WorkerError>,
    ) {
        let o = result.as_ref().map_or_else(|_| Outcome::default(), Clone::clone);
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let record = PassRecord {
            pass,
            started_at,
            duration,
            found: n(o.duties_due),
            queued: n(o.queued),
            sent: n(o.sent),
            retried: n(o.retried),
            failed: n(o.failed),
            succeeded: result.is_ok(),
        };
        if let Err(e) = self.blocking(move |s| s.record_pass(&record)).await {
            tracing::warn!(error = %e, pass = pass.as_str(), "could not record the pass for the metrics");
        }
    }

    async fn reminder_pass(&self, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        // What was sent before is left out first, in a few queries: on most days most of the
        // horizon was told already, and claiming each of those keys again in its own
        // transaction took 31 s over a national register. Writing still claims every key, so
        // a key another worker takes meanwhile is not sent twice.
        let planned = self.plan_pass(today).await?;
        let mut outcome = Outcome { duties_due: planned.duties_due, ..Outcome::default() };
        for plan in planned.plans {
            let settings = self.settings.clone();
            let items: Vec<(String, PlannedItem)> = plan.items.iter().map(|i| (i.key.clone(), i.clone())).collect();
            let addressee = plan.addressee.clone();
            let queued = self
                .blocking(move |s| s.enqueue(items, |fresh| reminders::message(&addressee, fresh, &settings, now)))
                .await?;
            outcome.queued += usize::from(queued.is_some());
        }
        let delivering = std::time::Instant::now();
        let delivered = self.deliver().await?;
        outcome.delivery_ms = u64::try_from(delivering.elapsed().as_millis()).unwrap_or(u64::MAX);
        outcome.sent = delivered.sent;
        outcome.retried = delivered.retried;
        outcome.failed = delivered.failed;
        Ok(outcome)
    }

    /// The breach watch as of `now`: alerts for breaches awaiting their report or decision,
    /// each stage to each recipient once; then delivery.
    pub async fn breach_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let started = std::time::Instant::now();
        let result = self.breach_watch(now).await;
        self.record_pass(PassKind::BreachWatch, now, started.elapsed(), &result).await;
        result
    }

    async fn breach_watch(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let breaches = self.blocking(|s| s.open_breaches()).await?;
        let alerts = breaches::plan(&breaches, now, &self.settings);
        let mut outcome = Outcome { duties_due: breaches.len(), ..Outcome::default() };
        for alert in alerts {
            let settings = self.settings.clone();
            let queued = self
                .blocking(move |s| {
                    s.enqueue(vec![(alert.key.clone(), alert.clone())], |_| breaches::message(&alert, &settings, now))
                })
                .await?;
            outcome.queued += usize::from(queued.is_some());
        }
        let delivering = std::time::Instant::now();
        let delivered = self.deliver().await?;
        outcome.delivery_ms = u64::try_from(delivering.elapsed().as_millis()).unwrap_or(u64::MAX);
        outcome.sent = delivered.sent;
        outcome.retried = delivered.retried;
        outcome.failed = delivered.failed;
        Ok(outcome)
    }

    /// Delivers what the outbox holds for delivery now, a batch at a time.
    pub async fn deliver(&self) -> Result<Outcome, WorkerError> {
        let mut outcome = Outcome::default();
        loop {
            if self.stopping() {
                return Ok(outcome);
            }
            let (batch, lease) = (self.settings.batch, self.settings.lease);
            let claimed = self.blocking(move |s| s.claim_messages(batch, lease)).await?;
            if claimed.is_empty() {
                return Ok(outcome);
            }
            for message in claimed {
                if self.stopping() {
                    tracing::info!("delivery stopped for shutdown; the rest goes out after its lease");
                    return Ok(outcome);
                }
                let result = match reminders::compose(&message, &self.settings) {
                    Ok(mail) => tokio::time::timeout(self.settings.send_timeout, self.mailer.send(mail))
                        .await
                        .unwrap_or_else(|_| Err(systemejer_mail::MailError::Delivery("timed out".into()))),
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        let m = message.clone();
                        self.blocking(move |s| s.mark_sent(&m)).await?;
                        outcome.sent += 1;
                    }
                    Err(e) => {
                        let (m, retry, error) = (message.clone(), self.settings.retry, e.to_string());
                        tracing::warn!(message = %message.id, to = %message.recipient_email, error = %error, "delivery failed");
                        let gave_up = self.blocking(move |s| s.mark_attempt_failed(&m, &error, &retry)).await?;
                        if gave_up {
                            tracing::error!(message = %message.id, to = %message.recipient_email, "delivery failed for the last time");
                            outcome.failed += 1;
                        } else {
                            outcome.retried += 1;
                        }
                    }
                }
            }
            if outcome.retried + outcome.failed > 0 {
                // The server is refusing: leave the rest for the next pass rather than spin.
                return Ok(outcome);
            }
        }
    }
}
