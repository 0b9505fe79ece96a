//! The `exit_steps` table: the checklist of shutting a system down.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use systemejer_domain::SystemId;
use systemejer_domain::exit::{ExitStep, ExitStepKind};

use crate::schema::exit_steps::dsl as e;
use crate::sql::{insert_all, parse};
use crate::{AnyConnection, StoreError};

type ExitStepRow = (String, String, Option<NaiveDate>, Option<String>, Option<String>, Option<String>);

fn decode((step, status, done_on, recorded_by, note, reason): ExitStepRow) -> Result<ExitStep, StoreError> {
    Ok(ExitStep {
        step: parse("exit_steps.step", &step)?,
        status: parse("exit_steps.status", &status)?,
        done_on,
        recorded_by,
        note,
        reason,
        links: Vec::new(),
    })
}

/// The steps in the checklist's order.
fn sort(steps: &mut [ExitStep]) {
    steps.sort_by_key(|s| ExitStepKind::ALL.iter().position(|k| *k == s.step));
}

/// The checklist of a system (empty until it is being shut down).
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<ExitStep>, StoreError> {
    Ok(of_systems(conn, &[system.to_string()])?.remove(&system.to_string()).unwrap_or_default())
}

/// The checklists of each of the systems `ids` (at most 500).
pub(crate) fn of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<ExitStep>>, StoreError> {
    let rows: Vec<(String, ExitStepRow)> = e::exit_steps
        .filter(e::system_id.eq_any(ids))
        .select((e::system_id, (e::step, e::status, e::done_on, e::recorded_by, e::note, e::reason)))
        .load(conn)?;
    let mut out: HashMap<String, Vec<ExitStep>> = HashMap::new();
    for (system, row) in rows {
        out.entry(system).or_default().push(decode(row)?);
    }
    for steps in out.values_mut() {
        sort(steps);
    }
    Ok(out)
}

/// The values of one step's row.
pub(crate) type ExitStepValues = (
    diesel::dsl::Eq<e::system_id, String>,
    diesel::dsl::Eq<e::step, &'static str>,
    diesel::dsl::Eq<e::status, &'static str>,
);

/// The rows of a new checklist: every step open.
pub(crate) fn checklist_values(system: SystemId) -> Vec<ExitStepValues> {
    ExitStepKind::ALL
        .iter()
        .map(|step| (e::system_id.eq(system.to_string()), e::step.eq(step.as_str()), e::status.eq("open")))
        .collect()
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[ExitStepValues]) -> Result<(), StoreError> {
    insert_all!(conn, e::exit_steps, rows, 1000);
    Ok(())
}

/// Writes one step of a system's checklist.
pub(crate) fn update(conn: &mut AnyConnection, system: SystemId, step: &ExitStep) -> Result<(), StoreError> {
    diesel::update(e::exit_steps.filter(e::system_id.eq(system.to_string())).filter(e::step.eq(step.step.as_str())))
        .set((
            e::status.eq(step.status.as_str()),
            e::done_on.eq(step.done_on),
            e::recorded_by.eq(step.recorded_by.clone()),
            e::note.eq(step.note.clone()),
            e::reason.eq(step.reason.clone()),
        ))
        .execute(conn)?;
    Ok(())
}
