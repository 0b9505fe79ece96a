//! The `incidents` table and `incident_systems`, the systems each incident touched.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use systemejer_domain::incidents::{AuthorityReport, Incident, IncidentStatus};
use systemejer_domain::{RecordId, SystemId};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::{incident_systems::dsl as is, incidents::dsl as i};
use crate::sql::{from_json, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};

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
    subjects_notified_how: Option<String>,
    subjects_not_notified_ground: Option<String>,
    cause: Option<String>,
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
            subjects_notified_how: x.subjects_notified_how.clone(),
            subjects_not_notified_ground: x.subjects_not_notified_ground.map(|g| g.as_str().to_owned()),
            cause: x.cause.clone(),
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
            cause: self.cause,
            risk_level: parse_opt("incidents.risk_level", self.risk_level.as_deref())?,
            reports,
            not_reported_reason: self.not_reported_reason,
            subjects_notified_at: self.subjects_notified_at.map(|t| t.and_utc()),
            subjects_notified_how: self.subjects_notified_how,
            subjects_not_notified_ground: parse_opt(
                "incidents.subjects_not_notified_ground",
                self.subjects_not_notified_ground.as_deref(),
            )?,
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

/// The incidents of `rows`, each with the systems it touched (one more query).
fn decode(conn: &mut AnyConnection, rows: Vec<IncidentRow>) -> Result<Vec<Incident>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let links: Vec<(String, String)> = is::incident_systems
        .filter(is::incident_id.eq_any(&ids))
        .select((is::incident_id, is::system_id))
        .order((is::incident_id, is::system_id))
        .load(conn)?;
    let mut by_incident: HashMap<String, Vec<SystemId>> = HashMap::new();
    for (incident, system) in links {
        by_incident.entry(incident).or_default().push(parse("incident_systems.system_id", &system)?);
    }
    rows.into_iter()
        .map(|r| {
            let systems = by_incident.remove(&r.id).unwrap_or_default();
            r.into_domain(systems)
        })
        .collect()
}

/// The incident, its row locked until the transaction ends (`sql::lock_row`): what a change
/// reads first.
pub(crate) fn get_for_update(conn: &mut AnyConnection, id: RecordId) -> Result<Incident, StoreError> {
    crate::sql::lock_row(conn, "incidents", &id.to_string())?;
    get(conn, id)
}

/// One incident.
pub(crate) fn get(conn: &mut AnyConnection, id: RecordId) -> Result<Incident, StoreError> {
    let row = i::incidents
        .find(id.to_string())
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "incident", id: id.to_string() })?;
    decode(conn, vec![row])?.pop().ok_or_else(|| StoreError::internal("an incident read vanished"))
}

