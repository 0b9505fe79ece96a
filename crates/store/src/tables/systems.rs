//! The `systems` table and `system_delegates`, the delegates that exist only with their system.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::{Delegate, LifecycleState, OrgUnitId, PersonId, System, SystemId};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::{system_delegates::dsl as d, systems::dsl as s};
use crate::sql::{contains_pattern, fold, from_json, insert_all, parse, parse_opt, to_json};
use crate::{AnyConnection, StoreError};
use systemejer_domain::org::UnitScope;

/// Which systems to list.
#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    /// Name contains this (case-insensitive).
    pub q: Option<String>,
    /// Only systems in this state.
    pub lifecycle_state: Option<LifecycleState>,
    /// Only systems this person owns.
    pub owner_id: Option<PersonId>,
    /// Only systems of this unit (and, by `org_unit_scope`, of the units below it).
    pub org_unit_id: Option<OrgUnitId>,
    /// Whether `org_unit_id` takes the units below it too.
    pub org_unit_scope: UnitScope,
    /// Only systems where this person is a delegate.
    pub delegate_id: Option<PersonId>,
    /// Changed at or after this time.
    pub changed_since: Option<DateTime<Utc>>,
}

/// A system's row (its delegates have their own).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::systems, treat_none_as_null = true)]
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
    pub successor_id: Option<String>,
    pub hosted_at: Option<String>,
    pub no_processor_reason: Option<String>,
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
            successor_id: s.successor_id.map(|x| x.to_string()),
            hosted_at: s.hosted_at.map(|h| h.as_str().to_owned()),
            no_processor_reason: s.no_processor_reason.clone(),
        }
    }

    /// The system without its delegates and predecessors.
    pub fn into_domain(self) -> Result<System, StoreError> {
        Ok(System {
            id: parse("systems.id", &self.id)?,
            name: self.name,
            kind: parse("systems.kind", &self.kind)?,
            purpose: self.purpose,
            description: self.description,
            vendor: self.vendor,
            hosting: self.hosting,
            hosted_at: parse_opt("systems.hosted_at", self.hosted_at.as_deref())?,
            no_processor_reason: self.no_processor_reason,
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
            successor_id: parse_opt("systems.successor_id", self.successor_id.as_deref())?,
            predecessor_ids: Vec::new(),
            lifecycle_state: parse("systems.lifecycle_state", &self.lifecycle_state)?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn delegate(person: &str, role: &str) -> Result<Delegate, StoreError> {
    Ok(Delegate {
        person_id: parse("system_delegates.person_id", person)?,
        role: parse("system_delegates.role", role)?,
    })
}

/// Delegate rows `(system_id, person_id, role)` by system, each system's in the register's
/// order (by person id).
pub(crate) fn group_delegates(
    rows: Vec<(String, String, String)>,
) -> Result<HashMap<String, Vec<Delegate>>, StoreError> {
    let mut out: HashMap<String, Vec<Delegate>> = HashMap::new();
    for (system, person, role) in rows {
        out.entry(system).or_default().push(delegate(&person, &role)?);
    }
    for delegates in out.values_mut() {
        delegates.sort_by_key(|d| d.person_id);
    }
    Ok(out)
}

/// The systems of `rows`, each with its delegates (one more query).
fn with_delegates(conn: &mut AnyConnection, rows: Vec<SystemRow>) -> Result<Vec<System>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut delegates = group_delegates(
        d::system_delegates
            .filter(d::system_id.eq_any(&ids))
            .select((d::system_id, d::person_id, d::role))
            .load(conn)?,
    )?;
    let mut predecessors = predecessors_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let list = delegates.remove(&row.id).unwrap_or_default();
            let before = predecessors.remove(&row.id).unwrap_or_default();
            row.into_domain().map(|mut system| {
                system.delegates = list;
                system.predecessor_ids = before;
                system
            })
        })
        .collect()
}

