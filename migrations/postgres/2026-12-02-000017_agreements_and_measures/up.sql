-- Who runs a system (hosted_at), and the documented decision that no processor is involved.
ALTER TABLE systems ADD COLUMN hosted_at TEXT CHECK (hosted_at IN ('on_premises', 'external', 'hybrid'));
ALTER TABLE systems ADD COLUMN no_processor_reason TEXT;

-- An agreement's transfer basis (GDPR chapter V), its sub-processors, and its termination.
ALTER TABLE processing_agreements ADD COLUMN transfer_basis TEXT
    CHECK (transfer_basis IN ('adequacy_decision', 'standard_contractual_clauses', 'binding_corporate_rules',
                              'code_of_conduct_or_certification', 'derogation'));
ALTER TABLE processing_agreements ADD COLUMN sub_processors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE processing_agreements ADD COLUMN terminated_on DATE;
ALTER TABLE processing_agreements ADD COLUMN termination_reason TEXT;
-- A version for optimistic concurrency; one agreement in force per processor and system (a
-- terminated one is kept as history beside its successor).
ALTER TABLE processing_agreements ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE processing_agreements DROP CONSTRAINT processing_agreements_system_id_processor_id_key;
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