/// Incidents matching `filter`, in sync order.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &IncidentFilter,
    page: &PageRequest,
) -> Result<Page<Incident>, StoreError> {
    let filtered = || {
        let mut q = i::incidents.into_boxed();
        if let Some(system) = filter.system_id {
            let touching = is::incident_systems.filter(is::system_id.eq(system.to_string())).select(is::incident_id);
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
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<IncidentRow> =
        keyset_page!(filtered(), i::updated_at, i::id, page).select(IncidentRow::as_select()).load(conn)?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > page.limit;
    let keep = usize::try_from(page.limit).unwrap_or(0);
    let position = rows.get(keep.saturating_sub(1)).map(|r| Cursor::new(r.updated_at, &r.id));
    let mut items = decode(conn, rows)?;
    items.truncate(keep);
    Ok(Page { items, total, next_cursor: if more { position.map(|c| c.encode()) } else { None } })
}

/// Writes a new incident and the systems it touched.
pub(crate) fn insert(conn: &mut AnyConnection, incident: &Incident) -> Result<(), StoreError> {
    diesel::insert_into(i::incidents).values(IncidentRow::from_domain(incident)).execute(conn)?;
    let links: Vec<_> = incident
        .system_ids
        .iter()
        .map(|system| (is::incident_id.eq(incident.id.to_string()), is::system_id.eq(system.to_string())))
        .collect();
    crate::sql::insert_all!(conn, is::incident_systems, links, 1000);
    Ok(())
}

/// Writes a new version of an incident (the systems it touched do not change).
pub(crate) fn update(conn: &mut AnyConnection, incident: &Incident) -> Result<(), StoreError> {
    diesel::update(i::incidents.find(incident.id.to_string())).set(IncidentRow::from_domain(incident)).execute(conn)?;
    Ok(())
}

/// Personal data breaches still open that await their report to the authority or the decision
/// not to report (the domain's `Incident::awaits_decision`, for queries): the breach watch's,
/// the compliance report's and the metrics' one definition.
#[diesel::dsl::auto_type]
fn awaiting_report() -> _ {
    // The reports are kept as a JSON list: none yet is `[]`.
    let none: &'static str = "[]";
    i::personal_data_breach
        .eq(true)
        .and(i::reports.eq(none))
        .and(i::not_reported_reason.is_null())
        .and(i::closed_at.is_null())
}

/// The breaches awaiting their report, by system touched.
pub(crate) fn awaiting_report_by_system(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, Vec<RecordId>>, StoreError> {
    let open: Vec<(String, String)> = i::incidents
        .inner_join(is::incident_systems.on(is::incident_id.eq(i::id)))
        .filter(awaiting_report())
        .select((is::system_id, i::id))
        .order(i::id)
        .load(conn)?;
    let mut out: HashMap<String, Vec<RecordId>> = HashMap::new();
    for (system, incident) in open {
        out.entry(system).or_default().push(parse("incidents.id", &incident)?);
    }
    Ok(out)
}

/// How many breaches await their report: in all, and discovered before `cutoff`.
pub(crate) fn count_awaiting_report(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> Result<(i64, i64), StoreError> {
    let open = i::incidents.filter(awaiting_report());
    let before: i64 = open.filter(i::discovered_at.lt(cutoff)).select(count_star()).first(conn)?;
    let all: i64 = open.select(count_star()).first(conn)?;
    Ok((all, before))
}

/// The breaches awaiting their report, oldest first (a few at any time).
pub(crate) fn awaiting_report_all(conn: &mut AnyConnection) -> Result<Vec<Incident>, StoreError> {
    let rows: Vec<IncidentRow> = i::incidents
        .filter(awaiting_report())
        .select(IncidentRow::as_select())
        .order((i::updated_at.asc(), i::id.asc()))
        .load(conn)?;
    decode(conn, rows)
}

/// The incidents not closed, oldest first (a few at any time).
pub(crate) fn not_closed_all(conn: &mut AnyConnection) -> Result<Vec<Incident>, StoreError> {
    let rows: Vec<IncidentRow> = i::incidents
        .filter(i::closed_at.is_null())
        .select(IncidentRow::as_select())
        .order((i::created_at.asc(), i::id.asc()))
        .load(conn)?;
    decode(conn, rows)
}

/// The incidents recorded at or after `since`, oldest first.
pub(crate) fn recorded_since(conn: &mut AnyConnection, since: DateTime<Utc>) -> Result<Vec<Incident>, StoreError> {
    let rows: Vec<IncidentRow> = i::incidents
        .filter(i::created_at.ge(since.naive_utc()))
        .select(IncidentRow::as_select())
        .order((i::created_at.asc(), i::id.asc()))
        .load(conn)?;
    decode(conn, rows)
}

/// When each incident touching each of the systems `ids` (at most 500) was recorded.
pub(crate) fn recorded_at_of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<DateTime<Utc>>>, StoreError> {
    let rows: Vec<(String, NaiveDateTime)> = i::incidents
        .inner_join(is::incident_systems.on(is::incident_id.eq(i::id)))
        .filter(is::system_id.eq_any(ids))
        .select((is::system_id, i::created_at))
        .load(conn)?;
    let mut out: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
    for (system, at) in rows {
        out.entry(system).or_default().push(at.and_utc());
    }
    Ok(out)
}
