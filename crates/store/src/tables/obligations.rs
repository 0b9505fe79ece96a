//! The `obligations` table (each system's duties with their dates, derived from its facts by
//! `crate::duties`) and `obligation_completions` (what was done, and when).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use systemejer_domain::obligations::{Completion, CompletionResult, LastDone, ObligationKind, Scheduled};
use systemejer_domain::{LifecycleState, PersonId, SystemId, WebUrl};

use crate::schema::{obligation_completions::dsl as oc, obligations::dsl as o, systems::dsl as s};
use crate::sql::{from_json, insert_all, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};

/// A duty as stored: the dates derived from the facts, and what was set for this system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredDuty {
    /// The dates and interval in use.
    pub scheduled: Scheduled,
    /// The interval set for this system, if any.
    pub interval_override_months: Option<u32>,
    /// Who is reminded, if set for this system.
    pub assignee_id: Option<PersonId>,
}

type ObligationRow =
    (String, String, Option<i32>, Option<i32>, Option<String>, NaiveDate, Option<NaiveDate>, Option<NaiveDate>);

/// The columns of an [`ObligationRow`] (diesel's columns are unit structs: `default()` makes
/// the tuple).
type ObligationColumns = (
    o::kind,
    o::subject,
    o::interval_months,
    o::interval_override_months,
    o::assignee_id,
    o::appeared_on,
    o::last_done_on,
    o::next_due_on,
);

fn months(m: Option<i32>) -> Option<u32> {
    m.and_then(|m| u32::try_from(m).ok())
}

fn decode(r: ObligationRow) -> Result<StoredDuty, StoreError> {
    Ok(StoredDuty {
        scheduled: Scheduled {
            kind: parse("obligations.kind", &r.0)?,
            subject: r.1,
            interval_months: months(r.2),
            appeared_on: r.5,
            last_done_on: r.6,
            next_due_on: r.7,
        },
        interval_override_months: months(r.3),
        assignee_id: parse_opt("obligations.assignee_id", r.4.as_deref())?,
    })
}

/// The stored duties of each of the systems `ids` (at most 500), by kind and subject.
pub(crate) fn of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<StoredDuty>>, StoreError> {
    let rows: Vec<(String, ObligationRow)> = o::obligations
        .filter(o::system_id.eq_any(ids))
        .select((o::system_id, ObligationColumns::default()))
        .load(conn)?;
    let mut out: HashMap<String, Vec<StoredDuty>> = HashMap::new();
    for (system, row) in rows {
        out.entry(system).or_default().push(decode(row)?);
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (a.scheduled.kind, &a.scheduled.subject).cmp(&(b.scheduled.kind, &b.scheduled.subject)));
    }
    Ok(out)
}

/// The values of one new duty's row.
pub(crate) type ObligationValues = (
    diesel::dsl::Eq<o::system_id, String>,
    diesel::dsl::Eq<o::kind, &'static str>,
    diesel::dsl::Eq<o::subject, String>,
    diesel::dsl::Eq<o::interval_months, Option<i32>>,
    diesel::dsl::Eq<o::appeared_on, NaiveDate>,
    diesel::dsl::Eq<o::last_done_on, Option<NaiveDate>>,
    diesel::dsl::Eq<o::next_due_on, Option<NaiveDate>>,
);

/// The row of a newly scheduled duty of `system`.
pub(crate) fn values(system: SystemId, duty: &Scheduled) -> ObligationValues {
    (
        o::system_id.eq(system.to_string()),
        o::kind.eq(duty.kind.as_str()),
        o::subject.eq(duty.subject.clone()),
        o::interval_months.eq(duty.interval_months.and_then(|m| i32::try_from(m).ok())),
        o::appeared_on.eq(duty.appeared_on),
        o::last_done_on.eq(duty.last_done_on),
        o::next_due_on.eq(duty.next_due_on),
    )
}

/// Writes new duties, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[ObligationValues]) -> Result<(), StoreError> {
    insert_all!(conn, o::obligations, rows, 500);
    Ok(())
}

