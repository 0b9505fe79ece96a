DROP TABLE reminder_keys;
DROP TABLE outbox;
ALTER TABLE people DROP COLUMN language;
