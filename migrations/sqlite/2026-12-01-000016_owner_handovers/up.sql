-- SQLite twin of the PostgreSQL migration of the same name; the outbox and the passes are
-- rebuilt for their wider CHECK lists, with their rows and indexes.
CREATE TABLE owner_handovers (
    id             TEXT PRIMARY KEY,
    system_id      TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    from_owner_id  TEXT,
    to_owner_id    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    handed_over_by TEXT NOT NULL,
    handed_over_at TIMESTAMP NOT NULL
);
CREATE INDEX owner_handovers_system ON owner_handovers (system_id, handed_over_at);
CREATE INDEX owner_handovers_time ON owner_handovers (handed_over_at);

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

CREATE TABLE worker_passes_rebuilt (
    id          TEXT PRIMARY KEY,
    pass        TEXT NOT NULL CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up', 'dpo_notices', 'owner_handovers')),
    started_at  TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    found       INTEGER NOT NULL,
    queued      INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    retried     INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    succeeded   BOOLEAN NOT NULL
);
INSERT INTO worker_passes_rebuilt SELECT id, pass, started_at, duration_ms, found, queued, sent, retried, failed, succeeded
    FROM worker_passes WHERE pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up', 'dpo_notices', 'owner_handovers');
DROP TABLE worker_passes;
ALTER TABLE worker_passes_rebuilt RENAME TO worker_passes;
CREATE INDEX worker_passes_latest ON worker_passes (pass, started_at);
