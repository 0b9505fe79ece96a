//! The data protection officer's advice on a system: given, and later marked followed or not.

use systemejer_domain::advice::{DpoAdvice, DpoAdviceChanges, NewDpoAdvice};
use systemejer_domain::{AuditAction, EntityType, RecordId, SystemId};

use crate::audit::{self, Entry};
use crate::facts;
use crate::tables::{dpo_advice, system_changes};
use crate::{Store, StoreError, check_version, new_id, now};

impl Store {
    /// Records the DPO's advice on the system's DPIA decision, one of its DPIAs or one of its
    /// changes.
    pub fn add_dpo_advice(&self, system: SystemId, new: NewDpoAdvice, actor: &str) -> Result<DpoAdvice, StoreError> {
        let today = self.today();
        self.write(|conn| {
            let facts = facts::load(conn, system)?;
            let dpias: Vec<RecordId> = facts.records.dpias.iter().map(|d| d.id).collect();
            let changes: Vec<RecordId> = system_changes::of_system(conn, system)?.iter().map(|c| c.id).collect();
            let violations = new.violations(today, &dpias, &changes);
            if !violations.is_empty() {
                return Err(StoreError::Invalid(violations));
            }
            let at = now();
            let advice = DpoAdvice {
                id: RecordId::from_uuid(new_id()),
                system_id: system,
                topic: new.topic,
                about_id: new.about_id,
                given_on: new.given_on,
                advice: new.advice.into_string(),
                followed: new.followed,
                recorded_by: actor.to_owned(),
                recorded_at: at,
                version: 1,
            };
            dpo_advice::insert(conn, &advice)?;
            let key = advice.id.to_string();
            audit::record(
                conn,
                &Entry::new(at, actor, AuditAction::Create, EntityType::DpoAdvice, &key),
                None::<&DpoAdvice>,
                Some(&advice),
            )?;
            Ok(advice)
        })
    }

    /// Corrects the advice, or records whether the owner followed it.
    pub fn update_dpo_advice(
        &self,
        system: SystemId,
        id: RecordId,
        changes: &DpoAdviceChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<DpoAdvice, StoreError> {
        self.write(|conn| {
            let before = dpo_advice::get_for_update(conn, system, id)?;
            check_version(expected, before.version)?;
            let mut after = changes.apply(before.clone());
            after.version = before.version + 1;
            dpo_advice::update(conn, &after)?;
            let key = id.to_string();
            audit::record(
                conn,
                &Entry::new(now(), actor, AuditAction::Update, EntityType::DpoAdvice, &key),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }
}
