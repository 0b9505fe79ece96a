//! Who may call what: the least-privilege table, one row per operation. The handlers enforce
//! these rules; a test walks every operation with every kind of caller and checks that they
//! answer as this table says, and the README carries the same table (a test compares them).

/// A kind of caller, as the access rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The `admin` role.
    Admin,
    /// The `auditor` role.
    Auditor,
    /// The `dpo` role (a person who is not in the register).
    Dpo,
    /// The `reader` role: an integration.
    Reader,
    /// The owner of the system the operation concerns (no role).
    Owner,
    /// A delegate of that system (no role).
    Delegate,
    /// Another person in the register (no role).
    Person,
    /// A valid token that names no one the register knows, with no role.
    Stranger,
}

impl Who {
    /// Every kind of caller, in the table's column order.
    pub const ALL: [Who; 8] =
        [Who::Admin, Who::Auditor, Who::Dpo, Who::Reader, Who::Owner, Who::Delegate, Who::Person, Who::Stranger];

    /// The column heading.
    pub const fn name(self) -> &'static str {
        match self {
            Who::Admin => "admin",
            Who::Auditor => "auditor",
            Who::Dpo => "dpo",
            Who::Reader => "reader",
            Who::Owner => "owner",
            Who::Delegate => "delegate",
            Who::Person => "person",
            Who::Stranger => "stranger",
        }
    }
}

use Who::{Admin, Auditor, Delegate, Dpo, Owner, Person, Reader};

/// Everyone who reads the register.
const READ: &[Who] = &[Admin, Auditor, Dpo, Reader, Owner, Delegate, Person];
/// Admins only.
const ADMIN: &[Who] = &[Admin];
/// Admins, and the system's owner and delegates.
const EDIT: &[Who] = &[Admin, Owner, Delegate];
/// The system's owner only (approvals).
const OWNER: &[Who] = &[Owner];
/// The data protection officer only (their own advice).
const DPO: &[Who] = &[Dpo];
/// Admins and auditors.
const AUDIT: &[Who] = &[Admin, Auditor];
/// Admins, auditors and the DPO.
const OVERSIGHT: &[Who] = &[Admin, Auditor, Dpo];
/// Who sees an incident: oversight, and the owners and delegates of the systems it touched.
const INCIDENT_READ: &[Who] = &[Admin, Auditor, Dpo, Owner, Delegate];
/// Who records and handles an incident.
const INCIDENT_WRITE: &[Who] = &[Admin, Dpo, Owner, Delegate];
/// Who reads notifications: admins and auditors all; each person those sent to them.
const NOTIFICATIONS: &[Who] = &[Admin, Auditor, Owner, Delegate, Person];

/// One operation (by its OpenAPI `operationId`) and who may call it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The operation.
    pub operation: &'static str,
    /// Who may call it; everyone else gets 403.
    pub allowed: &'static [Who],
}

const fn rule(operation: &'static str, allowed: &'static [Who]) -> Rule {
    Rule { operation, allowed }
}

/// The table. Open operations (`/healthz`, `/readyz`, `/openapi.json`, `/docs`) are not in it.
pub const RULES: &[Rule] = &[
    rule("list_org_units", READ),
    rule("get_org_unit", READ),
    rule("create_org_unit", ADMIN),
    rule("update_org_unit", ADMIN),
    rule("delete_org_unit", ADMIN),
    rule("list_people", READ),
    rule("get_person", READ),
    rule("create_person", ADMIN),
    rule("update_person", ADMIN),
    rule("delete_person", ADMIN),
    rule("list_systems", READ),
    rule("get_system", READ),
    rule("create_system", ADMIN),
    rule("update_system", EDIT),
    rule("delete_system", ADMIN),
    rule("transition_system", EDIT),
    rule("list_transitions", READ),
    rule("get_readiness", READ),
    rule("hand_over_owner", ADMIN),
    rule("list_owner_handovers", READ),
    rule("list_changes", READ),
    rule("list_dpo_advice", READ),
    rule("get_dpo_advice", READ),
    rule("add_dpo_advice", DPO),
    rule("update_dpo_advice", DPO),
    rule("list_risk_assessments", READ),
    rule("get_risk_assessment", READ),
    rule("add_risk_assessment", EDIT),
    rule("delete_risk_assessment", EDIT),
    rule("approve_risk_assessment", OWNER),
    rule("list_risk_measures", READ),
    rule("list_assessment_measures", READ),
    rule("add_risk_measure", EDIT),
    rule("get_risk_measure", READ),
    rule("update_risk_measure", EDIT),
    rule("get_dpia_decision", READ),
    rule("put_dpia_decision", EDIT),
    rule("list_dpias", READ),
    rule("get_dpia", READ),
    rule("add_dpia", EDIT),
    rule("delete_dpia", EDIT),
    rule("approve_dpia", OWNER),
    rule("list_processors", READ),
    rule("get_processor", READ),
    rule("create_processor", ADMIN),
    rule("replace_processor", ADMIN),
    rule("delete_processor", ADMIN),
    rule("list_processing_agreements", READ),
    rule("add_processing_agreement", EDIT),
    rule("get_processing_agreement", READ),
    rule("update_processing_agreement", EDIT),
    rule("terminate_processing_agreement", EDIT),
    rule("delete_processing_agreement", EDIT),
    rule("list_retention_rules", READ),
    rule("get_retention_rule", READ),
    rule("add_retention_rule", EDIT),
    rule("delete_retention_rule", EDIT),
    rule("get_processing_record", READ),
    rule("put_processing_record", EDIT),
    rule("list_procedures", READ),
    rule("get_procedure", READ),
    rule("add_procedure", EDIT),
    rule("delete_procedure", EDIT),
    rule("get_contingency_plan", READ),
    rule("put_contingency_plan", EDIT),
    rule("approve_contingency_plan", OWNER),
    rule("list_obligations", READ),
    rule("update_obligation", EDIT),
    rule("list_completions", READ),
    rule("add_completion", EDIT),
    rule("get_exit_checklist", READ),
    rule("update_exit_step", EDIT),
    rule("list_incidents", OVERSIGHT),
    rule("get_incident", INCIDENT_READ),
    rule("create_incident", INCIDENT_WRITE),
    rule("update_incident", INCIDENT_WRITE),
    rule("add_incident_report", INCIDENT_WRITE),
    rule("compliance_report", OVERSIGHT),
    rule("processing_records", OVERSIGHT),
    rule("processing_records_csv", OVERSIGHT),
    rule("list_notifications", NOTIFICATIONS),
    rule("list_audit_events", AUDIT),
    rule("list_deletions", READ),
    rule("import_kitos", ADMIN),
    rule("list_webhooks", ADMIN),
    rule("create_webhook", ADMIN),
    rule("get_webhook", ADMIN),
    rule("update_webhook", ADMIN),
    rule("delete_webhook", ADMIN),
    rule("rotate_webhook_secret", ADMIN),
    rule("list_webhook_deliveries", ADMIN),
];

/// The rule of `operation`, if it has one.
pub fn rule_of(operation: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.operation == operation)
}

/// The table as Markdown, as the README carries it.
pub fn markdown() -> String {
    let mut out = String::from("| operation |");
    for who in Who::ALL {
        out.push_str(&format!(" {} |", who.name()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Who::ALL.len()));
    out.push('\n');
    for rule in RULES {
        out.push_str(&format!("| `{}` |", rule.operation));
        for who in Who::ALL {
            out.push_str(if rule.allowed.contains(&who) { " ✓ |" } else { " |" });
        }
        out.push('\n');
    }
    out
}
