-- SQLite twin of the PostgreSQL migration of the same name: the audit log cannot be changed
-- or deleted.
CREATE TRIGGER audit_events_no_update
    BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events cannot be changed or deleted');
END;

CREATE TRIGGER audit_events_no_delete
    BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events cannot be changed or deleted');
END;