/// For each of the systems `ids`: the systems that name it as their successor, by id.
fn predecessors_of(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, Vec<SystemId>>, StoreError> {
    let pairs: Vec<(Option<String>, String)> =
        s::systems.filter(s::successor_id.eq_any(ids)).select((s::successor_id, s::id)).order(s::id).load(conn)?;
    let mut out: HashMap<String, Vec<SystemId>> = HashMap::new();
    for (successor, id) in pairs {
        if let Some(successor) = successor {
            out.entry(successor).or_default().push(parse("systems.id", &id)?);
        }
    }
    Ok(out)
}

/// The system, its row locked until the transaction ends (`sql::lock_row`): what a change
/// reads first.
pub(crate) fn get_for_update(conn: &mut AnyConnection, id: SystemId) -> Result<System, StoreError> {
    crate::sql::lock_row(conn, "systems", &id.to_string())?;
    get(conn, id)
}

/// A delegate's person and role, as their columns hold them.
type DelegateCells = (String, String);

/// One system with its delegates, in one query (the API's most frequent read).
/// Every system's id and name, in one read.
pub(crate) fn all_names(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(s::systems.select((s::id, s::name)).load(conn)?)
}

pub(crate) fn get(conn: &mut AnyConnection, id: SystemId) -> Result<System, StoreError> {
    // The systems that name this one as their successor come in the same query: a row per
    // (delegate, predecessor) pair, both lists short.
    let before = diesel::alias!(crate::schema::systems as predecessors);
    let rows: Vec<(SystemRow, Option<DelegateCells>, Option<String>)> = s::systems
        .left_join(d::system_delegates)
        .left_join(before.on(before.field(s::successor_id).eq(s::id.nullable())))
        .filter(s::id.eq(id.to_string()))
        .select((SystemRow::as_select(), (d::person_id, d::role).nullable(), before.field(s::id).nullable()))
        .order((d::person_id, before.field(s::id)))
        .load(conn)?;
    let mut rows = rows.into_iter().peekable();
    let Some((row, _, _)) = rows.peek().cloned() else {
        return Err(StoreError::NotFound { entity: "system", id: id.to_string() });
    };
    let mut system = row.into_domain()?;
    for (_, delegate_of, predecessor) in rows {
        if let Some((person, role)) = delegate_of {
            let delegate = delegate(&person, &role)?;
            if !system.delegates.contains(&delegate) {
                system.delegates.push(delegate);
            }
        }
        if let Some(predecessor) = predecessor {
            let predecessor: SystemId = parse("systems.id", &predecessor)?;
            if !system.predecessor_ids.contains(&predecessor) {
                system.predecessor_ids.push(predecessor);
            }
        }
    }
    Ok(system)
}

/// The systems with these ids (those that exist), by id, in two queries per 500.
pub(crate) fn get_many(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, System>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<SystemRow> = s::systems.filter(s::id.eq_any(chunk)).select(SystemRow::as_select()).load(conn)?;
        for system in with_delegates(conn, rows)? {
            out.insert(system.id.to_string(), system);
        }
    }
    Ok(out)
}

/// The successor a system names: `None` when there is no such system, `Some(None)` when it
/// names none.
pub(crate) fn successor_of(conn: &mut AnyConnection, id: SystemId) -> Result<Option<Option<SystemId>>, StoreError> {
    let found: Option<Option<String>> =
        s::systems.filter(s::id.eq(id.to_string())).select(s::successor_id).first(conn).optional()?;
    found.map(|next| parse_opt("systems.successor_id", next.as_deref())).transpose()
}

/// The systems `owner` owns that are not retired, by name.
pub(crate) fn owned_by(conn: &mut AnyConnection, owner: PersonId) -> Result<Vec<(String, String)>, StoreError> {
    Ok(s::systems
        .filter(s::owner_id.eq(owner.to_string()))
        .filter(s::lifecycle_state.ne(LifecycleState::Retired.as_str()))
        .order((s::name.asc(), s::id.asc()))
        .select((s::id, s::name))
        .load(conn)?)
}

/// The systems any of `owners` owns, retired or not.
pub(crate) fn ids_owned_by_any(conn: &mut AnyConnection, owners: &[PersonId]) -> Result<Vec<SystemId>, StoreError> {
    let keys: Vec<String> = owners.iter().map(ToString::to_string).collect();
    let found: Vec<String> = s::systems.filter(s::owner_id.eq_any(keys)).order(s::id).select(s::id).load(conn)?;
    found.iter().map(|id| parse("systems.id", id)).collect()
}

/// The ids of every system, by name in Danish order.
pub(crate) fn ids_by_name(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(in_danish_order(s::systems.select((s::id, s::name)).load(conn)?))
}

/// The ids, by name in Danish order, of the systems that process personal data and are not
/// retired.
pub(crate) fn ids_with_personal_data(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let rows = s::systems
        .filter(s::processes_personal_data.eq(true))
        .filter(s::lifecycle_state.ne(LifecycleState::Retired.as_str()))
        .select((s::id, s::name))
        .load(conn)?;
    Ok(in_danish_order(rows))
}

/// The ids of `(id, name)` rows, ordered by name as a Danish reader expects (case aside, Æ, Ø,
/// Å after Z), the same on both backends whatever their collation; then by id.
fn in_danish_order(mut rows: Vec<(String, String)>) -> Vec<String> {
    rows.sort_by_cached_key(|(id, name)| (systemejer_domain::danish::sort_key(name), name.clone(), id.clone()));
    rows.into_iter().map(|(id, _)| id).collect()
}

/// The ids of these systems that exist.
pub(crate) fn existing(conn: &mut AnyConnection, ids: &[SystemId]) -> Result<Vec<SystemId>, StoreError> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let found: Vec<String> = s::systems.filter(s::id.eq_any(keys)).select(s::id).load(conn)?;
    found.iter().map(|id| parse("systems.id", id)).collect()
}

/// How many systems the person owns, and for how many they are a delegate.
pub(crate) fn count_roles_of(conn: &mut AnyConnection, person: PersonId) -> Result<(i64, i64), StoreError> {
    let key = person.to_string();
    let owns: i64 = s::systems.filter(s::owner_id.eq(&key)).count().get_result(conn)?;
    let delegated: i64 = d::system_delegates.filter(d::person_id.eq(&key)).count().get_result(conn)?;
    Ok((owns, delegated))
}

