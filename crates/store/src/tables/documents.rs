//! The `system_records` table: the documents kept per system (risk assessments, DPIAs,
//! retention rules, ...), one `kind` each, as validated JSON, with the owner's approval where
//! the kind needs one.
//!
//! [`DocumentKind`] lists the kinds (its list and entity types made from one declaration), and
//! [`place`] and [`documents_of`] are the places a document is put among, or taken from, a
//! system's records: a new kind is a line in `document_kinds!` and one `record_kind!`, and the
//! compiler names every match and destructuring that must learn it (no `_ =>` arm anywhere).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use systemejer_domain::gdpr::{ProcessingRecord, RetentionRule};
use systemejer_domain::operations::{ContingencyPlan, Procedure};
use systemejer_domain::records::{RecordRules, Recorded, SystemRecords};
use systemejer_domain::risk::{Dpia, DpiaDecision, RiskAssessment, RiskPerspective};
use systemejer_domain::{EntityType, PersonId, RecordId, SystemId};

use crate::schema::system_records::dsl as r;
use crate::sql::{from_json, insert_all, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};

/// Declares [`DocumentKind`], its list and its entity types from one list, so that a kind
/// cannot be declared without being in [`DocumentKind::ALL`] (which reading `kind` relies on).
macro_rules! document_kinds {
    ($($(#[$doc:meta])* $variant:ident),+ $(,)?) => {
        /// The kinds of document kept in `system_records` (the `kind` column).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum DocumentKind {
            $($(#[$doc])* $variant),+
        }

        impl DocumentKind {
            /// Every kind.
            pub const ALL: &'static [DocumentKind] = &[$(DocumentKind::$variant),+];

            /// The entity type of the audit log, whose name is also the `kind` column's.
            pub const fn entity(self) -> EntityType {
                match self {
                    $(DocumentKind::$variant => EntityType::$variant),+
                }
            }
        }
    };
}

document_kinds! {
    /// A risk assessment.
    RiskAssessment,
    /// The DPIA decision (one per system).
    DpiaDecision,
    /// A DPIA.
    Dpia,
    /// A retention rule.
    RetentionRule,
    /// The record of processing (one per system).
    ProcessingRecord,
    /// A procedure.
    Procedure,
    /// The contingency plan (one per system).
    ContingencyPlan,
}

impl DocumentKind {
    /// The kind named by the `kind` column (or an audit event's entity type).
    pub fn from_name(name: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.iter().copied().find(|k| k.entity().as_str() == name)
    }
}

/// Where a system's documents of one kind are kept among its records.
pub enum Slot<'a, D> {
    /// Any number, oldest first.
    Many(&'a mut Vec<Recorded<D>>),
    /// At most one (written with PUT).
    One(&'a mut Option<Recorded<D>>),
}

impl<'a, D> Slot<'a, D> {
    /// Adds `recorded`, or replaces the one with its id (a singleton: replaces the one there).
    pub fn put(self, recorded: Recorded<D>) {
        match self {
            Slot::Many(list) => match list.iter_mut().find(|x| x.id == recorded.id) {
                Some(there) => *there = recorded,
                None => list.push(recorded),
            },
            Slot::One(one) => *one = Some(recorded),
        }
    }

    /// Removes the one with this id.
    pub fn remove(self, id: RecordId) {
        match self {
            Slot::Many(list) => list.retain(|x| x.id != id),
            Slot::One(one) => {
                if one.as_ref().is_some_and(|x| x.id == id) {
                    *one = None;
                }
            }
        }
    }

    /// The one with this id (`None`: the singleton, or the first).
    pub fn find(self, id: Option<RecordId>) -> Option<&'a mut Recorded<D>> {
        match self {
            Slot::Many(list) => list.iter_mut().find(|x| id.is_none_or(|id| x.id == id)),
            Slot::One(one) => one.as_mut().filter(|x| id.is_none_or(|id| x.id == id)),
        }
    }
}

/// A kind of document kept per system.
pub trait RecordKind: RecordRules + Serialize + DeserializeOwned + Clone + Send + 'static {
    /// The `kind` column, and the entity type in the audit log.
    const KIND: DocumentKind;
    /// Where a system's documents of this kind are kept among its records.
    fn slot(records: &mut SystemRecords) -> Slot<'_, Self>;
}

macro_rules! record_kind {
    ($t:ty, $kind:ident, $slot:ident, $field:ident) => {
        impl RecordKind for $t {
            const KIND: DocumentKind = DocumentKind::$kind;
            fn slot(records: &mut SystemRecords) -> Slot<'_, Self> {
                Slot::$slot(&mut records.$field)
            }
        }
    };
}

record_kind!(RiskAssessment, RiskAssessment, Many, risk_assessments);
record_kind!(Dpia, Dpia, Many, dpias);
record_kind!(DpiaDecision, DpiaDecision, One, dpia_decision);
record_kind!(RetentionRule, RetentionRule, Many, retention_rules);
record_kind!(ProcessingRecord, ProcessingRecord, One, processing_record);
record_kind!(Procedure, Procedure, Many, procedures);
record_kind!(ContingencyPlan, ContingencyPlan, One, contingency_plan);

/// A stored document that can be read as a `Recorded<D>` of its kind: a row of the table, or
/// an audit event's copy of one.
pub(crate) trait Stored {
    fn decode<D: RecordKind>(self) -> Result<Recorded<D>, StoreError>;
}

/// Puts a stored document of `kind` among `records` (a singleton kind keeps the last put).
pub(crate) fn place(records: &mut SystemRecords, kind: DocumentKind, stored: impl Stored) -> Result<(), StoreError> {
    fn put<D: RecordKind>(records: &mut SystemRecords, stored: impl Stored) -> Result<(), StoreError> {
        D::slot(records).put(stored.decode::<D>()?);
        Ok(())
    }
    match kind {
        DocumentKind::RiskAssessment => put::<RiskAssessment>(records, stored),
        DocumentKind::DpiaDecision => put::<DpiaDecision>(records, stored),
        DocumentKind::Dpia => put::<Dpia>(records, stored),
        DocumentKind::RetentionRule => put::<RetentionRule>(records, stored),
        DocumentKind::ProcessingRecord => put::<ProcessingRecord>(records, stored),
        DocumentKind::Procedure => put::<Procedure>(records, stored),
        DocumentKind::ContingencyPlan => put::<ContingencyPlan>(records, stored),
    }
}

/// A document among a system's records, as a bulk load writes it: its row, and its audit
/// event's copy.
pub(crate) struct Document {
    /// Its kind.
    pub kind: DocumentKind,
    /// Its id.
    pub id: RecordId,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Its row.
    pub row: RecordValues,
    /// The document as JSON (the `Recorded` whole).
    pub json: String,
}

/// Every document among `records` (the one place besides [`place`] that names each kind's
/// field: a new kind that is not listed here does not compile).
pub(crate) fn documents_of(records: &SystemRecords) -> Vec<Document> {
    fn each<D: RecordKind>(list: &[Recorded<D>], out: &mut Vec<Document>) {
        out.extend(list.iter().map(|recorded| Document {
            kind: D::KIND,
            id: recorded.id,
            recorded_at: recorded.recorded_at,
            row: values(recorded),
            json: to_json(recorded),
        }));
    }
    let SystemRecords {
        risk_assessments,
        dpia_decision,
        dpias,
        agreements: _,
        processor_countries: _,
        processor_names: _,
        risk_measures: _,
        retention_rules,
        processing_record,
        procedures,
        contingency_plan,
        exit_steps: _,
        open_change: _,
    } = records;
    let mut out = Vec::new();
    each(risk_assessments, &mut out);
    each(dpia_decision.as_slice(), &mut out);
    each(dpias, &mut out);
    each(retention_rules, &mut out);
    each(processing_record.as_slice(), &mut out);
    each(procedures, &mut out);
    each(contingency_plan.as_slice(), &mut out);
    out
}

/// A row: id, system, body, recorded by, at, approved by, at.
pub(crate) type DocumentRow = (String, String, String, String, NaiveDateTime, Option<String>, Option<NaiveDateTime>);

fn columns() -> (r::id, r::system_id, r::body, r::recorded_by, r::recorded_at, r::approved_by, r::approved_at) {
    (r::id, r::system_id, r::body, r::recorded_by, r::recorded_at, r::approved_by, r::approved_at)
}

impl Stored for DocumentRow {
    fn decode<D: RecordKind>(self) -> Result<Recorded<D>, StoreError> {
        Ok(Recorded {
            id: parse("system_records.id", &self.0)?,
            system_id: parse("system_records.system_id", &self.1)?,
            record: from_json("system_records.body", &self.2)?,
            recorded_by: self.3,
            recorded_at: self.4.and_utc(),
            approved_by: parse_opt("system_records.approved_by", self.5.as_deref())?,
            approved_at: self.6.map(|t| t.and_utc()),
        })
    }
}

/// The documents of kind `D` of a system, oldest first.
pub(crate) fn list<D: RecordKind>(conn: &mut AnyConnection, system: SystemId) -> Result<Vec<Recorded<D>>, StoreError> {
    let rows: Vec<DocumentRow> = r::system_records
        .filter(r::system_id.eq(system.to_string()))
        .filter(r::kind.eq(D::KIND.entity().as_str()))
        .select(columns())
        .order((r::recorded_at.asc(), r::id.asc()))
        .load(conn)?;
    rows.into_iter().map(Stored::decode).collect()
}

/// One document of kind `D` of a system (`id` is `None` for the singleton kinds).
pub(crate) fn find<D: RecordKind>(
    conn: &mut AnyConnection,
    system: SystemId,
    id: Option<RecordId>,
) -> Result<Recorded<D>, StoreError> {
    let mut q = r::system_records
        .filter(r::system_id.eq(system.to_string()))
        .filter(r::kind.eq(D::KIND.entity().as_str()))
        .select(columns())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(r::id.eq(id.to_string()));
    }
    let row: Option<DocumentRow> = q.first(conn).optional()?;
    row.ok_or_else(|| not_found::<D>(system, id))?.decode()
}

