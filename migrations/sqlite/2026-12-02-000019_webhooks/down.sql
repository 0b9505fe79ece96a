CREATE TABLE outbox_rebuilt (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up', 'dpo_notice', 'owner_handover')),
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
    FROM outbox WHERE kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up', 'dpo_notice', 'owner_handover');
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient_email, created_at);
CREATE INDEX outbox_claim ON outbox (claim_token);
CREATE INDEX outbox_queue ON outbox (status, created_at, id);
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
