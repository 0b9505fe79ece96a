//! The building blocks Kitos repeats: references, organizations, links, external references.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::de::null_default;

/// `{uuid, name}`: a reference to an entity or a local option. For a user, `name` is
/// `"{firstName} {lastName}"`; for a KLE, the KLE number (`"85.02.10"`); for a usage, the
/// catalogue system's name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Ref {
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

/// `{cvr, uuid, name}`: an organization. `cvr` may be a foreign id, or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Org {
    pub cvr: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

/// `{name, url}`: a link. Kitos writes an empty one as `{"name":null,"url":null}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Link {
    pub name: Option<String>,
    pub url: Option<String>,
}

impl Link {
    /// The URL, unless it is absent or blank.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref().map(str::trim).filter(|url| !url.is_empty())
    }

    /// Whether neither a name nor a URL is given.
    pub fn is_empty(&self) -> bool {
        let blank = |text: &Option<String>| text.as_deref().is_none_or(|t| t.trim().is_empty());
        blank(&self.name) && blank(&self.url)
    }
}

/// An external reference; at most one per entity is the master reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExternalReference {
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    pub title: Option<String>,
    pub document_id: Option<String>,
    pub url: Option<String>,
    pub master_reference: Option<bool>,
}

/// A role held by a user. The role is an organization-local option: match it by uuid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleAssignment {
    #[serde(deserialize_with = "null_default")]
    pub user: Ref,
    #[serde(deserialize_with = "null_default")]
    pub role: Ref,
}
