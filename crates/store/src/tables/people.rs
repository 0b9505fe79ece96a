//! The `people` table: possible owners, delegates and managers.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::{EmailAddress, OrgUnitId, OwnerCandidate, Person, PersonId, Position};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::people::dsl as p;
use crate::sql::{contains_pattern, fold, insert_all, parse, parse_opt};
use crate::{AnyConnection, StoreError};
use systemejer_domain::org::UnitScope;

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Name or email contains this (case-insensitive).
    pub q: Option<String>,
    /// Exactly this email.
    pub email: Option<EmailAddress>,
    /// Only members of this unit (and, by `org_unit_scope`, of the units below it).
    pub org_unit_id: Option<OrgUnitId>,
    /// Whether `org_unit_id` takes the units below it too.
    pub org_unit_scope: UnitScope,
    /// Only people reporting to this manager.
    pub manager_id: Option<PersonId>,
    /// Only this position.
    pub position: Option<Position>,
    /// Only active (or only inactive) people.
    pub active: Option<bool>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

/// A person's row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::people, treat_none_as_null = true)]
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
            email: EmailAddress::parse(&self.email).map_err(|e| StoreError::corrupt("people.email", e))?,
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

/// The person, its row locked until the transaction ends (`sql::lock_row`): what a change
/// reads first.
pub(crate) fn get_for_update(conn: &mut AnyConnection, id: PersonId) -> Result<Person, StoreError> {
    crate::sql::lock_row(conn, "people", &id.to_string())?;
    get(conn, id)
}

/// One person.
pub(crate) fn get(conn: &mut AnyConnection, id: PersonId) -> Result<Person, StoreError> {
    p::people
        .find(id.to_string())
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "person", id: id.to_string() })?
        .into_domain()
}

/// The people with these ids (those that exist), in a few queries.
pub(crate) fn get_many(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = PersonId>,
) -> Result<HashMap<PersonId, Person>, StoreError> {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<PersonRow> = p::people.filter(p::id.eq_any(chunk)).select(PersonRow::as_select()).load(conn)?;
        for row in rows {
            let person = row.into_domain()?;
            out.insert(person.id, person);
        }
    }
    Ok(out)
}

/// A person with what the owner rule needs to know of them (their manager's position), in one
/// query; `None` when no person has the id.
pub(crate) fn candidate(
    conn: &mut AnyConnection,
    id: PersonId,
) -> Result<Option<(Person, OwnerCandidate)>, StoreError> {
    let managers = diesel::alias!(crate::schema::people as managers);
    let row: Option<(PersonRow, Option<String>)> = p::people
        .left_join(managers.on(p::manager_id.eq(managers.field(p::id).nullable())))
        .filter(p::id.eq(id.to_string()))
        .select((PersonRow::as_select(), managers.field(p::position).nullable()))
        .first(conn)
        .optional()?;
    let Some((row, manager_position)) = row else { return Ok(None) };
    let person = row.into_domain()?;
    let candidate = OwnerCandidate {
        id: person.id,
        position: person.position,
        active: person.active,
        manager_position: parse_opt("people.position", manager_position.as_deref())?,
    };
    Ok(Some((person, candidate)))
}

/// What the owner rule needs to know of each of these people (their manager's position), by
/// id, in one query per 500; people who do not exist are left out.
pub(crate) fn candidates(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = PersonId>,
) -> Result<HashMap<PersonId, OwnerCandidate>, StoreError> {
    let managers = diesel::alias!(crate::schema::people as managers);
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, bool, Option<String>)> = p::people
            .left_join(managers.on(p::manager_id.eq(managers.field(p::id).nullable())))
            .filter(p::id.eq_any(chunk))
            .select((p::id, p::position, p::active, managers.field(p::position).nullable()))
            .load(conn)?;
        for (id, position, active, manager_position) in rows {
            let id: PersonId = parse("people.id", &id)?;
            let candidate = OwnerCandidate {
                id,
                position: parse("people.position", &position)?,
                active,
                manager_position: parse_opt("people.position", manager_position.as_deref())?,
            };
            out.insert(id, candidate);
        }
    }
    Ok(out)
}

/// The ids of the people whose manager is `id`.
pub(crate) fn managed_by(conn: &mut AnyConnection, id: PersonId) -> Result<Vec<PersonId>, StoreError> {
    let rows: Vec<String> = p::people.filter(p::manager_id.eq(id.to_string())).select(p::id).load(conn)?;
    rows.iter().map(|r| parse("people.id", r)).collect()
}

