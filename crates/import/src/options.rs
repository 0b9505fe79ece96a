//! What the mapping is told rather than reads from Kitos: the name of the owner role, the day,
//! and how the organization's own role names and missing positions are read.

use chrono::NaiveDate;
use systemejer_domain::{DelegateRole, Position};

/// The settings of one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOptions {
    /// The name of the usage role whose holder is the system owner. Role types are each
    /// organization's own options, so this is matched by name once (trimmed, ignoring case),
    /// then every assignment by the role's uuid, as API-V2.md §4 advises. `"Systemejer"` by
    /// default.
    pub owner_role: String,
    /// Today: dates after it are refused as the register refuses them (a record performed, an
    /// agreement signed, a supervision done in the future).
    pub today: NaiveDate,
    /// The position every imported person is given. Kitos keeps no positions, and the register
    /// needs one for everyone. `employee` by default: it claims no management duties, so the
    /// register never admits an owner on Kitos's word alone (see [`crate::people`]).
    pub default_position: Position,
    /// The usage role names read as delegates, each with its delegate role (matched trimmed,
    /// ignoring case). A role named neither here nor as the owner is reported and left out.
    pub delegate_roles: Vec<(String, DelegateRole)>,
}

impl MapOptions {
    /// The defaults, on `today`: owner role `"Systemejer"`, people as `employee`, and the
    /// delegate role names of [`default_delegate_roles`].
    pub fn new(today: NaiveDate) -> Self {
        Self {
            owner_role: "Systemejer".to_owned(),
            today,
            default_position: Position::Employee,
            delegate_roles: default_delegate_roles(),
        }
    }

    /// The delegate role the usage role `name` maps to, if any.
    pub fn delegate_role(&self, name: &str) -> Option<DelegateRole> {
        let name = name.trim();
        self.delegate_roles.iter().find(|(known, _)| known.trim().eq_ignore_ascii_case(name)).map(|(_, role)| *role)
    }

    /// Whether `name` is the owner role's name.
    pub fn is_owner_role(&self, name: &str) -> bool {
        name.trim().eq_ignore_ascii_case(self.owner_role.trim())
    }
}

/// The usage role names Danish municipalities commonly give their Kitos roles, each read as
/// the nearest delegate role of the guidance:
///
/// - *Systemforvalter*, *Systemansvarlig*, *Teknisk systemansvarlig*, *Systemadministrator*:
///   they run the system day to day on the owner's behalf, which is the guidance's
///   systemforvalter (Kitos's typical description of *Systemansvarlig* is "daglig ansvarlig for
///   systemet").
/// - *Daglig kontaktperson*, *Kontaktperson*, *Superbruger*: the everyday contact.
///
/// *Forretningsejer* (business owner) is deliberately absent: it is an accountability for the
/// business process, not a task done for the system owner, and the register has no such role.
pub fn default_delegate_roles() -> Vec<(String, DelegateRole)> {
    [
        ("Systemforvalter", DelegateRole::Systemforvalter),
        ("Systemansvarlig", DelegateRole::Systemforvalter),
        ("Teknisk systemansvarlig", DelegateRole::Systemforvalter),
        ("Systemadministrator", DelegateRole::Systemforvalter),
        ("Daglig kontaktperson", DelegateRole::Contact),
        ("Kontaktperson", DelegateRole::Contact),
        ("Superbruger", DelegateRole::Contact),
    ]
    .into_iter()
    .map(|(name, role)| (name.to_owned(), role))
    .collect()
}
