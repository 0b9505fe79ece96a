//! The lifecycle state a usage's Kitos status asks for. The import only records the wish: every
//! system is created in procurement, and the apply step moves it on only as far as the domain's
//! gates let it (see [`crate::gates`] for what they will ask).
//!
//! | Kitos `lifeCycleStatus` | wanted | why |
//! |---|---|---|
//! | `Operational` (*I drift*) | `in_use` | the system is in use |
//! | `PhasingIn` (*Under indfasning*) | `procurement` | being bought or introduced: not live yet |
//! | `Pilot` (*Under afprøvning*) | `procurement` | tried out before a decision to go live; Kitos itself counts it not valid by lifecycle |
//! | `NotInUse` (*Ikke i drift*) | `procurement` | registered, not live; the register reaches `retired` only through decommissioning and its exit checklist, which Kitos cannot vouch for |
//! | `Undecided`, absent | `procurement` | not answered: the register's starting state claims nothing |
//! | `PhasingOut` (*Under udfasning*) | `decommissioning` | being shut down: in use until now, its exit under way; the move needs a reason, given as the Kitos status |
//! | a value this importer does not know | `procurement` | tolerated and reported: an admin sets the state |

use systemejer_domain::LifecycleState;
use systemejer_kitos::{Choice, LifeCycleStatus};

use crate::usage::Usage;

/// Where the usage's Kitos status wants the system: the state, and the reason for a move that
/// needs one.
pub(crate) fn wanted(usage: &mut Usage<'_>) -> (LifecycleState, Option<String>) {
    let path = "general.validity.lifeCycleStatus";
    let this = usage.kitos;
    match this.life_cycle_status() {
        Some(Choice::Known(LifeCycleStatus::Operational)) => (LifecycleState::InUse, None),
        Some(Choice::Known(LifeCycleStatus::PhasingOut)) => {
            let until = this.general.validity.valid_to.map(|to| format!(", in use until {}", to.date()));
            let reason =
                format!("Phasing out according to OS2 Kitos (lifeCycleStatus PhasingOut{})", until.unwrap_or_default());
            (LifecycleState::Decommissioning, Some(reason))
        }
        Some(Choice::Known(
            LifeCycleStatus::PhasingIn
            | LifeCycleStatus::Pilot
            | LifeCycleStatus::NotInUse
            | LifeCycleStatus::Undecided,
        ))
        | None => (LifecycleState::Procurement, None),
        Some(Choice::Unknown(raw)) => {
            let message = format!(
                "the lifecycle status {raw:?} is not one this importer knows: the system is imported in procurement, \
                 for an admin to move it where it belongs"
            );
            usage.warn("lifecycle_unknown", path, message);
            (LifecycleState::Procurement, None)
        }
    }
}
