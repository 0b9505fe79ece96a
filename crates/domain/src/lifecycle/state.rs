//! Where a system is in its life: the states, and which may follow which (before any gate).

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
        use LifecycleState::{Changing, Decommissioning, InUse, Procurement, Retired};
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
        use LifecycleState::{Changing, Decommissioning, InUse, Procurement, Retired};
        match self {
            Procurement => Some(InUse),
            InUse => Some(Changing),
            Changing => Some(InUse),
            Decommissioning => Some(Retired),
            Retired => None,
        }
    }
}
