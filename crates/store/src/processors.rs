//! Data processors, and the agreements that tie them to systems.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::gdpr::{NewProcessingAgreement, NewProcessor, ProcessingAgreement, Processor};
use systemejer_domain::{AuditAction, EntityType, ProcessorId, RecordId, SystemId, WebUrl};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::{parse, parse_opt};
use crate::schema::{processing_agreements::dsl as a, processors::dsl as p};
use crate::{AnyConnection, Store, StoreError, audit, new_id, now, systems};

/// Which processors to list.
#[derive(Debug, Clone, Default)]
pub struct ProcessorFilter {
    /// Name contains this (case-insensitive).
    pub q: Option<String>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

type ProcessorRow = (String, String, Option<String>, String, Option<String>, i64, NaiveDateTime, NaiveDateTime);

fn processor_columns() -> (p::id, p::name, p::cvr, p::country, p::contact, p::version, p::created_at, p::updated_at) {
    (p::id, p::name, p::cvr, p::country, p::contact, p::version, p::created_at, p::updated_at)
}

fn decode_processor(row: ProcessorRow) -> Result<Processor, StoreError> {
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

fn get(conn: &mut AnyConnection, id: ProcessorId) -> Result<Processor, StoreError> {
    let row: Option<ProcessorRow> =
        p::processors.find(id.to_string()).select(processor_columns()).first(conn).optional()?;
    decode_processor(row.ok_or_else(|| StoreError::NotFound { entity: "processor", id: id.to_string() })?)
}

fn check_cvr_free(conn: &mut AnyConnection, new: &NewProcessor, except: Option<ProcessorId>) -> Result<(), StoreError> {
    let Some(cvr) = &new.cvr else { return Ok(()) };
    let cvr: String = cvr.clone().into();
    let holder: Option<String> = p::processors.filter(p::cvr.eq(&cvr)).select(p::id).first(conn).optional()?;
    match holder {
        Some(id) if except.is_none_or(|me| me.to_string() != id) => Err(StoreError::Conflict {
            code: "cvr_taken",
            message: format!("processor {id} already has the CVR number {cvr}"),
        }),
        _ => Ok(()),
    }
}

type AgreementRow =
    (String, String, String, Option<NaiveDate>, Option<NaiveDate>, Option<String>, String, i32, NaiveDateTime);

fn agreement_columns() -> (
    a::id,
    a::system_id,
    a::processor_id,
    a::signed_on,
    a::expires_on,
    a::document_url,
    a::supervision_method,
    a::supervision_interval_months,
    a::created_at,
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
    )
}

fn decode_agreement(row: AgreementRow) -> Result<ProcessingAgreement, StoreError> {
    Ok(ProcessingAgreement {
        id: parse("processing_agreements.id", &row.0)?,
        system_id: parse("processing_agreements.system_id", &row.1)?,
        processor_id: parse("processing_agreements.processor_id", &row.2)?,
        signed_on: row.3,
        expires_on: row.4,
        document_url: row.5.map(|u| WebUrl::parse(&u)).transpose().map_err(StoreError::corrupt)?,
        supervision_method: parse("processing_agreements.supervision_method", &row.6)?,
        supervision_interval_months: u8::try_from(row.7).map_err(StoreError::corrupt)?,
        created_at: row.8.and_utc(),
    })
}

/// A processor's name, for reports.
pub(crate) fn name_of(conn: &mut AnyConnection, id: ProcessorId) -> Result<String, StoreError> {
    get(conn, id).map(|p| p.name)
}

/// The agreements of a system, oldest first.
pub(crate) fn agreements_of(
    conn: &mut AnyConnection,
    system: SystemId,
) -> Result<Vec<ProcessingAgreement>, StoreError> {
    let rows: Vec<AgreementRow> = a::processing_agreements
        .filter(a::system_id.eq(system.to_string()))
        .select(agreement_columns())
        .order((a::created_at.asc(), a::id.asc()))
        .load(conn)?;
    rows.into_iter().map(decode_agreement).collect()
}

/// The agreements of each of the systems `ids` (at most a few hundred), oldest first.
pub(crate) fn agreements_of_many(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<ProcessingAgreement>>, StoreError> {
    let rows: Vec<AgreementRow> = a::processing_agreements
        .filter(a::system_id.eq_any(ids))
        .select(agreement_columns())
        .order((a::created_at.asc(), a::id.asc()))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, Vec<ProcessingAgreement>> = std::collections::HashMap::new();
    for row in rows {
        let agreement = decode_agreement(row)?;
        out.entry(agreement.system_id.to_string()).or_default().push(agreement);
    }
    Ok(out)
}

impl Store {
    /// Registers a processor.
    pub fn create_processor(&self, new: NewProcessor, actor: &str) -> Result<Processor, StoreError> {
        self.write(|conn| {
            check_cvr_free(conn, &new, None)?;
            let at = now();
            let processor = Processor {
                id: ProcessorId::from_uuid(new_id()),
                name: new.name.into_string(),
                cvr: new.cvr,
                country: new.country,
                contact: new.contact.map(|c| c.into_string()),
                version: 1,
                created_at: at,
                updated_at: at,
            };
            write_processor(conn, &processor, true)?;
            let key = processor.id.to_string();
            let entry = audit::Entry::new(at, actor, AuditAction::Create, EntityType::Processor, &key);
            audit::record(conn, &entry, None::<&()>, Some(&processor))?;
            Ok(processor)
        })
    }

    /// One processor.
    pub fn get_processor(&self, id: ProcessorId) -> Result<Processor, StoreError> {
        self.read(|conn| get(conn, id))
    }

    /// Processors matching `filter`, in sync order.
    pub fn list_processors(&self, filter: &ProcessorFilter, page: &PageRequest) -> Result<Page<Processor>, StoreError> {
        let filtered = || {
            let mut q = p::processors.into_boxed();
            if let Some(text) = &filter.q {
                q = q.filter(crate::systems::lower(p::name).like(crate::systems::contains_pattern(text)).escape('\\'));
            }
            if let Some(since) = filter.changed_since {
                q = q.filter(p::updated_at.ge(since.naive_utc()));
            }
            q
        };
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<ProcessorRow> =
                keyset_page!(filtered(), p::updated_at, p::id, page).select(processor_columns()).load(conn)?;
            Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.7, &r.0), decode_processor)
        })
    }

    /// Replaces a processor's details.
    pub fn replace_processor(
        &self,
        id: ProcessorId,
        new: NewProcessor,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<Processor, StoreError> {
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            check_cvr_free(conn, &new, Some(id))?;
            let after = Processor {
                id,
                name: new.name.into_string(),
                cvr: new.cvr,
                country: new.country,
                contact: new.contact.map(|c| c.into_string()),
                version: before.version + 1,
                created_at: before.created_at,
                updated_at: now(),
            };
            write_processor(conn, &after, false)?;
            let key = id.to_string();
            let entry = audit::Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::Processor, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes a processor that no agreement refers to.
    pub fn delete_processor(&self, id: ProcessorId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let key = id.to_string();
            let used: i64 = a::processing_agreements.filter(a::processor_id.eq(&key)).count().get_result(conn)?;
            if used > 0 {
                return Err(StoreError::Conflict {
                    code: "processor_in_use",
                    message: format!("{used} processing agreement(s) refer to the processor; delete them first"),
                });
            }
            diesel::delete(p::processors.find(&key)).execute(conn)?;
            audit::record_deletion(
                conn,
                &audit::Entry::new(now(), actor, AuditAction::Delete, EntityType::Processor, &key),
                &before,
            )
        })
    }

    /// Registers an agreement between a system and a processor (one per pair).
    pub fn add_agreement(
        &self,
        system: SystemId,
        new: NewProcessingAgreement,
        actor: &str,
    ) -> Result<ProcessingAgreement, StoreError> {
        let today = self.today();
        self.write(|conn| {
            systems::get(conn, system)?;
            let mut violations = new.violations(today);
            if let Err(StoreError::NotFound { .. }) = get(conn, new.processor_id) {
                violations.push(systemejer_domain::Violation::new(
                    "processor_id",
                    "exists",
                    format!("no processor has the id {}", new.processor_id),
                ));
            }
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            let exists: i64 = a::processing_agreements
                .filter(a::system_id.eq(system.to_string()))
                .filter(a::processor_id.eq(new.processor_id.to_string()))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                return Err(StoreError::Conflict {
                    code: "agreement_exists",
                    message: "the system already has an agreement with this processor; delete it to register a new one"
                        .into(),
                });
            }
            let agreement = ProcessingAgreement {
                id: RecordId::from_uuid(new_id()),
                system_id: system,
                processor_id: new.processor_id,
                signed_on: new.signed_on,
                expires_on: new.expires_on,
                document_url: new.document_url,
                supervision_method: new.supervision_method,
                supervision_interval_months: new.supervision_interval_months,
                created_at: now(),
            };
            insert_agreement(conn, &agreement)?;
            crate::obligations::sync(conn, system, today)?;
            let key = agreement.id.to_string();
            let entry = audit::Entry::new(
                agreement.created_at,
                actor,
                AuditAction::Create,
                EntityType::ProcessingAgreement,
                &key,
            );
            audit::record(conn, &entry, None::<&()>, Some(&agreement))?;
            Ok(agreement)
        })
    }

    /// The agreements of a system.
    pub fn list_agreements(&self, system: SystemId) -> Result<Vec<ProcessingAgreement>, StoreError> {
        self.read(|conn| {
            systems::get(conn, system)?;
            agreements_of(conn, system)
        })
    }

    /// Deletes an agreement.
    pub fn delete_agreement(&self, system: SystemId, id: RecordId, actor: &str) -> Result<(), StoreError> {
        let today = self.today();
        self.write(|conn| {
            let before = agreements_of(conn, system)?
                .into_iter()
                .find(|x| x.id == id)
                .ok_or_else(|| StoreError::NotFound { entity: "processing agreement", id: id.to_string() })?;
            let key = id.to_string();
            diesel::delete(a::processing_agreements.filter(a::id.eq(&key))).execute(conn)?;
            crate::obligations::sync(conn, system, today)?;
            let entry = audit::Entry::new(now(), actor, AuditAction::Delete, EntityType::ProcessingAgreement, &key);
            audit::record_deletion(conn, &entry, &before)
        })
    }
}

/// The values of one processing agreement's row.
pub(crate) type AgreementValues = (
    diesel::dsl::Eq<a::id, String>,
    diesel::dsl::Eq<a::system_id, String>,
    diesel::dsl::Eq<a::processor_id, String>,
    diesel::dsl::Eq<a::signed_on, Option<chrono::NaiveDate>>,
    diesel::dsl::Eq<a::expires_on, Option<chrono::NaiveDate>>,
    diesel::dsl::Eq<a::document_url, Option<String>>,
    diesel::dsl::Eq<a::supervision_method, &'static str>,
    diesel::dsl::Eq<a::supervision_interval_months, i32>,
    diesel::dsl::Eq<a::created_at, chrono::NaiveDateTime>,
);

/// The row of a processing agreement.
pub(crate) fn agreement_values(agreement: &ProcessingAgreement) -> AgreementValues {
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
    )
}

fn insert_agreement(conn: &mut AnyConnection, agreement: &ProcessingAgreement) -> Result<(), StoreError> {
    diesel::insert_into(a::processing_agreements).values(agreement_values(agreement)).execute(conn)?;
    Ok(())
}

pub(crate) fn write_processor(conn: &mut AnyConnection, x: &Processor, insert: bool) -> Result<(), StoreError> {
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
