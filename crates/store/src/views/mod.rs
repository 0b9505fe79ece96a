//! What the register is read as: single entities and lists for the API, a system's records
//! and duties, the reports across systems, what operations watch, and what the worker reads
//! (the duties due, the breaches awaiting their report). Reads only: nothing here writes.

pub(crate) mod due;
pub(crate) mod history;
pub(crate) mod incidents;
pub(crate) mod monitoring;
pub(crate) mod outbox;
pub(crate) mod records;
pub(crate) mod register;
pub(crate) mod reports;
pub(crate) mod webhooks;
