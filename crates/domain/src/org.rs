//! The organisation: units, positions, and the rule of who may own a system.
//!
//! The guidance: *systemejerskab er en ledelsesopgave* held by directors, heads of department
//! or of staff functions (*fag- eller stabschefer*), or leaders reporting directly to one of
//! them. Anyone else may do the tasks as a delegate, but cannot be the accountable owner.

use crate::ids::PersonId;

string_enum! {
    /// What kind of unit an organisational unit is.
    pub enum OrgUnitKind {
        /// The municipality as a whole (the root).
        Municipality => "municipality",
        /// A directorate (*direktørområde*), led by a director.
        Directorate => "directorate",
        /// A department (*fagområde*), led by a head of department.
        Department => "department",
        /// A staff function (*stabsfunktion*), led by a head of staff.
        StaffFunction => "staff_function",
        /// A section, institution or team below a department.
        Section => "section",
    }
}

string_enum! {
    /// A person's position in the hierarchy (*direktør, fagchef, stabschef, leder*).
    pub enum Position {
        /// *Direktør*.
        Director => "director",
        /// *Fagchef*: head of a department.
        HeadOfDepartment => "head_of_department",
        /// *Stabschef*: head of a staff function.
        HeadOfStaff => "head_of_staff",
        /// *Leder*: a manager below a head of department or of staff.
        Leader => "leader",
        /// Anyone without management duties.
        Employee => "employee",
    }
}

string_enum! {
    /// The language a person reads their mail in.
    #[derive(Default)]
    pub enum Language {
        /// Danish (the default).
        #[default]
        Da => "da",
        /// English.
        En => "en",
    }
}

impl Position {
    /// Directors and heads of department or of staff: the senior management that holds
    /// system ownership by its position alone.
    pub const fn is_senior_management(self) -> bool {
        matches!(self, Position::Director | Position::HeadOfDepartment | Position::HeadOfStaff)
    }
}

/// What the owner rule needs to know about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerCandidate {
    /// The person.
    pub id: PersonId,
    /// Their position.
    pub position: Position,
    /// Whether they still work here.
    pub active: bool,
    /// Their manager's position, if they have a manager in the register.
    pub manager_position: Option<Position>,
}

/// Why a person may not own a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OwnerIneligible {
    /// The person is no longer active.
    #[error("the person is inactive; an owner must be an active person")]
    Inactive,
    /// A leader whose manager is not senior management (or who has no manager).
    #[error(
        "a leader may own a system only when reporting directly to a director, head of department or head of staff"
    )]
    LeaderNotReportingToSeniorManagement,
    /// An employee without management duties.
    #[error(
        "system ownership is a management task: the owner must be a director, head of department, head of staff, or a leader reporting directly to one"
    )]
    NotManagement,
}

impl OwnerIneligible {
    /// The stable code of the rule, for problem bodies and gate results.
    pub const fn code(self) -> &'static str {
        match self {
            OwnerIneligible::Inactive => "owner_inactive",
            OwnerIneligible::LeaderNotReportingToSeniorManagement => "owner_leader_without_senior_manager",
            OwnerIneligible::NotManagement => "owner_not_management",
        }
    }
}

impl OwnerCandidate {
    /// Applies the guidance's rule of who may be a system owner.
    pub fn eligibility(&self) -> Result<(), OwnerIneligible> {
        if !self.active {
            return Err(OwnerIneligible::Inactive);
        }
        match self.position {
            p if p.is_senior_management() => Ok(()),
            Position::Leader => match self.manager_position {
                Some(m) if m.is_senior_management() => Ok(()),
                _ => Err(OwnerIneligible::LeaderNotReportingToSeniorManagement),
            },
            _ => Err(OwnerIneligible::NotManagement),
        }
    }
}

/// What a filter on a unit takes: the unit with the units below it, or the unit alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnitScope {
    /// The unit and every unit below it: a directorate's systems are its departments' too.
    #[default]
    WithSubUnits,
    /// The unit alone.
    UnitAlone,
}

