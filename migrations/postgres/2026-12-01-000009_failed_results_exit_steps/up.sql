-- Two more kinds of message and the passes that write them: a failed test told at once to the
-- owner and the coordinator, and a decommissioning system's open exit steps, weekly.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check
    CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps'));
