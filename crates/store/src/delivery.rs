//! What the worker writes: messages into the outbox, each under the keys it answers for (a
//! unique key per duty, due date, stage and recipient, not luck, so two passes or two workers
//! never write the same reminder twice); their delivery with a lease, so a message is never
//! lost when the mail server is down; and the log of its passes.
//!
//! Delivery claims rows (`claim_token`, `claimed_until`) in a short transaction, sends outside
//! any transaction, then records the result. On PostgreSQL the claim skips rows another worker
//! holds (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-send leaves a lease that runs out,
//! and the message is tried again.
//!
//! Webhook deliveries follow the same protocol in a table of their own
//! (`webhook_deliveries`): claimed with a lease, sent outside any transaction, each attempt
//! recorded, retried after a growing wait; a subscription that fails for days is turned off
//! with the attempt that finds it so, and the mail that tells the admin is queued with it.

use chrono::{DateTime, Duration, Utc};
use systemejer_domain::webhooks::{DeliveryStatus, EventType};

use crate::events::{self, Event};
use crate::tables::outbox::{self, MessageStatus, NewMessage, StoredMessage};
use crate::tables::webhook_deliveries::{self, ClaimedDelivery, NewAttempt};
use crate::tables::webhooks;
use crate::tables::worker_passes::{self, PassRecord};
use crate::{Store, StoreError, new_id};

/// How delivery failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// After this many failed attempts the message is marked failed.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles each time.
    pub first_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 12, first_backoff: Duration::minutes(1), max_backoff: Duration::hours(4) }
    }
}

impl RetryPolicy {
    /// The wait after `attempts` failures.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let factor = 2i32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0)).max(1);
        (self.first_backoff * factor).min(self.max_backoff)
    }
}

/// What became of a message offered to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// Written, with this id: every key was new.
    Written(String),
    /// Nothing written: every key was used before (by this or another worker).
    AllUsed,
    /// Nothing written: these keys were used before, the others not. The caller renders the
    /// message again without the items of these keys, and offers it again.
    SomeUsed(Vec<String>),
}

/// Passes older than this are pruned when a new one is recorded.
const KEEP_PASSES_DAYS: i64 = 90;

impl Store {
    /// Writes `message` to the outbox under `keys`, in one transaction, if every key is new; a
    /// key used before (by this or another worker, at any time, also at this very moment)
    /// means nothing is written, and the answer says which. The message was rendered before,
    /// outside the transaction.
    pub fn enqueue(&self, keys: &[String], message: &NewMessage) -> Result<Enqueued, StoreError> {
        let outcome = self.write_unless(|conn| {
            let id = new_id().to_string();
            let now = crate::now().naive_utc();
            let mut used = Vec::new();
            for key in keys {
                if !outbox::claim_key(conn, key, &id, now)? {
                    used.push(key.clone());
                }
            }
            if !used.is_empty() {
                return Ok(Err(used));
            }
            outbox::insert(conn, &id, message, now)?;
            Ok(Ok(id))
        })?;
        Ok(match outcome {
            Ok(id) => Enqueued::Written(id),
            Err(used) if used.len() == keys.len() => Enqueued::AllUsed,
            Err(used) => Enqueued::SomeUsed(used),
        })
    }

    /// Claims up to `limit` messages due for delivery for `lease`; answers them.
    pub fn claim_messages(&self, limit: i64, lease: Duration) -> Result<Vec<StoredMessage>, StoreError> {
        let token = new_id().to_string();
        let now = crate::now();
        let until = (now + lease).naive_utc();
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        self.write(|conn| outbox::claim(conn, &token, now.naive_utc(), until, limit))
    }

    /// Records that a claimed message was delivered.
    pub fn mark_sent(&self, message: &StoredMessage) -> Result<(), StoreError> {
        self.write(|conn| outbox::mark_sent(conn, message, crate::now().naive_utc()))
    }

    /// Records a failed delivery: tried again after a growing wait, or marked failed after the
    /// last attempt. Answers whether it was marked failed.
    pub fn mark_attempt_failed(
        &self,
        message: &StoredMessage,
        error: &str,
        retry: &RetryPolicy,
    ) -> Result<bool, StoreError> {
        let attempts = message.attempts + 1;
        let gave_up = attempts >= retry.max_attempts;
        let next = (crate::now() + retry.backoff(attempts)).naive_utc();
        let status = if gave_up { MessageStatus::Failed } else { MessageStatus::Queued };
        self.write(|conn| outbox::mark_attempt(conn, message, status, attempts, error, next))?;
        Ok(gave_up)
    }

    /// Records a pass (and prunes those older than 90 days).
    pub fn record_pass(&self, pass: &PassRecord) -> Result<(), StoreError> {
        let prune_before = pass.started_at - chrono::Duration::days(KEEP_PASSES_DAYS);
        self.write(|conn| worker_passes::insert(conn, &new_id().to_string(), pass, prune_before))
    }
}

