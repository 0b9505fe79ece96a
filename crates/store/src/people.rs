//! People: possible owners, delegates and managers. Each change audited.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::{
    AuditAction, EmailAddress, EntityType, NewPerson, OrgUnitId, OwnerCandidate, Person, PersonChanges, PersonId,
    Position,
};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::{PersonRow, parse};
use crate::schema::people::dsl as p;
use crate::{AnyConnection, Store, StoreError, audit, now, org_units};

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Name or email contains this (case-insensitive).
    pub q: Option<String>,
    /// Exactly this email.
    pub email: Option<EmailAddress>,
    /// Only members of this unit.
    pub org_unit_id: Option<OrgUnitId>,
    /// Only people reporting to this manager.
    pub manager_id: Option<PersonId>,
    /// Only this position.
    pub position: Option<Position>,
    /// Only active (or only inactive) people.
    pub active: Option<bool>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

/// The people with these ids (those that exist), in a few queries.
pub(crate) fn get_many(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = PersonId>,
) -> Result<std::collections::HashMap<PersonId, Person>, StoreError> {
    let ids: Vec<String> =
        ids.into_iter().map(|id| id.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<PersonRow> = p::people.filter(p::id.eq_any(chunk)).select(PersonRow::as_select()).load(conn)?;
        for row in rows {
            let person = row.into_domain()?;
            out.insert(person.id, person);
        }
    }
    Ok(out)
}

pub(crate) fn get(conn: &mut AnyConnection, id: PersonId) -> Result<Person, StoreError> {
    p::people
        .find(id.to_string())
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "person", id: id.to_string() })?
        .into_domain()
}

/// The person `field` refers to; a missing one is refused, naming the field.
pub(crate) fn require(conn: &mut AnyConnection, field: &str, id: PersonId) -> Result<Person, StoreError> {
    match get(conn, id) {
        Err(StoreError::NotFound { .. }) => {
            Err(StoreError::invalid(field, "exists", format!("no person has the id {id}")))
        }
        other => other,
    }
}

/// What the owner rule needs to know about `person`: their position, whether they are
/// active, and their manager's position.
pub(crate) fn owner_candidate(conn: &mut AnyConnection, person: &Person) -> Result<OwnerCandidate, StoreError> {
    let manager_position = match person.manager_id {
        Some(m) => {
            let pos: Option<String> = p::people.find(m.to_string()).select(p::position).first(conn).optional()?;
            pos.map(|s| parse::<Position>("people.position", &s)).transpose()?
        }
        None => None,
    };
    Ok(OwnerCandidate { id: person.id, position: person.position, active: person.active, manager_position })
}

fn check_email_free(
    conn: &mut AnyConnection,
    email: &EmailAddress,
    except: Option<PersonId>,
) -> Result<(), StoreError> {
    let holder: Option<String> = p::people.filter(p::email.eq(email.as_str())).select(p::id).first(conn).optional()?;
    match holder {
        Some(id) if except.is_none_or(|me| me.to_string() != id) => Err(StoreError::Conflict {
            code: "email_taken",
            message: format!("another person ({id}) already has the email {email}"),
        }),
        _ => Ok(()),
    }
}

/// Refuses a manager that does not exist, or that would make someone their own manager.
fn check_manager(conn: &mut AnyConnection, person: PersonId, manager: Option<PersonId>) -> Result<(), StoreError> {
    let mut cursor = manager;
    let mut steps = 0;
    while let Some(m) = cursor {
        if m == person {
            return Err(StoreError::invalid(
                "manager_id",
                "no_cycle",
                "a person cannot report to themselves, directly or through others",
            ));
        }
        steps += 1;
        if steps > 100 {
            return Err(StoreError::invalid("manager_id", "max_depth", "the management chain is longer than 100"));
        }
        cursor = require(conn, "manager_id", m)?.manager_id;
    }
    Ok(())
}

