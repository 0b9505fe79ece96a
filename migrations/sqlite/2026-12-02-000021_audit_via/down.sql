ALTER TABLE audit_events DROP COLUMN via;
