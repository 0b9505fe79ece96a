//! The `webhook_subscriptions` table: where events go, which, and the secret they are signed
//! with (kept to sign with; read only by the worker's delivery, never answered to a client).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use systemejer_domain::WebhookId;
use systemejer_domain::webhooks::{EventType, Webhook};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::webhook_subscriptions::dsl as w;
use crate::sql::{from_json, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};

type Row = (
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<NaiveDateTime>,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

#[allow(clippy::type_complexity, reason = "the columns of one row, as diesel names them")]
fn columns() -> (
    w::id,
    w::url,
    w::events,
    w::active,
    w::description,
    w::contact_email,
    w::failing_since,
    w::disabled_at,
    w::disabled_reason,
    w::previous_secret_until,
    w::version,
    w::created_at,
    w::updated_at,
) {
    (
        w::id,
        w::url,
        w::events,
        w::active,
        w::description,
        w::contact_email,
        w::failing_since,
        w::disabled_at,
        w::disabled_reason,
        w::previous_secret_until,
        w::version,
        w::created_at,
        w::updated_at,
    )
}

fn decode(r: Row) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: parse("webhook_subscriptions.id", &r.0)?,
        url: parse("webhook_subscriptions.url", &r.1)?,
        events: from_json("webhook_subscriptions.events", &r.2)?,
        active: r.3,
        description: r.4,
        contact_email: parse_opt("webhook_subscriptions.contact_email", r.5.as_deref())?,
        failing_since: r.6.map(|t| t.and_utc()),
        disabled_at: r.7.map(|t| t.and_utc()),
        disabled_reason: r.8,
        previous_secret_until: r.9.map(|t| t.and_utc()),
        version: r.10,
        created_at: r.11.and_utc(),
        updated_at: r.12.and_utc(),
    })
}

/// One subscription.
pub(crate) fn get(conn: &mut AnyConnection, id: WebhookId) -> Result<Webhook, StoreError> {
    let row: Option<Row> = w::webhook_subscriptions.find(id.to_string()).select(columns()).first(conn).optional()?;
    decode(row.ok_or_else(|| StoreError::NotFound { entity: "webhook", id: id.to_string() })?)
}

/// The subscription, its row locked until the transaction ends: what a change reads first.
pub(crate) fn get_for_update(conn: &mut AnyConnection, id: WebhookId) -> Result<Webhook, StoreError> {
    crate::sql::lock_row(conn, "webhook_subscriptions", &id.to_string())?;
    get(conn, id)
}

/// Subscriptions in sync order.
pub(crate) fn list(conn: &mut AnyConnection, page: &PageRequest) -> Result<Page<Webhook>, StoreError> {
    let total: i64 = w::webhook_subscriptions.count().get_result(conn)?;
    let rows: Vec<Row> =
        keyset_page!(w::webhook_subscriptions.into_boxed(), w::updated_at, w::id, page).select(columns()).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.12, &r.0), decode)
}

