//! Who is told what, and when: the stages of a duty's reminders and their recipients.
//!
//! Stages: a set number of days before the due date (default 30 and 7), on the due day, and
//! weekly while overdue. A pass sends the latest stage reached that has not been sent, so a
//! missed pass still reminds once. Reminders go to the assignee (a delegate, else the owner);
//! an overdue duty goes to the owner as well; one overdue for longer than the escalation
//! threshold also to the information security coordinator and the owner's manager. Inactive
//! people are never mailed: their reminders go to the owner, or to the coordinator.

use chrono::NaiveDate;

use crate::ids::PersonId;
use crate::obligations::ObligationKind;
use crate::org::Language;

/// How reminders are timed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// Days before the due date that a reminder is sent (e.g. `[30, 7]`).
    pub days_before: Vec<u32>,
    /// Days overdue after which the coordinator and the owner's manager are told.
    pub escalate_after_days: u32,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self { days_before: vec![30, 7], escalate_after_days: 30 }
    }
}

impl ReminderPolicy {
    /// The farthest ahead a reminder is sent.
    pub fn horizon_days(&self) -> u32 {
        self.days_before.iter().copied().max().unwrap_or(0)
    }

    /// The policy for a duty of `kind`: its own days before, where it has them
    /// ([`ObligationKind::own_reminder_days`]), else these.
    pub fn for_duty(&self, kind: ObligationKind) -> std::borrow::Cow<'_, ReminderPolicy> {
        match kind.own_reminder_days() {
            Some(days) => std::borrow::Cow::Owned(ReminderPolicy { days_before: days.to_vec(), ..self.clone() }),
            None => std::borrow::Cow::Borrowed(self),
        }
    }
}

/// Whether a duty of `kind` is the owner's own, whoever it is assigned to: the agreement with
/// a processor is the owner's to renew or end (and the DPO is copied, [`copies_the_dpo`]).
pub const fn owners_own(kind: ObligationKind) -> bool {
    matches!(kind, ObligationKind::AgreementExpiry)
}

/// Whether the data protection officer is copied on a duty of `kind`'s reminders.
pub const fn copies_the_dpo(kind: ObligationKind) -> bool {
    matches!(kind, ObligationKind::AgreementExpiry)
}

/// A stage of a duty's reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// This many days before the due date.
    Before(u32),
    /// On the due day.
    DueDay,
    /// This many whole weeks overdue.
    Overdue(u32),
}

impl Stage {
    /// The stage as part of an idempotency key: `before_30`, `due`, `overdue_2`.
    pub fn key(self) -> String {
        match self {
            Stage::Before(d) => format!("before_{d}"),
            Stage::DueDay => "due".to_owned(),
            Stage::Overdue(w) => format!("overdue_{w}"),
        }
    }
}

/// The latest stage reached on `today` by a duty due on `due_on`, if any.
pub fn stage(due_on: NaiveDate, today: NaiveDate, policy: &ReminderPolicy) -> Option<Stage> {
    let days_left = (due_on - today).num_days();
    if days_left < 0 {
        let weeks = u32::try_from(-days_left / 7).unwrap_or(u32::MAX);
        return Some(if weeks == 0 { Stage::DueDay } else { Stage::Overdue(weeks) });
    }
    if days_left == 0 {
        return Some(Stage::DueDay);
    }
    let days_left = u32::try_from(days_left).unwrap_or(u32::MAX);
    policy.days_before.iter().copied().filter(|d| *d >= days_left).min().map(Stage::Before)
}

/// A person as the reminder rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// The person.
    pub id: PersonId,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// The language they read.
    pub language: Language,
    /// Whether they still work here.
    pub active: bool,
}

/// Who a reminder goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Addressee {
    /// The person in the register (the coordinator's and the DPO's mailboxes are none).
    pub person: Option<PersonId>,
    /// Where.
    pub email: String,
    /// Their name (the coordinator's mailbox has none).
    pub name: Option<String>,
    /// Their language.
    pub language: Language,
}

impl From<&Party> for Addressee {
    fn from(p: &Party) -> Self {
        Self { person: Some(p.id), email: p.email.clone(), name: Some(p.name.clone()), language: p.language }
    }
}

/// Why an addressee gets a reminder they would not get by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Because {
    /// They are the one the duty is assigned to.
    Assigned,
    /// The duty is overdue and they own the system.
    OwnerOfOverdue,
    /// The assignee is inactive, so the owner gets it.
    AssigneeInactive,
    /// The owner is inactive, so the coordinator gets it.
    OwnerInactive,
    /// Long overdue: escalated.
    Escalated,
    /// The data protection officer, copied.
    CopiedToDpo,
    /// The system needs a new owner: the coordinator and the owner's manager see to it.
    HandoverNeeded,
}

