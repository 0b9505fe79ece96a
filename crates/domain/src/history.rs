//! What the register remembers about its own history: the audit log, the lifecycle
//! transitions and the deletions that syncing clients must hear about.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::ids::SystemId;
use crate::lifecycle::LifecycleState;

string_enum! {
    /// What was done to an entity.
    pub enum AuditAction {
        /// Created.
        Create => "create",
        /// Changed.
        Update => "update",
        /// Deleted.
        Delete => "delete",
        /// Moved to another lifecycle state.
        Transition => "transition",
        /// Approved by the owner.
        Approve => "approve",
    }
}

string_enum! {
    /// The kinds of entity the register keeps.
    pub enum EntityType {
        /// An organisational unit.
        OrgUnit => "org_unit",
        /// A person.
        Person => "person",
        /// An IT system.
        System => "system",
        /// A data processor.
        Processor => "processor",
        /// A data processing agreement.
        ProcessingAgreement => "processing_agreement",
        /// A risk assessment.
        RiskAssessment => "risk_assessment",
        /// A DPIA decision.
        DpiaDecision => "dpia_decision",
        /// A DPIA.
        Dpia => "dpia",
        /// A retention rule.
        RetentionRule => "retention_rule",
        /// A record of processing.
        ProcessingRecord => "processing_record",
        /// A procedure.
        Procedure => "procedure",
        /// A contingency plan.
        ContingencyPlan => "contingency_plan",
        /// A step of an exit checklist.
        ExitStep => "exit_step",
        /// How a recurring duty is kept (interval, assignee).
        Obligation => "obligation",
        /// A recurring duty done.
        Completion => "completion",
        /// A security incident.
        Incident => "incident",
        /// The data protection officer's advice.
        DpoAdvice => "dpo_advice",
        /// A handover of a system's ownership.
        OwnerHandover => "owner_handover",
        /// A measure a risk assessment calls for.
        RiskMeasure => "risk_measure",
        /// A webhook subscription.
        Webhook => "webhook",
    }
}

/// One entry of the audit log: who did what to which entity, and how it looked before and
/// after. Written in the same transaction as the change; never changed or deleted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Identifier (time-ordered).
    pub id: Uuid,
    /// When it happened (UTC).
    pub occurred_at: DateTime<Utc>,
    /// Who did it: the token's email, client id or subject.
    pub actor: String,
    /// The path it came by, where it was no call of the API by the actor themself:
    /// `kitos-import` for what an import from Kitos wrote in their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// What was done.
    pub action: AuditAction,
    /// What kind of entity.
    pub entity_type: EntityType,
    /// Which entity.
    pub entity_id: String,
    /// The entity before (absent on create).
    pub before: Option<serde_json::Value>,
    /// The entity after (absent on delete).
    pub after: Option<serde_json::Value>,
}

/// The paths a change may come by beside the API (see [`AuditEvent::via`]).
pub const VIAS: &[&str] = &["kitos-import"];

/// An actor as the store is given it, `who via path` for a change that came by one of
/// [`VIAS`], split into who and the path.
pub fn split_via(actor: &str) -> (&str, Option<&str>) {
    match actor.rsplit_once(" via ") {
        Some((who, via)) if VIAS.contains(&via) && !who.trim().is_empty() => (who, Some(via)),
        _ => (actor, None),
    }
}

/// One recorded move in a system's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRecord {
    /// Identifier.
    pub id: Uuid,
    /// The system that moved.
    pub system_id: SystemId,
    /// The state it left.
    pub from: LifecycleState,
    /// The state it entered.
    pub to: LifecycleState,
    /// Why, as given.
    pub reason: Option<String>,
    /// Who moved it.
    pub actor: String,
    /// When (UTC).
    pub occurred_at: DateTime<Utc>,
}

/// A deleted entity, so that clients that copy the register can delete it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deletion {
    /// What kind of entity.
    pub entity_type: EntityType,
    /// Which entity.
    pub entity_id: String,
    /// When it was deleted (UTC).
    pub deleted_at: DateTime<Utc>,
}
