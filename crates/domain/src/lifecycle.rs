//! The lifecycle of a system and the gates on its transitions.
//!
//! `procurement -> in_use -> changing -> in_use -> ... -> decommissioning -> retired`, and
//! `procurement -> retired` for a purchase that was abandoned. A transition is a pure function
//! of (state, target, facts): it answers the new state, or *every* requirement that is not met,
//! each with a stable code, so an owner sees the whole list of what is left at once.
//!
//! Each gate is a function from the facts to the requirements it finds unmet. New duties (risk
//! assessments, DPIAs, agreements, the exit checklist) become new facts and new gates in
//! [`gates`], without changing how a transition is evaluated.

use serde::Serialize;

use crate::org::OwnerCandidate;
use crate::system::System;

string_enum! {
    /// Where a system is in its life (*livscyklus*).
    pub enum LifecycleState {
        /// *Anskaffelse*: being bought or built.
        Procurement => "procurement",
        /// *Drift*: in use.
        InUse => "in_use",
        /// *Videreudvikling/ændring*: being changed.
        Changing => "changing",
        /// *Afvikling*: being shut down.
        Decommissioning => "decommissioning",
        /// Shut down, or abandoned before use.
        Retired => "retired",
    }
}

impl LifecycleState {
    /// The states this one may move to.
    pub const fn successors(self) -> &'static [LifecycleState] {
        use LifecycleState::*;
        match self {
            Procurement => &[InUse, Retired],
            InUse => &[Changing, Decommissioning],
            Changing => &[InUse],
            Decommissioning => &[Retired],
            Retired => &[],
        }
    }

    /// Whether a move from this state to `to` exists at all (before any gate).
    pub fn may_move_to(self, to: LifecycleState) -> bool {
        self.successors().contains(&to)
    }

    /// The next state in the ordinary course of a system's life, if any: the transition a
    /// readiness overview asks about first.
    pub const fn natural_successor(self) -> Option<LifecycleState> {
        use LifecycleState::*;
        match self {
            Procurement => Some(InUse),
            InUse => Some(Changing),
            Changing => Some(InUse),
            Decommissioning => Some(Retired),
            Retired => None,
        }
    }
}

/// One requirement that a transition found unmet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unmet {
    /// Stable, machine-readable code, e.g. `owner_missing` or `description_incomplete`.
    pub code: &'static str,
    /// The field of the system the requirement concerns, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// What is missing, in plain English.
    pub message: String,
}

impl Unmet {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, field: None, message: message.into() }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such move exists in the lifecycle.
    NotAllowed {
        /// The current state.
        from: LifecycleState,
        /// The requested state.
        to: LifecycleState,
    },
    /// The move exists, but these requirements are not met (never empty).
    Unmet(Vec<Unmet>),
}

/// Everything the gates look at. Facts are gathered by the caller (from the store) and
/// passed in; the gates never fetch anything themselves.
#[derive(Debug, Clone)]
pub struct TransitionFacts<'a> {
    /// The system as it stands.
    pub system: &'a System,
    /// The owner as the eligibility rule sees them, if the system has one.
    pub owner: Option<OwnerCandidate>,
    /// The reason given for the transition, if any.
    pub reason: Option<&'a str>,
}

/// A gate: the requirements it finds unmet for a transition.
type Gate = fn(&TransitionFacts<'_>) -> Vec<Unmet>;

/// The gates that guard the move `from -> to`, in the order their findings are reported.
pub fn gates(from: LifecycleState, to: LifecycleState) -> &'static [Gate] {
    use LifecycleState::*;
    match (from, to) {
        (Procurement, InUse) => &[gate_owner_eligible, gate_description_complete],
        (Changing, InUse) => &[gate_owner_eligible],
        (InUse, Changing) | (InUse, Decommissioning) | (Procurement, Retired) => &[gate_reason_given],
        (Decommissioning, Retired) => &[gate_reason_given],
        _ => &[],
    }
}

/// Evaluates the move `from -> to` against `facts`: `Ok(to)`, or every unmet requirement.
pub fn evaluate(
    from: LifecycleState,
    to: LifecycleState,
    facts: &TransitionFacts<'_>,
) -> Result<LifecycleState, Refusal> {
    if !from.may_move_to(to) {
        return Err(Refusal::NotAllowed { from, to });
    }
    let unmet: Vec<Unmet> = gates(from, to).iter().flat_map(|gate| gate(facts)).collect();
    if unmet.is_empty() { Ok(to) } else { Err(Refusal::Unmet(unmet)) }
}

/// The system must have an owner, and the owner must be eligible under the guidance.
fn gate_owner_eligible(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    match facts.owner {
        None => vec![Unmet {
            code: "owner_missing",
            field: Some("owner_id"),
            message: "the system has no owner; every system in use must have an accountable owner".into(),
        }],
        Some(owner) => match owner.eligibility() {
            Ok(()) => vec![],
            Err(why) => vec![Unmet { code: why.code(), field: Some("owner_id"), message: why.to_string() }],
        },
    }
}

