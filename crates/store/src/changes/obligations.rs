//! How a system keeps its duties (interval and assignee per system), and what was done.

use chrono::NaiveDate;
use systemejer_domain::obligations::{
    Completion, CompletionResult, NewCompletion, Obligation, ObligationChanges, ObligationKind, Via,
};
use systemejer_domain::webhooks::EventType;
use systemejer_domain::{AuditAction, EntityType, RecordId, SystemId};

use crate::audit::{self, Entry};
use crate::events::{self, Event};
use crate::facts;
use crate::tables::{obligations, people, rule_settings};

/// The name the settings the stored due dates were worked out with are kept under.
const DATES_WORKED_OUT_WITH: &str = "due_dates";
use crate::{Store, StoreError, duties, new_id, now};

impl Store {
    /// Brings the stored duties of every system in step with the rules as this version of the
    /// register reads them: after an upgrade whose rules call for a duty that no row holds yet
    /// (a new kind, another interval), so that the worker reminds of it without waiting for
    /// the system's next change. One short transaction per system; only what differs is
    /// written. Answers how many systems' duties changed.
    pub fn bring_duties_in_step(&self) -> Result<usize, StoreError> {
        let today = self.today();
        let ids = self.read(crate::tables::systems::ids_by_name)?;
        let mut changed = 0;
        for raw in ids {
            let Ok(id) = raw.parse::<SystemId>() else { continue };
            let moved = self.write(|conn| {
                let mut facts = match facts::load(conn, id) {
                    Ok(facts) => facts,
                    // Deleted since the list was read.
                    Err(StoreError::NotFound { .. }) => return Ok(false),
                    Err(e) => return Err(e),
                };
                let key = |d: &crate::tables::obligations::StoredDuty| (d.scheduled.kind, d.scheduled.subject.clone());
                let mut before = facts.duties.clone();
                duties::sync(conn, &mut facts, self.day_on(today))?;
                let mut after = facts.duties.clone();
                before.sort_by_key(key);
                after.sort_by_key(key);
                Ok(after != before)
            })?;
            changed += usize::from(moved);
        }
        Ok(changed)
    }

    /// Brings the stored duties in step (see [`Store::bring_duties_in_step`]) when `upgraded`
    /// (migrations were applied) or when the settings the stored dates were worked out with
    /// (the working-day calendar, the follow-up after a failed test) differ from this
    /// store's; then records this store's. Answers how many systems' duties changed, `None`
    /// when nothing had to be worked out again.
    pub fn keep_duties_in_step(&self, upgraded: bool) -> Result<Option<usize>, StoreError> {
        let closed: Vec<String> =
            self.calendar.closed_days().iter().map(|d| format!("{:02}-{:02}", d.month, d.day)).collect();
        let settings = format!("closed_days={};follow_up_days={}", closed.join(","), self.follow_up_days);
        let stored = self.read(|conn| rule_settings::get(conn, DATES_WORKED_OUT_WITH))?;
        if !upgraded && stored.as_deref() == Some(settings.as_str()) {
            return Ok(None);
        }
        let changed = self.bring_duties_in_step()?;
        self.write(|conn| rule_settings::put(conn, DATES_WORKED_OUT_WITH, &settings))?;
        Ok(Some(changed))
    }