/// Writes a duty's interval and dates.
pub(crate) fn update_dates(conn: &mut AnyConnection, system: SystemId, duty: &Scheduled) -> Result<(), StoreError> {
    diesel::update(
        o::obligations
            .filter(o::system_id.eq(system.to_string()))
            .filter(o::kind.eq(duty.kind.as_str()))
            .filter(o::subject.eq(&duty.subject)),
    )
    .set((
        o::interval_months.eq(duty.interval_months.and_then(|m| i32::try_from(m).ok())),
        o::last_done_on.eq(duty.last_done_on),
        o::next_due_on.eq(duty.next_due_on),
    ))
    .execute(conn)?;
    Ok(())
}

/// Deletes one duty of a system.
pub(crate) fn delete(
    conn: &mut AnyConnection,
    system: SystemId,
    kind: ObligationKind,
    subject: &str,
) -> Result<(), StoreError> {
    diesel::delete(
        o::obligations
            .filter(o::system_id.eq(system.to_string()))
            .filter(o::kind.eq(kind.as_str()))
            .filter(o::subject.eq(subject)),
    )
    .execute(conn)?;
    Ok(())
}

/// Sets what is kept for this system on its duties of one kind: the interval override
/// (`Some(None)` clears it) and the assignee (likewise); `None` leaves each as it is.
pub(crate) fn set_overrides(
    conn: &mut AnyConnection,
    system: SystemId,
    kind: ObligationKind,
    interval_months: Option<Option<u32>>,
    assignee: Option<Option<PersonId>>,
) -> Result<(), StoreError> {
    let target = || o::obligations.filter(o::system_id.eq(system.to_string())).filter(o::kind.eq(kind.as_str()));
    if let Some(months) = interval_months {
        let months = months.and_then(|m| i32::try_from(m).ok());
        diesel::update(target()).set(o::interval_override_months.eq(months)).execute(conn)?;
    }
    if let Some(assignee) = assignee {
        diesel::update(target()).set(o::assignee_id.eq(assignee.map(|p| p.to_string()))).execute(conn)?;
    }
    Ok(())
}

/// A due row as the reminder pass reads it: system, kind, subject, assignee, due date, and the
/// system's name and owner.
pub(crate) type DueRow = (
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
    String,
    Option<String>,
    (Option<i32>, Option<NaiveDate>, NaiveDate, String, Option<String>, Option<String>, Option<String>),
);

/// Duties due on or before `until` in systems not retired (and those of the kinds in
/// `farther` due on or before the latest day there), with the few columns of their systems a
/// reminder needs (one join; no system is read whole).
pub(crate) fn due(
    conn: &mut AnyConnection,
    until: NaiveDate,
    farther: &[(ObligationKind, NaiveDate)],
) -> Result<Vec<DueRow>, StoreError> {
    use crate::schema::{processing_agreements::dsl as a, processors::dsl as p, risk_measures::dsl as m};
    let far_kinds: Vec<&str> = farther.iter().map(|(k, _)| k.as_str()).collect();
    let far_until = farther.iter().map(|(_, d)| *d).max().unwrap_or(until);
    Ok(o::obligations
        .filter(o::next_due_on.le(until).or(o::kind.eq_any(far_kinds).and(o::next_due_on.le(far_until))))
        .inner_join(s::systems)
        // A supervision's subject is an agreement: the reminder names its processor.
        .left_join(a::processing_agreements.on(a::id.eq(o::subject)))
        .left_join(p::processors.on(p::id.eq(a::processor_id)))
        // A risk measure's subject is the measure: the reminder says what it is, and goes to
        // the person responsible for it.
        .left_join(m::risk_measures.on(m::id.eq(o::subject)))
        .filter(s::lifecycle_state.ne(LifecycleState::Retired.as_str()))
        .select((
            o::system_id,
            o::kind,
            o::subject,
            o::assignee_id,
            o::next_due_on,
            s::name,
            s::owner_id,
            (
                o::interval_months,
                o::last_done_on,
                o::appeared_on,
                s::lifecycle_state,
                p::name.nullable(),
                m::measure.nullable(),
                m::responsible_id.nullable(),
            ),
        ))
        .load(conn)?)
}