/// The answer when a system has no such document.
pub(crate) fn not_found<D: RecordKind>(system: SystemId, id: Option<RecordId>) -> StoreError {
    let what = D::KIND.entity().as_str().replace('_', " ");
    StoreError::NotFound {
        entity: "record",
        id: match id {
            Some(id) => format!("{id} ({what} of system {system})"),
            None => format!("({what} of system {system})"),
        },
    }
}

/// How much of the systems' documents a reading takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Every document: what a change of a document needs (the one it changes is among them).
    Whole,
    /// What the rules read ([`SystemRecords::as_the_rules_read`]): of the kinds that pile up
    /// with a system's history (risk assessments and DPIAs), only those approved last, picked
    /// by the database, so that a report of the whole register does not read every system's
    /// history; every other document whole.
    ForRules,
}

/// The kinds of document a system gathers one of each time it is reassessed.
const PILING_UP: [DocumentKind; 2] = [DocumentKind::RiskAssessment, DocumentKind::Dpia];

/// The risk perspective of a stored document, read from its JSON text by the database: the
/// body is written by `to_json` (compact, no spaces), where `"perspective":"…"` can only be the
/// field itself (a quote inside a string value is written `\"`). Plain `LIKE`, the same on both
/// backends, rather than the databases' JSON functions: PostgreSQL's refuse a document holding
/// an escaped NUL anywhere (`\u0000`), which the register's JSON may hold.
fn perspective_sql() -> String {
    let cases: String = RiskPerspective::ALL
        .iter()
        .map(|p| {
            let name = p.as_str();
            format!(" WHEN body LIKE '%\"perspective\":\"{}\"%' ESCAPE '\\' THEN '{name}'", name.replace('_', "\\_"))
        })
        .collect();
    format!("CASE{cases} END")
}

