//! The API over real HTTP, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod duties;
mod lifecycle;
mod lists;
mod permissions;
mod register;
