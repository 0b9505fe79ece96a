//! The `webhook_deliveries` table (one row per event and subscription that wants it, with its
//! delivery state, claimed and retried as the outbox is) and `webhook_attempts` (every attempt
//! of a delivery: when, the receiver's status or the error, how long).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
use systemejer_domain::webhooks::{DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::{webhook_attempts::dsl as a, webhook_deliveries::dsl as d, webhook_subscriptions::dsl as ws};
use crate::sql::{listed_pattern, parse};
use crate::{AnyConnection, StoreError};

/// An event to offer to the subscriptions that want it.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    /// Its id: the `webhook-id` of every delivery of it.
    pub id: String,
    /// What happened.
    pub kind: EventType,
    /// When.
    pub occurred_at: NaiveDateTime,
    /// The resource, as JSON.
    pub resource: String,
    /// The resource's path in the API (`/api/v1/systems/…`), if it has one.
    pub resource_path: Option<String>,
    /// What more the event says (a move's states, a breach's hours), as JSON.
    pub details: Option<String>,
}

/// Queues `event` for every active subscription that wants it, in one statement (`INSERT …
/// SELECT`, inside the caller's transaction); answers how many.
pub(crate) fn fan_out(conn: &mut AnyConnection, event: &NewEvent) -> Result<usize, StoreError> {
    let wanting = ws::webhook_subscriptions
        .filter(ws::active.eq(true))
        .filter(ws::events.like(listed_pattern(event.kind.as_str())).escape('\\'))
        .select((
            event.id.clone().into_sql::<Text>(),
            ws::id,
            event.kind.as_str().into_sql::<Text>(),
            event.occurred_at.into_sql::<Timestamp>(),
            event.resource.clone().into_sql::<Text>(),
            event.resource_path.clone().into_sql::<Nullable<Text>>(),
            event.details.clone().into_sql::<Nullable<Text>>(),
            DeliveryStatus::Queued.as_str().into_sql::<Text>(),
            0.into_sql::<Integer>(),
            event.occurred_at.into_sql::<Timestamp>(),
            event.occurred_at.into_sql::<Timestamp>(),
        ));
    let queued = diesel::insert_into(d::webhook_deliveries)
        .values(wanting)
        .into_columns((
            d::event_id,
            d::subscription_id,
            d::event_type,
            d::occurred_at,
            d::resource,
            d::resource_path,
            d::details,
            d::status,
            d::attempts,
            d::next_attempt_at,
            d::created_at,
        ))
        .execute(conn)?;
    Ok(queued)
}

/// A delivery claimed by a worker: what it sends, and the claim it records the result under.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::webhook_deliveries)]
pub struct ClaimedDelivery {
    /// The event.
    pub event_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// What happened.
    pub event_type: String,
    /// When.
    pub occurred_at: NaiveDateTime,
    /// The resource, as JSON.
    pub resource: String,
    /// The resource's path in the API.
    pub resource_path: Option<String>,
    /// What more the event says, as JSON.
    pub details: Option<String>,
    /// Attempts so far.
    pub attempts: i32,
    /// The claim.
    pub claim_token: Option<String>,
}

/// Claims up to `limit` deliveries due at `due` (the pass's time) of active subscriptions for
/// `token`, for `lease`; answers them. The lease is reckoned by the database's clock on
/// PostgreSQL (the one every worker shares) and by `clock` on SQLite; a claim skips rows
/// another worker holds.
pub(crate) fn claim(
    conn: &mut AnyConnection,
    token: &str,
    due: NaiveDateTime,
    clock: NaiveDateTime,
    lease: chrono::Duration,
    limit: i32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    match conn {
        AnyConnection::Postgresql(c) => {
            let lease_ms = i32::try_from(lease.num_milliseconds()).unwrap_or(i32::MAX);
            diesel::sql_query(
                "UPDATE webhook_deliveries SET claim_token = $1, claimed_until = LOCALTIMESTAMP + make_interval(secs => $2)
                 WHERE (event_id, subscription_id) IN (
                    SELECT event_id, subscription_id FROM webhook_deliveries
                    WHERE status = 'queued' AND next_attempt_at <= $3
                      AND (claimed_until IS NULL OR claimed_until < LOCALTIMESTAMP)
                      AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE active)
                    ORDER BY next_attempt_at, created_at, event_id LIMIT $4 FOR UPDATE SKIP LOCKED)",
            )
            .bind::<Text, _>(token)
            .bind::<diesel::sql_types::Double, _>(f64::from(lease_ms) / 1000.0)
            .bind::<Timestamp, _>(due)
            .bind::<Integer, _>(limit)
            .execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(
                "UPDATE webhook_deliveries SET claim_token = ?, claimed_until = ?
                 WHERE (event_id, subscription_id) IN (
                    SELECT event_id, subscription_id FROM webhook_deliveries
                    WHERE status = 'queued' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
                      AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE active)
                    ORDER BY next_attempt_at, created_at, event_id LIMIT ?)",
            )
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(clock + lease)
            .bind::<Timestamp, _>(due)
            .bind::<Timestamp, _>(clock)
            .bind::<Integer, _>(limit)
            .execute(c)?;
        }
    }
    Ok(d::webhook_deliveries
        .filter(d::claim_token.eq(token))
        .select(ClaimedDelivery::as_select())
        .order((d::next_attempt_at, d::created_at, d::event_id))
        .load(conn)?)
}

