//! The fixture sets and a few lookups the tests share.

#![allow(dead_code, reason = "each test binary uses its own part")]
#![allow(clippy::unwrap_used, reason = "test support: a failure here is the test's")]

use chrono::NaiveDate;
use systemejer_import::{Finding, MapOptions, Mapped, SystemDraft};
use systemejer_kitos::Snapshot;
use uuid::Uuid;

/// Both fixture sets' years.
pub const YEARS: [&str; 2] = ["2026", "2025"];

/// The fixtures' usages (API-V2.md fixtures README).
pub const ESDH: Uuid = uuid("ca3dc3b9-7cf7-5f3c-9413-814cd57f7ad8");
pub const LON: Uuid = uuid("4ebded46-60dc-59eb-b7a4-f62488889c52");
pub const BYG: Uuid = uuid("09d6eb6a-8409-5a8e-ad2f-471ce0600c4f");
pub const JOUR: Uuid = uuid("819dd0d7-4998-58c7-81d6-70559b002cb2");
pub const VAGT: Uuid = uuid("2d2755b2-b467-5838-9f9b-e8131a05f32b");
pub const ARK: Uuid = uuid("66938614-c988-528e-8ae2-f8ce05904895");
pub const JOB: Uuid = uuid("53df5583-d6c0-54d1-a25a-771ba290e521");
pub const BOOK: Uuid = uuid("f448b7a5-ca7f-5861-a59f-fecfdce93612");

/// Users.
pub const ANNE: Uuid = uuid("89dbd318-d0cc-5d83-9f91-f8af84af6810");
pub const BO: Uuid = uuid("7c7ae02c-50cf-5436-9476-7f70716b2ff6");
pub const CARLA: Uuid = uuid("3d1ca7ba-5d25-50d3-ad36-1836d5fd2890");
pub const DENNIS: Uuid = uuid("9c096104-dc35-551d-969d-2ad7f5010014");
pub const EVA: Uuid = uuid("e19503b4-91e8-55ab-8ba1-7909a76176e1");
pub const FREDERIK: Uuid = uuid("3caec9ed-947b-5932-b7d4-86c324c65b6d");

/// Units.
pub const IT_UNIT: Uuid = uuid("3b24fb2c-04a0-5fea-a183-c9e66e52b20c");
pub const JOBCENTER_UNIT: Uuid = uuid("f5fa3d43-a02e-52e7-97c9-e73ce4708bd7");
pub const ROOT_UNIT: Uuid = uuid("d9c44d74-f121-51b4-86c3-d360636d9dc1");

/// Registrations and processors.
pub const DPR_ESDH: Uuid = uuid("764be3dd-4035-51e4-8974-9264cd5b75d7");
pub const DPR_JOB: Uuid = uuid("f16ae440-a20e-5540-b832-90c850418a3a");
pub const DOKUMENTSYSTEMER: Uuid = uuid("e97ec4bf-00e4-5750-a616-e019799fb8f2");
pub const DIALOGSOFT: Uuid = uuid("b9eb591b-c135-5663-a6d7-6fdcceefe18e");
pub const BOOKINGFABRIKKEN: Uuid = uuid("6d9082e3-c21c-595d-b482-07fc3a43a2e3");

const fn uuid(text: &str) -> Uuid {
    match Uuid::try_parse(text) {
        Ok(uuid) => uuid,
        Err(_) => panic!("a fixture uuid"),
    }
}

/// The day the tests map on.
pub fn today() -> NaiveDate {
    day("2026-11-28")
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The fixture set of `year`, read.
pub fn snapshot(year: &str) -> Snapshot {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kitos").join(year);
    systemejer_kitos::read_dir(dir).unwrap()
}

/// The fixture set of `year`, mapped with the default options.
pub fn mapped(year: &str) -> Mapped {
    systemejer_import::map(&snapshot(year), &MapOptions::new(today()))
}

/// The system draft of the usage `uuid`.
pub fn system(mapped: &Mapped, uuid: Uuid) -> &SystemDraft {
    mapped.system(uuid).unwrap_or_else(|| panic!("usage {uuid} is not imported"))
}

/// The findings about `uuid` with `code`.
pub fn findings<'a>(mapped: &'a Mapped, uuid: Uuid, code: &str) -> Vec<&'a Finding> {
    mapped.findings_about(uuid).filter(|f| f.code == code).collect()
}

/// The e-mail address of the person drafted for the Kitos user `uuid`.
pub fn email(mapped: &Mapped, user: Uuid) -> String {
    mapped.person(user).unwrap().person.email.as_str().to_owned()
}