/// The system description must be complete: one finding per missing field.
fn gate_description_complete(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    facts
        .system
        .missing_description_fields()
        .into_iter()
        .map(|field| Unmet {
            code: "description_incomplete",
            field: Some(field),
            message: format!("the system description lacks `{field}`"),
        })
        .collect()
}

/// Changing, shutting down or abandoning a system needs a reason on record.
fn gate_reason_given(facts: &TransitionFacts<'_>) -> Vec<Unmet> {
    if facts.reason.is_some_and(|r| !r.trim().is_empty()) {
        vec![]
    } else {
        vec![Unmet::new("reason_missing", "this transition needs a reason: say why in `reason`")]
    }
}

#[cfg(test)]
mod tests {
    use super::LifecycleState::*;
    use super::*;
    use crate::ids::PersonId;
    use crate::org::Position;
    use crate::system::fixtures::complete_system;
    use proptest::prelude::*;

    fn director() -> OwnerCandidate {
        OwnerCandidate {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            position: Position::Director,
            active: true,
            manager_position: None,
        }
    }

    #[test]
    fn a_ready_system_goes_into_use() {
        let system = complete_system();
        let facts = TransitionFacts { system: &system, owner: Some(director()), reason: None };
        assert_eq!(evaluate(Procurement, InUse, &facts), Ok(InUse));
    }

    #[test]
    fn a_refusal_lists_every_unmet_requirement() {
        let mut system = complete_system();
        system.purpose = None;
        system.vendor = None;
        let facts = TransitionFacts { system: &system, owner: None, reason: None };
        let Err(Refusal::Unmet(unmet)) = evaluate(Procurement, InUse, &facts) else {
            panic!("expected unmet requirements");
        };
        let found: Vec<(&str, Option<&str>)> = unmet.iter().map(|u| (u.code, u.field)).collect();
        assert_eq!(
            found,
            vec![
                ("owner_missing", Some("owner_id")),
                ("description_incomplete", Some("purpose")),
                ("description_incomplete", Some("vendor")),
            ]
        );
    }

    #[test]
    fn an_ineligible_owner_is_reported_by_the_rule_it_breaks() {
        let system = complete_system();
        let employee = OwnerCandidate { position: Position::Employee, ..director() };
        let facts = TransitionFacts { system: &system, owner: Some(employee), reason: None };
        let Err(Refusal::Unmet(unmet)) = evaluate(Procurement, InUse, &facts) else { panic!() };
        assert_eq!(unmet[0].code, "owner_not_management");
    }

    #[test]
    fn abandoning_a_purchase_needs_a_reason() {
        let system = complete_system();
        let mut facts = TransitionFacts { system: &system, owner: None, reason: Some("  ") };
        assert!(
            matches!(evaluate(Procurement, Retired, &facts), Err(Refusal::Unmet(u)) if u[0].code == "reason_missing")
        );
        facts.reason = Some("the tender was cancelled");
        assert_eq!(evaluate(Procurement, Retired, &facts), Ok(Retired));
    }

    #[test]
    fn the_lifecycle_has_exactly_the_documented_moves() {
        let allowed = [
            (Procurement, InUse),
            (Procurement, Retired),
            (InUse, Changing),
            (InUse, Decommissioning),
            (Changing, InUse),
            (Decommissioning, Retired),
        ];
        for from in LifecycleState::ALL {
            for to in LifecycleState::ALL {
                assert_eq!(from.may_move_to(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
    }

    fn state() -> impl Strategy<Value = LifecycleState> {
        proptest::sample::select(LifecycleState::ALL)
    }

    proptest! {
        /// Whatever the facts, a move that does not exist is refused as such, and a move that
        /// exists either succeeds to its target or reports at least one unmet requirement.
        #[test]
        fn evaluation_is_total_and_consistent(
            from in state(),
            to in state(),
            has_owner in any::<bool>(),
            position in proptest::sample::select(Position::ALL),
            reason in proptest::option::of("[a-z ]{0,8}"),
            drop_purpose in any::<bool>(),
        ) {
            let mut system = complete_system();
            if drop_purpose { system.purpose = None; }
            let owner = has_owner.then(|| OwnerCandidate { position, ..director() });
            let facts = TransitionFacts { system: &system, owner, reason: reason.as_deref() };
            match evaluate(from, to, &facts) {
                Ok(next) => { prop_assert!(from.may_move_to(to)); prop_assert_eq!(next, to); }
                Err(Refusal::NotAllowed { .. }) => prop_assert!(!from.may_move_to(to)),
                Err(Refusal::Unmet(unmet)) => { prop_assert!(from.may_move_to(to)); prop_assert!(!unmet.is_empty()); }
            }
        }
    }
}