/// The people around one duty.
#[derive(Debug, Clone)]
pub struct DutyPeople<'a> {
    /// The system's owner.
    pub owner: Option<&'a Party>,
    /// Who the duty is assigned to (a delegate, else the owner).
    pub assignee: Option<&'a Party>,
    /// The owner's manager.
    pub owner_manager: Option<&'a Party>,
}

/// Who is told of a duty `days_overdue` days past its due date (0 or less: not overdue).
pub fn recipients(
    people: &DutyPeople<'_>,
    days_overdue: i64,
    policy: &ReminderPolicy,
    coordinator: Option<&str>,
) -> Vec<(Addressee, Because)> {
    let coordinator = |why| {
        coordinator.map(|c| (Addressee { person: None, email: c.to_owned(), name: None, language: Language::Da }, why))
    };
    let active = |p: Option<&Party>| p.filter(|p| p.active).map(Addressee::from);
    let owner = active(people.owner);
    let mut out: Vec<(Addressee, Because)> = Vec::new();
    match (active(people.assignee), &owner) {
        (Some(a), _) => out.push((a, Because::Assigned)),
        (None, Some(o)) => {
            let why = if people.assignee.is_some_and(|a| Some(a.id) != people.owner.map(|o| o.id)) {
                Because::AssigneeInactive
            } else {
                Because::Assigned
            };
            out.push((o.clone(), why));
        }
        (None, None) => out.extend(coordinator(Because::OwnerInactive)),
    }
    if days_overdue > 0 {
        match &owner {
            Some(o) => out.push((o.clone(), Because::OwnerOfOverdue)),
            None => out.extend(coordinator(Because::OwnerInactive)),
        }
    }
    if days_overdue > i64::from(policy.escalate_after_days) {
        out.extend(coordinator(Because::Escalated));
        if let Some(m) = active(people.owner_manager) {
            out.push((m, Because::Escalated));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(a, _)| seen.insert(a.email.clone()));
    out
}

/// Who is told of a duty of `kind`: [`recipients`], with the owner in the assignee's place
/// for the owner's own duties, and the DPO (`dpo`, a mailbox) copied where the duty says so; a
/// handover goes to the coordinator and the owner's manager.
pub fn recipients_of(
    kind: ObligationKind,
    people: &DutyPeople<'_>,
    days_overdue: i64,
    policy: &ReminderPolicy,
    coordinator: Option<&str>,
    dpo: Option<&str>,
) -> Vec<(Addressee, Because)> {
    if kind == ObligationKind::OwnerHandover {
        // Not the owner who left or changed position: those who can find the next one.
        let mut out: Vec<(Addressee, Because)> = coordinator
            .map(|c| Addressee { person: None, email: c.to_owned(), name: None, language: Language::Da })
            .into_iter()
            .chain(people.owner_manager.filter(|m| m.active).map(Addressee::from))
            .map(|a| (a, Because::HandoverNeeded))
            .collect();
        let mut seen = std::collections::HashSet::new();
        out.retain(|(a, _)| seen.insert(a.email.clone()));
        return out;
    }
    let people =
        if owners_own(kind) { DutyPeople { assignee: people.owner, ..people.clone() } } else { people.clone() };
    let mut out = recipients(&people, days_overdue, policy, coordinator);
    if let Some(dpo) = dpo.filter(|d| copies_the_dpo(kind) && !out.iter().any(|(a, _)| a.email == *d)) {
        out.push((
            Addressee { person: None, email: dpo.to_owned(), name: None, language: Language::Da },
            Because::CopiedToDpo,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn party(n: u128, email: &str, active: bool) -> Party {
        Party {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(n)),
            name: email.split('@').next().unwrap().to_owned(),
            email: email.to_owned(),
            language: Language::Da,
            active,
        }
    }

    #[test]
    fn stages_before_on_and_after_the_due_date() {
        let p = ReminderPolicy::default();
        let due = day("2026-12-31");
        let at = |s: &str| stage(due, day(s), &p);
        assert_eq!(at("2026-11-30"), None, "31 days before");
        assert_eq!(at("2026-12-01"), Some(Stage::Before(30)));
        assert_eq!(at("2026-12-23"), Some(Stage::Before(30)));
        assert_eq!(at("2026-12-24"), Some(Stage::Before(7)));
        assert_eq!(at("2026-12-31"), Some(Stage::DueDay));
        assert_eq!(at("2027-01-06"), Some(Stage::DueDay), "6 days overdue: the due-day reminder, if missed");
        assert_eq!(at("2027-01-07"), Some(Stage::Overdue(1)));
        assert_eq!(at("2027-01-14"), Some(Stage::Overdue(2)));
        assert_eq!(Stage::Overdue(2).key(), "overdue_2");
    }

    #[test]
    fn the_assignee_then_the_owner_then_escalation() {
        let p = ReminderPolicy::default();
        let (owner, delegate, manager) =
            (party(1, "ejer@k.dk", true), party(2, "forvalter@k.dk", true), party(3, "chef@k.dk", true));
        let people = DutyPeople { owner: Some(&owner), assignee: Some(&delegate), owner_manager: Some(&manager) };
        let emails = |days: i64| -> Vec<String> {
            recipients(&people, days, &p, Some("isk@k.dk")).into_iter().map(|(a, _)| a.email).collect()
        };
        assert_eq!(emails(-7), ["forvalter@k.dk"]);
        assert_eq!(emails(0), ["forvalter@k.dk"]);
        assert_eq!(emails(1), ["forvalter@k.dk", "ejer@k.dk"]);
        assert_eq!(emails(30), ["forvalter@k.dk", "ejer@k.dk"]);
        assert_eq!(emails(31), ["forvalter@k.dk", "ejer@k.dk", "isk@k.dk", "chef@k.dk"]);
    }

    #[test]
    fn an_expiring_agreement_goes_to_the_owner_with_the_dpo_copied() {
        let p = ReminderPolicy::default();
        let (owner, delegate) = (party(1, "ejer@k.dk", true), party(2, "forvalter@k.dk", true));
        let people = DutyPeople { owner: Some(&owner), assignee: Some(&delegate), owner_manager: None };
        let told = |kind| -> Vec<String> {
            recipients_of(kind, &people, -90, &p, Some("isk@k.dk"), Some("dpo@k.dk"))
                .into_iter()
                .map(|(a, _)| a.email)
                .collect()
        };
        assert_eq!(told(ObligationKind::AgreementExpiry), ["ejer@k.dk", "dpo@k.dk"]);
        assert_eq!(told(ObligationKind::BackupTest), ["forvalter@k.dk"], "the others as before");
        let expiry = p.for_duty(ObligationKind::AgreementExpiry);
        let due = day("2027-03-31");
        assert_eq!(stage(due, day("2026-12-30"), &expiry), None, "91 days before");
        assert_eq!(stage(due, day("2026-12-31"), &expiry), Some(Stage::Before(90)));
        assert_eq!(stage(due, day("2027-03-01"), &expiry), Some(Stage::Before(30)));
        assert_eq!(stage(due, day("2027-03-31"), &expiry), Some(Stage::DueDay));
        assert_eq!(stage(due, day("2027-03-01"), &p), Some(Stage::Before(30)), "the policy itself is unchanged");
    }

    #[test]
    fn a_handover_goes_to_the_coordinator_and_the_owners_manager() {
        let p = ReminderPolicy::default();
        let (gone, delegate, manager) =
            (party(1, "ejer@k.dk", false), party(2, "forvalter@k.dk", true), party(3, "chef@k.dk", true));
        let people = DutyPeople { owner: Some(&gone), assignee: Some(&delegate), owner_manager: Some(&manager) };
        let told: Vec<(String, Because)> =
            recipients_of(ObligationKind::OwnerHandover, &people, 0, &p, Some("isk@k.dk"), Some("dpo@k.dk"))
                .into_iter()
                .map(|(a, why)| (a.email, why))
                .collect();
        assert_eq!(
            told,
            [("isk@k.dk".to_owned(), Because::HandoverNeeded), ("chef@k.dk".to_owned(), Because::HandoverNeeded)]
        );
    }

    #[test]
    fn inactive_people_are_never_mailed() {
        let p = ReminderPolicy::default();
        let (owner, gone) = (party(1, "ejer@k.dk", true), party(2, "gone@k.dk", false));
        let people = DutyPeople { owner: Some(&owner), assignee: Some(&gone), owner_manager: None };
        let r = recipients(&people, -3, &p, Some("isk@k.dk"));
        assert_eq!(r, vec![(Addressee::from(&owner), Because::AssigneeInactive)]);
        let gone_owner = party(1, "ejer@k.dk", false);
        let people = DutyPeople { owner: Some(&gone_owner), assignee: Some(&gone_owner), owner_manager: None };
        let r = recipients(&people, 5, &p, Some("isk@k.dk"));
        assert_eq!(r.len(), 1, "the coordinator once, not twice");
        assert_eq!((r[0].0.email.as_str(), r[0].1), ("isk@k.dk", Because::OwnerInactive));
    }
}