    /// Sets the interval or the assignee of a system's obligations of one kind.
    pub fn update_obligation(
        &self,
        system: SystemId,
        kind: ObligationKind,
        changes: &ObligationChanges,
        actor: &str,
    ) -> Result<Vec<Obligation>, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let violations = changes.violations();
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            let once = kind.recurrence() == systemejer_domain::obligations::Recurrence::Once;
            if once && changes.interval_months.is_some_and(|m| m.is_some()) {
                return Err(StoreError::invalid(
                    "interval_months",
                    "recurring_only",
                    format!("`{kind}` is not recurring: it has no interval to set"),
                ));
            }
            let mut facts = facts::load(conn, system)?;
            let of_kind = |list: Vec<Obligation>| list.into_iter().filter(|x| x.kind == kind).collect::<Vec<_>>();
            let before = of_kind(duties::shown(&facts.system, &facts.duties, &facts.records.risk_measures, today));
            if before.is_empty() {
                return Err(StoreError::NotFound { entity: "obligation", id: format!("{kind} of system {system}") });
            }
            if let Some(Some(person)) = changes.assignee_id {
                match people::get(conn, person) {
                    Ok(p) if p.active => {}
                    Ok(_) => {
                        return Err(StoreError::invalid(
                            "assignee_id",
                            "active",
                            "an inactive person cannot be reminded",
                        ));
                    }
                    Err(StoreError::NotFound { .. }) => {
                        return Err(StoreError::invalid(
                            "assignee_id",
                            "exists",
                            format!("no person has the id {person}"),
                        ));
                    }
                    Err(e) => return Err(e),
                }
            }
            obligations::set_overrides(conn, system, kind, changes.interval_months, changes.assignee_id)?;
            for duty in facts.duties.iter_mut().filter(|d| d.scheduled.kind == kind) {
                if let Some(months) = changes.interval_months {
                    duty.interval_override_months = months;
                }
                if let Some(assignee) = changes.assignee_id {
                    duty.assignee_id = assignee;
                }
            }
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let after = of_kind(duties::shown(&facts.system, &facts.duties, &facts.records.risk_measures, today));
            let key = format!("{system}/{kind}");
            audit::record(
                conn,
                &Entry::new(now(), actor, AuditAction::Update, EntityType::Obligation, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Records that a duty was done (or tried and failed), through the API. A passed completion
    /// moves the next due date; a failed one is kept, and the duty stays due.
    pub fn add_completion(
        &self,
        system: SystemId,
        kind: ObligationKind,
        new: NewCompletion,
        actor: &str,
    ) -> Result<Completion, StoreError> {
        self.record_completion(system, kind, new, actor, None)
    }

    /// Records a completion from the page an emailed link opened, in the name of `actor`, the
    /// person the link was sent to, for the cycle that fell due on `cycle_due_on`. Once that
    /// cycle is recorded (the duty is next due later, or no more), a second submit of the same
    /// link writes nothing: `Conflict` with the code `already_recorded`.
    pub fn add_completion_from_link(
        &self,
        system: SystemId,
        kind: ObligationKind,
        new: NewCompletion,
        actor: &str,
        cycle_due_on: NaiveDate,
    ) -> Result<Completion, StoreError> {
        self.record_completion(system, kind, new, actor, Some(cycle_due_on))
    }

    /// One completion, in one transaction: through the API (`cycle` is `None`) or from a link.
    fn record_completion(
        &self,
        system: SystemId,
        kind: ObligationKind,
        new: NewCompletion,
        actor: &str,
        cycle: Option<NaiveDate>,
    ) -> Result<Completion, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let violations = new.violations(kind, today);
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            let mut facts = facts::load(conn, system)?;
            let subject = new.subject.map(|s| s.to_string()).unwrap_or_default();
            let Some(duty) = facts.duties.iter().find(|d| d.scheduled.kind == kind && d.scheduled.subject == subject)
            else {
                return Err(StoreError::Conflict {
                    code: "no_such_duty",
                    message: format!(
                        "the system has no `{kind}` duty{} now",
                        if subject.is_empty() { String::new() } else { format!(" for {subject}") }
                    ),
                });
            };
            if let Some(cycle) = cycle
                && duty.scheduled.next_due_on.is_none_or(|next| next > cycle)
            {
                return Err(StoreError::Conflict {
                    code: "already_recorded",
                    message: format!("the `{kind}` duty that fell due on {cycle} has been recorded already"),
                });
            }
            let completion = Completion {
                id: RecordId::from_uuid(new_id()),
                system_id: system,
                kind,
                subject: (!subject.is_empty()).then(|| subject.clone()),
                done_on: new.done_on,
                result: new.result,
                evidence: new.evidence,
                notes: new.notes.map(systemejer_domain::Text::into_string),
                document_url: new.document_url,
                recorded_by: actor.to_owned(),
                recorded_at: now(),
                via: if cycle.is_some() { Via::Link } else { Via::Api },
            };
            obligations::insert_completion(conn, &completion)?;
            facts.last_passed.entry((kind, subject)).or_default().record(completion.result, completion.done_on);
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = completion.id.to_string();
            // A failed test is recorded, but the duty is not done.
            if completion.result == CompletionResult::Passed {
                let path = format!("/api/v1/systems/{system}/obligations/{kind}/completions");
                events::emit(conn, &Event::new(EventType::DutyDone, completion.recorded_at, &completion, Some(path)))?;
            }
            let entry = Entry::new(completion.recorded_at, actor, AuditAction::Create, EntityType::Completion, &key);
            audit::record(conn, &entry, None::<&()>, Some(&completion))?;
            Ok(completion)
        })
    }
}
