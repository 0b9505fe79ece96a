-- Webhooks: subscriptions (their secret kept to sign with, never shown again), the deliveries
-- of their events (one row per event and subscription, delivered as the outbox is: claimed with
-- a lease, retried with a growing wait) and every attempt; and the mail that tells the admin a
-- failing subscription was disabled.
CREATE TABLE webhook_subscriptions (
    id                    TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    events                TEXT NOT NULL,
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_secret_until TIMESTAMP,
    active                BOOLEAN NOT NULL,
    description           TEXT,
    contact_email         TEXT,
    failing_since         TIMESTAMP,
    disabled_at           TIMESTAMP,
    disabled_reason       TEXT,
    version               BIGINT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_sync ON webhook_subscriptions (updated_at, id);

CREATE TABLE webhook_deliveries (
    event_id        TEXT NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL CHECK (event_type IN ('system.created', 'system.changed', 'system.deleted',
                        'system.state_changed', 'duty.due', 'duty.overdue', 'duty.done', 'breach.recorded',
                        'breach.deadline_near', 'breach.reported', 'import.finished')),
    occurred_at     TIMESTAMP NOT NULL,
    resource        TEXT NOT NULL,
    resource_path   TEXT,
    details         TEXT,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_at TIMESTAMP NOT NULL,
    claim_token     TEXT,
    claimed_until   TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,
    PRIMARY KEY (event_id, subscription_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (subscription_id, created_at, event_id);
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (claim_token);

CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    attempted_at    TIMESTAMP NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    duration_ms     BIGINT NOT NULL,
    FOREIGN KEY (event_id, subscription_id) REFERENCES webhook_deliveries (event_id, subscription_id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_of ON webhook_attempts (event_id, subscription_id, attempted_at);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up',
                    'dpo_notice', 'owner_handover', 'webhook_disabled'));
