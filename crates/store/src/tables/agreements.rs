//! The `processing_agreements` table: the agreements that tie a system to a processor.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use systemejer_domain::gdpr::{CountryCode, ProcessingAgreement};
use systemejer_domain::{ProcessorId, RecordId, SystemId, WebUrl};

use crate::schema::processing_agreements::dsl as a;
use crate::sql::{from_json, insert_all, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};

type AgreementRow = (
    String,
    String,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
    String,
    i32,
    NaiveDateTime,
    (Option<String>, String, Option<NaiveDate>, Option<String>, i64),
);

#[allow(clippy::type_complexity)]
fn columns() -> (
    a::id,
    a::system_id,
    a::processor_id,
    a::signed_on,
    a::expires_on,
    a::document_url,
    a::supervision_method,
    a::supervision_interval_months,
    a::created_at,
    (a::transfer_basis, a::sub_processors, a::terminated_on, a::termination_reason, a::version),
) {
    (
        a::id,
        a::system_id,
        a::processor_id,
        a::signed_on,
        a::expires_on,
        a::document_url,
        a::supervision_method,
        a::supervision_interval_months,
        a::created_at,
        (a::transfer_basis, a::sub_processors, a::terminated_on, a::termination_reason, a::version),
    )
}

fn decode(row: AgreementRow) -> Result<ProcessingAgreement, StoreError> {
    Ok(ProcessingAgreement {
        id: parse("processing_agreements.id", &row.0)?,
        system_id: parse("processing_agreements.system_id", &row.1)?,
        processor_id: parse("processing_agreements.processor_id", &row.2)?,
        signed_on: row.3,
        expires_on: row.4,
        document_url: row
            .5
            .map(|u| WebUrl::parse(&u))
            .transpose()
            .map_err(|e| StoreError::corrupt("processing_agreements.document_url", e))?,
        supervision_method: parse("processing_agreements.supervision_method", &row.6)?,
        supervision_interval_months: u8::try_from(row.7)
            .map_err(|e| StoreError::corrupt("processing_agreements.supervision_interval_months", e))?,
        created_at: row.8.and_utc(),
        transfer_basis: parse_opt("processing_agreements.transfer_basis", row.9.0.as_deref())?,
        sub_processors: from_json("processing_agreements.sub_processors", &row.9.1)?,
        terminated_on: row.9.2,
        termination_reason: row.9.3,
        version: row.9.4,
    })
}

