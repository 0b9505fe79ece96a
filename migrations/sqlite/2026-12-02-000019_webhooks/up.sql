-- SQLite twin of the PostgreSQL migration of the same name; the outbox is rebuilt for its wider
-- CHECK list, with its rows and indexes.
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

CREATE TABLE outbox_rebuilt (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up', 'dpo_notice', 'owner_handover', 'webhook_disabled')),
    recipient_email TEXT NOT NULL,
    recipient_name  TEXT,
    language        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    ics             TEXT,
    items           TEXT NOT NULL,
    system_ids      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_at TIMESTAMP NOT NULL,
    claim_token     TEXT,
    claimed_until   TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
INSERT INTO outbox_rebuilt SELECT id, kind, recipient_email, recipient_name, language, subject, text_body, html_body,
    ics, items, system_ids, status, attempts, last_error, next_attempt_at, claim_token, claimed_until, created_at, sent_at
    FROM outbox WHERE kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up', 'dpo_notice', 'owner_handover', 'webhook_disabled');
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient_email, created_at);
CREATE INDEX outbox_claim ON outbox (claim_token);
CREATE INDEX outbox_queue ON outbox (status, created_at, id);
