//! The API over real HTTP, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod agreements;
mod bad_input;
mod common;
mod contract;
mod danish;
mod dpo;
mod duties;
mod faults;
mod incidents;
mod lifecycle;
mod lists;
mod measures;
mod metrics;
mod obligations;
mod owners;
mod permissions;
mod queries;
mod races;
mod register;
mod reports;
mod spreadsheets;
mod tokens;
mod versions;
mod webhooks;
