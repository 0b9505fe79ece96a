DROP TABLE risk_measures;
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
    UNIQUE (system_id, processor_id)
);
-- Of a processor's agreements with a system, the one in force is kept.
INSERT INTO processing_agreements_rebuilt SELECT id, system_id, processor_id, signed_on, expires_on, document_url,
    supervision_method, supervision_interval_months, created_at FROM processing_agreements WHERE terminated_on IS NULL;
DROP TABLE processing_agreements;
ALTER TABLE processing_agreements_rebuilt RENAME TO processing_agreements;
CREATE INDEX processing_agreements_processor ON processing_agreements (processor_id);
ALTER TABLE systems DROP COLUMN no_processor_reason;
ALTER TABLE systems DROP COLUMN hosted_at;
