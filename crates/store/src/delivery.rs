//! What the worker writes: messages into the outbox, each under the keys it answers for (a
//! unique key per duty, due date, stage and recipient, not luck, so two passes or two workers
//! never write the same reminder twice); their delivery with a lease, so a message is never
//! lost when the mail server is down; and the log of its passes.
//!
//! Delivery claims rows (`claim_token`, `claimed_until`) in a short transaction, sends outside
//! any transaction, then records the result. On PostgreSQL the claim skips rows another worker
//! holds (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-send leaves a lease that runs out,
//! and the message is tried again.

use chrono::Duration;

use crate::tables::outbox::{self, MessageStatus, NewMessage, StoredMessage};
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
