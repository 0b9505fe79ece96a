//! Row access, one module per table (or per table and the rows that exist only with it, such
//! as a system's delegates or an incident's systems). A module here reads and writes its own
//! table with the schema and `crate::sql`, answers domain values or plain rows, and never
//! imports another table's module: what crosses tables is the business of `facts`, `duties`,
//! `changes` and `views`.

pub(crate) mod agreements;
pub(crate) mod audit_events;
pub(crate) mod deletions;
pub(crate) mod documents;
pub(crate) mod dpo_advice;
pub(crate) mod exit_steps;
pub(crate) mod incidents;
pub(crate) mod leases;
pub(crate) mod obligations;
pub(crate) mod org_units;
pub(crate) mod origins;
pub(crate) mod outbox;
pub(crate) mod owner_handovers;
pub(crate) mod people;
pub(crate) mod processors;
pub(crate) mod risk_measures;
pub(crate) mod rule_settings;
pub(crate) mod system_changes;
pub(crate) mod systems;
pub(crate) mod transitions;
pub(crate) mod webhook_deliveries;
pub(crate) mod webhooks;
pub(crate) mod worker_passes;
