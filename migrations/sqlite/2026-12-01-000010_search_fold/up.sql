-- Nothing to change in the schema: on SQLite the store's fold() (text folded for searching,
-- Rust's to_lowercase, Æ, Ø and Å included) is registered on each connection, as SQLite's own
-- lower() folds only A-Z. PostgreSQL creates it as an SQL function in this migration.
SELECT 1;