/// One attempt, as the worker made it.
#[derive(Debug, Clone)]
pub(crate) struct NewAttempt {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Records an attempt of a claimed delivery.
/// Whether `delivery` is still there: it goes with its subscription when that is deleted,
/// and an attempt already under way then has nothing to be recorded on.
pub(crate) fn still_there(conn: &mut AnyConnection, delivery: &ClaimedDelivery) -> Result<bool, StoreError> {
    let found = d::webhook_deliveries
        .filter(d::event_id.eq(&delivery.event_id))
        .filter(d::subscription_id.eq(&delivery.subscription_id))
        .select(d::event_id)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

pub(crate) fn insert_attempt(
    conn: &mut AnyConnection,
    delivery: &ClaimedDelivery,
    attempt: &NewAttempt,
) -> Result<(), StoreError> {
    diesel::insert_into(a::webhook_attempts)
        .values((
            a::id.eq(crate::new_id().to_string()),
            a::event_id.eq(&delivery.event_id),
            a::subscription_id.eq(&delivery.subscription_id),
            a::attempted_at.eq(attempt.at),
            a::status_code.eq(attempt.status_code),
            a::error.eq(attempt.error.as_ref().map(|e| e.chars().take(2000).collect::<String>())),
            a::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records where a claimed delivery stands after an attempt (and lets go of its claim):
/// `Delivered`, or `Queued` again for `next`, or `Failed` for good. A claim that ran out and
/// was taken over changes nothing here (the other worker records its own attempt).
pub(crate) fn settle(
    conn: &mut AnyConnection,
    delivery: &ClaimedDelivery,
    status: DeliveryStatus,
    error: Option<&str>,
    at: NaiveDateTime,
    next: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        d::webhook_deliveries
            .filter(d::event_id.eq(&delivery.event_id))
            .filter(d::subscription_id.eq(&delivery.subscription_id))
            .filter(d::claim_token.eq(&delivery.claim_token)),
    )
    .set((
        d::status.eq(status.as_str()),
        d::attempts.eq(delivery.attempts + 1),
        d::last_error.eq(error.map(|e| e.chars().take(2000).collect::<String>())),
        d::next_attempt_at.eq(next),
        d::delivered_at.eq((status == DeliveryStatus::Delivered).then_some(at)),
        d::claim_token.eq(None::<String>),
        d::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An attempt as read: its event, when, the status, the error, how long.
type AttemptRow = (String, NaiveDateTime, Option<i32>, Option<String>, i64);

type DeliveryRow =
    (String, String, NaiveDateTime, String, NaiveDateTime, Option<String>, NaiveDateTime, Option<NaiveDateTime>);

/// The deliveries to one subscription (of one status, if given), oldest first, each with its
/// attempts.
pub(crate) fn list_of(
    conn: &mut AnyConnection,
    subscription: &str,
    status: Option<DeliveryStatus>,
    page: &PageRequest,
) -> Result<Page<WebhookDelivery>, StoreError> {
    let filtered = || {
        let mut q = d::webhook_deliveries.filter(d::subscription_id.eq(subscription.to_owned())).into_boxed();
        if let Some(s) = status {
            q = q.filter(d::status.eq(s.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<DeliveryRow> = keyset_page!(filtered(), d::created_at, d::event_id, page)
        .select((
            d::event_id,
            d::event_type,
            d::occurred_at,
            d::status,
            d::next_attempt_at,
            d::last_error,
            d::created_at,
            d::delivered_at,
        ))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().take(usize::try_from(page.limit).unwrap_or(0)).map(|r| r.0.clone()).collect();
    let mut attempts: HashMap<String, Vec<WebhookAttempt>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<AttemptRow> = a::webhook_attempts
            .filter(a::subscription_id.eq(subscription))
            .filter(a::event_id.eq_any(chunk))
            .select((a::event_id, a::attempted_at, a::status_code, a::error, a::duration_ms))
            .order((a::attempted_at, a::id))
            .load(conn)?;
        for (event, at, status_code, error, duration_ms) in found {
            attempts.entry(event).or_default().push(WebhookAttempt {
                attempted_at: at.and_utc(),
                status_code,
                error,
                duration_ms,
            });
        }
    }
    Page::from_rows(
        rows,
        page.limit,
        total,
        |r| Cursor::new(r.6, &r.0),
        |r| {
            let status: DeliveryStatus = parse("webhook_deliveries.status", &r.3)?;
            Ok(WebhookDelivery {
                event_id: parse("webhook_deliveries.event_id", &r.0)?,
                event_type: parse("webhook_deliveries.event_type", &r.1)?,
                occurred_at: r.2.and_utc(),
                next_attempt_at: (status == DeliveryStatus::Queued).then(|| r.4.and_utc()),
                status,
                last_error: r.5,
                created_at: r.6.and_utc(),
                delivered_at: r.7.map(|t| t.and_utc()),
                attempts: attempts.get(&r.0).cloned().unwrap_or_default(),
            })
        },
    )
}
