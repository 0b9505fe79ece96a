//! Reads OS2 Kitos (API v2) faithfully into typed Rust: from a directory of JSON files, from an
//! upload, or over HTTP. Knows nothing of systemejer; an importer maps what it reads.
//!
//! Every field is optional (Kitos gains fields every few months and writes nulls freely), and
//! every enum is a [`Choice`], which keeps a value Kitos has added since as its raw string
//! instead of failing. Both the 2026 and the 2025 builds' shapes are read; [`Shape`] says which
//! one a document is in, and accessors such as [`ItSystemUsage::purpose`] answer alike for both.

pub mod choice;
pub mod client;
mod de;
pub mod documents;
pub mod enums;
pub mod error;
mod parse;
pub mod shape;
pub mod shapes;
pub mod snapshot;
pub mod time;
pub mod unknown;

pub use choice::{Answered, Choice, KitosEnum, YesNo};
pub use client::{ClientSettings, Credentials, FetchOptions, KitosClient};
pub use documents::{file_names, read_dir};
pub use enums::*;
pub use error::Error;
pub use parse::parse_document;
pub use shape::Shape;
pub use shapes::{
    DataProcessingRegistration, DeletedEntity, ExternalReference, ItSystem, ItSystemUsage, Link, Org, OrganizationUnit,
    OrganizationUser, Ref, RoleAssignment, RoleType,
};
pub use snapshot::Snapshot;
pub use time::Timestamp;
pub use unknown::UnknownValue;