/// How many systems belong to the unit.
pub(crate) fn count_in_unit(conn: &mut AnyConnection, unit: OrgUnitId) -> Result<i64, StoreError> {
    Ok(s::systems.filter(s::org_unit_id.eq(unit.to_string())).count().get_result(conn)?)
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

/// Writes a new system and its delegates.
pub(crate) fn insert(conn: &mut AnyConnection, system: &System) -> Result<(), StoreError> {
    diesel::insert_into(s::systems).values(SystemRow::from_domain(system)).execute(conn)?;
    let delegates = delegate_values(system);
    insert_all!(conn, d::system_delegates, delegates, 1000);
    Ok(())
}

/// Writes a system's row (not its delegates).
pub(crate) fn update(conn: &mut AnyConnection, system: &System) -> Result<(), StoreError> {
    diesel::update(s::systems.find(system.id.to_string())).set(SystemRow::from_domain(system)).execute(conn)?;
    Ok(())
}

/// Replaces a system's delegates with those it lists.
pub(crate) fn replace_delegates(conn: &mut AnyConnection, system: &System) -> Result<(), StoreError> {
    diesel::delete(d::system_delegates.filter(d::system_id.eq(system.id.to_string()))).execute(conn)?;
    let delegates = delegate_values(system);
    insert_all!(conn, d::system_delegates, delegates, 1000);
    Ok(())
}

/// Writes a system's lifecycle state, version and time of change.
pub(crate) fn set_state(conn: &mut AnyConnection, system: &System) -> Result<(), StoreError> {
    diesel::update(s::systems.find(system.id.to_string()))
        .set((
            s::lifecycle_state.eq(system.lifecycle_state.as_str()),
            s::version.eq(system.version),
            s::updated_at.eq(system.updated_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a system and its delegates.
pub(crate) fn delete(conn: &mut AnyConnection, id: SystemId) -> Result<(), StoreError> {
    let key = id.to_string();
    diesel::delete(d::system_delegates.filter(d::system_id.eq(&key))).execute(conn)?;
    diesel::delete(s::systems.find(&key)).execute(conn)?;
    Ok(())
}

/// Systems matching `filter`, in sync order.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: &SystemFilter,
    units: Option<&[String]>,
    page: &PageRequest,
) -> Result<Page<System>, StoreError> {
    let filtered = || {
        let mut q = s::systems.into_boxed();
        if let Some(text) = &filter.q {
            q = q.filter(fold(s::name).like(contains_pattern(text)).escape('\\'));
        }
        if let Some(state) = filter.lifecycle_state {
            q = q.filter(s::lifecycle_state.eq(state.as_str()));
        }
        if let Some(owner) = filter.owner_id {
            q = q.filter(s::owner_id.eq(owner.to_string()));
        }
        if let Some(units) = units {
            q = q.filter(s::org_unit_id.eq_any(units));
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
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<SystemRow> =
        keyset_page!(filtered(), s::updated_at, s::id, page).select(SystemRow::as_select()).load(conn)?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > page.limit;
    let keep = usize::try_from(page.limit).unwrap_or(0);
    let position = rows.get(keep.saturating_sub(1)).map(|r| Cursor::new(r.updated_at, &r.id));
    let mut systems = with_delegates(conn, rows)?;
    systems.truncate(keep);
    Ok(Page { items: systems, total, next_cursor: if more { position.map(|c| c.encode()) } else { None } })
}

/// The delegates of the systems that have a due duty assigned to no one in particular: what
/// the reminder pass needs to pick each such duty's assignee.
pub(crate) fn delegates_of_unassigned_due(
    conn: &mut AnyConnection,
    until: NaiveDate,
) -> Result<HashMap<String, Vec<Delegate>>, StoreError> {
    use crate::schema::obligations::dsl as o;
    let unassigned =
        o::obligations.filter(o::next_due_on.le(until)).filter(o::assignee_id.is_null()).select(o::system_id);
    group_delegates(
        d::system_delegates
            .filter(d::system_id.eq_any(unassigned))
            .select((d::system_id, d::person_id, d::role))
            .load(conn)?,
    )
}

/// Writes many systems and delegates, in multi-row statements.
pub(crate) fn insert_rows(
    conn: &mut AnyConnection,
    systems: &[SystemRow],
    delegates: &[DelegateValues],
) -> Result<(), StoreError> {
    insert_all!(conn, s::systems, systems, 500);
    insert_all!(conn, d::system_delegates, delegates, 1000);
    Ok(())
}

/// The rows of `systems` and of their delegates, for a bulk insert.
pub(crate) fn rows(systems: &[&System]) -> (Vec<SystemRow>, Vec<DelegateValues>) {
    (
        systems.iter().map(|s| SystemRow::from_domain(s)).collect(),
        systems.iter().flat_map(|s| delegate_values(s)).collect(),
    )
}