impl UnitScope {
    /// The scope an `include_sub_units` answer asks for.
    pub fn with_sub_units(yes: bool) -> Self {
        if yes { Self::WithSubUnits } else { Self::UnitAlone }
    }
}

/// The units a filter on `root` takes with its sub-units: `root` first, then every unit below
/// it at any depth, given the organisation as (unit, parent) pairs. A directorate's systems are
/// also its departments' and their offices'.
pub fn unit_and_below(
    root: crate::ids::OrgUnitId,
    tree: impl IntoIterator<Item = (crate::ids::OrgUnitId, Option<crate::ids::OrgUnitId>)>,
) -> Vec<crate::ids::OrgUnitId> {
    let mut children: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
    for (unit, parent) in tree {
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(unit);
        }
    }
    let mut out = vec![root];
    // A loop in the data (the register refuses them) would otherwise never end.
    let mut seen = std::collections::HashSet::from([root]);
    let mut next = 0;
    while let Some(at) = out.get(next).copied() {
        for child in children.get(&at).into_iter().flatten() {
            if seen.insert(*child) {
                out.push(*child);
            }
        }
        next += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(position: Position, manager: Option<Position>) -> OwnerCandidate {
        OwnerCandidate {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            position,
            active: true,
            manager_position: manager,
        }
    }

    #[test]
    fn senior_management_may_own_whoever_their_manager_is() {
        for p in [Position::Director, Position::HeadOfDepartment, Position::HeadOfStaff] {
            assert_eq!(candidate(p, None).eligibility(), Ok(()));
        }
    }

    #[test]
    fn a_leader_may_own_only_when_reporting_to_senior_management() {
        assert_eq!(candidate(Position::Leader, Some(Position::HeadOfDepartment)).eligibility(), Ok(()));
        assert_eq!(candidate(Position::Leader, Some(Position::Director)).eligibility(), Ok(()));
        assert_eq!(
            candidate(Position::Leader, Some(Position::Leader)).eligibility(),
            Err(OwnerIneligible::LeaderNotReportingToSeniorManagement)
        );
        assert_eq!(
            candidate(Position::Leader, None).eligibility(),
            Err(OwnerIneligible::LeaderNotReportingToSeniorManagement)
        );
    }

    #[test]
    fn employees_and_inactive_people_may_not_own() {
        assert_eq!(
            candidate(Position::Employee, Some(Position::Director)).eligibility(),
            Err(OwnerIneligible::NotManagement)
        );
        let mut director = candidate(Position::Director, None);
        director.active = false;
        assert_eq!(director.eligibility(), Err(OwnerIneligible::Inactive));
    }

    #[test]
    fn enum_names_match_their_json() {
        for p in Position::ALL {
            assert_eq!(serde_json_string(p), p.as_str());
            assert_eq!(p.as_str().parse::<Position>(), Ok(*p));
        }
        assert!("boss".parse::<Position>().is_err());
    }

    fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// An organisational unit: the municipality, a directorate, a department, a staff function or
/// a section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgUnit {
    /// Identifier.
    pub id: crate::OrgUnitId,
    /// Its name.
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrgUnitKind,
    /// The unit above it; `null` for the top.
    pub parent_id: Option<crate::OrgUnitId>,
    /// Increases with every change.
    pub version: i64,
    /// When it was registered.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A new organisational unit, as parsed from a request.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrgUnit {
    /// Its name (1 to 200 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "Sundhed og Omsorg"))]
    pub name: crate::Name,
    /// What kind of unit it is.
    pub kind: OrgUnitKind,
    /// The unit above it.
    #[serde(default)]
    pub parent_id: Option<crate::OrgUnitId>,
}

/// Changes to an organisational unit: absent fields stay as they are; `null` clears.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrgUnitChanges {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200))]
    #[serde(default, deserialize_with = "crate::values::present")]
    pub name: Option<crate::Name>,
    /// New kind.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = OrgUnitKind))]
    pub kind: Option<OrgUnitKind>,
    /// New parent; `null` makes it a top unit.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::OrgUnitId>, nullable))]
    pub parent_id: Option<Option<crate::OrgUnitId>>,
}

