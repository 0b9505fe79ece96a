ALTER TABLE incidents DROP COLUMN subjects_not_notified_ground;
ALTER TABLE incidents DROP COLUMN subjects_notified_how;
