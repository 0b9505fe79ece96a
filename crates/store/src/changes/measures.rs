//! The measures an approved risk assessment calls for: recorded, then implemented or rejected.
//! A measure still planned is a duty of its system until then.

use systemejer_domain::risk::{NewRiskMeasure, RiskMeasure, RiskMeasureChanges};
use systemejer_domain::{AuditAction, EntityType, PersonId, RecordId, SystemId, Violation};

use crate::audit::{self, Entry};
use crate::facts::{self, Facts};
use crate::tables::{people, risk_measures};
use crate::{AnyConnection, Store, StoreError, check_version, duties, new_id, now};

/// The rules `measure` breaks on `today`, with whether its responsible person is in the
/// register and active.
fn check(conn: &mut AnyConnection, measure: &RiskMeasure, today: chrono::NaiveDate) -> Result<(), StoreError> {
    let mut violations = measure.violations(today);
    let responsible: Option<PersonId> = Some(measure.responsible_id);
    match people::get_many(conn, responsible)?.remove(&measure.responsible_id) {
        None => violations.push(Violation::new(
            "responsible_id",
            "exists",
            format!("no person has the id {}", measure.responsible_id),
        )),
        Some(p) if !p.active => violations.push(Violation::new(
            "responsible_id",
            "active",
            "the person is no longer active: name someone who can carry the measure out",
        )),
        Some(_) => {}
    }
    if violations.is_empty() { Ok(()) } else { Err(StoreError::Invalid(violations)) }
}

fn load(conn: &mut AnyConnection, system: SystemId, missing: impl Fn() -> StoreError) -> Result<Facts, StoreError> {
    match facts::load(conn, system) {
        Err(StoreError::NotFound { .. }) => Err(missing()),
        other => other,
    }
}

impl Store {
    /// Records a measure that the approved risk assessment `assessment` of `system` calls for.
    pub fn add_risk_measure(
        &self,
        system: SystemId,
        assessment: RecordId,
        new: NewRiskMeasure,
        actor: &str,
    ) -> Result<RiskMeasure, StoreError> {
        let today = self.today();
        let missing = || StoreError::NotFound { entity: "risk assessment", id: assessment.to_string() };
        self.write(|conn| {
            let mut facts = load(conn, system, missing)?;
            let approved = match facts.records.risk_assessments.iter().find(|r| r.id == assessment) {
                None => return Err(missing()),
                Some(r) => r.is_approved(),
            };
            if !approved {
                return Err(StoreError::Conflict {
                    code: "not_approved",
                    message: "measures are listed on a risk assessment the owner has approved: approve it first".into(),
                });
            }
            let measure = new.into_measure(RecordId::from_uuid(new_id()), system, assessment, now());
            check(conn, &measure, today)?;
            risk_measures::insert(conn, &measure)?;
            facts.records.risk_measures.push(measure.clone());
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = measure.id.to_string();
            let entry = Entry::new(measure.created_at, actor, AuditAction::Create, EntityType::RiskMeasure, &key);
            audit::record(conn, &entry, None::<&RiskMeasure>, Some(&measure))?;
            Ok(measure)
        })
    }

    /// Changes a measure: it is implemented, rejected with a reason, moved, or given to someone
    /// else. Its duty follows.
    pub fn update_risk_measure(
        &self,
        system: SystemId,
        id: RecordId,
        changes: &RiskMeasureChanges,
        expected: Option<i64>,
        actor: &str,
    ) -> Result<RiskMeasure, StoreError> {
        let today = self.today();
        let missing = || StoreError::NotFound { entity: "risk measure", id: id.to_string() };
        self.write(|conn| {
            let mut facts = load(conn, system, missing)?;
            let before = facts.records.risk_measures.iter().find(|m| m.id == id).cloned().ok_or_else(missing)?;
            check_version(expected, before.version)?;
            let mut after = changes.apply(before.clone());
            if after == before {
                return Ok(after);
            }
            check(conn, &after, today)?;
            after.version = before.version + 1;
            after.updated_at = now();
            risk_measures::update(conn, &after)?;
            if let Some(slot) = facts.records.risk_measures.iter_mut().find(|m| m.id == id) {
                slot.clone_from(&after);
            }
            duties::sync(conn, &mut facts, self.day_on(today))?;
            let key = id.to_string();
            let entry = Entry::new(after.updated_at, actor, AuditAction::Update, EntityType::RiskMeasure, &key);
            audit::record(conn, &entry, Some(&before), Some(&after))?;
            Ok(after)
        })
    }
}
