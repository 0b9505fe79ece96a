//! The use cases that change the register. Each is one transaction that runs the same way:
//! read the facts it needs once (`crate::facts`), ask the domain whether the change is allowed
//! and what it makes, write the rows (`crate::tables`), bring the system's duties in step
//! (`crate::duties`), and record the audit event (`crate::audit`). All of it is written, or
//! nothing.

pub(crate) mod advice;
pub(crate) mod bulk;
pub(crate) mod incidents;
pub(crate) mod measures;
pub(crate) mod obligations;
pub(crate) mod org_units;
pub(crate) mod origins;
pub(crate) mod people;
pub(crate) mod processors;
pub(crate) mod records;
pub(crate) mod systems;
pub(crate) mod webhooks;
