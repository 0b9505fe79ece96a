-- Who runs a system (hosted_at), and the documented decision that no processor is involved.
ALTER TABLE systems ADD COLUMN hosted_at TEXT CHECK (hosted_at IN ('on_premises', 'external', 'hybrid'));
ALTER TABLE systems ADD COLUMN no_processor_reason TEXT;

-- An agreement's transfer basis (GDPR chapter V), its sub-processors, its termination, and a
-- version for optimistic concurrency. One agreement in force per processor and system: a
-- terminated one is kept as history beside its successor. SQLite cannot drop a UNIQUE table
-- constraint: the table is rebuilt with its rows and index.
CREATE TABLE processing_agreements_rebuilt (
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
    transfer_basis              TEXT
        CHECK (transfer_basis IN ('adequacy_decision', 'standard_contractual_clauses', 'binding_corporate_rules',
                                  'code_of_conduct_or_certification', 'derogation')),
    sub_processors              TEXT NOT NULL DEFAULT '[]',
    terminated_on               DATE,
    termination_reason          TEXT,
    version                     BIGINT NOT NULL DEFAULT 1
);
INSERT INTO processing_agreements_rebuilt (id, system_id, processor_id, signed_on, expires_on, document_url,
    supervision_method, supervision_interval_months, created_at)
    SELECT id, system_id, processor_id, signed_on, expires_on, document_url, supervision_method,
        supervision_interval_months, created_at FROM processing_agreements;
DROP TABLE processing_agreements;
ALTER TABLE processing_agreements_rebuilt RENAME TO processing_agreements;
CREATE INDEX processing_agreements_processor ON processing_agreements (processor_id);
CREATE UNIQUE INDEX processing_agreements_one_in_force ON processing_agreements (system_id, processor_id)
    WHERE terminated_on IS NULL;

-- The measures an approved risk assessment calls for (foranstaltninger).
CREATE TABLE risk_measures (
    id                 TEXT PRIMARY KEY,
    system_id          TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    risk_assessment_id TEXT NOT NULL REFERENCES system_records (id) ON DELETE CASCADE,
    measure            TEXT NOT NULL,
    responsible_id     TEXT NOT NULL REFERENCES people (id),
    due_on             DATE NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('planned', 'implemented', 'rejected')),
    implemented_on     DATE,
    rejection_reason   TEXT,
    version            BIGINT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX risk_measures_system ON risk_measures (system_id, due_on);
CREATE INDEX risk_measures_assessment ON risk_measures (risk_assessment_id);
CREATE INDEX risk_measures_responsible ON risk_measures (responsible_id);
