ALTER TABLE obligation_completions DROP COLUMN via;
