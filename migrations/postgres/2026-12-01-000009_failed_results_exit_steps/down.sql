DELETE FROM outbox WHERE kind IN ('failed_result', 'exit_steps');
DELETE FROM worker_passes WHERE pass IN ('failed_results', 'exit_steps');
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('reminder', 'breach_alert'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check CHECK (pass IN ('reminder_pass', 'breach_watch'));