impl Store {
    /// Registers a person.
    pub fn create_person(&self, new: NewPerson, actor: &str) -> Result<Person, StoreError> {
        self.write(|conn| {
            let id = PersonId::from_uuid(crate::new_id());
            check_email_free(conn, &new.email, None)?;
            org_units::require(conn, "org_unit_id", new.org_unit_id)?;
            check_manager(conn, id, new.manager_id)?;
            let at = now();
            let person = Person {
                id,
                name: new.name.into_string(),
                email: new.email,
                position: new.position,
                org_unit_id: new.org_unit_id,
                manager_id: new.manager_id,
                active: new.active,
                language: new.language,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            diesel::insert_into(p::people).values(PersonRow::from_domain(&person)).execute(conn)?;
            audit::record(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Create, EntityType::Person, &id.to_string()),
                None::<&()>,
                Some(&person),
            )?;
            Ok(person)
        })
    }

    /// One person.
    pub fn get_person(&self, id: PersonId) -> Result<Person, StoreError> {
        self.read(|conn| get(conn, id))
    }

    /// The person with this email, if any: how a token is matched to a person.
    pub fn find_person_by_email(&self, email: &EmailAddress) -> Result<Option<Person>, StoreError> {
        self.read(|conn| {
            p::people
                .filter(p::email.eq(email.as_str()))
                .select(PersonRow::as_select())
                .first(conn)
                .optional()?
                .map(PersonRow::into_domain)
                .transpose()
        })
    }

    /// People matching `filter`, in sync order.
    pub fn list_people(&self, filter: &PersonFilter, page: &PageRequest) -> Result<Page<Person>, StoreError> {
        let filtered = || {
            let mut q = p::people.into_boxed();
            if let Some(text) = &filter.q {
                let pattern = crate::systems::contains_pattern(text);
                q = q.filter(
                    crate::systems::lower(p::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(p::email.like(pattern).escape('\\')),
                );
            }
            if let Some(email) = &filter.email {
                q = q.filter(p::email.eq(email.as_str().to_owned()));
            }
            if let Some(unit) = filter.org_unit_id {
                q = q.filter(p::org_unit_id.eq(unit.to_string()));
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
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<PersonRow> =
                keyset_page!(filtered(), p::updated_at, p::id, page).select(PersonRow::as_select()).load(conn)?;
            Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.updated_at, &r.id), PersonRow::into_domain)
        })
    }

    /// Changes a person.
    pub fn update_person(
        &self,
        id: PersonId,
        changes: &PersonChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<Person, StoreError> {
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            if let Some(email) = &changes.email {
                check_email_free(conn, email, Some(id))?;
            }
            if let Some(unit) = changes.org_unit_id {
                org_units::require(conn, "org_unit_id", unit)?;
            }
            if let Some(manager) = changes.manager_id {
                check_manager(conn, id, manager)?;
            }
            let mut after = changes.apply(before.clone());
            let at = now();
            after.version = before.version + 1;
            after.updated_at = at;
            diesel::update(p::people.find(id.to_string())).set(PersonRow::from_domain(&after)).execute(conn)?;
            audit::record(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Update, EntityType::Person, &id.to_string()),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a person who owns, delegates for and manages nothing. People who leave are
    /// usually made inactive instead, which keeps the history readable.
    pub fn delete_person(&self, id: PersonId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        use crate::schema::{system_delegates::dsl as d, systems::dsl as s};
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let key = id.to_string();
            let owns: i64 = s::systems.filter(s::owner_id.eq(&key)).count().get_result(conn)?;
            let delegated: i64 = d::system_delegates.filter(d::person_id.eq(&key)).count().get_result(conn)?;
            let reports: i64 = p::people.filter(p::manager_id.eq(&key)).count().get_result(conn)?;
            if owns + delegated + reports > 0 {
                return Err(StoreError::Conflict {
                    code: "person_in_use",
                    message: format!(
                        "the person owns {owns} system(s), is a delegate for {delegated} and manages {reports} person(s); hand these over first, or set `active` to false"
                    ),
                });
            }
            diesel::delete(p::people.find(&key)).execute(conn)?;
            let at = now();
            audit::record_deletion(conn, &audit::Entry::new(at, actor, AuditAction::Delete, EntityType::Person, &key), &before)
        })
    }
}
