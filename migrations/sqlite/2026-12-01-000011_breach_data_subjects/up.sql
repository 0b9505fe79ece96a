-- How the data subjects of a breach were told, or the art. 34(3) ground for not telling them.
ALTER TABLE incidents ADD COLUMN subjects_notified_how TEXT;
ALTER TABLE incidents ADD COLUMN subjects_not_notified_ground TEXT;
