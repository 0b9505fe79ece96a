DROP INDEX outbox_queue;
DROP INDEX systems_owner_sync;
DROP INDEX systems_state_sync;
