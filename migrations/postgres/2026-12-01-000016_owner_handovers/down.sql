DELETE FROM outbox WHERE kind = 'owner_handover';
DELETE FROM worker_passes WHERE pass = 'owner_handovers';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up',
                    'dpo_notice'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check
    CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up',
                    'dpo_notices'));
DROP TABLE owner_handovers;
