-- The system that takes over a system's work when it is shut down (afløses af).
ALTER TABLE systems ADD COLUMN successor_id TEXT;
CREATE INDEX systems_successor ON systems (successor_id);