impl OrgUnitChanges {
    /// The unit with these changes made.
    pub fn apply(&self, mut unit: OrgUnit) -> OrgUnit {
        if let Some(name) = &self.name {
            name.as_str().clone_into(&mut unit.name);
        }
        if let Some(kind) = self.kind {
            unit.kind = kind;
        }
        if let Some(parent) = self.parent_id {
            unit.parent_id = parent;
        }
        unit
    }
}

/// A person in the organisation: a possible owner, delegate or manager.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Identifier.
    pub id: PersonId,
    /// Full name.
    pub name: String,
    /// Work email: where reminders go, and how a token is matched to the person.
    pub email: crate::EmailAddress,
    /// Position in the hierarchy.
    pub position: Position,
    /// The unit they belong to.
    pub org_unit_id: Option<crate::OrgUnitId>,
    /// Their manager.
    pub manager_id: Option<PersonId>,
    /// Whether they still work here. Inactive people are never mailed and cannot own systems.
    pub active: bool,
    /// The language of their mail.
    #[serde(default)]
    pub language: Language,
    /// Increases with every change.
    pub version: i64,
    /// When they were registered.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When they last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A new person, as parsed from a request.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// Full name (1 to 200 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "Jens Hansen"))]
    pub name: crate::Name,
    /// Work email; unique in the register.
    pub email: crate::EmailAddress,
    /// Position in the hierarchy.
    pub position: Position,
    /// The unit they belong to.
    #[serde(default)]
    pub org_unit_id: Option<crate::OrgUnitId>,
    /// Their manager.
    #[serde(default)]
    pub manager_id: Option<PersonId>,
    /// Whether they work here now (default `true`).
    #[serde(default = "yes")]
    pub active: bool,
    /// The language of their mail (default `da`).
    #[serde(default)]
    pub language: Language,
}

fn yes() -> bool {
    true
}

/// Changes to a person: absent fields stay as they are; `null` clears.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonChanges {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200))]
    #[serde(default, deserialize_with = "crate::values::present")]
    pub name: Option<crate::Name>,
    /// New email.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::EmailAddress))]
    pub email: Option<crate::EmailAddress>,
    /// New position.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Position))]
    pub position: Option<Position>,
    /// New unit; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::OrgUnitId>, nullable))]
    pub org_unit_id: Option<Option<crate::OrgUnitId>>,
    /// New manager; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PersonId>, nullable))]
    pub manager_id: Option<Option<PersonId>>,
    /// Whether they still work here.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub active: Option<bool>,
    /// The language of their mail.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Language))]
    pub language: Option<Language>,
}

impl PersonChanges {
    /// The person with these changes made.
    pub fn apply(&self, mut person: Person) -> Person {
        if let Some(name) = &self.name {
            name.as_str().clone_into(&mut person.name);
        }
        if let Some(email) = &self.email {
            person.email = email.clone();
        }
        if let Some(position) = self.position {
            person.position = position;
        }
        if let Some(unit) = self.org_unit_id {
            person.org_unit_id = unit;
        }
        if let Some(manager) = self.manager_id {
            person.manager_id = manager;
        }
        if let Some(active) = self.active {
            person.active = active;
        }
        if let Some(language) = self.language {
            person.language = language;
        }
        person
    }
}

/// A handover of a system's ownership (*overdragelse*), as asked for.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OwnerHandoverRequest {
    /// The new owner (an active person the eligibility rule admits).
    pub new_owner_id: PersonId,
    /// Why (the owner left, changed position, the system moved to another area, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub reason: crate::Prose,
}

/// A handover of a system's ownership, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerHandover {
    /// Identifier.
    pub id: crate::RecordId,
    /// The system.
    pub system_id: crate::SystemId,
    /// Who owned it before, if anyone.
    pub from_owner_id: Option<PersonId>,
    /// Who owns it now.
    pub to_owner_id: PersonId,
    /// Why.
    pub reason: String,
    /// Who handed it over (an admin).
    pub handed_over_by: String,
    /// When.
    pub handed_over_at: chrono::DateTime<chrono::Utc>,
}
