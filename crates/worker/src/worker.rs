//! The worker: runs a pass as every pass runs (plan, enqueue, deliver), delivers the outbox,
//! and records each run for `/metrics`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use systemejer_mail::Mailer;
use systemejer_store::{AttemptOutcome, Enqueued, PassKind, PassRecord, Store, StoreError, StoredMessage};

use crate::breaches::BreachWatch;
use crate::dpo::DpoNotices;
use crate::handovers::Handovers;
use crate::incidents::{IncidentFollowUp, IncidentNotices};
use crate::notices::{ExitStepsReminder, FailedResults};
use crate::pass::{Letter, Outcome, Pass, WorkerError};
use crate::reminders::{self, PassPlan, Plan, ReminderPass};
use crate::settings::WorkerSettings;
use crate::webhooks;

/// The worker: the register, a mailer and its settings.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    mailer: Mailer,
    settings: WorkerSettings,
    /// Set on shutdown: delivery ends after the message being sent.
    stopping: Arc<AtomicBool>,
}

/// The mail for a stored message.
fn compose(m: &StoredMessage, settings: &WorkerSettings) -> Result<lettre::Message, systemejer_mail::MailError> {
    let rendered = systemejer_mail::Rendered {
        subject: m.subject.clone(),
        text: m.text_body.clone(),
        html: m.html_body.clone(),
        ics: m.ics.clone(),
    };
    systemejer_mail::compose(&m.id, &settings.mail_from, &m.recipient_email, m.recipient_name.as_deref(), &rendered)
}

impl Worker {
    /// A worker.
    pub fn new(store: Store, mailer: Mailer, settings: WorkerSettings) -> Self {
        Self { store, mailer, settings, stopping: Arc::default() }
    }