/// The ids of these people that exist.
pub(crate) fn existing(conn: &mut AnyConnection, ids: &[PersonId]) -> Result<BTreeSet<PersonId>, StoreError> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let found: Vec<String> = p::people.filter(p::id.eq_any(keys)).select(p::id).load(conn)?;
    found.iter().map(|id| parse("people.id", id)).collect()
}

/// The person with this email, if any.
pub(crate) fn find_by_email(conn: &mut AnyConnection, email: &EmailAddress) -> Result<Option<Person>, StoreError> {
    p::people
        .filter(p::email.eq(email.as_str()))
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
        .map(PersonRow::into_domain)
        .transpose()
}

/// The id of the person who has this email, if any.
pub(crate) fn holder_of(conn: &mut AnyConnection, email: &EmailAddress) -> Result<Option<String>, StoreError> {
    Ok(p::people.filter(p::email.eq(email.as_str())).select(p::id).first(conn).optional()?)
}

/// The manager of `id`: `None` when no person has the id, `Some(None)` when they have none.
pub(crate) fn manager_of(conn: &mut AnyConnection, id: PersonId) -> Result<Option<Option<PersonId>>, StoreError> {
    let row: Option<Option<String>> = p::people.find(id.to_string()).select(p::manager_id).first(conn).optional()?;
    row.map(|m| parse_opt("people.manager_id", m.as_deref())).transpose()
}

/// How many people report to `id`.
pub(crate) fn count_managed_by(conn: &mut AnyConnection, id: PersonId) -> Result<i64, StoreError> {
    Ok(p::people.filter(p::manager_id.eq(id.to_string())).count().get_result(conn)?)
}

/// How many people belong to the unit.
pub(crate) fn count_in_unit(conn: &mut AnyConnection, unit: OrgUnitId) -> Result<i64, StoreError> {
    Ok(p::people.filter(p::org_unit_id.eq(unit.to_string())).count().get_result(conn)?)
}

pub(crate) fn insert(conn: &mut AnyConnection, person: &Person) -> Result<(), StoreError> {
    diesel::insert_into(p::people).values(PersonRow::from_domain(person)).execute(conn)?;
    Ok(())
}

pub(crate) fn update(conn: &mut AnyConnection, person: &Person) -> Result<(), StoreError> {
    diesel::update(p::people.find(person.id.to_string())).set(PersonRow::from_domain(person)).execute(conn)?;
    Ok(())
}

pub(crate) fn delete(conn: &mut AnyConnection, id: PersonId) -> Result<(), StoreError> {
    diesel::delete(p::people.find(id.to_string())).execute(conn)?;
    Ok(())
}

/// People matching `filter`, in sync order.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &PersonFilter,
    units: Option<&[String]>,
    page: &PageRequest,
) -> Result<Page<Person>, StoreError> {
    let filtered = || {
        let mut q = p::people.into_boxed();
        if let Some(text) = &filter.q {
            let pattern = contains_pattern(text);
            q = q.filter(fold(p::name).like(pattern.clone()).escape('\\').or(p::email.like(pattern).escape('\\')));
        }
        if let Some(email) = &filter.email {
            q = q.filter(p::email.eq(email.as_str().to_owned()));
        }
        if let Some(units) = units {
            q = q.filter(p::org_unit_id.eq_any(units));
        }
        if let Some(manager) = filter.manager_id {
            q = q.filter(p::manager_id.eq(manager.to_string()));
        }
        if let Some(position) = filter.position {
            q = q.filter(p::position.eq(position.as_str()));
        }
        if let Some(active) = filter.active {
            q = q.filter(p::active.eq(active));
        }
        if let Some(since) = filter.changed_since {
            q = q.filter(p::updated_at.ge(since.naive_utc()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<PersonRow> =
        keyset_page!(filtered(), p::updated_at, p::id, page).select(PersonRow::as_select()).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.updated_at, &r.id), PersonRow::into_domain)
}

/// What a reminder needs of a person: id, name, email, language, whether active, manager.
pub(crate) type PartyRow = (String, String, String, String, bool, Option<String>);

/// The narrow rows of these people (at most a few thousand ids: SQLite binds 32 766 values).
pub(crate) fn parties(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<PartyRow>, StoreError> {
    Ok(p::people
        .filter(p::id.eq_any(ids))
        .select((p::id, p::name, p::email, p::language, p::active, p::manager_id))
        .load(conn)?)
}

/// The rows of `people`, for a bulk insert.
pub(crate) fn rows(people: &[Person]) -> Vec<PersonRow> {
    people.iter().map(PersonRow::from_domain).collect()
}

/// Writes many rows, in multi-row statements.
pub(crate) fn insert_rows(conn: &mut AnyConnection, rows: &[PersonRow]) -> Result<(), StoreError> {
    insert_all!(conn, p::people, rows, 500);
    Ok(())
}
