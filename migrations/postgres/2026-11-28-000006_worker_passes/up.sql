-- Each worker pass (the reminder pass, the breach watch) leaves a row: when it ran, how long
-- it took and what it found, whichever worker ran it. /metrics reads the latest of each, so
-- an alert can say "no reminder pass for 25 hours" however many workers there are.
CREATE TABLE worker_passes (
    id          TEXT PRIMARY KEY,
    pass        TEXT NOT NULL CHECK (pass IN ('reminder_pass', 'breach_watch')),
    started_at  TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    found       INTEGER NOT NULL,
    queued      INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    retried     INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    succeeded   BOOLEAN NOT NULL
);
CREATE INDEX worker_passes_latest ON worker_passes (pass, started_at);
