//! The `outbox` table (every message the worker writes, with its delivery state) and
//! `reminder_keys` (each key a message answers for, once).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};
use serde::Serialize;
use systemejer_domain::SystemId;

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::{outbox::dsl as ob, reminder_keys::dsl as rk};
use crate::sql::to_json;
use crate::{AnyConnection, StoreError};

/// What a message is (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A digest of duties due.
    Reminder,
    /// An alert of a personal data breach awaiting its report.
    BreachAlert,
    /// A test that failed, told at once.
    FailedResult,
    /// A decommissioning system's open exit steps, weekly.
    ExitSteps,
    /// A security incident recorded, told to the coordinator.
    IncidentRecorded,
    /// An open incident, reminded to the owner weekly until closed.
    IncidentFollowUp,
    /// What the DPO is told of systems with personal data (into use, a change, a processor).
    DpoNotice,
    /// A handover of a system's ownership, told to the old and the new owner.
    OwnerHandover,
    /// A webhook subscription turned off for failing, told to its contact (or the coordinator).
    WebhookDisabled,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 9] = [
        MessageKind::Reminder,
        MessageKind::BreachAlert,
        MessageKind::FailedResult,
        MessageKind::ExitSteps,
        MessageKind::IncidentRecorded,
        MessageKind::IncidentFollowUp,
        MessageKind::DpoNotice,
        MessageKind::OwnerHandover,
        MessageKind::WebhookDisabled,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageKind::Reminder => "reminder",
            MessageKind::BreachAlert => "breach_alert",
            MessageKind::FailedResult => "failed_result",
            MessageKind::ExitSteps => "exit_steps",
            MessageKind::IncidentRecorded => "incident_recorded",
            MessageKind::IncidentFollowUp => "incident_follow_up",
            MessageKind::DpoNotice => "dpo_notice",
            MessageKind::OwnerHandover => "owner_handover",
            MessageKind::WebhookDisabled => "webhook_disabled",
        }
    }
}

/// Where a message stands in its delivery (the `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Waiting for delivery (or for its next attempt).
    Queued,
    /// Delivered to the mail server.
    Sent,
    /// Given up after the last attempt.
    Failed,
}

impl MessageStatus {
    /// Every status.
    pub const ALL: [MessageStatus; 3] = [MessageStatus::Queued, MessageStatus::Sent, MessageStatus::Failed];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
        }
    }

    /// The status a stored name names.
    pub fn from_name(name: &str) -> Option<MessageStatus> {
        MessageStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A message to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMessage {
    /// What it is.
    pub kind: MessageKind,
    /// Where it goes.
    pub recipient_email: String,
    /// Who it goes to.
    pub recipient_name: Option<String>,
    /// `da` or `en`.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text_body: String,
    /// HTML.
    pub html_body: String,
    /// Calendar attachment.
    pub ics: Option<String>,
    /// The items it lists, as JSON (for the API).
    pub items: serde_json::Value,
    /// The systems it concerns.
    pub system_ids: Vec<SystemId>,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = crate::schema::outbox)]
pub struct StoredMessage {
    /// Identifier.
    pub id: String,
    /// `reminder` or `breach_alert`.
    pub kind: String,
    /// Where it goes.
    pub recipient_email: String,
    /// Who it goes to.
    pub recipient_name: Option<String>,
    /// `da` or `en`.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text_body: String,
    /// HTML.
    pub html_body: String,
    /// Calendar attachment.
    pub ics: Option<String>,
    /// The items, as JSON text.
    pub items: String,
    /// The systems, as JSON text.
    pub system_ids: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// Not to be tried before this time.
    pub next_attempt_at: NaiveDateTime,
    /// The claim of the worker delivering it.
    pub claim_token: Option<String>,
    /// Until when that claim holds.
    pub claimed_until: Option<NaiveDateTime>,
    /// When it was written.
    pub created_at: NaiveDateTime,
    /// When it was delivered.
    pub sent_at: Option<NaiveDateTime>,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only with this status.
    pub status: Option<MessageStatus>,
    /// Only to this address.
    pub recipient: Option<String>,
    /// Only concerning this system.
    pub system_id: Option<SystemId>,
}

/// Inserts `key` unless it exists; answers whether it was new. Never fails on a duplicate,
/// also when another worker inserts the same key at the same moment.
pub(crate) fn claim_key(
    conn: &mut AnyConnection,
    key: &str,
    message_id: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let values = (rk::key.eq(key), rk::message_id.eq(message_id), rk::created_at.eq(at));
    let inserted = match conn {
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(rk::reminder_keys).values(values).on_conflict_do_nothing().execute(c)?
        }
        AnyConnection::Sqlite(c) => {
            diesel::insert_into(rk::reminder_keys).values(values).on_conflict_do_nothing().execute(c)?
        }
    };
    Ok(inserted == 1)
}

/// Which of `keys` are used already.
pub(crate) fn used_keys(conn: &mut AnyConnection, keys: &[String]) -> Result<Vec<String>, StoreError> {
    let mut used = Vec::new();
    // 5 000 keys a query: a national pass has more keys than SQLite binds at once (32 766).
    for chunk in keys.chunks(5000) {
        used.extend(rk::reminder_keys.filter(rk::key.eq_any(chunk)).select(rk::key).load::<String>(conn)?);
    }
    Ok(used)
}

