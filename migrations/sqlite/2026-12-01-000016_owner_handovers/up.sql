-- SQLite twin of the PostgreSQL migration of the same name.
CREATE TABLE owner_handovers (
    id             TEXT PRIMARY KEY,
    system_id      TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    from_owner_id  TEXT,
    to_owner_id    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    handed_over_by TEXT NOT NULL,
    handed_over_at TIMESTAMP NOT NULL
);
CREATE INDEX owner_handovers_system ON owner_handovers (system_id, handed_over_at);
CREATE INDEX owner_handovers_time ON owner_handovers (handed_over_at);
