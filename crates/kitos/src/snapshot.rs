//! Everything one organization's import needs, read at one time from one source.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::shape::Shape;
use crate::shapes::{
    DataProcessingRegistration, DeletedEntity, ItSystem, ItSystemUsage, OrganizationUnit, OrganizationUser, RoleType,
};
use crate::time::Timestamp;

/// One organization's usages and what they refer to, as Kitos has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The shape the usages and registrations were written in.
    pub shape: Shape,
    /// The IT system usages, in Kitos's order.
    pub usages: Vec<ItSystemUsage>,
    /// The data processing registrations.
    pub registrations: Vec<DataProcessingRegistration>,
    /// The organization units (the root has no parent).
    pub units: Vec<OrganizationUnit>,
    /// The organization's users.
    pub users: Vec<OrganizationUser>,
    /// The catalogue systems the usages refer to, by uuid.
    pub systems: BTreeMap<Uuid, ItSystem>,
    /// The usage role types, when read.
    pub role_types: Option<Vec<RoleType>>,
    /// Deletions from the delta feed, when read.
    pub deletions: Option<Vec<DeletedEntity>>,
}

impl Snapshot {
    /// The organization, as the first usage (or registration) names it.
    pub fn organization_uuid(&self) -> Option<Uuid> {
        let from_usages = self.usages.iter().filter_map(|usage| usage.organization_context.as_ref());
        let from_registrations = self.registrations.iter().filter_map(|dpr| dpr.organization_context.as_ref());
        from_usages.chain(from_registrations).map(|org| org.uuid).next()
    }

    /// The usage `uuid`.
    pub fn usage(&self, uuid: Uuid) -> Option<&ItSystemUsage> {
        self.usages.iter().find(|usage| usage.uuid == uuid)
    }

    /// The catalogue system of `usage`.
    pub fn system_of(&self, usage: &ItSystemUsage) -> Option<&ItSystem> {
        usage.system_uuid().and_then(|uuid| self.systems.get(&uuid))
    }

    /// The user `uuid`.
    pub fn user(&self, uuid: Uuid) -> Option<&OrganizationUser> {
        self.users.iter().find(|user| user.uuid == uuid)
    }

    /// The unit `uuid`.
    pub fn unit(&self, uuid: Uuid) -> Option<&OrganizationUnit> {
        self.units.iter().find(|unit| unit.uuid == uuid)
    }

    /// The registrations covering the usage `usage_uuid`.
    pub fn registrations_of(&self, usage_uuid: Uuid) -> impl Iterator<Item = &DataProcessingRegistration> {
        self.registrations.iter().filter(move |dpr| dpr.covers(usage_uuid))
    }

    /// The role type named `name` (trimmed, case-insensitive), when role types were read.
    /// Names are the organization's own ("Systemejer" is typical, not fixed).
    pub fn role_type_named(&self, name: &str) -> Option<&RoleType> {
        let name = name.trim();
        self.role_types.as_deref()?.iter().find(|role| role.name.trim().eq_ignore_ascii_case(name))
    }

    /// The latest `lastModified` of the usages and registrations: the next
    /// `changedSinceGtEq` for an incremental read.
    pub fn last_modified(&self) -> Option<Timestamp> {
        let usages = self.usages.iter().filter_map(|usage| usage.last_modified);
        let registrations = self.registrations.iter().filter_map(|dpr| dpr.last_modified);
        usages.chain(registrations).max()
    }
}
