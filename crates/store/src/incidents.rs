//! Security incidents and personal data breaches, each linked to the systems it touched.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::incidents::{AuthorityReport, Incident, IncidentChanges, IncidentStatus, NewIncident};
use systemejer_domain::{AuditAction, EntityType, RecordId, SystemId, Violation};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::{from_json, parse, parse_opt, to_json};
use crate::schema::{incident_systems::dsl as is, incidents::dsl as i, systems::dsl as s};
use crate::{AnyConnection, Store, StoreError, audit, new_id, now, obligations};

/// Which incidents to list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only those touching this system.
    pub system_id: Option<SystemId>,
    /// Only personal data breaches (or only other incidents).
    pub personal_data_breach: Option<bool>,
    /// Only those not closed.
    pub open_only: bool,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::incidents, treat_none_as_null = true)]
struct IncidentRow {
    id: String,
    discovered_at: NaiveDateTime,
    description: String,
    personal_data_breach: bool,
    data_subject_categories: String,
    approx_data_subjects: Option<i64>,
    record_categories: String,
    approx_records: Option<i64>,
    likely_consequences: Option<String>,
    measures: Option<String>,
    risk_level: Option<String>,
    reports: String,
    late_report_reason: Option<String>,
    not_reported_reason: Option<String>,
    subjects_notified_at: Option<NaiveDateTime>,
    subjects_not_notified_reason: Option<String>,
    closed_at: Option<NaiveDateTime>,
    recorded_by: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl IncidentRow {
    fn from_domain(x: &Incident) -> Self {
        Self {
            id: x.id.to_string(),
            discovered_at: x.discovered_at.naive_utc(),
            description: x.description.clone(),
            personal_data_breach: x.personal_data_breach,
            data_subject_categories: to_json(&x.data_subject_categories),
            approx_data_subjects: x.approx_data_subjects,
            record_categories: to_json(&x.record_categories),
            approx_records: x.approx_records,
            likely_consequences: x.likely_consequences.clone(),
            measures: x.measures.clone(),
            risk_level: x.risk_level.map(|r| r.as_str().to_owned()),
            reports: to_json(&x.reports),
            late_report_reason: x
                .reports
                .iter()
                .find_map(|r| r.late_report_reason.as_ref().map(|l| l.as_str().to_owned())),
            not_reported_reason: x.not_reported_reason.clone(),
            subjects_notified_at: x.subjects_notified_at.map(|t| t.naive_utc()),
            subjects_not_notified_reason: x.subjects_not_notified_reason.clone(),
            closed_at: x.closed_at.map(|t| t.naive_utc()),
            recorded_by: x.recorded_by.clone(),
            version: x.version,
            created_at: x.created_at.naive_utc(),
            updated_at: x.updated_at.naive_utc(),
        }
    }

    fn into_domain(self, system_ids: Vec<SystemId>) -> Result<Incident, StoreError> {
        let reports: Vec<AuthorityReport> = from_json("incidents.reports", &self.reports)?;
        let mut x = Incident {
            id: parse("incidents.id", &self.id)?,
            system_ids,
            discovered_at: self.discovered_at.and_utc(),
            description: self.description,
            personal_data_breach: self.personal_data_breach,
            data_subject_categories: from_json("incidents.data_subject_categories", &self.data_subject_categories)?,
            approx_data_subjects: self.approx_data_subjects,
            record_categories: from_json("incidents.record_categories", &self.record_categories)?,
            approx_records: self.approx_records,
            likely_consequences: self.likely_consequences,
            measures: self.measures,
            risk_level: parse_opt("incidents.risk_level", self.risk_level.as_deref())?,
            reports,
            not_reported_reason: self.not_reported_reason,
            subjects_notified_at: self.subjects_notified_at.map(|t| t.and_utc()),
            subjects_not_notified_reason: self.subjects_not_notified_reason,
            closed_at: self.closed_at.map(|t| t.and_utc()),
            authority_deadline: None,
            status: IncidentStatus::Open,
            recorded_by: self.recorded_by,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        };
        x.derive();
        Ok(x)
    }
}

fn systems_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<(String, SystemId)>, StoreError> {
    let rows: Vec<(String, String)> = is::incident_systems
        .filter(is::incident_id.eq_any(ids))
        .select((is::incident_id, is::system_id))
        .order((is::incident_id, is::system_id))
        .load(conn)?;
    rows.into_iter().map(|(inc, sys)| Ok((inc, parse("incident_systems.system_id", &sys)?))).collect()
}

fn decode(conn: &mut AnyConnection, rows: Vec<IncidentRow>) -> Result<Vec<Incident>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let links = systems_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let systems = links.iter().filter(|(inc, _)| *inc == r.id).map(|(_, s)| *s).collect();
            r.into_domain(systems)
        })
        .collect()
}

