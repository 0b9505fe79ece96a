//! The `dpo_advice` table: the data protection officer's advice on a system's DPIA decision,
//! its DPIAs and its changes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use systemejer_domain::advice::DpoAdvice;
use systemejer_domain::{RecordId, SystemId};

use crate::schema::dpo_advice::dsl as d;
use crate::sql::{parse, parse_opt};
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::dpo_advice, treat_none_as_null = true)]
struct AdviceRow {
    id: String,
    system_id: String,
    topic: String,
    about_id: Option<String>,
    given_on: NaiveDate,
    advice: String,
    followed: Option<bool>,
    recorded_by: String,
    recorded_at: NaiveDateTime,
    version: i64,
}

impl AdviceRow {
    fn from_domain(a: &DpoAdvice) -> Self {
        Self {
            id: a.id.to_string(),
            system_id: a.system_id.to_string(),
            topic: a.topic.as_str().to_owned(),
            about_id: a.about_id.map(|x| x.to_string()),
            given_on: a.given_on,
            advice: a.advice.clone(),
            followed: a.followed,
            recorded_by: a.recorded_by.clone(),
            recorded_at: a.recorded_at.naive_utc(),
            version: a.version,
        }
    }

    fn into_domain(self) -> Result<DpoAdvice, StoreError> {
        Ok(DpoAdvice {
            id: parse("dpo_advice.id", &self.id)?,
            system_id: parse("dpo_advice.system_id", &self.system_id)?,
            topic: parse("dpo_advice.topic", &self.topic)?,
            about_id: parse_opt("dpo_advice.about_id", self.about_id.as_deref())?,
            given_on: self.given_on,
            advice: self.advice,
            followed: self.followed,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at.and_utc(),
            version: self.version,
        })
    }
}

/// The advice given on a system, oldest first.
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<DpoAdvice>, StoreError> {
    let rows: Vec<AdviceRow> = d::dpo_advice
        .filter(d::system_id.eq(system.to_string()))
        .select(AdviceRow::as_select())
        .order((d::given_on.asc(), d::recorded_at.asc(), d::id.asc()))
        .load(conn)?;
    rows.into_iter().map(AdviceRow::into_domain).collect()
}

/// One piece of advice on a system, its row locked until the transaction ends.
pub(crate) fn get_for_update(
    conn: &mut AnyConnection,
    system: SystemId,
    id: RecordId,
) -> Result<DpoAdvice, StoreError> {
    crate::sql::lock_row(conn, "dpo_advice", &id.to_string())?;
    let row: Option<AdviceRow> = d::dpo_advice
        .filter(d::id.eq(id.to_string()))
        .filter(d::system_id.eq(system.to_string()))
        .select(AdviceRow::as_select())
        .first(conn)
        .optional()?;
    row.ok_or_else(|| StoreError::NotFound { entity: "advice", id: id.to_string() })?.into_domain()
}

/// Writes new advice.
pub(crate) fn insert(conn: &mut AnyConnection, a: &DpoAdvice) -> Result<(), StoreError> {
    diesel::insert_into(d::dpo_advice).values(AdviceRow::from_domain(a)).execute(conn)?;
    Ok(())
}

/// Writes a new version of advice.
pub(crate) fn update(conn: &mut AnyConnection, a: &DpoAdvice) -> Result<(), StoreError> {
    diesel::update(d::dpo_advice.find(a.id.to_string())).set(AdviceRow::from_domain(a)).execute(conn)?;
    Ok(())
}
