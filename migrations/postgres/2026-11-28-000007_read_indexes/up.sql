-- Lists filtered by lifecycle state or owner and ordered by (updated_at, id), the keyset the
-- API pages by, read straight from an index instead of sorting every matching row.
CREATE INDEX systems_state_sync ON systems (lifecycle_state, updated_at, id);
CREATE INDEX systems_owner_sync ON systems (owner_id, updated_at, id);
-- The worker claims the oldest queued message first: walking this index it stops at the
-- first one that is due, instead of sorting every queued message on every claim.
CREATE INDEX outbox_queue ON outbox (status, created_at, id);
