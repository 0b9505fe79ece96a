DROP INDEX systems_successor;
ALTER TABLE systems DROP COLUMN successor_id;
