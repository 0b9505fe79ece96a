//! The API over real HTTP, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests compare exact figures, read fixtures in the order a reader follows, and keep helpers
// async like the calls around them.
#![allow(
    clippy::float_cmp,
    clippy::cast_precision_loss,
    clippy::default_trait_access,
    clippy::items_after_statements,
    clippy::needless_pass_by_value,
    clippy::unused_async,
    clippy::used_underscore_binding
)]

mod access;
mod bad_input;
mod common;
mod duties;
mod faults;
mod incidents;
mod lifecycle;
mod lists;
mod metrics;
mod obligations;
mod permissions;
mod queries;
mod register;
mod reports;
mod tokens;
mod versions;
