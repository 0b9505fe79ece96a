-- The path a change came by where it was no call of the API by the actor themself (an import
-- from Kitos: `kitos-import`), beside who made it. NULL for the API's own changes.
ALTER TABLE audit_events ADD COLUMN via TEXT;
