//! Obligations (recurring duties) and their completions. The rows are derived from each
//! system's facts by [`sync`], called in every transaction that changes those facts, so that
//! `next_due_on` is always current and indexed for the worker.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use systemejer_domain::obligations::{
    self as rules, Completion, CompletionResult, NewCompletion, Obligation, ObligationChanges, ObligationKind,
};
use systemejer_domain::{AuditAction, EntityType, PersonId, RecordId, SystemId, WebUrl};

use crate::rows::{from_json, parse, parse_opt, to_json};
use crate::schema::{
    incident_systems::dsl as is, incidents::dsl as inc, obligation_completions::dsl as oc, obligations::dsl as o,
};
use crate::{AnyConnection, Store, StoreError, audit, new_id, now, people, records, systems};

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

fn rows_of(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<ObligationRow>, StoreError> {
    Ok(o::obligations.filter(o::system_id.eq(system.to_string())).select(ObligationColumns::default()).load(conn)?)
}

/// Brings the obligations of `system` in step with its facts, as of `today`.
pub(crate) fn sync(conn: &mut AnyConnection, system_id: SystemId, today: NaiveDate) -> Result<(), StoreError> {
    let system = systems::get(conn, system_id)?;
    let facts = records::load(conn, &system)?;
    let key = system_id.to_string();
    let incidents_recorded: Vec<NaiveDateTime> = inc::incidents
        .inner_join(is::incident_systems.on(is::incident_id.eq(inc::id)))
        .filter(is::system_id.eq(&key))
        .select(inc::created_at)
        .load(conn)?;
    let incidents_recorded: Vec<_> = incidents_recorded.iter().map(NaiveDateTime::and_utc).collect();
    let passed: Vec<(String, String, NaiveDate)> = oc::obligation_completions
        .filter(oc::system_id.eq(&key))
        .filter(oc::result.eq(CompletionResult::Passed.as_str()))
        .select((oc::kind, oc::subject, oc::done_on))
        .load(conn)?;
    let passed = passed
        .into_iter()
        .map(|(kind, subject, day)| Ok((parse("obligation_completions.kind", &kind)?, subject, day)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let last_passed = last_passed(passed);
    let mut known: HashMap<(ObligationKind, String), rules::Known> = HashMap::new();
    for row in rows_of(conn, system_id)? {
        let override_months = row.3.and_then(|m| u32::try_from(m).ok());
        known.insert(
            (parse("obligations.kind", &row.0)?, row.1),
            rules::Known { appeared_on: row.5, interval_override_months: override_months },
        );
    }

    let required = rules::required(&system, &facts, &incidents_recorded);
    let scheduled = rules::schedule(&required, &last_passed, &known, today);
    for duty in &scheduled {
        let (kind, subject) = (duty.kind.as_str(), duty.subject.as_str());
        let interval = duty.interval_months.and_then(|m| i32::try_from(m).ok());
        if known.contains_key(&(duty.kind, duty.subject.clone())) {
            diesel::update(
                o::obligations.filter(o::system_id.eq(&key)).filter(o::kind.eq(kind)).filter(o::subject.eq(subject)),
            )
            .set((
                o::interval_months.eq(interval),
                o::last_done_on.eq(duty.last_done_on),
                o::next_due_on.eq(duty.next_due_on),
            ))
            .execute(conn)?;
        } else {
            diesel::insert_into(o::obligations).values(obligation_values(system_id, duty)).execute(conn)?;
        }
    }
    for (kind, subject) in known.keys() {
        if !scheduled.iter().any(|d| d.kind == *kind && &d.subject == subject) {
            diesel::delete(
                o::obligations
                    .filter(o::system_id.eq(&key))
                    .filter(o::kind.eq(kind.as_str()))
                    .filter(o::subject.eq(subject)),
            )
            .execute(conn)?;
        }
    }
    Ok(())
}

fn decode_scheduled(r: ObligationRow) -> Result<rules::Scheduled, StoreError> {
    Ok(rules::Scheduled {
        kind: parse("obligations.kind", &r.0)?,
        subject: r.1,
        interval_months: r.2.and_then(|m| u32::try_from(m).ok()),
        appeared_on: r.5,
        last_done_on: r.6,
        next_due_on: r.7,
    })
}

/// The stored obligations of each of the systems `ids`, in a few queries.
pub(crate) fn stored_many(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<rules::Scheduled>>, StoreError> {
    let mut out: HashMap<String, Vec<rules::Scheduled>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, ObligationRow)> = o::obligations
            .filter(o::system_id.eq_any(chunk))
            .select((o::system_id, ObligationColumns::default()))
            .load(conn)?;
        for (system, row) in rows {
            out.entry(system).or_default().push(decode_scheduled(row)?);
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    }
    Ok(out)
}

fn list(conn: &mut AnyConnection, system_id: SystemId, today: NaiveDate) -> Result<Vec<Obligation>, StoreError> {
    let system = systems::get(conn, system_id)?;
    let default_assignee = rules::default_assignee(&system);
    let mut out = rows_of(conn, system_id)?
        .into_iter()
        .map(|r| {
            let kind: ObligationKind = parse("obligations.kind", &r.0)?;
            Ok(Obligation {
                system_id,
                kind,
                subject: (!r.1.is_empty()).then_some(r.1),
                interval_months: r.2.and_then(|m| u32::try_from(m).ok()),
                interval_override_months: r.3.and_then(|m| u32::try_from(m).ok()),
                assignee_id: parse_opt::<PersonId>("obligations.assignee_id", r.4.as_deref())?.or(default_assignee),
                last_done_on: r.6,
                next_due_on: r.7,
                status: rules::status(r.7, today),
                done_means: kind.done_means_da(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    Ok(out)
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
    )
}

/// The values of one obligation's row.
pub(crate) type ObligationValues = (
    diesel::dsl::Eq<o::system_id, String>,
    diesel::dsl::Eq<o::kind, &'static str>,
    diesel::dsl::Eq<o::subject, String>,
    diesel::dsl::Eq<o::interval_months, Option<i32>>,
    diesel::dsl::Eq<o::appeared_on, NaiveDate>,
    diesel::dsl::Eq<o::last_done_on, Option<NaiveDate>>,
    diesel::dsl::Eq<o::next_due_on, Option<NaiveDate>>,
);

/// The row of a newly scheduled obligation of `system`.
pub(crate) fn obligation_values(system: SystemId, duty: &rules::Scheduled) -> ObligationValues {
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

/// The days each (duty, subject) was last done with a passed result.
pub(crate) fn last_passed(
    done: impl IntoIterator<Item = (ObligationKind, String, NaiveDate)>,
) -> HashMap<(ObligationKind, String), NaiveDate> {
    let mut last: HashMap<(ObligationKind, String), NaiveDate> = HashMap::new();
    for (kind, subject, day) in done {
        let entry = last.entry((kind, subject)).or_insert(day);
        *entry = (*entry).max(day);
    }
    last
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
        document_url: r.8.map(|u| WebUrl::parse(&u)).transpose().map_err(StoreError::corrupt)?,
        recorded_by: r.9,
        recorded_at: r.10.and_utc(),
    })
}

impl Store {
    /// The obligations of a system, as they stand today.
    pub fn list_obligations(&self, system: SystemId) -> Result<Vec<Obligation>, StoreError> {
        let today = self.today();
        self.read(|conn| list(conn, system, today))
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
            let before: Vec<Obligation> = list(conn, system, today)?.into_iter().filter(|x| x.kind == kind).collect();
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
            let target =
                || o::obligations.filter(o::system_id.eq(system.to_string())).filter(o::kind.eq(kind.as_str()));
            if let Some(months) = changes.interval_months {
                let months = months.and_then(|m| i32::try_from(m).ok());
                diesel::update(target()).set(o::interval_override_months.eq(months)).execute(conn)?;
            }
            if let Some(assignee) = changes.assignee_id {
                diesel::update(target()).set(o::assignee_id.eq(assignee.map(|p| p.to_string()))).execute(conn)?;
            }
            sync(conn, system, today)?;
            let after: Vec<Obligation> = list(conn, system, today)?.into_iter().filter(|x| x.kind == kind).collect();
            let key = format!("{system}/{kind}");
            audit::record(
                conn,
                &audit::Entry::new(now(), actor, AuditAction::Update, EntityType::Obligation, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Records that a duty was done (or tried and failed). A passed completion moves the next
    /// due date; a failed one is kept, and the duty stays due.
    pub fn add_completion(
        &self,
        system: SystemId,
        kind: ObligationKind,
        new: NewCompletion,
        actor: &str,
    ) -> Result<Completion, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let violations = new.violations(kind, today);
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            let subject = new.subject.map(|s| s.to_string()).unwrap_or_default();
            let exists: i64 = o::obligations
                .filter(o::system_id.eq(system.to_string()))
                .filter(o::kind.eq(kind.as_str()))
                .filter(o::subject.eq(&subject))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                systems::get(conn, system)?;
                return Err(StoreError::Conflict {
                    code: "no_such_duty",
                    message: format!(
                        "the system has no `{kind}` duty{} now",
                        if subject.is_empty() { String::new() } else { format!(" for {subject}") }
                    ),
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
                notes: new.notes.map(|n| n.into_string()),
                document_url: new.document_url,
                recorded_by: actor.to_owned(),
                recorded_at: now(),
            };
            diesel::insert_into(oc::obligation_completions).values(completion_values(&completion)).execute(conn)?;
            sync(conn, system, today)?;
            let key = completion.id.to_string();
            audit::record(
                conn,
                &audit::Entry::new(completion.recorded_at, actor, AuditAction::Create, EntityType::Completion, &key),
                None::<&()>,
                Some(&completion),
            )?;
            Ok(completion)
        })
    }

    /// The completions of one duty of a system, newest first.
    pub fn list_completions(&self, system: SystemId, kind: ObligationKind) -> Result<Vec<Completion>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            let rows: Vec<CompletionRow> = oc::obligation_completions
                .filter(oc::system_id.eq(system.to_string()))
                .filter(oc::kind.eq(kind.as_str()))
                .select((
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
                ))
                .order((oc::done_on.desc(), oc::recorded_at.desc()))
                .load(conn)?;
            rows.into_iter().map(decode_completion).collect()
        })
    }
}
