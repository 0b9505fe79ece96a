//! Webhook subscriptions: made, changed, their secret rotated, deleted (each audited, never
//! with the secret); and the event an import emits when it has finished.

use chrono::Duration;
use systemejer_domain::webhooks::{
    EventType, ImportReport, NewWebhook, Webhook, WebhookChanges, WebhookSecret, WebhookWithSecret,
};
use systemejer_domain::{AuditAction, EntityType, WebhookId};

use crate::audit::{self, Entry};
use crate::events::{self, Event};
use crate::tables::webhooks;
use crate::{AnyConnection, Store, StoreError, check_version, new_id, now};

/// How long the secret before a rotation still signs deliveries beside the new one, so that a
/// receiver can take the new one into use without losing a delivery.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;

impl Store {
    /// Makes a subscription signed with `secret` (given, or drawn by the caller).
    pub fn create_webhook(
        &self,
        new: NewWebhook,
        secret: &WebhookSecret,
        actor: &str,
    ) -> Result<WebhookWithSecret, StoreError> {
        let violations = new.violations();
        if !violations.is_empty() {
            return Err(StoreError::Invalid(violations));
        }
        self.write(|conn| {
            let at = now();
            let webhook = Webhook {
                id: WebhookId::from_uuid(new_id()),
                url: new.url,
                events: new.events,
                active: new.active,
                description: new.description.map(systemejer_domain::Text::into_string),
                contact_email: new.contact_email,
                failing_since: None,
                disabled_at: None,
                disabled_reason: None,
                previous_secret_until: None,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            webhooks::insert(conn, &webhook, secret.expose())?;
            let key = webhook.id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Create, EntityType::Webhook, &key),
                None::<&()>,
                Some(&webhook),
            )?;
            Ok(WebhookWithSecret::new(webhook, secret))
        })
    }

    /// Changes a subscription's URL, events, state or contact.
    pub fn update_webhook(
        &self,
        id: WebhookId,
        changes: &WebhookChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<Webhook, StoreError> {
        let violations = changes.violations();
        if !violations.is_empty() {
            return Err(StoreError::Invalid(violations));
        }
        self.write(|conn| {
            let before = webhooks::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let mut after = changes.apply(before.clone());
            after.version = before.version + 1;
            after.updated_at = now();
            webhooks::update(conn, &after)?;
            record(conn, actor, &before, &after)?;
            Ok(after)
        })
    }

    /// Rotates a subscription's secret: `secret` signs from now on; the one before signs beside
    /// it for [`PREVIOUS_SECRET_HOURS`] more (the `webhook-signature` header then carries both).
    pub fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<WebhookWithSecret, StoreError> {
        self.write(|conn| {
            let before = webhooks::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let (current, earlier, until) = webhooks::secrets_of(conn, id)?;
            let still = if until.is_some_and(|u| u.and_utc() > now()) { earlier } else { Vec::new() };
            let still: Vec<&str> = still.iter().map(String::as_str).collect();
            let previous = systemejer_domain::webhooks::secrets_kept_in_rotation(&current, &still, secret)
                .map_err(|v| StoreError::Invalid(vec![v]))?;
            let mut after = before.clone();
            after.updated_at = now();
            after.version = before.version + 1;
            after.previous_secret_until = Some(after.updated_at + Duration::hours(PREVIOUS_SECRET_HOURS));
            webhooks::update(conn, &after)?;
            let until = after.updated_at.naive_utc() + Duration::hours(PREVIOUS_SECRET_HOURS);
            webhooks::set_secret(conn, id, secret.expose(), &previous, until)?;
            record(conn, actor, &before, &after)?;
            Ok(WebhookWithSecret::new(after, secret))
        })
    }

    /// Deletes a subscription, with its deliveries and their attempts (the audit log keeps
    /// that it existed).
    pub fn delete_webhook(&self, id: WebhookId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = webhooks::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            webhooks::delete(conn, id)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(now(), actor, AuditAction::Delete, EntityType::Webhook, &key),
                Some(&before),
                None::<&()>,
            )
        })
    }

    /// Emits `import.finished` for an import that has finished, in a transaction of its own:
    /// what an importer calls when its last write is committed. Answers how many subscriptions
    /// it was queued for.
    pub fn import_finished(&self, report: &ImportReport) -> Result<usize, StoreError> {
        self.write(|conn| emit_import_finished(conn, report))
    }
}

/// Emits `import.finished` inside the caller's transaction (an importer that commits its last
/// writes and the event at once).
pub(crate) fn emit_import_finished(conn: &mut AnyConnection, report: &ImportReport) -> Result<usize, StoreError> {
    events::emit(conn, &Event::new(EventType::ImportFinished, report.finished_at, report, None))
}

fn record(conn: &mut AnyConnection, actor: &str, before: &Webhook, after: &Webhook) -> Result<(), StoreError> {
    let key = after.id.to_string();
    audit::record(
        conn,
        &Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::Webhook, &key),
        Some(before),
        Some(after),
    )
}
