DELETE FROM obligations
 WHERE kind IN ('patch_review', 'agreement_expiry', 'risk_measure', 'owner_handover', 'incident_follow_up');
ALTER TABLE obligations DROP CONSTRAINT obligations_kind_check;
ALTER TABLE obligations ADD CONSTRAINT obligations_kind_check
    CHECK (kind IN ('backup_test', 'access_review', 'log_sample', 'risk_reassessment', 'dpia_review',
                    'processor_supervision', 'contingency_plan_test', 'deletion_run', 'procedure_review', 'contract_renewal'));
