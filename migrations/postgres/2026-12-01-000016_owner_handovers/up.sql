-- A system's owner handed over (overdragelse): who handed it over, from whom, to whom and why;
-- and the mails that tell the old and the new owner.
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

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up',
                    'dpo_notice', 'owner_handover'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check
    CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up',
                    'dpo_notices', 'owner_handovers'));