/// Writes a message, queued for delivery now.
pub(crate) fn insert(conn: &mut AnyConnection, id: &str, m: &NewMessage, now: NaiveDateTime) -> Result<(), StoreError> {
    let system_ids: Vec<String> = m.system_ids.iter().map(ToString::to_string).collect();
    diesel::insert_into(ob::outbox)
        .values((
            ob::id.eq(id),
            ob::kind.eq(m.kind.as_str()),
            ob::recipient_email.eq(&m.recipient_email),
            ob::recipient_name.eq(&m.recipient_name),
            ob::language.eq(&m.language),
            ob::subject.eq(&m.subject),
            ob::text_body.eq(&m.text_body),
            ob::html_body.eq(&m.html_body),
            ob::ics.eq(&m.ics),
            ob::items.eq(m.items.to_string()),
            ob::system_ids.eq(to_json(&system_ids)),
            ob::status.eq(MessageStatus::Queued.as_str()),
            ob::attempts.eq(0),
            ob::next_attempt_at.eq(now),
            ob::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` messages due at `now` for `token` until `until`, oldest first, and
/// answers them. On PostgreSQL the claim skips rows another worker holds.
pub(crate) fn claim(
    conn: &mut AnyConnection,
    token: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i32,
) -> Result<Vec<StoredMessage>, StoreError> {
    match conn {
        AnyConnection::Postgresql(c) => {
            // The lease is reckoned by the database's clock, the one clock every worker shares:
            // a worker whose own clock runs ahead must not take over a message still leased
            // to another. (SQLite is one machine, one clock.)
            let lease_ms = i32::try_from((until - now).num_milliseconds()).unwrap_or(i32::MAX);
            let lease_seconds = f64::from(lease_ms) / 1000.0;
            diesel::sql_query(
                "UPDATE outbox SET claim_token = $1, claimed_until = LOCALTIMESTAMP + make_interval(secs => $2) WHERE id IN (
                    SELECT id FROM outbox
                    WHERE status = 'queued' AND next_attempt_at <= LOCALTIMESTAMP
                      AND (claimed_until IS NULL OR claimed_until < LOCALTIMESTAMP)
                    ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)",
            )
            .bind::<Text, _>(token)
            .bind::<diesel::sql_types::Double, _>(lease_seconds)
            .bind::<Integer, _>(limit)
            .execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(
                // Oldest first along outbox_queue: without statistics SQLite would take
                // outbox_due and sort every queued message on every claim.
                "UPDATE outbox SET claim_token = ?, claimed_until = ? WHERE id IN (
                    SELECT id FROM outbox INDEXED BY outbox_queue
                    WHERE status = 'queued' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
                    ORDER BY created_at, id LIMIT ?)",
            )
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<Integer, _>(limit)
            .execute(c)?;
        }
    }
    Ok(ob::outbox
        .filter(ob::claim_token.eq(token))
        .select(StoredMessage::as_select())
        .order((ob::created_at, ob::id))
        .load(conn)?)
}

/// Records a claimed message's delivery.
pub(crate) fn mark_sent(
    conn: &mut AnyConnection,
    message: &StoredMessage,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(ob::outbox.filter(ob::id.eq(&message.id)).filter(ob::claim_token.eq(&message.claim_token)))
        .set((
            ob::status.eq(MessageStatus::Sent.as_str()),
            ob::attempts.eq(message.attempts + 1),
            ob::sent_at.eq(Some(at)),
            ob::claim_token.eq(None::<String>),
            ob::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a claimed message's failed attempt: `status` after it, the attempts, the error, and
/// when to try again.
pub(crate) fn mark_attempt(
    conn: &mut AnyConnection,
    message: &StoredMessage,
    status: MessageStatus,
    attempts: i32,
    error: &str,
    next: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(ob::outbox.filter(ob::id.eq(&message.id)).filter(ob::claim_token.eq(&message.claim_token)))
        .set((
            ob::status.eq(status.as_str()),
            ob::attempts.eq(attempts),
            ob::last_error.eq(Some(error.chars().take(2000).collect::<String>())),
            ob::next_attempt_at.eq(next),
            ob::claim_token.eq(None::<String>),
            ob::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Notifications matching `filter`, newest last.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &NotificationFilter,
    page: &PageRequest,
) -> Result<Page<StoredMessage>, StoreError> {
    let filtered = || {
        let mut q = ob::outbox.into_boxed();
        if let Some(status) = filter.status {
            q = q.filter(ob::status.eq(status.as_str()));
        }
        if let Some(recipient) = &filter.recipient {
            q = q.filter(ob::recipient_email.eq(recipient.to_lowercase()));
        }
        if let Some(system) = filter.system_id {
            q = q.filter(ob::system_ids.like(format!("%\"{system}\"%")));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<StoredMessage> =
        keyset_page!(filtered(), ob::created_at, ob::id, page).select(StoredMessage::as_select()).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.created_at, &r.id), Ok)
}

/// Messages by status, counted by the database.
pub(crate) fn counts_by_status(conn: &mut AnyConnection) -> Result<BTreeMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = ob::outbox.group_by(ob::status).select((ob::status, count_star())).load(conn)?;
    Ok(rows.into_iter().collect())
}
