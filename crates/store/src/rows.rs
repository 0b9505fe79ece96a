//! Rows as diesel reads and writes them, and their conversion to and from domain types.
//! Conversions out of the database fail loudly (as `Internal`) on data that does not parse.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use systemejer_domain::{OrgUnit, Person, System};

use crate::StoreError;
use crate::schema::{org_units, people, systems};

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{column}: {e}")))
}

pub(crate) fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| StoreError::corrupt(format!("{column} {text:?}: {e}")))
}

pub(crate) fn parse_opt<T: std::str::FromStr>(column: &str, text: Option<&str>) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.map(|t| parse(column, t)).transpose()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = org_units, treat_none_as_null = true)]
pub(crate) struct OrgUnitRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrgUnitRow {
    pub fn from_domain(u: &OrgUnit) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            parent_id: u.parent_id.map(|p| p.to_string()),
            version: u.version,
            created_at: u.created_at.naive_utc(),
            updated_at: u.updated_at.naive_utc(),
        }
    }

    pub fn into_domain(self) -> Result<OrgUnit, StoreError> {
        Ok(OrgUnit {
            id: parse("org_units.id", &self.id)?,
            name: self.name,
            kind: parse("org_units.kind", &self.kind)?,
            parent_id: parse_opt("org_units.parent_id", self.parent_id.as_deref())?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub(crate) struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub position: String,
    pub org_unit_id: Option<String>,
    pub manager_id: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub language: String,
}

impl PersonRow {
    pub fn from_domain(p: &Person) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name.clone(),
            email: p.email.as_str().to_owned(),
            position: p.position.as_str().to_owned(),
            org_unit_id: p.org_unit_id.map(|u| u.to_string()),
            manager_id: p.manager_id.map(|m| m.to_string()),
            active: p.active,
            version: p.version,
            created_at: p.created_at.naive_utc(),
            updated_at: p.updated_at.naive_utc(),
            language: p.language.as_str().to_owned(),
        }
    }

    pub fn into_domain(self) -> Result<Person, StoreError> {
        Ok(Person {
            id: parse("people.id", &self.id)?,
            name: self.name,
            email: systemejer_domain::EmailAddress::parse(&self.email).map_err(StoreError::corrupt)?,
            position: parse("people.position", &self.position)?,
            org_unit_id: parse_opt("people.org_unit_id", self.org_unit_id.as_deref())?,
            manager_id: parse_opt("people.manager_id", self.manager_id.as_deref())?,
            active: self.active,
            language: parse("people.language", &self.language)?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = systems, treat_none_as_null = true)]
pub(crate) struct SystemRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub purpose: Option<String>,
    pub description: Option<String>,
    pub vendor: Option<String>,
    pub hosting: Option<String>,
    pub business_processes: String,
    pub data_formats: String,
    pub processes_personal_data: Option<bool>,
    pub processes_sensitive_data: Option<bool>,
    pub processes_cpr_numbers: Option<bool>,
    pub kle_codes: String,
    pub criticality: Option<String>,
    pub self_service_links: String,
    pub owner_id: Option<String>,
    pub org_unit_id: Option<String>,
    pub lifecycle_state: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub data_subject_rights: String,
    pub archive_status: String,
    pub archive_body: Option<String>,
    pub archive_notified_on: Option<NaiveDate>,
    pub contract_notice_on: Option<NaiveDate>,
}

impl SystemRow {
    pub fn from_domain(s: &System) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name.clone(),
            kind: s.kind.as_str().to_owned(),
            purpose: s.purpose.clone(),
            description: s.description.clone(),
            vendor: s.vendor.clone(),
            hosting: s.hosting.clone(),
            business_processes: to_json(&s.business_processes),
            data_formats: to_json(&s.data_formats),
            processes_personal_data: s.processes_personal_data,
            processes_sensitive_data: s.processes_sensitive_data,
            processes_cpr_numbers: s.processes_cpr_numbers,
            kle_codes: to_json(&s.kle_codes),
            criticality: s.criticality.map(|c| c.as_str().to_owned()),
            self_service_links: to_json(&s.self_service_links),
            owner_id: s.owner_id.map(|o| o.to_string()),
            org_unit_id: s.org_unit_id.map(|u| u.to_string()),
            lifecycle_state: s.lifecycle_state.as_str().to_owned(),
            version: s.version,
            created_at: s.created_at.naive_utc(),
            updated_at: s.updated_at.naive_utc(),
            data_subject_rights: to_json(&s.data_subject_rights),
            archive_status: s.archive_status.as_str().to_owned(),
            archive_body: s.archive_body.clone(),
            archive_notified_on: s.archive_notified_on,
            contract_notice_on: s.contract_notice_on,
        }
    }

    /// The system without its delegates (they live in their own table).
    pub fn into_domain(self) -> Result<System, StoreError> {
        Ok(System {
            id: parse("systems.id", &self.id)?,
            name: self.name,
            kind: parse("systems.kind", &self.kind)?,
            purpose: self.purpose,
            description: self.description,
            vendor: self.vendor,
            hosting: self.hosting,
            business_processes: from_json("systems.business_processes", &self.business_processes)?,
            data_formats: from_json("systems.data_formats", &self.data_formats)?,
            processes_personal_data: self.processes_personal_data,
            processes_sensitive_data: self.processes_sensitive_data,
            processes_cpr_numbers: self.processes_cpr_numbers,
            kle_codes: from_json("systems.kle_codes", &self.kle_codes)?,
            criticality: parse_opt("systems.criticality", self.criticality.as_deref())?,
            self_service_links: from_json("systems.self_service_links", &self.self_service_links)?,
            data_subject_rights: from_json("systems.data_subject_rights", &self.data_subject_rights)?,
            archive_status: parse("systems.archive_status", &self.archive_status)?,
            archive_body: self.archive_body,
            archive_notified_on: self.archive_notified_on,
            contract_notice_on: self.contract_notice_on,
            owner_id: parse_opt("systems.owner_id", self.owner_id.as_deref())?,
            org_unit_id: parse_opt("systems.org_unit_id", self.org_unit_id.as_deref())?,
            delegates: Vec::new(),
            lifecycle_state: parse("systems.lifecycle_state", &self.lifecycle_state)?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}
