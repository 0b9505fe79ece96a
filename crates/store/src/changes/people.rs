//! People: register, change, delete.

use systemejer_domain::{AuditAction, EmailAddress, EntityType, NewPerson, Person, PersonChanges, PersonId};

use crate::audit::{self, Entry};
use crate::facts;
use crate::tables::origins::{self, Origin};
use crate::tables::{org_units, people, risk_measures, systems};
use crate::{AnyConnection, Store, StoreError, check_version, duties, new_id, now};

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

/// Writes a new person and its audit event.
fn insert_new(conn: &mut AnyConnection, new: NewPerson, actor: &str) -> Result<Person, StoreError> {
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
}

impl Store {
    /// Registers a person.
    pub fn create_person(&self, new: NewPerson, actor: &str) -> Result<Person, StoreError> {
        self.write(|conn| insert_new(conn, new, actor))
    }

    /// Registers a person an import brings, with where it came from (`origin`, whose
    /// entity id is the new one's), in one transaction.
    pub fn import_person(&self, new: NewPerson, mut origin: Origin, actor: &str) -> Result<Person, StoreError> {
        self.write(|conn| {
            let created = insert_new(conn, new, actor)?;
            origin.entity_id = created.id.to_string();
            origins::insert(conn, std::slice::from_ref(&origin))?;
            Ok(created)
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
            // Whether an owner may still own: their own systems, and (when their position
            // changed) those of the leaders under them, whose eligibility follows it.
            let eligibility =
                (before.active, before.position, before.manager_id) != (after.active, after.position, after.manager_id);
            if eligibility {
                let mut owners = vec![id];
                if before.position != after.position {
                    owners.extend(people::managed_by(conn, id)?);
                }
                let day = self.day_on(self.today());
                for system in systems::ids_owned_by_any(conn, &owners)? {
                    let mut facts = facts::load(conn, system)?;
                    duties::sync(conn, &mut facts, day)?;
                }
            }
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
            let measures = risk_measures::count_responsible(conn, &id.to_string())?;
            if owns + delegated + reports + measures > 0 {
                return Err(StoreError::Conflict {
                    code: "person_in_use",
                    message: format!(
                        "the person owns {owns} system(s), is a delegate for {delegated}, manages {reports} person(s) and is responsible for {measures} risk measure(s); hand these over first, or set `active` to false"
                    ),
                });
            }
            people::delete(conn, id)?;
            let key = id.to_string();
            audit::record_deletion(conn, &Entry::new(now(), actor, AuditAction::Delete, EntityType::Person, &key), &before)
        })
    }
}
