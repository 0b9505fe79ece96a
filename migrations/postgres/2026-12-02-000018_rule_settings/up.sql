-- The settings the stored duties' dates were worked out with (the working-day calendar, the
-- follow-up after a failed test): when they change, the dates are worked out again at start.
CREATE TABLE rule_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
