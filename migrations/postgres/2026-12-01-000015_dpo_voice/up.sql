-- The data protection officer's own voice: their advice on the DPIA decision, on a DPIA and on
-- a change, with whether the owner followed it; and the notices the DPO gets when a system with
-- personal data goes into use, begins a change or gets a new processor.
CREATE TABLE dpo_advice (
    id          TEXT PRIMARY KEY,
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    topic       TEXT NOT NULL CHECK (topic IN ('dpia_decision', 'dpia', 'change')),
    about_id    TEXT,
    given_on    DATE NOT NULL,
    advice      TEXT NOT NULL,
    followed    BOOLEAN,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX dpo_advice_system ON dpo_advice (system_id, given_on);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up',
                    'dpo_notice'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check
    CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up',
                    'dpo_notices'));
