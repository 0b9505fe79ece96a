//! Writing what the plan says, through the store's use cases: units, people and processors
//! each with its origin in one transaction; each system whole (with its imported records,
//! agreements and past supervisions, and its origin) in one transaction, or not at all; an
//! update as the API's PATCH would make it, checked against the version just read.

use chrono::{NaiveDate, Utc};
use serde_json::{Map, Value};
use systemejer_domain::obligations::{Completion, ObligationKind, Via};
use systemejer_domain::records::{Recorded, SystemRecords};
use systemejer_domain::webhooks::ImportReport;
use systemejer_domain::{RecordId, SystemChanges, SystemId};
use systemejer_store::{Bulk, BulkSystem, Origin, Store, StoreError};
use uuid::Uuid;

use super::SOURCE;
use super::plan::{Action, EntityKind, Found, Item, PARTS, Plan, Provisional, kitos_fields, parts, work_out};
use crate::drafts::{Mapped, SystemDraft};
use crate::resolve::RegisterIds;

/// Imports `mapped` (with `deleted` the usages Kitos deleted) on `today` as `actor` (see
/// [`super::actor`]): works out the plan and writes it. One item's failure is recorded on the
/// item and the rest go on. Answers what was done.
pub fn apply(
    store: &Store,
    mapped: &Mapped,
    deleted: &[Uuid],
    today: NaiveDate,
    actor: &str,
) -> Result<Plan, StoreError> {
    let started_at = Utc::now();
    let (mut plan, mut found) = work_out(store, mapped, deleted, today, Provisional::None)?;
    plan.dry_run = false;
    // Units, people and processors first.
    let mut made_or_linked = false;
    for item in plan.items.iter_mut().filter(|i| i.entity != EntityKind::System) {
        made_or_linked |= matches!(item.action, Action::Create | Action::Link { .. });
        if let Err(e) = write(store, mapped, item, &mut found, actor) {
            item.error = Some(e.to_string());
        }
    }
    if made_or_linked {
        // The systems are worked out again, now that what this run made or linked has its id
        // in the register: an update then names the unit or the delegate made just now, and
        // the next run finds nothing left to do.
        let (replanned, again) = work_out(store, mapped, deleted, today, Provisional::None)?;
        plan.items.retain(|i| i.entity != EntityKind::System);
        plan.items.extend(replanned.items.into_iter().filter(|i| i.entity == EntityKind::System));
        found = again;
    }
    for item in plan.items.iter_mut().filter(|i| i.entity == EntityKind::System) {
        if let Err(e) = write(store, mapped, item, &mut found, actor) {
            item.error = Some(e.to_string());
        }
    }
    plan.count();
    // Other systems hear of it (`import.finished`), with what it did.
    let s = plan.summary;
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    store.import_finished(&ImportReport {
        import_id: Uuid::now_v7(),
        source: SOURCE.to_owned(),
        started_at,
        finished_at: Utc::now(),
        // Without a failure, and without an error in the data that left something out.
        succeeded: s.failed == 0 && !plan.findings.iter().any(crate::Finding::is_error),
        created: count(s.create),
        linked: count(s.link),
        updated: count(s.update),
        conflicts: count(s.conflict),
        skipped: count(s.skip),
        findings: count(plan.findings.len()),
    })?;
    if plan.summary.create >= 100 {
        // A first import is a bulk load: the planner learns the new rows' statistics.
        store.analyze()?;
    }
    Ok(plan)
}

/// An origin of `kind` for the Kitos thing `uuid`, the entity id filled in by the store.
fn origin(kind: EntityKind, uuid: Uuid, imported: Value) -> Origin {
    Origin {
        source: SOURCE.to_owned(),
        entity_type: kind.as_str().to_owned(),
        external_id: uuid.to_string(),
        entity_id: String::new(),
        imported,
        imported_at: Utc::now(),
    }
}

