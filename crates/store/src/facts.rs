//! Everything the domain's rules know about a system, read at once: the system with its
//! delegates, its records (documents, agreements, risk measures, exit checklist, open change), when incidents
//! touched it, when each duty was last done, and its stored duties. For one system or many,
//! in a fixed number of queries (eight per 500 systems, after the systems themselves), so that
//! a change reads each fact once and a report does not read system by system.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use systemejer_domain::lifecycle::{self, Refusal, TransitionFacts, TransitionRequest};
use systemejer_domain::records::SystemRecords;
use systemejer_domain::{LifecycleState, OwnerCandidate, PersonId, System, SystemId};

use crate::tables::documents::Reading;
use crate::tables::obligations::{LastPassed, StoredDuty};
use crate::tables::{
    agreements, documents, exit_steps, incidents, obligations, people, risk_measures, system_changes, systems,
};
use crate::{AnyConnection, StoreError};

/// What is known of one system.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    /// The system, with its delegates.
    pub system: System,
    /// Its owner as the eligibility rule sees them (`None`: no owner, or none the register
    /// knows); `duties::sync` reads it again when the system's owner changed.
    pub owner: Option<OwnerCandidate>,
    /// What is recorded about it.
    pub records: SystemRecords,
    /// When each incident that touched it was recorded.
    pub incidents_recorded: Vec<DateTime<Utc>>,
    /// The day each (duty, subject) was last done with a passed result.
    pub last_passed: LastPassed,
    /// Its duties as stored, by kind and subject.
    pub duties: Vec<StoredDuty>,
}

impl Facts {
    /// A system just registered: nothing is recorded of it yet.
    pub fn new(system: System) -> Self {
        Self {
            system,
            owner: None,
            records: SystemRecords::default(),
            incidents_recorded: Vec::new(),
            last_passed: LastPassed::new(),
            duties: Vec::new(),
        }
    }

    /// The move `request` asks for, made by the person `by` (if a person makes it), judged by
    /// the lifecycle's gates against these facts and the owner's: the new state, or every
    /// requirement unmet.
    pub fn evaluate(
        &self,
        request: &TransitionRequest,
        by: Option<PersonId>,
        today: NaiveDate,
    ) -> Result<LifecycleState, Refusal> {
        let facts = TransitionFacts {
            system: &self.system,
            owner: self.owner,
            records: &self.records,
            reason: request.reason.as_ref().map(systemejer_domain::Text::as_str),
            change_description: request.change_description.as_ref().map(systemejer_domain::Text::as_str),
            dpia_needed: request.dpia_needed,
            today,
            by_owner: by.is_some() && by == self.system.owner_id,
        };
        lifecycle::evaluate(self.system.lifecycle_state, request.to, &facts)
    }
}

/// The facts of one system, with every document (a change of a document finds it among them).
pub(crate) fn load(conn: &mut AnyConnection, id: SystemId) -> Result<Facts, StoreError> {
    let system = systems::get_for_update(conn, id)?;
    of(conn, vec![system], Reading::Whole)?
        .pop()
        .ok_or_else(|| StoreError::internal("the facts of a system read vanished"))
}

/// The facts of each of `systems`, in their order, with as much of their documents as
/// `reading` takes.
pub(crate) fn of(conn: &mut AnyConnection, systems: Vec<System>, reading: Reading) -> Result<Vec<Facts>, StoreError> {
    let mut out = Vec::with_capacity(systems.len());
    let mut systems = systems.into_iter().peekable();
    while systems.peek().is_some() {
        let chunk: Vec<System> = systems.by_ref().take(500).collect();
        let ids: Vec<String> = chunk.iter().map(|s| s.id.to_string()).collect();
        let mut records = records_of(conn, &ids, reading)?;
        let mut incidents = incidents::recorded_at_of_systems(conn, &ids)?;
        let mut passed = obligations::last_passed_of_systems(conn, &ids, None, None)?;
        let mut duties = obligations::of_systems(conn, &ids)?;
        let owners = people::candidates(conn, chunk.iter().filter_map(|s| s.owner_id))?;
        for (system, key) in chunk.into_iter().zip(ids) {
            out.push(Facts {
                owner: system.owner_id.and_then(|o| owners.get(&o).copied()),
                system,
                records: records.remove(&key).unwrap_or_default(),
                incidents_recorded: incidents.remove(&key).unwrap_or_default(),
                last_passed: passed.remove(&key).unwrap_or_default(),
                duties: duties.remove(&key).unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// What is recorded about each of the systems `ids` (at most 500): documents (as much as
/// `reading` takes), agreements (with their processors' countries), risk measures, exit
/// checklist and open change, in five or six queries. The one way records are read.
pub(crate) fn records_of(
    conn: &mut AnyConnection,
    ids: &[String],
    reading: Reading,
) -> Result<HashMap<String, SystemRecords>, StoreError> {
    let mut records: HashMap<String, SystemRecords> =
        ids.iter().map(|id| (id.clone(), SystemRecords::default())).collect();
    documents::place_all(conn, ids, reading, &mut records)?;
    let mut agreements = agreements::with_countries_of_systems(conn, ids)?;
    let mut measures = risk_measures::of_systems(conn, ids)?;
    let mut steps = exit_steps::of_systems(conn, ids)?;
    let mut changes = system_changes::open_of_systems(conn, ids)?;
    for (key, r) in &mut records {
        for (agreement, processor) in agreements.remove(key).unwrap_or_default() {
            if let Some((name, country)) = processor {
                r.processor_countries.insert(agreement.processor_id, country);
                r.processor_names.insert(agreement.processor_id, name);
            }
            r.agreements.push(agreement);
        }
        r.risk_measures = measures.remove(key).unwrap_or_default();
        r.exit_steps = steps.remove(key).unwrap_or_default();
        r.open_change = changes.remove(key);
    }
    Ok(records)
}
