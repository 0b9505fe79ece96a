-- SQLite twin of the PostgreSQL migration of the same name. SQLite cannot change a CHECK in place:
-- the table is rebuilt with the wider list (nothing references it, so the rebuild is safe).
CREATE TABLE obligations_new (
    system_id                TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind                     TEXT NOT NULL
        CHECK (kind IN ('backup_test', 'access_review', 'log_sample', 'risk_reassessment', 'dpia_review',
                        'processor_supervision', 'contingency_plan_test', 'deletion_run', 'procedure_review', 'contract_renewal',
                        'patch_review', 'agreement_expiry', 'risk_measure', 'owner_handover', 'incident_follow_up')),
    subject                  TEXT NOT NULL DEFAULT '',
    interval_months          INTEGER,
    interval_override_months INTEGER CHECK (interval_override_months BETWEEN 1 AND 60),
    assignee_id              TEXT REFERENCES people (id),
    appeared_on              DATE NOT NULL,
    last_done_on             DATE,
    next_due_on              DATE,
    PRIMARY KEY (system_id, kind, subject)
);
INSERT INTO obligations_new
    (system_id, kind, subject, interval_months, interval_override_months, assignee_id, appeared_on, last_done_on, next_due_on)
SELECT system_id, kind, subject, interval_months, interval_override_months, assignee_id, appeared_on, last_done_on, next_due_on
  FROM obligations
 WHERE kind IN ('backup_test', 'access_review', 'log_sample', 'risk_reassessment', 'dpia_review',
                        'processor_supervision', 'contingency_plan_test', 'deletion_run', 'procedure_review', 'contract_renewal',
                        'patch_review', 'agreement_expiry', 'risk_measure', 'owner_handover', 'incident_follow_up');
DROP TABLE obligations;
ALTER TABLE obligations_new RENAME TO obligations;
CREATE INDEX obligations_due ON obligations (next_due_on);
CREATE INDEX obligations_assignee ON obligations (assignee_id);
