//! The `processors` table: the data processors the municipality uses.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::ProcessorId;
use systemejer_domain::gdpr::{Cvr, Processor};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::processors::dsl as p;
use crate::sql::{contains_pattern, fold, parse, parse_opt};
use crate::{AnyConnection, StoreError};

/// Which processors to list.
#[derive(Debug, Clone, Default)]
pub struct ProcessorFilter {
    /// Name contains this (case-insensitive).
    pub q: Option<String>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

type ProcessorRow = (String, String, Option<String>, String, Option<String>, i64, NaiveDateTime, NaiveDateTime);

fn columns() -> (p::id, p::name, p::cvr, p::country, p::contact, p::version, p::created_at, p::updated_at) {
    (p::id, p::name, p::cvr, p::country, p::contact, p::version, p::created_at, p::updated_at)
}

fn decode(row: ProcessorRow) -> Result<Processor, StoreError> {
    Ok(Processor {
        id: parse("processors.id", &row.0)?,
        name: row.1,
        cvr: parse_opt("processors.cvr", row.2.as_deref())?,
        country: parse("processors.country", &row.3)?,
        contact: row.4,
        version: row.5,
        created_at: row.6.and_utc(),
        updated_at: row.7.and_utc(),
    })
}

/// The processor, its row locked until the transaction ends (`sql::lock_row`): what a change
/// reads first.
/// Every processor's id and name, in one read.
pub(crate) fn all_names(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(p::processors.select((p::id, p::name)).load(conn)?)
}

pub(crate) fn get_for_update(conn: &mut AnyConnection, id: ProcessorId) -> Result<Processor, StoreError> {
    crate::sql::lock_row(conn, "processors", &id.to_string())?;
    get(conn, id)
}

/// One processor.
pub(crate) fn get(conn: &mut AnyConnection, id: ProcessorId) -> Result<Processor, StoreError> {
    let row: Option<ProcessorRow> = p::processors.find(id.to_string()).select(columns()).first(conn).optional()?;
    decode(row.ok_or_else(|| StoreError::NotFound { entity: "processor", id: id.to_string() })?)
}

/// The names of these processors, by id.
pub(crate) fn names(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> =
            p::processors.filter(p::id.eq_any(chunk)).select((p::id, p::name)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The id of the processor with this CVR number, if any.
pub(crate) fn holder_of(conn: &mut AnyConnection, cvr: &Cvr) -> Result<Option<String>, StoreError> {
    let cvr: String = cvr.clone().into();
    Ok(p::processors.filter(p::cvr.eq(cvr)).select(p::id).first(conn).optional()?)
}

/// Writes a processor: a new one (`insert`), or a new version of one.
pub(crate) fn write(conn: &mut AnyConnection, x: &Processor, insert: bool) -> Result<(), StoreError> {
    let values = (
        p::name.eq(x.name.clone()),
        p::cvr.eq(x.cvr.clone().map(String::from)),
        p::country.eq(String::from(x.country.clone())),
        p::contact.eq(x.contact.clone()),
        p::version.eq(x.version),
        p::updated_at.eq(x.updated_at.naive_utc()),
    );
    if insert {
        diesel::insert_into(p::processors)
            .values((p::id.eq(x.id.to_string()), p::created_at.eq(x.created_at.naive_utc()), values))
            .execute(conn)?;
    } else {
        diesel::update(p::processors.find(x.id.to_string())).set(values).execute(conn)?;
    }
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: ProcessorId) -> Result<(), StoreError> {
    diesel::delete(p::processors.find(id.to_string())).execute(conn)?;
    Ok(())
}

/// Processors matching `filter`, in sync order.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &ProcessorFilter,
    page: &PageRequest,
) -> Result<Page<Processor>, StoreError> {
    let filtered = || {
        let mut q = p::processors.into_boxed();
        if let Some(text) = &filter.q {
            q = q.filter(fold(p::name).like(contains_pattern(text)).escape('\\'));
        }
        if let Some(since) = filter.changed_since {
            q = q.filter(p::updated_at.ge(since.naive_utc()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<ProcessorRow> = keyset_page!(filtered(), p::updated_at, p::id, page).select(columns()).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.7, &r.0), decode)
}
