//! Reading OS2 Kitos: the fixtures in both shapes, errors that name file and path, and the
//! HTTP client against the test Kitos server (paging, token renewal, changes, deletions).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod errors;
mod files;
mod import;

use uuid::Uuid;

/// Testrup Kommune.
pub const ORGANIZATION: &str = "a6a776dd-44cf-55b5-8aea-6d3889600105";
/// The fully documented `Operational` usage (Sagsbehandling Pro).
pub const ESDH: &str = "ca3dc3b9-7cf7-5f3c-9413-814cd57f7ad8";
/// `Operational`, no risk assessment, no Systemejer (Lønportalen).
pub const LON: &str = "4ebded46-60dc-59eb-b7a4-f62488889c52";
/// `PhasingOut`, archive duty `BK` in 2026 (Gammel Journal).
pub const JOUR: &str = "819dd0d7-4998-58c7-81d6-70559b002cb2";
/// `NotInUse`, every answer `Undecided` (Vagtplan Nord).
pub const VAGT: &str = "2d2755b2-b467-5838-9f9b-e8131a05f32b";
/// Lifecycle `"Retired"` (Arkivdepot Classic).
pub const ARK: &str = "66938614-c988-528e-8ae2-f8ce05904895";
/// Systemejer without an e-mail address (Jobcenter Dialog).
pub const JOB: &str = "53df5583-d6c0-54d1-a25a-771ba290e521";
/// Shares a DPR with `JOB` (Borgerbooking).
pub const BOOK: &str = "f448b7a5-ca7f-5861-a59f-fecfdce93612";
/// The DPR whose agreement is not concluded.
pub const DPR_LON: &str = "d86cc004-dbe0-54d5-843a-48a726b8a7cb";
/// The DPR of `JOB` and `BOOK`.
pub const DPR_JOB: &str = "f16ae440-a20e-5540-b832-90c850418a3a";

pub fn id(text: &str) -> Uuid {
    text.parse().unwrap()
}