/// The documents of each of the systems `ids` (at most 500), as much as `reading` takes,
/// placed among `records` (which holds an entry per id), oldest first.
pub(crate) fn place_all(
    conn: &mut AnyConnection,
    ids: &[String],
    reading: Reading,
    records: &mut HashMap<String, SystemRecords>,
) -> Result<(), StoreError> {
    let query = r::system_records.filter(r::system_id.eq_any(ids)).select((r::kind, columns())).into_boxed();
    let query = match reading {
        Reading::Whole => query,
        Reading::ForRules => {
            // One statement, so that the last approvals and the documents are read from one
            // snapshot (a newest approval deleted in between would otherwise hide the older
            // ones of its perspective as well).
            use diesel::sql_types::{Nullable, Text};
            let kinds = PILING_UP.map(|k| k.entity().as_str());
            // (The body in `perspective_sql` is the subquery's own, its nearest table.)
            let inner = diesel::alias!(crate::schema::system_records as last_approved);
            let last_approvals = inner
                .filter(inner.field(r::system_id).eq_any(ids))
                .filter(inner.field(r::kind).eq_any(kinds))
                .filter(inner.field(r::approved_at).is_not_null())
                .group_by((
                    inner.field(r::system_id),
                    inner.field(r::kind),
                    diesel::dsl::sql::<Nullable<Text>>(&perspective_sql()),
                ))
                .select(diesel::dsl::max(inner.field(r::approved_at)));
            query.filter(r::kind.ne_all(kinds).or(r::approved_at.eq_any(last_approvals)))
        }
    };
    let rows: Vec<(String, DocumentRow)> = query.order((r::recorded_at.asc(), r::id.asc())).load(conn)?;
    for (kind, row) in rows {
        let kind = DocumentKind::from_name(&kind)
            .ok_or_else(|| StoreError::internal(format!("unreadable stored data: system_records.kind {kind:?}")))?;
        if let Some(target) = records.get_mut(&row.1) {
            place(target, kind, row)?;
        }
    }
    if reading == Reading::ForRules {
        // An approval at the same instant in another system or perspective brought a few
        // more: the domain's own reading keeps what the rules read.
        for target in records.values_mut() {
            *target = std::mem::take(target).as_the_rules_read();
        }
    }
    Ok(())
}

