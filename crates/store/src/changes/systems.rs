//! Systems: register, describe, delete, and move through the lifecycle. Who may own a system
//! and the lifecycle's gates are the domain's; they are asked here, inside the transaction that
//! writes the change, against facts read once.

use std::collections::BTreeSet;

use systemejer_domain::exit::{ExitStep, ExitStepKind};
use systemejer_domain::records::SystemChange;
use systemejer_domain::webhooks::EventType;
use systemejer_domain::{
    AuditAction, EntityType, LifecycleState, NewSystem, OwnerHandover, OwnerHandoverRequest, PersonId, RecordId,
    System, SystemChanges, SystemId, TransitionRecord, TransitionRequest, Violation,
};

use crate::audit::{self, Entry};
use crate::events::{self, Event, system_path};
use crate::facts::{self, Facts};
use crate::tables::{exit_steps, org_units, owner_handovers, people, system_changes, systems, transitions};
use crate::{AnyConnection, Store, StoreError, check_version, duties, new_id, now};

/// Checks who the system refers to: an owner who exists and is eligible (checked when the
/// owner is set or changed), delegates who exist, each once and not the owner, and the unit.
/// Every problem is named; a few queries whatever the number of delegates.
fn check_references(conn: &mut AnyConnection, system: &System, before: Option<&System>) -> Result<(), StoreError> {
    let mut violations: Vec<Violation> = system
        .personal_data_contradictions()
        .into_iter()
        .map(|(field, message)| Violation::new(field, "consistent_personal_data", message))
        .collect();
    let owner_changed = before.is_none_or(|b| b.owner_id != system.owner_id);
    match system.owner_id {
        Some(owner) if owner_changed => match people::candidate(conn, owner)? {
            Some((_, candidate)) => {
                if let Err(why) = candidate.eligibility() {
                    violations.push(Violation::new("owner_id", why.code(), why.to_string()));
                }
            }
            None => violations.push(Violation::new("owner_id", "exists", format!("no person has the id {owner}"))),
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
    let listed: Vec<_> = system.delegates.iter().map(|d| d.person_id).collect();
    let existing = if listed.is_empty() { BTreeSet::default() } else { people::existing(conn, &listed)? };
    for (i, delegate) in system.delegates.iter().enumerate() {
        let field = format!("delegates[{i}].person_id");
        if system.delegates[..i].iter().any(|d| d.person_id == delegate.person_id) {
            violations.push(Violation::new(&field, "unique", "the same person is listed twice"));
        } else if Some(delegate.person_id) == system.owner_id {
            violations.push(Violation::new(&field, "not_owner", "the owner cannot also be a delegate"));
        } else if !existing.contains(&delegate.person_id) {
            violations.push(Violation::new(&field, "exists", format!("no person has the id {}", delegate.person_id)));
        }
    }
    if let Err(StoreError::Invalid(v)) = org_units::require(conn, "org_unit_id", system.org_unit_id) {
        violations.extend(v);
    }
    let successor_changed = before.is_none_or(|b| b.successor_id != system.successor_id);
    if let Some(successor) = system.successor_id.filter(|_| successor_changed) {
        violations.extend(check_successor(conn, system.id, successor)?);
    }
    if violations.is_empty() { Ok(()) } else { Err(StoreError::Invalid(violations)) }
}

/// Whether `successor` may take over from `system`: it exists, is another system, and does not
/// itself hand over, at any remove, to `system` (a loop of successors has no end).
fn check_successor(
    conn: &mut AnyConnection,
    system: SystemId,
    successor: SystemId,
) -> Result<Option<Violation>, StoreError> {
    let field = "successor_id";
    if successor == system {
        return Ok(Some(Violation::new(field, "not_self", "a system cannot take over from itself")));
    }
    let mut at = successor;
    for _ in 0..10_000 {
        match systems::successor_of(conn, at)? {
            None if at == successor => {
                return Ok(Some(Violation::new(field, "exists", format!("no system has the id {successor}"))));
            }
            Some(Some(next)) if next == system => {
                return Ok(Some(Violation::new(
                    field,
                    "no_loop",
                    format!("system {successor} is already taken over, at some remove, by this system"),
                )));
            }
            Some(Some(next)) => at = next,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

impl Store {
    /// Registers a system, in procurement.
    pub fn create_system(&self, new: NewSystem, actor: &str) -> Result<System, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let system = new.into_system(SystemId::from_uuid(new_id()), now());
            check_references(conn, &system, None)?;
            systems::insert(conn, &system)?;
            duties::sync(conn, &mut Facts::new(system.clone()), self.day_on(today))?;
            let key = system.id.to_string();
            events::emit(
                conn,
                &Event::new(EventType::SystemCreated, system.created_at, &system, Some(system_path(&key))),
            )?;
            let entry = Entry::new(system.created_at, actor, AuditAction::Create, EntityType::System, &key);
            audit::record(conn, &entry, None::<&()>, Some(&system))?;
            Ok(system)
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
            let mut facts = facts::load(conn, id)?;
            let before = facts.system.clone();
            check_version(expected, before.version)?;
            let mut after = changes.apply(before.clone());
            if after == before {
                // Nothing changes: no new version, no audit event, nothing told to subscribers.
                return Ok(before);
            }
            let live = matches!(
                before.lifecycle_state,
                LifecycleState::InUse | LifecycleState::Changing | LifecycleState::Decommissioning
            );
            if live && after.owner_id.is_some() && after.owner_id != before.owner_id {
                return Err(StoreError::Conflict {
                    code: "use_owner_handover",
                    message: format!(
                        "the system is {}: its owner changes through POST /systems/{id}/owner-handover, which records \
                         why",
                        before.lifecycle_state
                    ),
                });
            }
            check_references(conn, &after, Some(&before))?;
            after.version = before.version + 1;
            after.updated_at = now();
            systems::update(conn, &after)?;
            if changes.delegates.is_some() {
                systems::replace_delegates(conn, &after)?;
            }
            facts.system = after.clone();
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = id.to_string();
            events::emit(
                conn,
                &Event::new(EventType::SystemChanged, after.updated_at, &after, Some(system_path(&key))),
            )?;
            audit::record(
                conn,
                &Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::System, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Hands a system over to a new owner (*overdragelse*): records who handed it over, from
    /// whom, to whom and why. The new owner must be eligible; a delegate who becomes the owner
    /// stops being a delegate.
    pub fn hand_over_owner(
        &self,
        id: SystemId,
        request: &OwnerHandoverRequest,
        actor: &str,
    ) -> Result<OwnerHandover, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut facts = facts::load(conn, id)?;
            let before = facts.system.clone();
            if before.owner_id == Some(request.new_owner_id) {
                return Err(StoreError::Invalid(vec![Violation::new(
                    "new_owner_id",
                    "changed",
                    "is the owner already: name the person who takes over",
                )]));
            }
            let mut after = before.clone();
            after.owner_id = Some(request.new_owner_id);
            after.delegates.retain(|d| d.person_id != request.new_owner_id);
            if let Err(StoreError::Invalid(mut violations)) = check_references(conn, &after, Some(&before)) {
                for v in &mut violations {
                    if v.field == "owner_id" {
                        "new_owner_id".clone_into(&mut v.field);
                    }
                }
                return Err(StoreError::Invalid(violations));
            }
            after.version = before.version + 1;
            after.updated_at = now();
            systems::update(conn, &after)?;
            if after.delegates != before.delegates {
                systems::replace_delegates(conn, &after)?;
            }
            facts.system = after.clone();
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let handover = OwnerHandover {
                id: RecordId::from_uuid(new_id()),
                system_id: id,
                from_owner_id: before.owner_id,
                to_owner_id: request.new_owner_id,
                reason: request.reason.as_str().to_owned(),
                handed_over_by: actor.to_owned(),
                handed_over_at: after.updated_at,
            };
            owner_handovers::insert(conn, &handover)?;
            let key = id.to_string();
            let at = after.updated_at;
            let event = Event::new(EventType::SystemChanged, at, &after, Some(system_path(&key)))
                .with_details(serde_json::json!({"owner_handover_id": handover.id}));
            events::emit(conn, &event)?;
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Update, EntityType::System, &key),
                Some(&before),
                Some(&after),
            )?;
            let handover_key = handover.id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Create, EntityType::OwnerHandover, &handover_key),
                None::<&OwnerHandover>,
                Some(&handover),
            )?;
            Ok(handover)
        })
    }

    /// Deletes a system (for registrations made by mistake; a system that ran is retired,
    /// not deleted). Its transitions and delegates go with it; the audit log keeps them.
    pub fn delete_system(&self, id: SystemId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = systems::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            if let Some(first) = before.predecessor_ids.first() {
                return Err(StoreError::Conflict {
                    code: "named_as_successor",
                    message: format!(
                        "system {first} names this system as its successor: change its successor_id first"
                    ),
                });
            }
            transitions::delete_of(conn, id)?;
            systems::delete(conn, id)?;
            let key = id.to_string();
            let at = now();
            events::emit(conn, &Event::new(EventType::SystemDeleted, at, &before, Some(system_path(&key))))?;
            audit::record_deletion(conn, &Entry::new(at, actor, AuditAction::Delete, EntityType::System, &key), &before)
        })
    }

    /// Moves a system as `request` asks if every gate is met; otherwise nothing changes and
    /// the refusal lists every unmet requirement. `by` is the person making the move (the
    /// owner approves a go-live by making it). Entering `changing` opens a change; going
    /// back into use closes it; entering `decommissioning` creates the exit checklist.
    pub fn transition_system(
        &self,
        id: SystemId,
        request: &TransitionRequest,
        by: Option<PersonId>,
        actor: &str,
    ) -> Result<System, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut facts = facts::load(conn, id)?;
            let next = facts.evaluate(request, by, today).map_err(StoreError::Refused)?;
            let before = facts.system.clone();
            let mut after = before.clone();
            after.lifecycle_state = next;
            after.version = before.version + 1;
            after.updated_at = now();
            let at = after.updated_at;
            systems::set_state(conn, &after)?;
            match (before.lifecycle_state, next) {
                (_, LifecycleState::Changing) => {
                    let change = SystemChange {
                        id: RecordId::from_uuid(new_id()),
                        system_id: id,
                        description: request.change_description.as_ref().map_or("", |d| d.as_str()).to_owned(),
                        dpia_needed: request.dpia_needed.unwrap_or(true),
                        started_by: actor.to_owned(),
                        started_at: at,
                        ended_at: None,
                    };
                    system_changes::insert(conn, &change)?;
                    facts.records.open_change = Some(change);
                }
                (LifecycleState::Changing, _) => {
                    system_changes::end_open(conn, id, at)?;
                    facts.records.open_change = None;
                }
                (_, LifecycleState::Decommissioning) => {
                    exit_steps::insert_rows(conn, &exit_steps::checklist_values(id))?;
                    facts.records.exit_steps = ExitStepKind::ALL.iter().map(|k| ExitStep::open(*k)).collect();
                }
                _ => {}
            }
            facts.system = after.clone();
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let reason = request.reason.as_ref().or(request.change_description.as_ref()).map(|r| r.as_str().to_owned());
            let record = TransitionRecord {
                id: new_id(),
                system_id: id,
                from: before.lifecycle_state,
                to: next,
                reason,
                actor: actor.to_owned(),
                occurred_at: at,
            };
            transitions::insert(conn, &record)?;
            let key = id.to_string();
            let moved = serde_json::json!({"from": record.from, "to": record.to, "reason": record.reason});
            events::emit(
                conn,
                &Event::new(EventType::SystemStateChanged, at, &after, Some(system_path(&key))).with_details(moved),
            )?;
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Transition, EntityType::System, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