/// An event the worker found due (a duty's stage, a breach's hours), to emit once under its key.
#[derive(Debug, Clone)]
pub struct KeyedEvent {
    /// The key: once emitted under it, never again.
    pub key: String,
    /// What happened.
    pub kind: EventType,
    /// When (the pass's time).
    pub at: DateTime<Utc>,
    /// The resource.
    pub resource: serde_json::Value,
    /// Its path in the API.
    pub path: Option<String>,
    /// What more the event says.
    pub details: Option<serde_json::Value>,
}

/// A webhook delivery claimed for sending: the event, where it goes and the secrets it is
/// signed with (the current first; the one before a rotation while it still signs).
#[derive(Debug, Clone)]
pub struct WebhookSend {
    /// The event's id.
    pub event_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// What happened.
    pub event_type: EventType,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// The resource, as the JSON text the event was written with.
    pub resource: String,
    /// Its path in the API.
    pub resource_path: Option<String>,
    /// What more the event says, as JSON text.
    pub details: Option<String>,
    /// Attempts before this one.
    pub attempts: i32,
    /// Where it goes.
    pub url: String,
    /// The secrets to sign with (`whsec_…`), the current first.
    pub secrets: Vec<String>,
    /// Since when the subscription has failed, if it has.
    pub failing_since: Option<DateTime<Utc>>,
    /// Who is told when it is turned off.
    pub contact_email: Option<String>,
    /// What the subscription is for.
    pub description: Option<String>,
    claim: ClaimedDelivery,
}

/// One attempt as the worker made it.
#[derive(Debug, Clone)]
pub struct WebhookAttemptResult {
    /// When it began.
    pub at: DateTime<Utc>,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did (a status other than 2xx is a failure too).
    pub error: Option<String>,
    /// How long it took.
    pub duration: std::time::Duration,
}

impl WebhookAttemptResult {
    /// Whether the receiver took it (answered 2xx).
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A subscription to turn off with a failed attempt, and the mail that tells the admin.
#[derive(Debug, Clone)]
pub struct WebhookDisabling {
    /// Why, as the subscription shows it.
    pub reason: String,
    /// For a subscription turned off for failing: the latest its failures may have begun, as
    /// the database has it when the attempt is recorded (a delivery that succeeded meanwhile,
    /// side by side, keeps it on). `None`: off whatever (a 410 Gone).
    pub failing_since_at_most: Option<DateTime<Utc>>,
    /// The mail, when there is someone to tell.
    pub mail: Option<NewMessage>,
}

/// What became of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered.
    Delivered,
    /// Failed; tried again later.
    Retried,
    /// Failed for the last time.
    GaveUp,
    /// Failed, and the subscription was turned off with it (the mail, if any, queued).
    Disabled,
    /// Nothing recorded: the subscription was deleted while the attempt was under way.
    Gone,
}

/// Who the audit log names for what the worker changes by itself (a webhook subscription it
/// turns off).
pub const WORKER_ACTOR: &str = "systemejer-worker";

impl Store {
    /// Emits each of `events` under its key unless emitted before (by this or another worker):
    /// what a pass found due that only subscribers want. Keys seen before are left out in a
    /// few reads; the rest are written in transactions of 200, each key claimed as it is
    /// written. Answers how many were emitted now.
    pub fn emit_keyed_events(&self, events: &[KeyedEvent]) -> Result<usize, StoreError> {
        let keys: Vec<String> = events.iter().map(|e| e.key.clone()).collect();
        let used: std::collections::HashSet<String> =
            self.read(|conn| outbox::used_keys(conn, &keys))?.into_iter().collect();
        let fresh: Vec<&KeyedEvent> = events.iter().filter(|e| !used.contains(&e.key)).collect();
        let mut emitted = 0;
        for chunk in fresh.chunks(200) {
            emitted += self.write(|conn| {
                let mut n = 0;
                for e in chunk {
                    let mut event = Event::new(e.kind, e.at, &e.resource, e.path.clone());
                    event.details.clone_from(&e.details);
                    n += usize::from(events::emit_once(conn, &e.key, &event)?);
                }
                Ok(n)
            })?;
        }
        Ok(emitted)
    }

