//! What the mapping tells an admin: each thing Kitos has that could not be imported whole, or
//! was imported with something left out, with where in Kitos's documents it was found.

use std::fmt;

use serde::Serialize;
use systemejer_kitos::file_names::{REGISTRATIONS, SYSTEMS_DIR, UNITS, USAGES, USERS};
use uuid::Uuid;

/// How much a finding costs the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = FindingSeverity))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The thing cannot be imported whole, so it is not imported at all (nothing is
    /// half-imported); it stays in the report.
    Error,
    /// The thing is imported, but something Kitos has was left out, or read with an
    /// assumption the message states.
    Warning,
}

/// What kind of Kitos thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = KitosSubjectKind))]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// An IT system usage (*systemanvendelse*): a system in the register.
    Usage,
    /// A data processing registration.
    Registration,
    /// An organization unit.
    Unit,
    /// A user of the organization.
    User,
    /// A catalogue IT system.
    CatalogueSystem,
    /// An organization (a data processor or sub-processor).
    Organization,
    /// A usage role type.
    RoleType,
}

/// The Kitos thing a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = KitosSubject))]
pub struct Subject {
    /// What kind of thing.
    pub kind: SubjectKind,
    /// Its Kitos uuid.
    pub uuid: Uuid,
    /// What Kitos calls it.
    pub name: String,
}

impl Subject {
    /// The thing of `kind` with `uuid`, called `name`.
    pub fn new(kind: SubjectKind, uuid: Uuid, name: impl Into<String>) -> Self {
        Self { kind, uuid, name: cut(name.into(), MAX_NAME) }
    }
}

/// The longest a finding's message is kept: a value Kitos gives may be any length, and a
/// finding that quotes it need not repeat all of it.
const MAX_MESSAGE: usize = 1_000;
/// The longest a subject's name is kept.
const MAX_NAME: usize = 200;

/// `text`, cut to at most `max` characters (the cut marked with `…`).
fn cut(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some(_) => {
            let at = text.char_indices().nth(max - 1).map_or(text.len(), |(at, _)| at);
            format!("{}…", &text[..at])
        }
        None => text,
    }
}

/// Where in a Kitos export a value was found: the document and the JSON path within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = KitosPlace))]
pub struct Place {
    /// The document, as a Kitos export names it (`it-system-usages.json`).
    pub document: String,
    /// The JSON path within it (`[5].general.validity.lifeCycleStatus`).
    pub path: String,
}

impl Place {
    /// `path` in `document`.
    pub fn new(document: impl Into<String>, path: impl Into<String>) -> Self {
        Self { document: document.into(), path: path.into() }
    }

    /// `path` of the usage at `index` in `it-system-usages.json`.
    pub fn usage(index: usize, path: &str) -> Self {
        Self::new(USAGES, indexed(index, path))
    }

    /// `path` of the registration at `index` in `data-processing-registrations.json`.
    pub fn registration(index: usize, path: &str) -> Self {
        Self::new(REGISTRATIONS, indexed(index, path))
    }

    /// `path` of the unit at `index` in `organization-units.json`.
    pub fn unit(index: usize, path: &str) -> Self {
        Self::new(UNITS, indexed(index, path))
    }

    /// `path` of the user at `index` in `users.json`.
    pub fn user(index: usize, path: &str) -> Self {
        Self::new(USERS, indexed(index, path))
    }

    /// `path` in the catalogue system `uuid`'s document (`it-systems/<uuid>.json`).
    pub fn catalogue_system(uuid: Uuid, path: &str) -> Self {
        Self::new(format!("{SYSTEMS_DIR}/{uuid}.json"), path)
    }
}

fn indexed(index: usize, path: &str) -> String {
    if path.is_empty() { format!("[{index}]") } else { format!("[{index}].{path}") }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.document, self.path)
    }
}

/// One thing the mapping found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportFinding))]
pub struct Finding {
    /// Whether the thing is left out whole, or imported with something left out.
    pub severity: Severity,
    /// A stable, machine-readable name of what was found (`owner_not_imported`).
    pub code: &'static str,
    /// The Kitos thing it is about, where there is one.
    pub subject: Option<Subject>,
    /// Where in the export, where known.
    pub place: Option<Place>,
    /// What was found and what the import did about it, in plain English.
    pub message: String,
}

impl Finding {
    /// A finding that keeps the thing out of the import.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, code, subject: None, place: None, message: cut(message.into(), MAX_MESSAGE) }
    }

    /// A finding on a thing imported with something left out.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            code,
            subject: None,
            place: None,
            message: cut(message.into(), MAX_MESSAGE),
        }
    }

    /// The finding, about `subject`.
    #[must_use]
    pub fn about(mut self, subject: &Subject) -> Self {
        self.subject = Some(subject.clone());
        self
    }

    /// The finding, found at `place`.
    #[must_use]
    pub fn at(mut self, place: Place) -> Self {
        self.place = Some(place);
        self
    }

    /// Whether it keeps its subject out of the import.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether it is about the thing `uuid`.
    pub fn is_about(&self, uuid: Uuid) -> bool {
        self.subject.as_ref().is_some_and(|subject| subject.uuid == uuid)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity} [{}]", self.code)?;
        if let Some(subject) = &self.subject {
            write!(f, " {} ({})", subject.name, subject.uuid)?;
        }
        if let Some(place) = &self.place {
            write!(f, " at {place}")?;
        }
        write!(f, ": {}", self.message)
    }
}