    /// Asks every clone of this worker to stop delivering after the message it is sending.
    /// What it had claimed but not sent stays in the outbox and goes out once its lease ends
    /// (from another worker, or this one's next start): nothing is lost.
    pub fn request_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
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
        tokio::task::spawn_blocking(move || f(&store)).await.map_err(WorkerError::Task)?.map_err(WorkerError::from)
    }

    /// What a reminder pass on `today` would send, without writing or sending anything.
    pub async fn plan(&self, today: NaiveDate) -> Result<Vec<Plan>, WorkerError> {
        Ok(self.plan_pass(today).await?.plans)
    }

    /// [`Worker::plan`], with how long each step took.
    pub async fn plan_pass(&self, today: NaiveDate) -> Result<PassPlan, WorkerError> {
        let settings = self.settings.clone();
        self.blocking(move |store| reminders::plan_pass(store, &settings, today)).await
    }

    /// One reminder pass as of `today`: plan, write the outbox, deliver it. The pass is
    /// recorded (for `/metrics`), failed or not. Then the duties' webhook events of `today`
    /// (`duty.due`, `duty.overdue`), each duty, due date and stage once, when a subscription
    /// wants them; the webhook delivery sends them.
    pub async fn run_once(&self, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let outcome = self.run_pass(ReminderPass, today, now).await?;
        let settings = self.settings.clone();
        let emitted = self.blocking(move |store| webhooks::duty_events(store, &settings, today, now)).await?;
        if emitted > 0 {
            tracing::info!(emitted, "worker: duty events queued for webhooks");
        }
        Ok(outcome)
    }

    /// The breach watch as of `now`: alerts for breaches awaiting their report or decision,
    /// each stage to each recipient once; then delivery. Then `breach.deadline_near` for each
    /// such breach 24, 48 and 60 hours after its discovery, once each, when a subscription
    /// wants it.
    pub async fn breach_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let today = now.with_timezone(&self.settings.timezone).date_naive();
        let outcome = self.run_pass(BreachWatch, today, now).await?;
        let emitted = self.blocking(move |store| webhooks::breach_events(store, now)).await?;
        if emitted > 0 {
            tracing::info!(emitted, "worker: breach events queued for webhooks");
        }
        Ok(outcome)
    }

    /// Delivers the webhook events due at `now` (the pass's time: retries wait for it), a batch
    /// at a time sent side by side, until none is due; each attempt is recorded, and a
    /// subscription that has failed too long is turned off with it (the mail that says so is
    /// then delivered too). Outside any transaction while a receiver is called.
    pub async fn webhook_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let started = Instant::now();
        let mut outcome = Outcome::default();
        let mut disabled = 0;
        while !self.stopping() {
            let (batch, lease) = (self.settings.webhooks.batch, self.settings.webhooks.lease);
            let claimed = self.blocking(move |s| s.claim_webhook_deliveries(batch, lease, now)).await?;
            if claimed.is_empty() {
                break;
            }
            let mut sending = tokio::task::JoinSet::new();
            for send in claimed {
                // The attempt's time: the pass's, and as much later as the pass has taken.
                let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
                let (public_url, settings) = (self.settings.public_url.clone(), self.settings.webhooks.clone());
                sending.spawn(async move {
                    let result = webhooks::attempt(&send, &public_url, &settings, at).await;
                    (send, result)
                });
            }
            while let Some(done) = sending.join_next().await {
                let (send, result) = done.map_err(WorkerError::Task)?;
                if let Some(error) = &result.error {
                    tracing::warn!(event = %send.event_id, subscription = %send.subscription_id, %error, "webhook delivery failed");
                }
                let (settings, subscription, url) =
                    (self.settings.clone(), send.subscription_id.clone(), send.url.clone());
                let finished = self
                    .blocking(move |s| {
                        let disabling =
                            if result.succeeded() { None } else { webhooks::disabling(s, &send, &result, &settings)? };
                        s.finish_webhook_attempt(&send, &result, &settings.webhooks.retry, disabling.as_ref())
                    })
                    .await;
                // One attempt that cannot be recorded ends nothing else: its claim runs out and
                // it is sent again (at least once), while the others in flight are recorded.
                let became = match finished {
                    Ok(became) => became,
                    Err(error) => {
                        tracing::error!(%subscription, %error, "webhook attempt not recorded; it will be tried again");
                        continue;
                    }
                };
                if became == AttemptOutcome::Gone {
                    tracing::info!(%subscription, %url, "webhook subscription deleted while a delivery to it was under way");
                }
                if became == AttemptOutcome::Disabled {
                    tracing::error!(%subscription, %url, "webhook subscription turned off: it has failed too long, or is gone");
                    disabled += 1;
                }
                webhooks::count(became, &mut outcome);
            }
        }
        if disabled > 0 {
            // The mail that tells the admin goes out now, not at the next pass.
            let mailed = self.deliver().await?;
            outcome.queued += disabled;
            tracing::info!(sent = mailed.sent, "worker: the mails of webhook subscriptions turned off");
        }
        outcome.delivery_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(outcome)
    }

    /// The notices of tests that failed recently (the last week), each to the owner and the
    /// coordinator once; then delivery.
    pub async fn failed_results_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let today = now.with_timezone(&self.settings.timezone).date_naive();
        self.run_pass(FailedResults, today, now).await
    }

    /// The weekly reminders of decommissioning systems' open exit steps, each system to its
    /// owner once in the ISO week of `today`; then delivery.
    pub async fn exit_steps_pass(&self, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        self.run_pass(ExitStepsReminder, today, now).await
    }

    /// The notices to the coordinator of security incidents recorded recently (the last week),
    /// each once; then delivery.
    pub async fn incident_notices_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let today = now.with_timezone(&self.settings.timezone).date_naive();
        self.run_pass(IncidentNotices, today, now).await
    }

    /// The weekly reminders of incidents open for a week or more, each incident to its owners
    /// once in the ISO week of `today`; then delivery.
    pub async fn incident_follow_up_pass(&self, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        self.run_pass(IncidentFollowUp, today, now).await
    }

    /// What the DPO is told of systems with personal data in the last week (into use, a change
    /// begun, a new processor), each event once; then delivery.
    pub async fn dpo_notices_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let today = now.with_timezone(&self.settings.timezone).date_naive();
        self.run_pass(DpoNotices, today, now).await
    }

    /// The mails of handovers of ownership in the last week, to the old and the new owner,
    /// each once; then delivery.
    pub async fn handovers_pass(&self, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let today = now.with_timezone(&self.settings.timezone).date_naive();
        self.run_pass(Handovers, today, now).await
    }

    /// Runs `pass` (plan, enqueue, deliver) and records the run, failed or not.
    async fn run_pass<P: Pass>(&self, pass: P, today: NaiveDate, now: DateTime<Utc>) -> Result<Outcome, WorkerError> {
        let started = Instant::now();
        let result = self.plan_enqueue_deliver(Arc::new(pass), today, now).await;
        self.record_pass(P::KIND, now, started.elapsed(), &result).await;
        result
    }

    async fn plan_enqueue_deliver<P: Pass>(
        &self,
        pass: Arc<P>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Outcome, WorkerError> {
        let planned = {
            let (pass, settings) = (Arc::clone(&pass), self.settings.clone());
            self.blocking(move |store| pass.plan(store, &settings, today, now)).await?
        };
        let mut outcome = Outcome { duties_due: planned.found, ..Outcome::default() };
        for letter in planned.letters {
            outcome.queued += usize::from(self.enqueue(&*pass, letter, now).await?);
        }
        let delivering = Instant::now();
        let delivered = self.deliver().await?;
        outcome.delivery_ms = u64::try_from(delivering.elapsed().as_millis()).unwrap_or(u64::MAX);
        outcome.sent = delivered.sent;
        outcome.retried = delivered.retried;
        outcome.failed = delivered.failed;
        Ok(outcome)
    }

    /// Renders `letter` (outside any transaction) and writes it to the outbox under its items'
    /// keys; when another worker took some of them meanwhile, renders it again without those.
    /// Answers whether a message was written.
    async fn enqueue<P: Pass>(
        &self,
        pass: &P,
        mut letter: Letter<P::Item>,
        now: DateTime<Utc>,
    ) -> Result<bool, WorkerError> {
        while !letter.items.is_empty() {
            let message = pass.render(&letter.to, &letter.items, &self.settings, now).map_err(WorkerError::Render)?;
            let keys: Vec<String> = letter.items.iter().map(|i| P::key(i).to_owned()).collect();
            match self.blocking(move |s| s.enqueue(&keys, &message)).await? {
                Enqueued::Written(_) => return Ok(true),
                Enqueued::AllUsed => return Ok(false),
                Enqueued::SomeUsed(used) => letter.items.retain(|i| !used.iter().any(|k| k == P::key(i))),
            }
        }
        Ok(false)
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
            let error = systemejer_store::ErrorChain(&e);
            tracing::warn!(%error, pass = pass.as_str(), "could not record the pass for the metrics");
        }
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
                let result = match compose(&message, &self.settings) {
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
                        // A mailbox the server says does not exist will not exist in an hour:
                        // marked failed at once (and shown as failed), not tried 12 times.
                        let retry = match e {
                            systemejer_mail::MailError::RecipientRefused(_) => {
                                systemejer_store::RetryPolicy { max_attempts: 1, ..self.settings.retry }
                            }
                            _ => self.settings.retry,
                        };
                        let (m, error) = (message.clone(), e.to_string());
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
