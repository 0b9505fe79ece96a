//! The background worker: on its schedule it finds the duties whose reminders are due, writes
//! one digest per recipient into the outbox (each duty, due date, stage and recipient once),
//! and delivers the outbox by mail, retrying what fails; beside it, the breach watch alerts of
//! personal data breaches awaiting their report, and the notices of failed tests, open exit
//! steps and security incidents, and what the DPO is told of systems with personal data; and it
//! delivers the webhook events the register emits, signed, to receivers it checks at each call.
//!
//! Every pass has one shape ([`pass`]: plan, enqueue, deliver). [`Worker::run_once`] is the
//! reminder pass, used alike by the scheduler, `systemejer worker --once` and the tests;
//! [`Worker::plan`] is the same pass without writing or sending (the dry run).

mod breaches;
mod dpo;
mod handovers;
mod incidents;
mod notices;
pub mod pass;
mod reminders;
mod schedule;
mod settings;
mod webhooks;
mod worker;

pub use pass::{Outcome, WorkerError};
pub use reminders::{PassPlan, Plan, PlannedItem};
pub use schedule::{WorkerSchedule, next_run, run};
pub use settings::{WebhookSettings, WorkerSettings, webhook_retry};
pub use webhooks::{body as webhook_body, signature as webhook_signature};
pub use worker::Worker;