/// The values of one document's row.
pub(crate) type RecordValues = (
    diesel::dsl::Eq<r::id, String>,
    diesel::dsl::Eq<r::system_id, String>,
    diesel::dsl::Eq<r::kind, &'static str>,
    diesel::dsl::Eq<r::body, String>,
    diesel::dsl::Eq<r::recorded_by, String>,
    diesel::dsl::Eq<r::recorded_at, NaiveDateTime>,
    diesel::dsl::Eq<r::approved_by, Option<String>>,
    diesel::dsl::Eq<r::approved_at, Option<NaiveDateTime>>,
);

/// The row of a document.
pub(crate) fn values<D: RecordKind>(recorded: &Recorded<D>) -> RecordValues {
    (
        r::id.eq(recorded.id.to_string()),
        r::system_id.eq(recorded.system_id.to_string()),
        r::kind.eq(D::KIND.entity().as_str()),
        r::body.eq(to_json(&recorded.record)),
        r::recorded_by.eq(recorded.recorded_by.clone()),
        r::recorded_at.eq(recorded.recorded_at.naive_utc()),
        r::approved_by.eq(recorded.approved_by.map(|p| p.to_string())),
        r::approved_at.eq(recorded.approved_at.map(|t| t.naive_utc())),
    )
}

pub(crate) fn insert<D: RecordKind>(conn: &mut AnyConnection, recorded: &Recorded<D>) -> Result<(), StoreError> {
    diesel::insert_into(r::system_records).values(values(recorded)).execute(conn)?;
    Ok(())
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[RecordValues]) -> Result<(), StoreError> {
    insert_all!(conn, r::system_records, rows, 500);
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: RecordId) -> Result<(), StoreError> {
    diesel::delete(r::system_records.filter(r::id.eq(id.to_string()))).execute(conn)?;
    Ok(())
}

/// Writes the owner's approval of a document.
pub(crate) fn set_approval(
    conn: &mut AnyConnection,
    id: RecordId,
    approver: PersonId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    diesel::update(r::system_records.filter(r::id.eq(id.to_string())))
        .set((r::approved_by.eq(approver.to_string()), r::approved_at.eq(at.naive_utc())))
        .execute(conn)?;
    Ok(())
}