/// The agreements of a system, oldest first.
pub(crate) fn of_system(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<ProcessingAgreement>, StoreError> {
    Ok(of_systems(conn, &[system.to_string()])?.remove(&system.to_string()).unwrap_or_default())
}

/// The agreements of each of the systems `ids` (at most 500), oldest first.
pub(crate) fn of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<ProcessingAgreement>>, StoreError> {
    Ok(with_countries_of_systems(conn, ids)?
        .into_iter()
        .map(|(system, list)| (system, list.into_iter().map(|(agreement, _)| agreement).collect()))
        .collect())
}

/// An agreement with its processor's name and the country it is established in.
pub(crate) type WithCountry = (ProcessingAgreement, Option<(String, CountryCode)>);

/// The agreements of each of the systems `ids` (at most 500), oldest first, each with its
/// processor's name and country (read in the same query).
pub(crate) fn with_countries_of_systems(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<WithCountry>>, StoreError> {
    use crate::schema::processors::dsl as p;
    let rows: Vec<(AgreementRow, Option<String>, Option<String>)> = a::processing_agreements
        .left_join(p::processors.on(p::id.eq(a::processor_id)))
        .filter(a::system_id.eq_any(ids))
        .select((columns(), p::name.nullable(), p::country.nullable()))
        .order((a::created_at.asc(), a::id.asc()))
        .load(conn)?;
    let mut out: HashMap<String, Vec<WithCountry>> = HashMap::new();
    for (row, name, country) in rows {
        let agreement = decode(row)?;
        let country: Option<CountryCode> = parse_opt("processors.country", country.as_deref())?;
        out.entry(agreement.system_id.to_string()).or_default().push((agreement, name.zip(country)));
    }
    Ok(out)
}

/// The agreements made at or after `since`, oldest first (a few a week).
pub(crate) fn made_since(
    conn: &mut AnyConnection,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<ProcessingAgreement>, StoreError> {
    let rows: Vec<AgreementRow> = a::processing_agreements
        .filter(a::created_at.ge(since.naive_utc()))
        .select(columns())
        .order((a::created_at.asc(), a::id.asc()))
        .load(conn)?;
    rows.into_iter().map(decode).collect()
}

/// How many agreements refer to the processor.
pub(crate) fn count_with(conn: &mut AnyConnection, processor: ProcessorId) -> Result<i64, StoreError> {
    Ok(a::processing_agreements.filter(a::processor_id.eq(processor.to_string())).count().get_result(conn)?)
}

/// The values of one agreement's row.
pub(crate) type AgreementValues = (
    diesel::dsl::Eq<a::id, String>,
    diesel::dsl::Eq<a::system_id, String>,
    diesel::dsl::Eq<a::processor_id, String>,
    diesel::dsl::Eq<a::signed_on, Option<NaiveDate>>,
    diesel::dsl::Eq<a::expires_on, Option<NaiveDate>>,
    diesel::dsl::Eq<a::document_url, Option<String>>,
    diesel::dsl::Eq<a::supervision_method, &'static str>,
    diesel::dsl::Eq<a::supervision_interval_months, i32>,
    diesel::dsl::Eq<a::created_at, NaiveDateTime>,
    diesel::dsl::Eq<a::transfer_basis, Option<&'static str>>,
    diesel::dsl::Eq<a::sub_processors, String>,
    diesel::dsl::Eq<a::terminated_on, Option<NaiveDate>>,
    diesel::dsl::Eq<a::termination_reason, Option<String>>,
    diesel::dsl::Eq<a::version, i64>,
);

/// The row of an agreement.
pub(crate) fn values(agreement: &ProcessingAgreement) -> AgreementValues {
    (
        a::id.eq(agreement.id.to_string()),
        a::system_id.eq(agreement.system_id.to_string()),
        a::processor_id.eq(agreement.processor_id.to_string()),
        a::signed_on.eq(agreement.signed_on),
        a::expires_on.eq(agreement.expires_on),
        a::document_url.eq(agreement.document_url.as_ref().map(|u| u.as_str().to_owned())),
        a::supervision_method.eq(agreement.supervision_method.as_str()),
        a::supervision_interval_months.eq(i32::from(agreement.supervision_interval_months)),
        a::created_at.eq(agreement.created_at.naive_utc()),
        a::transfer_basis.eq(agreement.transfer_basis.map(systemejer_domain::gdpr::TransferBasis::as_str)),
        a::sub_processors.eq(to_json(&agreement.sub_processors)),
        a::terminated_on.eq(agreement.terminated_on),
        a::termination_reason.eq(agreement.termination_reason.clone()),
        a::version.eq(agreement.version),
    )
}

pub(crate) fn insert(conn: &mut AnyConnection, agreement: &ProcessingAgreement) -> Result<(), StoreError> {
    diesel::insert_into(a::processing_agreements).values(values(agreement)).execute(conn)?;
    Ok(())
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[AgreementValues]) -> Result<(), StoreError> {
    insert_all!(conn, a::processing_agreements, rows, 500);
    Ok(())
}

/// Writes an agreement's changed row (its id, system and processor never change).
pub(crate) fn update(conn: &mut AnyConnection, agreement: &ProcessingAgreement) -> Result<(), StoreError> {
    diesel::update(a::processing_agreements.filter(a::id.eq(agreement.id.to_string())))
        .set((
            a::signed_on.eq(agreement.signed_on),
            a::expires_on.eq(agreement.expires_on),
            a::document_url.eq(agreement.document_url.as_ref().map(|u| u.as_str().to_owned())),
            a::supervision_method.eq(agreement.supervision_method.as_str()),
            a::supervision_interval_months.eq(i32::from(agreement.supervision_interval_months)),
            a::transfer_basis.eq(agreement.transfer_basis.map(systemejer_domain::gdpr::TransferBasis::as_str)),
            a::sub_processors.eq(to_json(&agreement.sub_processors)),
            a::terminated_on.eq(agreement.terminated_on),
            a::termination_reason.eq(agreement.termination_reason.clone()),
            a::version.eq(agreement.version),
        ))
        .execute(conn)?;
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: RecordId) -> Result<(), StoreError> {
    diesel::delete(a::processing_agreements.filter(a::id.eq(id.to_string()))).execute(conn)?;
    Ok(())
}