/// When each (duty, subject) was last done, passed and failed.
pub(crate) type LastPassed = HashMap<(ObligationKind, String), LastDone>;

/// When each (duty, subject) was last done, passed and failed, of these completions.
pub(crate) fn last_passed(
    done: impl IntoIterator<Item = (ObligationKind, String, CompletionResult, NaiveDate)>,
) -> LastPassed {
    let mut last = LastPassed::new();
    for (kind, subject, result, day) in done {
        last.entry((kind, subject)).or_default().record(result, day);
    }
    last
}

/// The days each (duty, subject) of each of the systems `ids` (at most 500) was last done with
/// a passed result: of completions recorded before `recorded_before` and done on or before
/// `done_by`, where given (what a report of a past day may know). The database keeps the
/// latest day of each result, so that a report reads one row per duty, not every completion
/// in the register's history.
pub(crate) fn last_passed_of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
    recorded_before: Option<NaiveDateTime>,
    done_by: Option<NaiveDate>,
) -> Result<HashMap<String, LastPassed>, StoreError> {
    let mut q = oc::obligation_completions
        .filter(oc::system_id.eq_any(ids))
        .group_by((oc::system_id, oc::kind, oc::subject, oc::result))
        .select((oc::system_id, oc::kind, oc::subject, oc::result, diesel::dsl::max(oc::done_on)))
        .into_boxed();
    if let Some(end) = recorded_before {
        q = q.filter(oc::recorded_at.lt(end));
    }
    if let Some(day) = done_by {
        q = q.filter(oc::done_on.le(day));
    }
    let rows: Vec<(String, String, String, String, Option<NaiveDate>)> = q.load(conn)?;
    let mut by_system: HashMap<String, Vec<(ObligationKind, String, CompletionResult, NaiveDate)>> = HashMap::new();
    for (system, kind, subject, result, day) in rows {
        let Some(day) = day else { continue };
        let kind = parse("obligation_completions.kind", &kind)?;
        let result = parse("obligation_completions.result", &result)?;
        by_system.entry(system).or_default().push((kind, subject, result, day));
    }
    Ok(by_system.into_iter().map(|(system, done)| (system, last_passed(done))).collect())
}

/// The values of one completion's row.
pub(crate) type CompletionValues = (
    diesel::dsl::Eq<oc::id, String>,
    diesel::dsl::Eq<oc::system_id, String>,
    diesel::dsl::Eq<oc::kind, &'static str>,
    diesel::dsl::Eq<oc::subject, String>,
    diesel::dsl::Eq<oc::done_on, NaiveDate>,
    diesel::dsl::Eq<oc::result, &'static str>,
    diesel::dsl::Eq<oc::evidence, Option<String>>,
    diesel::dsl::Eq<oc::notes, Option<String>>,
    diesel::dsl::Eq<oc::document_url, Option<String>>,
    diesel::dsl::Eq<oc::recorded_by, String>,
    diesel::dsl::Eq<oc::recorded_at, NaiveDateTime>,
    diesel::dsl::Eq<oc::via, &'static str>,
);

/// The row of a completion.
pub(crate) fn completion_values(completion: &Completion) -> CompletionValues {
    (
        oc::id.eq(completion.id.to_string()),
        oc::system_id.eq(completion.system_id.to_string()),
        oc::kind.eq(completion.kind.as_str()),
        oc::subject.eq(completion.subject.clone().unwrap_or_default()),
        oc::done_on.eq(completion.done_on),
        oc::result.eq(completion.result.as_str()),
        oc::evidence.eq(completion.evidence.as_ref().map(to_json)),
        oc::notes.eq(completion.notes.clone()),
        oc::document_url.eq(completion.document_url.as_ref().map(|u| u.as_str().to_owned())),
        oc::recorded_by.eq(completion.recorded_by.clone()),
        oc::recorded_at.eq(completion.recorded_at.naive_utc()),
        oc::via.eq(completion.via.as_str()),
    )
}

pub(crate) fn insert_completion(conn: &mut AnyConnection, completion: &Completion) -> Result<(), StoreError> {
    diesel::insert_into(oc::obligation_completions).values(completion_values(completion)).execute(conn)?;
    Ok(())
}

