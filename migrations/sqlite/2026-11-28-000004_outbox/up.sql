-- SQLite twin of the PostgreSQL migration of the same name.
-- Reminders: the language each person reads, the keys that make every reminder unique (one per
-- duty, due date, stage and recipient), and the outbox of messages waiting to be delivered.

ALTER TABLE people ADD COLUMN language TEXT NOT NULL DEFAULT 'da' CHECK (language IN ('da', 'en'));

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'breach_alert')),
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
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient_email, created_at);
CREATE INDEX outbox_claim ON outbox (claim_token);

CREATE TABLE reminder_keys (
    key        TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reminder_keys_message ON reminder_keys (message_id);
