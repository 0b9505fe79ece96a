//! Data processors, and the agreements that tie them to systems.

use chrono::NaiveDate;
use systemejer_domain::gdpr::{
    AgreementTermination, NewProcessingAgreement, NewProcessor, ProcessingAgreement, ProcessingAgreementChanges,
    Processor,
};
use systemejer_domain::{AuditAction, EntityType, ProcessorId, RecordId, SystemId, Violation};

use crate::audit::{self, Entry};
use crate::facts;
use crate::tables::origins::{self, Origin};
use crate::tables::{agreements, processors};
use crate::{AnyConnection, Store, StoreError, check_version, duties, new_id, now};

fn check_cvr_free(conn: &mut AnyConnection, new: &NewProcessor, except: Option<ProcessorId>) -> Result<(), StoreError> {
    let Some(cvr) = &new.cvr else { return Ok(()) };
    match processors::holder_of(conn, cvr)? {
        Some(id) if except.is_none_or(|me| me.to_string() != id) => Err(StoreError::Conflict {
            code: "cvr_taken",
            message: format!("processor {id} already has the CVR number {}", String::from(cvr.clone())),
        }),
        _ => Ok(()),
    }
}

/// Writes a new processor and its audit event.
fn insert_new(conn: &mut AnyConnection, new: NewProcessor, actor: &str) -> Result<Processor, StoreError> {
    check_cvr_free(conn, &new, None)?;
    let at = now();
    let processor = Processor {
        id: ProcessorId::from_uuid(new_id()),
        name: new.name.into_string(),
        cvr: new.cvr,
        country: new.country,
        contact: new.contact.map(systemejer_domain::Text::into_string),
        version: 1,
        created_at: at,
        updated_at: at,
    };
    processors::write(conn, &processor, true)?;
    let key = processor.id.to_string();
    audit::record(
        conn,
        &Entry::new(at, actor, AuditAction::Create, EntityType::Processor, &key),
        None::<&()>,
        Some(&processor),
    )?;
    Ok(processor)
}

impl Store {
    /// Registers a processor.
    pub fn create_processor(&self, new: NewProcessor, actor: &str) -> Result<Processor, StoreError> {
        self.write(|conn| insert_new(conn, new, actor))
    }

    /// Registers a processor an import brings, with where it came from (`origin`, whose
    /// entity id is the new one's), in one transaction.
    pub fn import_processor(
        &self,
        new: NewProcessor,
        mut origin: Origin,
        actor: &str,
    ) -> Result<Processor, StoreError> {
        self.write(|conn| {
            let created = insert_new(conn, new, actor)?;
            origin.entity_id = created.id.to_string();
            origins::insert(conn, std::slice::from_ref(&origin))?;
            Ok(created)
        })
    }

