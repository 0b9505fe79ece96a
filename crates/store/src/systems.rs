//! Systems: their description, owner and delegates, and their lifecycle transitions. The
//! owner rule and the lifecycle gates of the domain are checked here, inside the transaction
//! that writes the change.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::lifecycle::{self, Refusal, TransitionFacts, TransitionRequest, Unmet};
use systemejer_domain::{
    AuditAction, Delegate, EntityType, LifecycleState, NewSystem, OrgUnitId, PersonId, System, SystemChanges, SystemId,
    TransitionRecord, Violation,
};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::{SystemRow, parse};
use crate::schema::{lifecycle_transitions::dsl as t, system_delegates::dsl as d, systems::dsl as s};
use crate::{AnyConnection, Store, StoreError, audit, now, org_units, people, records};

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern matching text that contains `needle` (lower-cased, wildcards escaped
/// with `\`).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let escaped = needle.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Which systems to list.
#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    /// Name contains this (case-insensitive).
    pub q: Option<String>,
    /// Only systems in this state.
    pub lifecycle_state: Option<LifecycleState>,
    /// Only systems this person owns.
    pub owner_id: Option<PersonId>,
    /// Only systems of this unit.
    pub org_unit_id: Option<OrgUnitId>,
    /// Only systems where this person is a delegate.
    pub delegate_id: Option<PersonId>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

fn load_delegates(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, Vec<Delegate>>, StoreError> {
    let rows: Vec<(String, String, String)> = d::system_delegates
        .filter(d::system_id.eq_any(ids))
        .select((d::system_id, d::person_id, d::role))
        .load(conn)?;
    group_delegates(rows)
}

/// Delegate rows `(system_id, person_id, role)` by system, each system's in the register's
/// order (by person id).
pub(crate) fn group_delegates(
    rows: Vec<(String, String, String)>,
) -> Result<HashMap<String, Vec<Delegate>>, StoreError> {
    let mut out: HashMap<String, Vec<Delegate>> = HashMap::new();
    for (system, person, role) in rows {
        out.entry(system).or_default().push(Delegate {
            person_id: parse("system_delegates.person_id", &person)?,
            role: parse("system_delegates.role", &role)?,
        });
    }
    for delegates in out.values_mut() {
        delegates.sort_by_key(|d| d.person_id);
    }
    Ok(out)
}

fn with_delegates(conn: &mut AnyConnection, rows: Vec<SystemRow>) -> Result<Vec<System>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut delegates = load_delegates(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let list = delegates.remove(&row.id).unwrap_or_default();
            row.into_domain().map(|mut system| {
                system.delegates = list;
                system
            })
        })
        .collect()
}

/// The systems with these ids (those that exist), by id, in a few queries.
pub(crate) fn get_many(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, System>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    // 500 ids a query: far below either backend's limit on bound parameters.
    for chunk in ids.chunks(500) {
        let rows: Vec<SystemRow> = s::systems.filter(s::id.eq_any(chunk)).select(SystemRow::as_select()).load(conn)?;
        for system in with_delegates(conn, rows)? {
            out.insert(system.id.to_string(), system);
        }
    }
    Ok(out)
}

