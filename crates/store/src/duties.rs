//! A system's duties, derived from its facts by the domain's rules (`required`, then
//! `schedule`), and kept in step in the `obligations` table: every change to a fact ends here,
//! in the same transaction, so that each duty's next due date is current and indexed for the
//! worker. Only what changed is written.

use std::collections::HashMap;

use chrono::NaiveDate;
use systemejer_domain::System;
use systemejer_domain::obligations::{self as rules, Obligation, Scheduled};
use systemejer_domain::risk::RiskMeasure;

use crate::facts::Facts;
use crate::tables::obligations::{self, StoredDuty};
use crate::tables::people;
use crate::{AnyConnection, StoreError};

/// The day duties are worked out on, with the register's follow-up after a failed test.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Day {
    /// Today in the municipality.
    pub today: NaiveDate,
    /// Days within which a failed test is due again.
    pub follow_up_days: u32,
    /// The municipality's time zone, in which an approval or an event has its day.
    pub timezone: chrono_tz::Tz,
    /// The municipality's working days, on which duties fall due.
    pub calendar: systemejer_domain::calendar::Calendar,
}

/// The duties the facts call for, with their dates as of `day`: what is kept of each from
/// before (when it appeared, the interval set for this system) counts; a duty not known before
/// appears on `day`.
pub(crate) fn derive(facts: &Facts, day: Day) -> Vec<Scheduled> {
    let required = rules::required(&facts.system, &facts.records, &facts.incidents_recorded, facts.owner, day.timezone);
    let known: HashMap<_, _> = facts
        .duties
        .iter()
        .map(|d| {
            let known = rules::Known {
                appeared_on: d.scheduled.appeared_on,
                interval_override_months: d.interval_override_months,
            };
            ((d.scheduled.kind, d.scheduled.subject.clone()), known)
        })
        .collect();
    rules::schedule(&required, &facts.last_passed, &known, day.today, day.follow_up_days, &day.calendar)
}

/// Brings the stored duties of the system in step with `facts` (as they stand after the
/// change, in memory), writing only the duties that appeared, changed or went; `facts.duties`
/// then holds the duties as stored.
pub(crate) fn sync(conn: &mut AnyConnection, facts: &mut Facts, day: Day) -> Result<(), StoreError> {
    let id = facts.system.id;
    // The owner changed with this change (a handover): their eligibility is read again.
    if facts.owner.map(|o| o.id) != facts.system.owner_id {
        facts.owner = match facts.system.owner_id {
            Some(owner) => people::candidates(conn, [owner])?.remove(&owner),
            None => None,
        };
    }
    let derived = derive(facts, day);
    let same = |a: &Scheduled, b: &Scheduled| a.kind == b.kind && a.subject == b.subject;
    let mut appeared = Vec::new();
    let mut now_stored = Vec::with_capacity(derived.len());
    for duty in derived {
        if let Some(stored) = facts.duties.iter().find(|d| same(&d.scheduled, &duty)) {
            if stored.scheduled != duty {
                obligations::update_dates(conn, id, &duty)?;
            }
            now_stored.push(StoredDuty { scheduled: duty, ..stored.clone() });
        } else {
            appeared.push(obligations::values(id, &duty));
            now_stored.push(StoredDuty { scheduled: duty, interval_override_months: None, assignee_id: None });
        }
    }
    obligations::insert_rows(conn, &appeared)?;
    for gone in facts.duties.iter().filter(|d| !now_stored.iter().any(|n| same(&n.scheduled, &d.scheduled))) {
        obligations::delete(conn, id, gone.scheduled.kind, &gone.scheduled.subject)?;
    }
    facts.duties = now_stored;
    Ok(())
}

/// A system's duties as the register shows them on `today`: each with who is reminded (set for
/// the duty, else the person responsible for a risk measure, else the system's default
/// assignee), where it stands, and what done means. `measures` are the system's risk measures.
pub(crate) fn shown(
    system: &System,
    stored: &[StoredDuty],
    measures: &[RiskMeasure],
    today: NaiveDate,
) -> Vec<Obligation> {
    let default_assignee = rules::default_assignee(system);
    let responsible = |s: &Scheduled| measures.iter().find(|m| m.id.to_string() == s.subject).map(|m| m.responsible_id);
    let mut out: Vec<Obligation> = stored
        .iter()
        .map(|d| {
            let s = &d.scheduled;
            Obligation {
                system_id: system.id,
                kind: s.kind,
                subject: (!s.subject.is_empty()).then(|| s.subject.clone()),
                interval_months: s.interval_months,
                interval_override_months: d.interval_override_months,
                assignee_id: rules::assignee_of(s.kind, d.assignee_id, responsible(s), || default_assignee),
                last_done_on: s.last_done_on,
                next_due_on: s.next_due_on,
                status: rules::status(s.next_due_on, today),
                done_means: s.kind.done_means_da(),
            }
        })
        .collect();
    out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    out
}
