-- The register: organisation, people, systems, their lifecycle, the audit log, deletions.
-- Identifiers are UUIDs as text and timestamps are UTC without a zone, so that one diesel
-- schema serves PostgreSQL and SQLite alike.

CREATE TABLE org_units (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('municipality', 'directorate', 'department', 'staff_function', 'section')),
    parent_id   TEXT REFERENCES org_units (id),
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX org_units_sync ON org_units (updated_at, id);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE people (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    position    TEXT NOT NULL CHECK (position IN ('director', 'head_of_department', 'head_of_staff', 'leader', 'employee')),
    org_unit_id TEXT REFERENCES org_units (id),
    manager_id  TEXT REFERENCES people (id),
    active      BOOLEAN NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX people_sync ON people (updated_at, id);
CREATE INDEX people_org_unit ON people (org_unit_id);
CREATE INDEX people_manager ON people (manager_id);

CREATE TABLE systems (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('it_system', 'online_service', 'database', 'app')),
    purpose                  TEXT,
    description              TEXT,
    vendor                   TEXT,
    hosting                  TEXT,
    business_processes       TEXT NOT NULL,
    data_formats             TEXT NOT NULL,
    processes_personal_data  BOOLEAN,
    processes_sensitive_data BOOLEAN,
    processes_cpr_numbers    BOOLEAN,
    kle_codes                TEXT NOT NULL,
    criticality              TEXT CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
    self_service_links       TEXT NOT NULL,
    owner_id                 TEXT REFERENCES people (id),
    org_unit_id              TEXT REFERENCES org_units (id),
    lifecycle_state          TEXT NOT NULL CHECK (lifecycle_state IN ('procurement', 'in_use', 'changing', 'decommissioning', 'retired')),
    version                  BIGINT NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
CREATE INDEX systems_sync ON systems (updated_at, id);
CREATE INDEX systems_owner ON systems (owner_id);
CREATE INDEX systems_org_unit ON systems (org_unit_id);
CREATE INDEX systems_state ON systems (lifecycle_state);

CREATE TABLE system_delegates (
    system_id TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    role      TEXT NOT NULL CHECK (role IN ('systemforvalter', 'contact')),
    PRIMARY KEY (system_id, person_id)
);
CREATE INDEX system_delegates_person ON system_delegates (person_id);

CREATE TABLE lifecycle_transitions (
    id          TEXT PRIMARY KEY,
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    reason      TEXT,
    actor       TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX lifecycle_transitions_system ON lifecycle_transitions (system_id, occurred_at);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, occurred_at);
CREATE INDEX audit_events_time ON audit_events (occurred_at, id);

CREATE TABLE deletions (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    deleted_at  TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);
CREATE INDEX deletions_time ON deletions (deleted_at, entity_type, entity_id);