/// One system with its delegates, in one query (the API's most frequent read).
pub(crate) fn get(conn: &mut AnyConnection, id: SystemId) -> Result<System, StoreError> {
    let rows: Vec<(SystemRow, Option<(String, String)>)> = s::systems
        .left_join(d::system_delegates)
        .filter(s::id.eq(id.to_string()))
        .select((SystemRow::as_select(), (d::person_id, d::role).nullable()))
        .order(d::person_id)
        .load(conn)?;
    let mut rows = rows.into_iter();
    let (row, first) = rows.next().ok_or_else(|| StoreError::NotFound { entity: "system", id: id.to_string() })?;
    let mut system = row.into_domain()?;
    system.delegates = first
        .into_iter()
        .chain(rows.filter_map(|(_, delegate)| delegate))
        .map(|(person, role)| {
            Ok(Delegate {
                person_id: parse("system_delegates.person_id", &person)?,
                role: parse("system_delegates.role", &role)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(system)
}

/// The values of one delegate's row.
pub(crate) type DelegateValues = (
    diesel::dsl::Eq<d::system_id, String>,
    diesel::dsl::Eq<d::person_id, String>,
    diesel::dsl::Eq<d::role, &'static str>,
);

/// The rows of a system's delegates.
pub(crate) fn delegate_values(system: &System) -> Vec<DelegateValues> {
    system
        .delegates
        .iter()
        .map(|delegate| {
            (
                d::system_id.eq(system.id.to_string()),
                d::person_id.eq(delegate.person_id.to_string()),
                d::role.eq(delegate.role.as_str()),
            )
        })
        .collect()
}

fn save_delegates(conn: &mut AnyConnection, system: &System) -> Result<(), StoreError> {
    let key = system.id.to_string();
    diesel::delete(d::system_delegates.filter(d::system_id.eq(&key))).execute(conn)?;
    for row in delegate_values(system) {
        diesel::insert_into(d::system_delegates).values(row).execute(conn)?;
    }
    Ok(())
}

/// Checks who the system refers to: an owner who exists and is eligible (checked when the
/// owner is set or changed), delegates who exist, each once and not the owner, and the unit.
fn check_references(conn: &mut AnyConnection, system: &System, before: Option<&System>) -> Result<(), StoreError> {
    let mut violations: Vec<Violation> = system
        .personal_data_contradictions()
        .into_iter()
        .map(|(field, message)| Violation::new(field, "consistent_personal_data", message))
        .collect();
    let owner_changed = before.is_none_or(|b| b.owner_id != system.owner_id);
    match system.owner_id {
        Some(owner) if owner_changed => match people::require(conn, "owner_id", owner) {
            Ok(person) => {
                if let Err(why) = people::owner_candidate(conn, &person)?.eligibility() {
                    violations.push(Violation::new("owner_id", why.code(), why.to_string()));
                }
            }
            Err(StoreError::Invalid(v)) => violations.extend(v),
            Err(other) => return Err(other),
        },
        None if matches!(
            system.lifecycle_state,
            LifecycleState::InUse | LifecycleState::Changing | LifecycleState::Decommissioning
        ) =>
        {
            violations.push(Violation::new(
                "owner_id",
                "required",
                format!("a system that is {} must keep an owner", system.lifecycle_state),
            ));
        }
        _ => {}
    }
    for (i, delegate) in system.delegates.iter().enumerate() {
        let field = format!("delegates[{i}].person_id");
        if system.delegates[..i].iter().any(|d| d.person_id == delegate.person_id) {
            violations.push(Violation::new(&field, "unique", "the same person is listed twice"));
        } else if Some(delegate.person_id) == system.owner_id {
            violations.push(Violation::new(&field, "not_owner", "the owner cannot also be a delegate"));
        } else if let Err(StoreError::Invalid(v)) = people::require(conn, &field, delegate.person_id) {
            violations.extend(v);
        }
    }
    if let Err(StoreError::Invalid(v)) = org_units::require(conn, "org_unit_id", system.org_unit_id) {
        violations.extend(v);
    }
    if violations.is_empty() { Ok(()) } else { Err(StoreError::Invalid(violations)) }
}

/// Gathers the facts the lifecycle gates look at and evaluates the requested move.
fn evaluate(
    conn: &mut AnyConnection,
    system: &System,
    request: &TransitionRequest,
    today: NaiveDate,
) -> Result<Result<LifecycleState, Refusal>, StoreError> {
    let owner = match system.owner_id {
        Some(id) => {
            let person = people::get(conn, id)?;
            Some(people::owner_candidate(conn, &person)?)
        }
        None => None,
    };
    let records = records::load(conn, system)?;
    let facts = TransitionFacts {
        system,
        owner,
        records: &records,
        reason: request.reason.as_ref().map(|r| r.as_str()),
        change_description: request.change_description.as_ref().map(|d| d.as_str()),
        dpia_needed: request.dpia_needed,
        today,
    };
    Ok(lifecycle::evaluate(system.lifecycle_state, request.to, &facts))
}

type TransitionRow = (String, String, String, String, Option<String>, String, NaiveDateTime);

impl Store {
    /// Registers a system, in procurement.
    pub fn create_system(&self, new: NewSystem, actor: &str) -> Result<System, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let system = new.into_system(SystemId::from_uuid(crate::new_id()), now());
            check_references(conn, &system, None)?;
            diesel::insert_into(s::systems).values(SystemRow::from_domain(&system)).execute(conn)?;
            save_delegates(conn, &system)?;
            crate::obligations::sync(conn, system.id, today)?;
            audit::record(
                conn,
                &audit::Entry::new(
                    system.created_at,
                    actor,
                    AuditAction::Create,
                    EntityType::System,
                    &system.id.to_string(),
                ),
                None::<&()>,
                Some(&system),
            )?;
            Ok(system)
        })
    }

    /// One system.
    pub fn get_system(&self, id: SystemId) -> Result<System, StoreError> {
        self.read(|conn| get(conn, id))
    }

    /// Systems matching `filter`, in sync order.
    pub fn list_systems(&self, filter: &SystemFilter, page: &PageRequest) -> Result<Page<System>, StoreError> {
        let filtered = || {
            let mut q = s::systems.into_boxed();
            if let Some(text) = &filter.q {
                q = q.filter(lower(s::name).like(contains_pattern(text)).escape('\\'));
            }
            if let Some(state) = filter.lifecycle_state {
                q = q.filter(s::lifecycle_state.eq(state.as_str()));
            }
            if let Some(owner) = filter.owner_id {
                q = q.filter(s::owner_id.eq(owner.to_string()));
            }
            if let Some(unit) = filter.org_unit_id {
                q = q.filter(s::org_unit_id.eq(unit.to_string()));
            }
            if let Some(delegate) = filter.delegate_id {
                let delegated = d::system_delegates.filter(d::person_id.eq(delegate.to_string())).select(d::system_id);
                q = q.filter(s::id.eq_any(delegated));
            }
            if let Some(since) = filter.changed_since {
                q = q.filter(s::updated_at.ge(since.naive_utc()));
            }
            q
        };
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<SystemRow> =
                keyset_page!(filtered(), s::updated_at, s::id, page).select(SystemRow::as_select()).load(conn)?;
            let more = rows.len() as i64 > page.limit;
            let position = rows
                .get(usize::try_from(page.limit).unwrap_or(0).saturating_sub(1))
                .map(|r| Cursor::new(r.updated_at, &r.id));
            let mut systems = with_delegates(conn, rows)?;
            systems.truncate(usize::try_from(page.limit).unwrap_or(0));
            Ok(Page { items: systems, total, next_cursor: if more { position.map(|c| c.encode()) } else { None } })
        })
    }

    /// Changes a system's description, owner or delegates.
    pub fn update_system(
        &self,
        id: SystemId,
        changes: &SystemChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<System, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let mut after = changes.apply(before.clone());
            check_references(conn, &after, Some(&before))?;
            after.version = before.version + 1;
            after.updated_at = now();
            diesel::update(s::systems.find(id.to_string())).set(SystemRow::from_domain(&after)).execute(conn)?;
            if changes.delegates.is_some() {
                save_delegates(conn, &after)?;
            }
            crate::obligations::sync(conn, id, today)?;
            audit::record(
                conn,
                &audit::Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::System, &id.to_string()),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a system (for registrations made by mistake; a system that ran is retired,
    /// not deleted). Its transitions and delegates go with it; the audit log keeps them.
    pub fn delete_system(&self, id: SystemId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = get(conn, id)?;
            crate::check_version(expected, before.version)?;
            let key = id.to_string();
            diesel::delete(d::system_delegates.filter(d::system_id.eq(&key))).execute(conn)?;
            diesel::delete(t::lifecycle_transitions.filter(t::system_id.eq(&key))).execute(conn)?;
            diesel::delete(s::systems.find(&key)).execute(conn)?;
            let at = now();
            audit::record_deletion(
                conn,
                &audit::Entry::new(at, actor, AuditAction::Delete, EntityType::System, &key),
                &before,
            )
        })
    }

    /// Moves a system as `request` asks if every gate is met; otherwise nothing changes and
    /// the refusal lists every unmet requirement. Entering `changing` opens a change; going
    /// back into use closes it; entering `decommissioning` creates the exit checklist.
    pub fn transition_system(
        &self,
        id: SystemId,
        request: &TransitionRequest,
        actor: &str,
    ) -> Result<System, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let before = get(conn, id)?;
            let next = evaluate(conn, &before, request, today)?.map_err(StoreError::Refused)?;
            let mut after = before.clone();
            after.lifecycle_state = next;
            after.version = before.version + 1;
            after.updated_at = now();
            let at = after.updated_at;
            diesel::update(s::systems.find(id.to_string()))
                .set((
                    s::lifecycle_state.eq(next.as_str()),
                    s::version.eq(after.version),
                    s::updated_at.eq(at.naive_utc()),
                ))
                .execute(conn)?;
            match (before.lifecycle_state, next) {
                (_, LifecycleState::Changing) => records::start_change(
                    conn,
                    id,
                    request.change_description.as_ref().map_or("", |d| d.as_str()),
                    request.dpia_needed.unwrap_or(true),
                    actor,
                    at,
                )?,
                (LifecycleState::Changing, _) => records::end_change(conn, id, at)?,
                (_, LifecycleState::Decommissioning) => records::create_exit_checklist(conn, id)?,
                _ => {}
            }
            crate::obligations::sync(conn, id, today)?;
            let reason = request.reason.as_ref().map(|r| r.as_str());
            diesel::insert_into(t::lifecycle_transitions)
                .values((
                    t::id.eq(crate::new_id().to_string()),
                    t::system_id.eq(id.to_string()),
                    t::from_state.eq(before.lifecycle_state.as_str()),
                    t::to_state.eq(next.as_str()),
                    t::reason.eq(reason.or(request.change_description.as_ref().map(|d| d.as_str()))),
                    t::actor.eq(actor),
                    t::occurred_at.eq(at.naive_utc()),
                ))
                .execute(conn)?;
            let key = id.to_string();
            let entry = audit::Entry::new(at, actor, AuditAction::Transition, EntityType::System, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// What `request` would find unmet now, without moving: empty when it would pass.
    pub fn readiness(&self, id: SystemId, request: &TransitionRequest) -> Result<Vec<Unmet>, StoreError> {
        let today = self.today();
        self.read(|conn| {
            let system = get(conn, id)?;
            match evaluate(conn, &system, request, today)? {
                Ok(_) => Ok(Vec::new()),
                Err(Refusal::Unmet(unmet)) => Ok(unmet),
                Err(refusal @ Refusal::NotAllowed { .. }) => Err(StoreError::Refused(refusal)),
            }
        })
    }

    /// A system's lifecycle history, oldest first.
    pub fn list_transitions(&self, id: SystemId) -> Result<Vec<TransitionRecord>, StoreError> {
        self.read(|conn| {
            get(conn, id)?;
            let rows: Vec<TransitionRow> = t::lifecycle_transitions
                .filter(t::system_id.eq(id.to_string()))
                .select((t::id, t::system_id, t::from_state, t::to_state, t::reason, t::actor, t::occurred_at))
                .order((t::occurred_at.asc(), t::id.asc()))
                .load(conn)?;
            rows.into_iter()
                .map(|r| {
                    Ok(TransitionRecord {
                        id: parse("lifecycle_transitions.id", &r.0)?,
                        system_id: parse("lifecycle_transitions.system_id", &r.1)?,
                        from: parse("lifecycle_transitions.from_state", &r.2)?,
                        to: parse("lifecycle_transitions.to_state", &r.3)?,
                        reason: r.4,
                        actor: r.5,
                        occurred_at: r.6.and_utc(),
                    })
                })
                .collect()
        })
    }
}