fn write(store: &Store, mapped: &Mapped, item: &mut Item, found: &mut Found, actor: &str) -> Result<(), StoreError> {
    let uuid = item.kitos_uuid;
    match (item.entity, &item.action) {
        (EntityKind::OrgUnit, Action::Create) => {
            let Some(draft) = mapped.unit(uuid) else { return Ok(()) };
            let unit = draft.new_org_unit(&found.ids);
            let created = store.import_org_unit(unit, origin(item.entity, uuid, Value::Null), actor)?;
            found.ids.org_units.insert(uuid, created.id);
            item.register_id = Some(created.id.to_string());
        }
        (EntityKind::Person, Action::Create) => {
            let Some(draft) = mapped.person(uuid) else { return Ok(()) };
            let created = store.import_person(draft.new_person(), origin(item.entity, uuid, Value::Null), actor)?;
            found.ids.people.insert(uuid, created.id);
            item.register_id = Some(created.id.to_string());
        }
        (EntityKind::Person | EntityKind::Processor, Action::Link { .. }) => {
            if let Some(id) = &item.register_id {
                let mut linked = origin(item.entity, uuid, Value::Null);
                linked.entity_id.clone_from(id);
                store.put_origins(&[linked])?;
            }
        }
        (EntityKind::System, Action::Link { .. }) => {
            // What Kitos has now is the base of the next import's merge: the fields that differ
            // stay as the register has them until Kitos changes them again.
            let (Some(id), Some(draft)) = (&item.register_id, mapped.system(uuid)) else { return Ok(()) };
            let mut fields = kitos_fields(draft, &found.ids);
            fields.insert(PARTS.to_owned(), parts(draft, &found.ids));
            let mut linked = origin(item.entity, uuid, Value::Object(fields));
            linked.entity_id.clone_from(id);
            store.put_origins(&[linked])?;
        }
        (EntityKind::Processor, Action::Create) => {
            let Some(draft) = mapped.processor(uuid) else { return Ok(()) };
            let created =
                store.import_processor(draft.processor.clone(), origin(item.entity, uuid, Value::Null), actor)?;
            found.ids.processors.insert(uuid, created.id);
            item.register_id = Some(created.id.to_string());
        }
        (EntityKind::System, Action::Create) => {
            let Some(draft) = mapped.system(uuid) else { return Ok(()) };
            let id = create_system(store, draft, &found.ids, actor)?;
            item.register_id = Some(id.to_string());
        }
        (EntityKind::System, Action::Unchanged) if !item.not_carried.is_empty() => {
            // Reported once: what Kitos has now is what was seen.
            if let Some(before) = found.system_origins.get(&uuid) {
                let imported = found.merged.get(&uuid).cloned().unwrap_or_default();
                store.put_origins(&[Origin {
                    imported: Value::Object(imported),
                    imported_at: Utc::now(),
                    ..before.clone()
                }])?;
            }
        }
        (EntityKind::System, Action::Update { changes } | Action::Conflict { changes, .. }) => {
            let (Some(id), Some(before)) = (item.register_id.as_deref(), found.system_origins.get(&uuid)) else {
                return Ok(());
            };
            let id: SystemId =
                id.parse().map_err(|_| StoreError::internal(format!("origins: {id} is not a system id")))?;
            if !changes.is_empty() {
                let patch: Map<String, Value> = changes.iter().map(|c| (c.field.clone(), c.new.clone())).collect();
                let patch: SystemChanges = serde_json::from_value(Value::Object(patch))
                    .map_err(|e| StoreError::internal(format!("the import's changes to system {id}: {e}")))?;
                let version = store.get_system(id)?.version;
                store.update_system(id, &patch, Some(version), actor)?;
            }
            let imported = found.merged.get(&uuid).cloned().unwrap_or_default();
            store.put_origins(&[Origin {
                imported: Value::Object(imported),
                imported_at: Utc::now(),
                ..before.clone()
            }])?;
        }
        _ => {}
    }
    Ok(())
}

/// `record` of system `system_id` as imported by `actor` at `now`: not approved, for the owner
/// to confirm.
fn recorded<R>(record: R, system_id: SystemId, actor: &str, now: chrono::DateTime<Utc>) -> Recorded<R> {
    Recorded {
        id: RecordId::from_uuid(Uuid::now_v7()),
        system_id,
        record,
        recorded_by: actor.to_owned(),
        recorded_at: now,
        approved_by: None,
        approved_at: None,
    }
}

/// Creates the system of `draft` in procurement, with its imported records (unapproved), its
/// agreements and their past supervisions, and its origin, in one transaction.
fn create_system(store: &Store, draft: &SystemDraft, ids: &RegisterIds, actor: &str) -> Result<SystemId, StoreError> {
    let now = Utc::now();
    let id = SystemId::from_uuid(Uuid::now_v7());
    let system = draft.new_system(ids).into_system(id, now);
    let mut records = SystemRecords::default();
    records.risk_assessments.extend(draft.risk_assessment.iter().map(|r| recorded(r.record.clone(), id, actor, now)));
    records.dpias.extend(draft.dpia.iter().map(|d| recorded(d.record.clone(), id, actor, now)));
    let mut completions = Vec::new();
    for agreement in &draft.agreements {
        let Some(new) = agreement.new_agreement(ids) else { continue };
        let agreement_id = RecordId::from_uuid(Uuid::now_v7());
        records.agreements.push(new.into_agreement(agreement_id, id, now));
        completions.extend(agreement.completions(agreement_id).into_iter().map(|c| Completion {
            id: RecordId::from_uuid(Uuid::now_v7()),
            system_id: id,
            kind: ObligationKind::ProcessorSupervision,
            subject: Some(agreement_id.to_string()),
            done_on: c.done_on,
            result: c.result,
            evidence: c.evidence,
            notes: c.notes.map(|n| n.as_str().to_owned()),
            document_url: c.document_url,
            recorded_by: actor.to_owned(),
            recorded_at: now,
            via: Via::Api,
        }));
    }
    let mut fields = kitos_fields(draft, ids);
    fields.insert(PARTS.to_owned(), parts(draft, ids));
    let mut kept = origin(EntityKind::System, draft.kitos_uuid, Value::Object(fields));
    kept.entity_id = id.to_string();
    let bulk = Bulk {
        systems: vec![BulkSystem { system, records, completions }],
        origins: vec![kept],
        announce: true,
        ..Bulk::default()
    };
    store.write_bulk(&bulk, actor)?;
    Ok(id)
}
