//! An organization's units, users and usage role types (API-V2.md §4, §7).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::Ref;
use crate::choice::Choice;
use crate::de::null_default;
use crate::enums::{OrganizationUserRole, UnitOrigin};

/// `GET api/v2/organizations/{org}/organization-units`: the root has no parent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrganizationUnit {
    /// The unit's uuid in STS Organisation when synced (since 2026-08).
    pub external_origin_uuid: Option<Uuid>,
    pub parent_organization_unit: Option<Ref>,
    pub ean: Option<i64>,
    pub unit_id: Option<String>,
    pub origin: Option<Choice<UnitOrigin>>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

impl OrganizationUnit {
    /// The parent's uuid; `None` for the root.
    pub fn parent_uuid(&self) -> Option<Uuid> {
        self.parent_organization_unit.as_ref().map(|parent| parent.uuid)
    }
}

/// `GET api/v2/organizations/{org}/users`: turns a role's user uuid into an e-mail address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrganizationUser {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// As Kitos has it: may be `""`. Read it with [`OrganizationUser::email`].
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub api_access: Option<bool>,
    #[serde(deserialize_with = "null_default")]
    pub roles: Vec<Choice<OrganizationUserRole>>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    /// `"{firstName} {lastName}"`, the same text as in a [`Ref`] to this user.
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

impl OrganizationUser {
    /// The e-mail address, trimmed, unless it is absent or blank. Not checked further.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref().map(str::trim).filter(|email| !email.is_empty())
    }
}

/// `GET api/v2/it-system-usage-role-types?organizationUuid=`: an organization's usage roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleType {
    pub write_access: Option<bool>,
    pub is_externally_available: Option<bool>,
    pub externally_available_description: Option<String>,
    pub description: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub uuid: Uuid,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}