/// Writes a new subscription with its secret.
pub(crate) fn insert(conn: &mut AnyConnection, x: &Webhook, secret: &str) -> Result<(), StoreError> {
    diesel::insert_into(w::webhook_subscriptions)
        .values((
            w::id.eq(x.id.to_string()),
            w::url.eq(x.url.as_str()),
            w::events.eq(to_json(&x.events)),
            w::secret.eq(secret),
            w::active.eq(x.active),
            w::description.eq(&x.description),
            w::contact_email.eq(x.contact_email.as_ref().map(|e| e.as_str().to_owned())),
            w::version.eq(x.version),
            w::created_at.eq(x.created_at.naive_utc()),
            w::updated_at.eq(x.updated_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes a subscription's settings and state (not its secret).
pub(crate) fn update(conn: &mut AnyConnection, x: &Webhook) -> Result<(), StoreError> {
    diesel::update(w::webhook_subscriptions.find(x.id.to_string()))
        .set((
            w::url.eq(x.url.as_str()),
            w::events.eq(to_json(&x.events)),
            w::active.eq(x.active),
            w::description.eq(&x.description),
            w::contact_email.eq(x.contact_email.as_ref().map(|e| e.as_str().to_owned())),
            w::failing_since.eq(x.failing_since.map(|t| t.naive_utc())),
            w::disabled_at.eq(x.disabled_at.map(|t| t.naive_utc())),
            w::disabled_reason.eq(&x.disabled_reason),
            w::previous_secret_until.eq(x.previous_secret_until.map(|t| t.naive_utc())),
            w::version.eq(x.version),
            w::updated_at.eq(x.updated_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A subscription's secrets: the current one, and those from before rotations that still sign
/// beside it (newest first) until `.2`.
pub(crate) fn secrets_of(
    conn: &mut AnyConnection,
    id: WebhookId,
) -> Result<(String, Vec<String>, Option<NaiveDateTime>), StoreError> {
    let (current, previous, until) = w::webhook_subscriptions
        .find(id.to_string())
        .select((w::secret, w::previous_secret, w::previous_secret_until))
        .first::<(String, Option<String>, Option<NaiveDateTime>)>(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "webhook", id: id.to_string() })?;
    Ok((current, split_secrets(previous.as_deref()), until))
}

/// The secrets of the `previous_secret` column: space-separated, as the signature header
/// lists its signatures (a secret holds no space).
pub(crate) fn split_secrets(column: Option<&str>) -> Vec<String> {
    column.unwrap_or_default().split_whitespace().map(str::to_owned).collect()
}

/// Replaces the secret; `previous` (newest first) stay in use beside it until `previous_until`.
pub(crate) fn set_secret(
    conn: &mut AnyConnection,
    id: WebhookId,
    secret: &str,
    previous: &[String],
    previous_until: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(w::webhook_subscriptions.find(id.to_string()))
        .set((
            w::secret.eq(secret),
            w::previous_secret.eq(Some(previous.join(" "))),
            w::previous_secret_until.eq(Some(previous_until)),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: WebhookId) -> Result<(), StoreError> {
    diesel::delete(w::webhook_subscriptions.find(id.to_string())).execute(conn)?;
    Ok(())
}

/// Whether an active subscription wants any of `types` (the subscriptions are few: read whole).
pub(crate) fn any_wants(conn: &mut AnyConnection, types: &[EventType]) -> Result<bool, StoreError> {
    let lists: Vec<String> = w::webhook_subscriptions.filter(w::active.eq(true)).select(w::events).load(conn)?;
    for list in lists {
        let events: Vec<EventType> = from_json("webhook_subscriptions.events", &list)?;
        if events.iter().any(|e| types.contains(e)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What the worker signs and sends with: the URL, the secret, and the one before a rotation
/// while it is still in use; and since when the subscription has failed.
#[derive(Debug, Clone)]
pub(crate) struct Signing {
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub contact_email: Option<String>,
    pub description: Option<String>,
}

/// What the worker signs and sends with, of these subscriptions.
pub(crate) fn signing(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Signing>, StoreError> {
    type S = (
        String,
        String,
        String,
        Option<String>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<S> = w::webhook_subscriptions
        .filter(w::id.eq_any(ids))
        .select((
            w::id,
            w::url,
            w::secret,
            w::previous_secret,
            w::previous_secret_until,
            w::failing_since,
            w::contact_email,
            w::description,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.0,
                Signing {
                    url: r.1,
                    secret: r.2,
                    previous_secret: r.3,
                    previous_secret_until: r.4,
                    failing_since: r.5,
                    contact_email: r.6,
                    description: r.7,
                },
            )
        })
        .collect())
}

/// Records that a delivery to `id` failed at `at`: the subscription fails since then, unless
/// it failed already. Answers since when it fails.
pub(crate) fn failed_at(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    diesel::update(w::webhook_subscriptions.find(id).filter(w::failing_since.is_null()))
        .set(w::failing_since.eq(Some(at)))
        .execute(conn)?;
    Ok(w::webhook_subscriptions
        .find(id)
        .select(w::failing_since)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// Records that a delivery to `id` succeeded: it fails no more.
pub(crate) fn worked(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    diesel::update(w::webhook_subscriptions.find(id).filter(w::failing_since.is_not_null()))
        .set(w::failing_since.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Turns an active subscription off for `reason`; answers whether it was on (and so is
/// turned off by this call, not by another worker's a moment before).
pub(crate) fn disable(conn: &mut AnyConnection, id: &str, at: NaiveDateTime, reason: &str) -> Result<bool, StoreError> {
    let changed = diesel::update(w::webhook_subscriptions.find(id).filter(w::active.eq(true)))
        .set((
            w::active.eq(false),
            w::disabled_at.eq(Some(at)),
            w::disabled_reason.eq(Some(reason)),
            w::version.eq(w::version + 1),
            w::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
