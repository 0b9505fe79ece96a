-- Recurring duties (obligations) with their completions, and security incidents.
-- An obligation row is derived from the system's facts (kept in step by the store) and holds
-- what the worker indexes: the next due date. Overrides (interval, assignee) live on it too.

CREATE TABLE obligations (
    system_id                TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind                     TEXT NOT NULL
        CHECK (kind IN ('backup_test', 'access_review', 'log_sample', 'risk_reassessment', 'dpia_review',
                        'processor_supervision', 'contingency_plan_test', 'deletion_run', 'procedure_review', 'contract_renewal')),
    subject                  TEXT NOT NULL DEFAULT '',
    interval_months          INTEGER,
    interval_override_months INTEGER CHECK (interval_override_months BETWEEN 1 AND 60),
    assignee_id              TEXT REFERENCES people (id),
    appeared_on              DATE NOT NULL,
    last_done_on             DATE,
    next_due_on              DATE,
    PRIMARY KEY (system_id, kind, subject)
);
CREATE INDEX obligations_due ON obligations (next_due_on);
CREATE INDEX obligations_assignee ON obligations (assignee_id);

CREATE TABLE obligation_completions (
    id           TEXT PRIMARY KEY,
    system_id    TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    done_on      DATE NOT NULL,
    result       TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
    evidence     TEXT,
    notes        TEXT,
    document_url TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
CREATE INDEX obligation_completions_system ON obligation_completions (system_id, kind, subject, done_on);

CREATE TABLE incidents (
    id                           TEXT PRIMARY KEY,
    discovered_at                TIMESTAMP NOT NULL,
    description                  TEXT NOT NULL,
    personal_data_breach         BOOLEAN NOT NULL,
    data_subject_categories      TEXT NOT NULL,
    approx_data_subjects         BIGINT,
    record_categories            TEXT NOT NULL,
    approx_records               BIGINT,
    likely_consequences          TEXT,
    measures                     TEXT,
    risk_level                   TEXT CHECK (risk_level IN ('low', 'medium', 'high')),
    reports                      TEXT NOT NULL,
    late_report_reason           TEXT,
    not_reported_reason          TEXT,
    subjects_notified_at         TIMESTAMP,
    subjects_not_notified_reason TEXT,
    closed_at                    TIMESTAMP,
    recorded_by                  TEXT NOT NULL,
    version                      BIGINT NOT NULL,
    created_at                   TIMESTAMP NOT NULL,
    updated_at                   TIMESTAMP NOT NULL
);
CREATE INDEX incidents_sync ON incidents (updated_at, id);
CREATE INDEX incidents_discovered ON incidents (discovered_at);

CREATE TABLE incident_systems (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, system_id)
);
CREATE INDEX incident_systems_system ON incident_systems (system_id);
