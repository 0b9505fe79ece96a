//! The documents kept per system (added, replaced, deleted, approved by the owner) and the
//! exit checklist of a system being shut down.

use chrono::NaiveDate;
use systemejer_domain::exit::{ExitStep, ExitStepKind, ExitStepUpdate};
use systemejer_domain::records::{RecordRules, Recorded};
use systemejer_domain::{AuditAction, EntityType, LifecycleState, PersonId, RecordId, SystemId};

use crate::audit::{self, Entry};
use crate::facts::{self, Facts};
use crate::tables::documents::{self, RecordKind};
use crate::tables::{exit_steps, people, systems};
use crate::{AnyConnection, Store, StoreError, duties, new_id, now};

fn check<D: RecordRules>(record: &D, today: NaiveDate) -> Result<(), StoreError> {
    let violations = record.violations(today);
    if violations.is_empty() { Ok(()) } else { Err(StoreError::Invalid(violations)) }
}

/// The facts of the system a document `id` of kind `D` belongs to; a system that does not
/// exist has no such document either.
fn facts_of_document<D: RecordKind>(
    conn: &mut AnyConnection,
    system: SystemId,
    id: Option<RecordId>,
) -> Result<Facts, StoreError> {
    match facts::load(conn, system) {
        Err(StoreError::NotFound { .. }) => Err(documents::not_found::<D>(system, id)),
        other => other,
    }
}

impl Store {
    /// Adds a record of kind `D` to a system.
    pub fn add_record<D: RecordKind>(
        &self,
        system: SystemId,
        record: D,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        check(&record, today)?;
        self.write(|conn| {
            let mut facts = facts::load(conn, system)?;
            let at = now();
            let recorded = Recorded {
                id: RecordId::from_uuid(new_id()),
                system_id: system,
                record,
                recorded_by: actor.to_owned(),
                recorded_at: at,
                approved_by: None,
                approved_at: None,
            };
            documents::insert(conn, &recorded)?;
            D::slot(&mut facts.records).put(recorded.clone());
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = recorded.id.to_string();
            let entry = Entry::new(at, actor, AuditAction::Create, D::KIND.entity(), &key);
            audit::record(conn, &entry, None::<&()>, Some(&recorded))?;
            Ok(recorded)
        })
    }

    /// Writes the one record of kind `D` of a system, replacing the one before (whose
    /// approval, if any, does not carry over to new content).
    pub fn put_record<D: RecordKind + PartialEq>(
        &self,
        system: SystemId,
        record: D,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        check(&record, today)?;
        self.write(|conn| {
            let mut facts = facts::load(conn, system)?;
            let before = D::slot(&mut facts.records).find(None).cloned();
            let at = now();
            let unchanged = before.as_ref().is_some_and(|b| b.record == record);
            let kept = before.as_ref().filter(|_| unchanged);
            let recorded = Recorded {
                id: before.as_ref().map_or_else(|| RecordId::from_uuid(new_id()), |b| b.id),
                system_id: system,
                record,
                recorded_by: actor.to_owned(),
                recorded_at: at,
                approved_by: kept.and_then(|b| b.approved_by),
                approved_at: kept.and_then(|b| b.approved_at),
            };
            if before.is_some() {
                documents::delete(conn, recorded.id)?;
            }
            documents::insert(conn, &recorded)?;
            D::slot(&mut facts.records).put(recorded.clone());
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
            let key = recorded.id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, action, D::KIND.entity(), &key),
                before.as_ref(),
                Some(&recorded),
            )?;
            Ok(recorded)
        })
    }

    /// Deletes a record (one registered by mistake, or superseded).
    pub fn delete_record<D: RecordKind>(&self, system: SystemId, id: RecordId, actor: &str) -> Result<(), StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut facts = facts_of_document::<D>(conn, system, Some(id))?;
            let before = D::slot(&mut facts.records)
                .find(Some(id))
                .cloned()
                .ok_or_else(|| documents::not_found::<D>(system, Some(id)))?;
            if facts.records.risk_measures.iter().any(|m| m.risk_assessment_id == id) {
                return Err(StoreError::Conflict {
                    code: "has_measures",
                    message: "the risk assessment lists measures: they are its record of what was decided; it cannot \
                              be deleted"
                        .into(),
                });
            }
            documents::delete(conn, id)?;
            D::slot(&mut facts.records).remove(id);
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = id.to_string();
            audit::record_deletion(
                conn,
                &Entry::new(now(), actor, AuditAction::Delete, D::KIND.entity(), &key),
                &before,
            )
        })
    }

    /// Records the owner's approval of a record. Only the system's owner, acting as
    /// themselves, may approve.
    pub fn approve_record<D: RecordKind>(
        &self,
        system: SystemId,
        id: Option<RecordId>,
        approver: PersonId,
        actor: &str,
    ) -> Result<Recorded<D>, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut facts = facts::load(conn, system)?;
            if facts.system.owner_id != Some(approver) {
                return Err(StoreError::Forbidden("only the system's owner may approve it".into()));
            }
            if !people::get(conn, approver)?.active {
                return Err(StoreError::Forbidden("an inactive owner cannot approve".into()));
            }
            let at = now();
            let slot = D::slot(&mut facts.records).find(id).ok_or_else(|| documents::not_found::<D>(system, id))?;
            let before = slot.clone();
            if before.is_approved() {
                return Err(StoreError::Conflict {
                    code: "already_approved",
                    message: "the record is already approved".into(),
                });
            }
            slot.approved_by = Some(approver);
            slot.approved_at = Some(at);
            let after = slot.clone();
            documents::set_approval(conn, after.id, approver, at)?;
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = after.id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Approve, D::KIND.entity(), &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Records progress on one exit step.
    pub fn update_exit_step(
        &self,
        system: SystemId,
        step: ExitStepKind,
        update: &ExitStepUpdate,
        actor: &str,
    ) -> Result<ExitStep, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let s = systems::get_for_update(conn, system)?;
            let checklist = exit_steps::of_system(conn, system)?;
            let Some(before) = checklist.iter().find(|x| x.step == step).cloned() else {
                return Err(StoreError::Conflict {
                    code: "no_exit_checklist",
                    message: "the system has no exit checklist: it is created when the system enters decommissioning"
                        .into(),
                });
            };
            if s.lifecycle_state != LifecycleState::Decommissioning {
                return Err(StoreError::Conflict {
                    code: "not_decommissioning",
                    message: format!("the checklist is closed: the system is {}", s.lifecycle_state),
                });
            }
            let after = update.apply(step, &checklist, s.archive_status, today, actor).map_err(StoreError::Invalid)?;
            exit_steps::update(conn, system, &after)?;
            let key = format!("{system}/{step}");
            audit::record(
                conn,
                &Entry::new(now(), actor, AuditAction::Update, EntityType::ExitStep, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
