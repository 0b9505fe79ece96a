//! People: register, change, delete.

use systemejer_domain::{AuditAction, EmailAddress, EntityType, NewPerson, Person, PersonChanges, PersonId};

use crate::audit::{self, Entry};
use crate::tables::{org_units, people, systems};
use crate::{AnyConnection, Store, StoreError, check_version, new_id, now};

fn check_email_free(
    conn: &mut AnyConnection,
    email: &EmailAddress,
    except: Option<PersonId>,
) -> Result<(), StoreError> {
    match people::holder_of(conn, email)? {
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
        cursor = people::manager_of(conn, m)?
            .ok_or_else(|| StoreError::invalid("manager_id", "exists", format!("no person has the id {m}")))?;
    }
    Ok(())
}

impl Store {
    /// Registers a person.
    pub fn create_person(&self, new: NewPerson, actor: &str) -> Result<Person, StoreError> {
        self.write(|conn| {
            let id = PersonId::from_uuid(new_id());
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
            people::insert(conn, &person)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Create, EntityType::Person, &key),
                None::<&()>,
                Some(&person),
            )?;
            Ok(person)
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
            let before = people::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
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
            people::update(conn, &after)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Update, EntityType::Person, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a person who owns, delegates for and manages nothing. People who leave are
    /// usually made inactive instead, which keeps the history readable.
    pub fn delete_person(&self, id: PersonId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = people::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let (owns, delegated) = systems::count_roles_of(conn, id)?;
            let reports = people::count_managed_by(conn, id)?;
            if owns + delegated + reports > 0 {
                return Err(StoreError::Conflict {
                    code: "person_in_use",
                    message: format!(
                        "the person owns {owns} system(s), is a delegate for {delegated} and manages {reports} person(s); hand these over first, or set `active` to false"
                    ),
                });
            }
            people::delete(conn, id)?;
            let key = id.to_string();
            audit::record_deletion(conn, &Entry::new(now(), actor, AuditAction::Delete, EntityType::Person, &key), &before)
        })
    }
}
