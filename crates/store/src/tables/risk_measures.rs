//! The `risk_measures` table: the measures an approved risk assessment calls for.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use systemejer_domain::risk::RiskMeasure;

use crate::schema::risk_measures::dsl as m;
use crate::sql::{insert_all, parse};
use crate::{AnyConnection, StoreError};

/// A measure's row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::risk_measures, treat_none_as_null = true)]
pub(crate) struct MeasureRow {
    pub id: String,
    pub system_id: String,
    pub risk_assessment_id: String,
    pub measure: String,
    pub responsible_id: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub implemented_on: Option<NaiveDate>,
    pub rejection_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MeasureRow {
    pub(crate) fn from_domain(x: &RiskMeasure) -> Self {
        Self {
            id: x.id.to_string(),
            system_id: x.system_id.to_string(),
            risk_assessment_id: x.risk_assessment_id.to_string(),
            measure: x.measure.clone(),
            responsible_id: x.responsible_id.to_string(),
            due_on: x.due_on,
            status: x.status.as_str().to_owned(),
            implemented_on: x.implemented_on,
            rejection_reason: x.rejection_reason.clone(),
            version: x.version,
            created_at: x.created_at.naive_utc(),
            updated_at: x.updated_at.naive_utc(),
        }
    }

    fn into_domain(self) -> Result<RiskMeasure, StoreError> {
        Ok(RiskMeasure {
            id: parse("risk_measures.id", &self.id)?,
            system_id: parse("risk_measures.system_id", &self.system_id)?,
            risk_assessment_id: parse("risk_measures.risk_assessment_id", &self.risk_assessment_id)?,
            measure: self.measure,
            responsible_id: parse("risk_measures.responsible_id", &self.responsible_id)?,
            due_on: self.due_on,
            status: parse("risk_measures.status", &self.status)?,
            implemented_on: self.implemented_on,
            rejection_reason: self.rejection_reason,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The measures of each of the systems `ids` (at most 500), by their day.
pub(crate) fn of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<RiskMeasure>>, StoreError> {
    let rows: Vec<MeasureRow> = m::risk_measures
        .filter(m::system_id.eq_any(ids))
        .select(MeasureRow::as_select())
        .order((m::due_on.asc(), m::created_at.asc(), m::id.asc()))
        .load(conn)?;
    let mut out: HashMap<String, Vec<RiskMeasure>> = HashMap::new();
    for row in rows {
        let measure = row.into_domain()?;
        out.entry(measure.system_id.to_string()).or_default().push(measure);
    }
    Ok(out)
}

/// How many measures name the person as responsible.
pub(crate) fn count_responsible(conn: &mut AnyConnection, person: &str) -> Result<i64, StoreError> {
    Ok(m::risk_measures.filter(m::responsible_id.eq(person)).count().get_result(conn)?)
}

pub(crate) fn insert(conn: &mut AnyConnection, x: &RiskMeasure) -> Result<(), StoreError> {
    diesel::insert_into(m::risk_measures).values(MeasureRow::from_domain(x)).execute(conn)?;
    Ok(())
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[MeasureRow]) -> Result<(), StoreError> {
    insert_all!(conn, m::risk_measures, rows, 300);
    Ok(())
}

/// Writes a measure's changed row.
pub(crate) fn update(conn: &mut AnyConnection, x: &RiskMeasure) -> Result<(), StoreError> {
    let row = MeasureRow::from_domain(x);
    diesel::update(m::risk_measures.filter(m::id.eq(&row.id)))
        .set((
            m::measure.eq(&row.measure),
            m::responsible_id.eq(&row.responsible_id),
            m::due_on.eq(row.due_on),
            m::status.eq(&row.status),
            m::implemented_on.eq(row.implemented_on),
            m::rejection_reason.eq(&row.rejection_reason),
            m::version.eq(row.version),
            m::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}
