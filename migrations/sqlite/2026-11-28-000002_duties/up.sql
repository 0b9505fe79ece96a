-- SQLite twin of the PostgreSQL migration of the same name.
-- The duties of the guidance as records: archiving and data subjects' rights on the system,
-- processors and agreements, the documents kept per system (risk assessments, DPIAs, retention
-- rules, procedures, the record of processing, the contingency plan), changes, and the exit
-- checklist.

ALTER TABLE systems ADD COLUMN data_subject_rights TEXT NOT NULL DEFAULT '[]';
ALTER TABLE systems ADD COLUMN archive_status TEXT NOT NULL DEFAULT 'undecided'
    CHECK (archive_status IN ('undecided', 'preserve', 'discard', 'preserve_data_discard_documents'));
ALTER TABLE systems ADD COLUMN archive_body TEXT;
ALTER TABLE systems ADD COLUMN archive_notified_on DATE;
ALTER TABLE systems ADD COLUMN contract_notice_on DATE;

CREATE TABLE processors (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    cvr         TEXT UNIQUE,
    country     TEXT NOT NULL,
    contact     TEXT,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX processors_sync ON processors (updated_at, id);

CREATE TABLE processing_agreements (
    id                          TEXT PRIMARY KEY,
    system_id                   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    processor_id                TEXT NOT NULL REFERENCES processors (id),
    signed_on                   DATE,
    expires_on                  DATE,
    document_url                TEXT,
    supervision_method          TEXT NOT NULL
        CHECK (supervision_method IN ('isae_3000', 'isae_3402', 'soc2', 'own_inspection', 'written_statement', 'other')),
    supervision_interval_months INTEGER NOT NULL CHECK (supervision_interval_months IN (6, 12, 24)),
    created_at                  TIMESTAMP NOT NULL,
    UNIQUE (system_id, processor_id)
);
CREATE INDEX processing_agreements_processor ON processing_agreements (processor_id);

-- Documents kept per system, one kind per `kind`; `body` is the record as JSON, validated by
-- the domain on the way in. Approval (by the owner) where the kind needs it.
CREATE TABLE system_records (
    id          TEXT PRIMARY KEY,
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL
        CHECK (kind IN ('risk_assessment', 'dpia_decision', 'dpia', 'retention_rule', 'processing_record', 'procedure', 'contingency_plan')),
    body        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    approved_by TEXT REFERENCES people (id),
    approved_at TIMESTAMP
);
CREATE INDEX system_records_system ON system_records (system_id, kind, recorded_at);

CREATE TABLE system_changes (
    id          TEXT PRIMARY KEY,
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    dpia_needed BOOLEAN NOT NULL,
    started_by  TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP
);
CREATE INDEX system_changes_system ON system_changes (system_id, started_at);

CREATE TABLE exit_steps (
    system_id   TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    step        TEXT NOT NULL
        CHECK (step IN ('contract_terminated', 'data_migrated', 'vendor_data_deleted', 'archived',
                        'it_department_notified', 'self_service_links_removed', 'processing_record_closed', 'access_revoked')),
    status      TEXT NOT NULL CHECK (status IN ('open', 'done', 'not_applicable')),
    done_on     DATE,
    recorded_by TEXT,
    note        TEXT,
    reason      TEXT,
    PRIMARY KEY (system_id, step)
);