    /// Claims up to `limit` webhook deliveries due at `due` (the pass's time) for `lease`, with
    /// what they are sent and signed with.
    pub fn claim_webhook_deliveries(
        &self,
        limit: i64,
        lease: Duration,
        due: DateTime<Utc>,
    ) -> Result<Vec<WebhookSend>, StoreError> {
        let token = new_id().to_string();
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let (claimed, signing) = self.write(|conn| {
            let claimed =
                webhook_deliveries::claim(conn, &token, due.naive_utc(), crate::now().naive_utc(), lease, limit)?;
            let mut ids: Vec<String> = claimed.iter().map(|c| c.subscription_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let signing =
                if ids.is_empty() { std::collections::HashMap::default() } else { webhooks::signing(conn, &ids)? };
            Ok((claimed, signing))
        })?;
        let mut out = Vec::new();
        for claim in claimed {
            let Some(s) = signing.get(&claim.subscription_id) else { continue };
            let mut secrets = vec![s.secret.clone()];
            if s.previous_secret_until.is_some_and(|until| until.and_utc() > due) {
                secrets.extend(webhooks::split_secrets(s.previous_secret.as_deref()));
            }
            out.push(WebhookSend {
                event_id: claim.event_id.clone(),
                subscription_id: claim.subscription_id.clone(),
                event_type: crate::sql::parse("webhook_deliveries.event_type", &claim.event_type)?,
                occurred_at: claim.occurred_at.and_utc(),
                resource: claim.resource.clone(),
                resource_path: claim.resource_path.clone(),
                details: claim.details.clone(),
                attempts: claim.attempts,
                url: s.url.clone(),
                secrets,
                failing_since: s.failing_since.map(|t| t.and_utc()),
                contact_email: s.contact_email.clone(),
                description: s.description.clone(),
                claim,
            });
        }
        Ok(out)
    }

    /// Records an attempt of a claimed delivery, in one transaction: the attempt; the delivery
    /// delivered, queued again after a growing wait, or given up after the last attempt; the
    /// subscription working again, or failing since its first failure; and, when `disabling`,
    /// the subscription turned off with the mail that tells the admin queued (once, whichever
    /// worker turns it off).
    pub fn finish_webhook_attempt(
        &self,
        send: &WebhookSend,
        attempt: &WebhookAttemptResult,
        retry: &RetryPolicy,
        disabling: Option<&WebhookDisabling>,
    ) -> Result<AttemptOutcome, StoreError> {
        let at = attempt.at.naive_utc();
        let row = NewAttempt {
            at,
            status_code: attempt.status_code.map(i32::from),
            error: attempt.error.clone(),
            duration_ms: i64::try_from(attempt.duration.as_millis()).unwrap_or(i64::MAX),
        };
        self.write(|conn| {
            if !webhook_deliveries::still_there(conn, &send.claim)? {
                return Ok(AttemptOutcome::Gone);
            }
            webhook_deliveries::insert_attempt(conn, &send.claim, &row)?;
            if attempt.succeeded() {
                webhook_deliveries::settle(conn, &send.claim, DeliveryStatus::Delivered, None, at, at)?;
                webhooks::worked(conn, &send.subscription_id)?;
                return Ok(AttemptOutcome::Delivered);
            }
            let attempts = send.attempts + 1;
            let gave_up = attempts >= retry.max_attempts;
            let status = if gave_up { DeliveryStatus::Failed } else { DeliveryStatus::Queued };
            let next = (attempt.at + retry.backoff(attempts)).naive_utc();
            let error = attempt.error.as_deref().unwrap_or("failed");
            webhook_deliveries::settle(conn, &send.claim, status, Some(error), at, next)?;
            let since = webhooks::failed_at(conn, &send.subscription_id, at)?;
            let holds = |d: &WebhookDisabling| {
                d.failing_since_at_most.is_none_or(|limit| since.is_some_and(|s| s <= limit.naive_utc()))
            };
            let id: systemejer_domain::WebhookId =
                crate::sql::parse("webhook_deliveries.subscription_id", &send.subscription_id)?;
            let before = if disabling.is_some() { Some(webhooks::get_for_update(conn, id)?) } else { None };
            if let Some(d) = disabling.filter(|d| holds(d))
                && webhooks::disable(conn, &send.subscription_id, at, &d.reason)?
            {
                // Turned off by the worker: audited as an admin's change would be.
                let after = webhooks::get(conn, id)?;
                crate::audit::record(
                    conn,
                    &crate::audit::Entry::new(
                        attempt.at,
                        WORKER_ACTOR,
                        systemejer_domain::AuditAction::Update,
                        systemejer_domain::EntityType::Webhook,
                        &send.subscription_id,
                    ),
                    before.as_ref(),
                    Some(&after),
                )?;
                if let Some(mail) = &d.mail {
                    let id = new_id().to_string();
                    let key = format!("webhook_disabled/{}/{}", send.subscription_id, attempt.at.timestamp());
                    if outbox::claim_key(conn, &key, &id, at)? {
                        outbox::insert(conn, &id, mail, crate::now().naive_utc())?;
                    }
                }
                return Ok(AttemptOutcome::Disabled);
            }
            Ok(if gave_up { AttemptOutcome::GaveUp } else { AttemptOutcome::Retried })
        })
    }
}
