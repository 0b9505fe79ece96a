DROP TABLE deletions;
DROP TABLE audit_events;
DROP TABLE lifecycle_transitions;
DROP TABLE system_delegates;
DROP TABLE systems;
DROP TABLE people;
DROP TABLE org_units;
