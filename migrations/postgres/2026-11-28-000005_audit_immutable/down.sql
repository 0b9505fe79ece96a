DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_no_update_or_delete ON audit_events;
DROP FUNCTION audit_events_are_immutable();
