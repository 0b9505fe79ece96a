-- Where an entity of the register came from when an import made it (OS2 Kitos): the source's
-- id, so that a second import finds it again, and the values as last imported, so that a
-- later import tells a change in the source from an edit made here since.
CREATE TABLE origins (
    source       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    imported     TEXT NOT NULL,
    imported_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, entity_type, external_id)
);
CREATE INDEX origins_entity ON origins (entity_type, entity_id);

-- Leases: one holder at a time of a named job that runs over many transactions (an import),
-- taken until a time, so that a holder that died does not hold it for ever.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TIMESTAMP NOT NULL
);
