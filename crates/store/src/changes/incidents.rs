//! Security incidents and personal data breaches, each linked to the systems it touched. An
//! incident makes a risk reassessment of every system it touched due at once.

use chrono::Utc;
use systemejer_domain::incidents::{AuthorityReport, Incident, IncidentChanges, NewIncident};
use systemejer_domain::webhooks::EventType;
use systemejer_domain::{AuditAction, EntityType, RecordId, Violation};

use crate::audit::{self, Entry};
use crate::events::{self, Event, incident_path};
use crate::facts;
use crate::tables::documents::Reading;
use crate::tables::{incidents, systems};
use crate::{Store, StoreError, check_version, duties, new_id, now};

impl Store {
    /// Records an incident. The systems it touched get a risk reassessment due at once.
    pub fn create_incident(&self, new: NewIncident, actor: &str) -> Result<Incident, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let existing = systems::existing(conn, &new.system_ids)?;
            let violations: Vec<Violation> = new
                .system_ids
                .iter()
                .enumerate()
                .filter(|(_, system)| !existing.contains(system))
                .map(|(n, system)| {
                    Violation::new(format!("system_ids[{n}]"), "exists", format!("no system has the id {system}"))
                })
                .collect();
            let incident = match new.into_incident(RecordId::from_uuid(new_id()), actor, now()) {
                Ok(x) if violations.is_empty() => x,
                Ok(_) => return Err(StoreError::Invalid(violations)),
                Err(mut v) => {
                    v.extend(violations);
                    return Err(StoreError::Invalid(v));
                }
            };
            incidents::insert(conn, &incident)?;
            let ids: Vec<String> = incident.system_ids.iter().map(ToString::to_string).collect();
            let mut touched = systems::get_many(conn, &ids)?;
            let mut in_order = Vec::new();
            for id in &ids {
                in_order.extend(touched.remove(id));
            }
            for mut facts in facts::of(conn, in_order, Reading::ForRules)? {
                facts.incidents_recorded.push(incident.created_at);
                duties::sync(conn, &mut facts, self.day_on(today))?;
            }
            let key = incident.id.to_string();
            if incident.personal_data_breach {
                let event =
                    Event::new(EventType::BreachRecorded, incident.created_at, &incident, Some(incident_path(&key)));
                events::emit(conn, &event)?;
            }
            let entry = Entry::new(incident.created_at, actor, AuditAction::Create, EntityType::Incident, &key);
            audit::record(conn, &entry, None::<&()>, Some(&incident))?;
            Ok(incident)
        })
    }

    /// Changes an incident (the decision not to report, the data subjects told, closing, ...).
    pub fn update_incident(
        &self,
        id: RecordId,
        changes: &IncidentChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<Incident, StoreError> {
        self.modify_incident(id, expected, actor, |incident, at| changes.apply(incident, at))
    }

    /// Records a report to Datatilsynet (the first, or a supplementary one).
    pub fn add_incident_report(
        &self,
        id: RecordId,
        report: AuthorityReport,
        actor: &str,
    ) -> Result<Incident, StoreError> {
        self.modify_incident(id, None, actor, |mut incident, at| incident.add_report(report, at).map(|()| incident))
    }

    /// Loads an incident, lets `change` make the new version (or refuse it), and saves it with
    /// its audit event.
    fn modify_incident(
        &self,
        id: RecordId,
        expected: Option<i64>,
        actor: &str,
        change: impl FnOnce(Incident, chrono::DateTime<Utc>) -> Result<Incident, Vec<Violation>>,
    ) -> Result<Incident, StoreError> {
        self.write(|conn| {
            let before = incidents::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let at = now();
            let mut after = change(before.clone(), at).map_err(StoreError::Invalid)?;
            after.version = before.version + 1;
            after.updated_at = at;
            incidents::update(conn, &after)?;
            let key = id.to_string();
            // A breach is recorded as one (at its creation); reported at its first report.
            if after.personal_data_breach && before.reports.is_empty() && !after.reports.is_empty() {
                events::emit(conn, &Event::new(EventType::BreachReported, at, &after, Some(incident_path(&key))))?;
            }
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Update, EntityType::Incident, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
