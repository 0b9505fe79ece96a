DROP TABLE risk_measures;
ALTER TABLE processing_agreements DROP COLUMN termination_reason;
ALTER TABLE processing_agreements DROP COLUMN terminated_on;
ALTER TABLE processing_agreements DROP COLUMN sub_processors;
ALTER TABLE processing_agreements DROP COLUMN transfer_basis;
ALTER TABLE systems DROP COLUMN no_processor_reason;
ALTER TABLE systems DROP COLUMN hosted_at;
