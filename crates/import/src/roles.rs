//! Which usage role is the owner's and which are delegates'. Role types are each organization's
//! own options: the owner role is found by its name once, then matched by uuid (API-V2.md §4);
//! the other roles are read by name as delegates, or reported.

use systemejer_domain::DelegateRole;
use systemejer_kitos::{RoleAssignment, Snapshot};
use uuid::Uuid;

use crate::finding::{Finding, Subject, SubjectKind};
use crate::options::MapOptions;

/// What a role assignment gives in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleUse {
    /// The system owner.
    Owner,
    /// A delegate in this role.
    Delegate(DelegateRole),
    /// Nothing: the register has no counterpart.
    Unmapped,
}

/// The finding of an owner role that names no role of the snapshot: an error (the whole
/// import refused) where the snapshot has roles.
pub const OWNER_ROLE_NOT_FOUND: &str = "owner_role_not_found";

/// The roles of one snapshot, as the register reads them.
#[derive(Debug, Clone)]
pub(crate) struct Roles {
    /// The owner role's uuid, when found.
    owner: Option<Uuid>,
    options: MapOptions,
    names: Vec<(Uuid, String)>,
}

impl Roles {
    /// Finds the owner role in `snapshot`: by name among the role types when they were read,
    /// else among the assignments of the usages.
    pub(crate) fn resolve(snapshot: &Snapshot, options: &MapOptions, findings: &mut Vec<Finding>) -> Self {
        let assignments = || snapshot.usages.iter().flat_map(|usage| usage.roles.iter());
        let owner = match snapshot.role_type_named(&options.owner_role) {
            Some(role) => Some(role.uuid),
            None => assignments().find(|a| options.is_owner_role(&a.role.name)).map(|a| a.role.uuid),
        };
        if owner.is_none() {
            let message = format!(
                "no usage role is named {:?}, neither among the role types nor in any assignment: no system gets an \
                 owner from Kitos (name the owner role with --owner-role, or ?owner_role= on the API)",
                options.owner_role
            );
            // Where Kitos has roles at all, a name that matches none is a mistake in the
            // options (a typo), and importing on would take the owner off every system.
            let has_roles =
                snapshot.role_types.as_deref().is_some_and(|t| !t.is_empty()) || assignments().next().is_some();
            findings.push(if has_roles {
                Finding::error(OWNER_ROLE_NOT_FOUND, message)
            } else {
                Finding::warning(OWNER_ROLE_NOT_FOUND, message)
            });
        }
        if let (Some(uuid), Some(types)) = (owner, snapshot.role_types.as_deref()) {
            let clash = types.iter().filter(|role| options.is_owner_role(&role.name) && role.uuid != uuid);
            for role in clash {
                findings.push(
                    Finding::warning(
                        "owner_role_ambiguous",
                        format!(
                            "another role type is also named {:?}: only the first ({uuid}) is read as the owner's",
                            role.name
                        ),
                    )
                    .about(&Subject::new(SubjectKind::RoleType, role.uuid, &role.name)),
                );
            }
        }
        let names = snapshot.role_types.iter().flatten().map(|role| (role.uuid, role.name.clone())).collect();
        Self { owner, options: options.clone(), names }
    }

    /// What `assignment` gives: the owner by the role's uuid; a delegate by the role's name
    /// (the role type's name where it was read, else the name in the assignment).
    pub(crate) fn use_of(&self, assignment: &RoleAssignment) -> RoleUse {
        let role = &assignment.role;
        if Some(role.uuid) == self.owner {
            return RoleUse::Owner;
        }
        let name = self.names.iter().find(|(uuid, _)| *uuid == role.uuid).map_or(role.name.as_str(), |(_, n)| n);
        self.options.delegate_role(name).map_or(RoleUse::Unmapped, RoleUse::Delegate)
    }
}