    /// Replaces a processor's details.
    pub fn replace_processor(
        &self,
        id: ProcessorId,
        new: NewProcessor,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<Processor, StoreError> {
        self.write(|conn| {
            let before = processors::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            check_cvr_free(conn, &new, Some(id))?;
            let after = Processor {
                id,
                name: new.name.into_string(),
                cvr: new.cvr,
                country: new.country,
                contact: new.contact.map(systemejer_domain::Text::into_string),
                version: before.version + 1,
                created_at: before.created_at,
                updated_at: now(),
            };
            processors::write(conn, &after, false)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::Processor, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a processor that no agreement refers to.
    pub fn delete_processor(&self, id: ProcessorId, expected: Option<i64>, actor: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let before = processors::get_for_update(conn, id)?;
            check_version(expected, before.version)?;
            let used = agreements::count_with(conn, id)?;
            if used > 0 {
                return Err(StoreError::Conflict {
                    code: "processor_in_use",
                    message: format!("{used} processing agreement(s) refer to the processor; delete them first"),
                });
            }
            processors::delete(conn, id)?;
            let key = id.to_string();
            audit::record_deletion(
                conn,
                &Entry::new(now(), actor, AuditAction::Delete, EntityType::Processor, &key),
                &before,
            )
        })
    }

    /// Registers an agreement between a system and a processor (one per pair).
    pub fn add_agreement(
        &self,
        system: SystemId,
        new: NewProcessingAgreement,
        actor: &str,
    ) -> Result<ProcessingAgreement, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let mut facts = facts::load(conn, system)?;
            let processor = new.processor_id;
            let agreement = new.into_agreement(RecordId::from_uuid(new_id()), system, now());
            let mut violations = agreement.violations(today);
            let known = match processors::get(conn, processor) {
                Ok(p) => Some((p.name, p.country)),
                Err(StoreError::NotFound { .. }) => {
                    violations.push(Violation::new(
                        "processor_id",
                        "exists",
                        format!("no processor has the id {processor}"),
                    ));
                    None
                }
                Err(e) => return Err(e),
            };
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            if facts.records.agreements.iter().any(|a| a.processor_id == processor && !a.is_terminated()) {
                return Err(StoreError::Conflict {
                    code: "agreement_exists",
                    message:
                        "the system already has an agreement with this processor: change it (PATCH), or terminate \
                              it to register its successor"
                            .into(),
                });
            }
            agreements::insert(conn, &agreement)?;
            facts.records.agreements.push(agreement.clone());
            if let Some((name, country)) = known {
                facts.records.processor_countries.insert(processor, country);
                facts.records.processor_names.insert(processor, name);
            }
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = agreement.id.to_string();
            let entry =
                Entry::new(agreement.created_at, actor, AuditAction::Create, EntityType::ProcessingAgreement, &key);
            audit::record(conn, &entry, None::<&()>, Some(&agreement))?;
            Ok(agreement)
        })
    }

    /// Changes an agreement: renews it (a new expiry date), or corrects it. A terminated
    /// agreement is history and no longer changes.
    pub fn update_agreement(
        &self,
        system: SystemId,
        id: RecordId,
        changes: &ProcessingAgreementChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<ProcessingAgreement, StoreError> {
        self.change_agreement(system, id, expected, actor, |before, today| {
            if before.is_terminated() {
                return Err(StoreError::Conflict {
                    code: "agreement_terminated",
                    message: "the agreement is terminated and no longer changes; register its successor".into(),
                });
            }
            let after = changes.apply(before.clone());
            let violations = after.violations(today);
            if violations.is_empty() { Ok(after) } else { Err(StoreError::Invalid(violations)) }
        })
    }

    /// Terminates an agreement (*opsigelse*): it is in force until its last day, then no more;
    /// it is supervised no more, and its expiry is no longer a duty. Terminating it again
    /// corrects the day or the reason.
    pub fn terminate_agreement(
        &self,
        system: SystemId,
        id: RecordId,
        termination: &AgreementTermination,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<ProcessingAgreement, StoreError> {
        self.change_agreement(system, id, expected, actor, |before, _| {
            let violations = termination.violations(before);
            if violations.is_empty() {
                Ok(termination.apply(before.clone()))
            } else {
                Err(StoreError::Invalid(violations))
            }
        })
    }

    /// Changes the agreement `id` of `system` (at version `expected`, when given) as `change`
    /// says; brings the system's duties in step, and audits.
    fn change_agreement(
        &self,
        system: SystemId,
        id: RecordId,
        expected: Option<i64>,
        actor: &str,
        change: impl FnOnce(&ProcessingAgreement, NaiveDate) -> Result<ProcessingAgreement, StoreError>,
    ) -> Result<ProcessingAgreement, StoreError> {
        let today = self.today();
        let missing = || StoreError::NotFound { entity: "processing agreement", id: id.to_string() };
        self.write(|conn| {
            let mut facts = match facts::load(conn, system) {
                Err(StoreError::NotFound { .. }) => return Err(missing()),
                other => other?,
            };
            let before = facts.records.agreements.iter().find(|x| x.id == id).cloned().ok_or_else(missing)?;
            check_version(expected, before.version)?;
            let mut after = change(&before, today)?;
            if after == before {
                return Ok(after);
            }
            after.version = before.version + 1;
            agreements::update(conn, &after)?;
            if let Some(slot) = facts.records.agreements.iter_mut().find(|x| x.id == id) {
                slot.clone_from(&after);
            }
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = id.to_string();
            let entry = Entry::new(now(), actor, AuditAction::Update, EntityType::ProcessingAgreement, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes an agreement.
    pub fn delete_agreement(&self, system: SystemId, id: RecordId, actor: &str) -> Result<(), StoreError> {
        let today = self.today();
        let missing = || StoreError::NotFound { entity: "processing agreement", id: id.to_string() };
        self.write(|conn| {
            let mut facts = match facts::load(conn, system) {
                Err(StoreError::NotFound { .. }) => return Err(missing()),
                other => other?,
            };
            let before = facts.records.agreements.iter().find(|x| x.id == id).cloned().ok_or_else(missing)?;
            agreements::delete(conn, id)?;
            facts.records.agreements.retain(|x| x.id != id);
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = id.to_string();
            let entry = Entry::new(now(), actor, AuditAction::Delete, EntityType::ProcessingAgreement, &key);
            audit::record_deletion(conn, &entry, &before)
        })
    }
}