/// Writes many completions, in multi-row statements.
pub(crate) fn insert_completion_rows(conn: &mut AnyConnection, rows: &[CompletionValues]) -> Result<(), StoreError> {
    insert_all!(conn, oc::obligation_completions, rows, 500);
    Ok(())
}

type CompletionRow = (
    String,
    String,
    String,
    String,
    NaiveDate,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
    String,
);

fn decode_completion(r: CompletionRow) -> Result<Completion, StoreError> {
    Ok(Completion {
        id: parse("obligation_completions.id", &r.0)?,
        system_id: parse("obligation_completions.system_id", &r.1)?,
        kind: parse("obligation_completions.kind", &r.2)?,
        subject: (!r.3.is_empty()).then_some(r.3),
        done_on: r.4,
        result: parse("obligation_completions.result", &r.5)?,
        evidence: r.6.map(|e| from_json("obligation_completions.evidence", &e)).transpose()?,
        notes: r.7,
        document_url: r
            .8
            .map(|u| WebUrl::parse(&u))
            .transpose()
            .map_err(|e| StoreError::corrupt("obligation_completions.document_url", e))?,
        recorded_by: r.9,
        recorded_at: r.10.and_utc(),
        via: parse("obligation_completions.via", &r.11)?,
    })
}

/// The failed completions recorded at or after `since`, oldest first.
pub(crate) fn failed_since(conn: &mut AnyConnection, since: NaiveDateTime) -> Result<Vec<Completion>, StoreError> {
    let rows: Vec<CompletionRow> = oc::obligation_completions
        .filter(oc::result.eq(CompletionResult::Failed.as_str()))
        .filter(oc::recorded_at.ge(since))
        .select(COMPLETION_COLUMNS)
        .order((oc::recorded_at.asc(), oc::id.asc()))
        .load(conn)?;
    rows.into_iter().map(decode_completion).collect()
}

/// The columns a completion is read from, in [`CompletionRow`]'s order.
const COMPLETION_COLUMNS: (
    oc::id,
    oc::system_id,
    oc::kind,
    oc::subject,
    oc::done_on,
    oc::result,
    oc::evidence,
    oc::notes,
    oc::document_url,
    oc::recorded_by,
    oc::recorded_at,
    oc::via,
) = (
    oc::id,
    oc::system_id,
    oc::kind,
    oc::subject,
    oc::done_on,
    oc::result,
    oc::evidence,
    oc::notes,
    oc::document_url,
    oc::recorded_by,
    oc::recorded_at,
    oc::via,
);

/// The completions of one duty of a system, newest first.
pub(crate) fn completions(
    conn: &mut AnyConnection,
    system: SystemId,
    kind: ObligationKind,
) -> Result<Vec<Completion>, StoreError> {
    let rows: Vec<CompletionRow> = oc::obligation_completions
        .filter(oc::system_id.eq(system.to_string()))
        .filter(oc::kind.eq(kind.as_str()))
        .select(COMPLETION_COLUMNS)
        .order((oc::done_on.desc(), oc::recorded_at.desc()))
        .load(conn)?;
    rows.into_iter().map(decode_completion).collect()
}

/// When each duty (kind, subject) of a system first appeared.
pub(crate) type Appeared = Vec<(ObligationKind, String, NaiveDate)>;

/// When each duty of each system first appeared, by system: what the report of a past day
/// keeps of the register.
pub(crate) fn appeared(conn: &mut AnyConnection) -> Result<HashMap<SystemId, Appeared>, StoreError> {
    let rows: Vec<(String, String, String, NaiveDate)> =
        o::obligations.select((o::system_id, o::kind, o::subject, o::appeared_on)).load(conn)?;
    let mut out: HashMap<SystemId, Appeared> = HashMap::new();
    for (system, kind, subject, on) in rows {
        out.entry(parse("obligations.system_id", &system)?).or_default().push((
            parse("obligations.kind", &kind)?,
            subject,
            on,
        ));
    }
    Ok(out)
}
