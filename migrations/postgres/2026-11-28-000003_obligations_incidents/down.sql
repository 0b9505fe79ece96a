DROP TABLE incident_systems;
DROP TABLE incidents;
DROP TABLE obligation_completions;
DROP TABLE obligations;
