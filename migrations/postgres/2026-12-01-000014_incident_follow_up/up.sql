-- Security incidents are followed up until closed with their cause (årsag) and the measures
-- taken: the coordinator is told of each incident recorded, and the owner is reminded weekly
-- of an open one. Two kinds of message and the passes that write them.
ALTER TABLE incidents ADD COLUMN cause TEXT;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('reminder', 'breach_alert', 'failed_result', 'exit_steps', 'incident_recorded', 'incident_follow_up'));
ALTER TABLE worker_passes DROP CONSTRAINT worker_passes_pass_check;
ALTER TABLE worker_passes ADD CONSTRAINT worker_passes_pass_check
    CHECK (pass IN ('reminder_pass', 'breach_watch', 'failed_results', 'exit_steps', 'incident_notices', 'incident_follow_up'));