fn get(conn: &mut AnyConnection, id: RecordId) -> Result<Incident, StoreError> {
    let row = i::incidents
        .find(id.to_string())
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "incident", id: id.to_string() })?;
    decode(conn, vec![row])?.pop().ok_or_else(|| StoreError::Internal("incident vanished".into()))
}

/// Personal data breaches still open that await their report to the authority or the decision
/// not to report (the domain's `Incident::awaits_decision`, for queries): the breach watch's,
/// the compliance report's and the metrics' one definition.
#[diesel::dsl::auto_type]
pub(crate) fn awaiting_report() -> _ {
    // The reports are kept as a JSON list: none yet is `[]`.
    let none: &'static str = "[]";
    i::personal_data_breach
        .eq(true)
        .and(i::reports.eq(none))
        .and(i::not_reported_reason.is_null())
        .and(i::closed_at.is_null())
}

impl Store {
    /// Records an incident. The systems it touched get a risk reassessment due at once.
    pub fn create_incident(&self, new: NewIncident, actor: &str) -> Result<Incident, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut violations = Vec::new();
            for (n, system) in new.system_ids.iter().enumerate() {
                let found: i64 = s::systems.filter(s::id.eq(system.to_string())).count().get_result(conn)?;
                if found == 0 {
                    violations.push(Violation::new(
                        format!("system_ids[{n}]"),
                        "exists",
                        format!("no system has the id {system}"),
                    ));
                }
            }
            let incident = match new.into_incident(RecordId::from_uuid(new_id()), actor, now()) {
                Ok(x) if violations.is_empty() => x,
                Ok(_) => return Err(StoreError::Invalid(violations)),
                Err(mut v) => {
                    v.extend(violations);
                    return Err(StoreError::Invalid(v));
                }
            };
            diesel::insert_into(i::incidents).values(IncidentRow::from_domain(&incident)).execute(conn)?;
            for system in &incident.system_ids {
                diesel::insert_into(is::incident_systems)
                    .values((is::incident_id.eq(incident.id.to_string()), is::system_id.eq(system.to_string())))
                    .execute(conn)?;
                obligations::sync(conn, *system, today)?;
            }
            let key = incident.id.to_string();
            let entry = audit::Entry::new(incident.created_at, actor, AuditAction::Create, EntityType::Incident, &key);
            audit::record(conn, &entry, None::<&()>, Some(&incident))?;
            Ok(incident)
        })
    }

    /// One incident.
    pub fn get_incident(&self, id: RecordId) -> Result<Incident, StoreError> {
        self.read(|conn| get(conn, id))
    }

    /// Incidents matching `filter`, in sync order.
    pub fn list_incidents(&self, filter: &IncidentFilter, page: &PageRequest) -> Result<Page<Incident>, StoreError> {
        let filtered = || {
            let mut q = i::incidents.into_boxed();
            if let Some(system) = filter.system_id {
                let touching =
                    is::incident_systems.filter(is::system_id.eq(system.to_string())).select(is::incident_id);
                q = q.filter(i::id.eq_any(touching));
            }
            if let Some(breach) = filter.personal_data_breach {
                q = q.filter(i::personal_data_breach.eq(breach));
            }
            if filter.open_only {
                q = q.filter(i::closed_at.is_null());
            }
            if let Some(since) = filter.changed_since {
                q = q.filter(i::updated_at.ge(since.naive_utc()));
            }
            q
        };
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<IncidentRow> =
                keyset_page!(filtered(), i::updated_at, i::id, page).select(IncidentRow::as_select()).load(conn)?;
            let more = rows.len() as i64 > page.limit;
            let keep = usize::try_from(page.limit).unwrap_or(0);
            let position = rows.get(keep.saturating_sub(1)).map(|r| Cursor::new(r.updated_at, &r.id));
            let mut items = decode(conn, rows)?;
            items.truncate(keep);
            Ok(Page { items, total, next_cursor: if more { position.map(|c| c.encode()) } else { None } })
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
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let at = now();
            let mut after = change(before.clone(), at).map_err(StoreError::Invalid)?;
            after.version = before.version + 1;
            after.updated_at = at;
            diesel::update(i::incidents.find(id.to_string())).set(IncidentRow::from_domain(&after)).execute(conn)?;
            let key = id.to_string();
            audit::record(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Update, EntityType::Incident, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
