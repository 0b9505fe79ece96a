//! Applying a mapped Kitos snapshot to the register: [`plan`] says what an import would do to
//! each unit, person, processor and system (create, link, update, conflict, unchanged, skip),
//! reading the register but writing nothing; [`apply`] does it through the store's use cases
//! and ends with the same plan, each item's outcome filled in.
//!
//! Idempotent by the Kitos uuid: every entity an import creates is kept with its origin (the
//! uuid and the values as imported, `origins`), so a second run finds it again and changes
//! nothing. A later run after a change in Kitos merges field by field, three ways: a field
//! Kitos changed that nobody edited here since the last import is updated; a field edited here
//! is kept, and when Kitos changed it too the item is a conflict that names both values (and
//! stays one until the two agree); what nobody changed stays.

mod merge;
mod plan;
mod text;
mod write;

pub use merge::{FieldChange, FieldConflict, SYSTEM_FIELDS};
pub use plan::{Action, EntityKind, Item, Plan, Summary, plan};
pub use text::render;
pub use write::apply;

/// Maps `snapshot` under `options` and works out what importing it would do (`dry_run`), or
/// does it as `actor`. The usages the snapshot's delta feed says Kitos deleted are reported,
/// never deleted here.
pub fn import(
    store: &systemejer_store::Store,
    snapshot: &systemejer_kitos::Snapshot,
    options: &crate::MapOptions,
    dry_run: bool,
    actor: &str,
) -> Result<Plan, systemejer_store::StoreError> {
    let mapped = crate::map(snapshot, options);
    let deleted: Vec<uuid::Uuid> = snapshot
        .deletions
        .iter()
        .flatten()
        .filter(|d| d.entity_type.as_deref().is_none_or(|t| t == "ItSystemUsage"))
        .map(|d| d.entity_uuid)
        .collect();
    if dry_run {
        return plan(store, &mapped, &deleted, options.today);
    }
    // One import of Kitos at a time: two at once would both find a usage new and create it
    // twice. The lease runs out after an hour, should its holder die.
    let holder = format!("{actor} {}", uuid::Uuid::now_v7());
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    if let Err((other, ends)) = store.take_lease(LEASE, &holder, until)? {
        let other = other.rsplit_once(' ').map_or(other.as_str(), |(who, _)| who).to_owned();
        return Err(systemejer_store::StoreError::Conflict {
            code: "import_running",
            message: format!(
                "another import from Kitos is running (by {other}, holding it until {ends} at the latest): \
                 run this one when it has finished"
            ),
        });
    }
    let result = apply(store, &mapped, &deleted, options.today, actor);
    let released = store.release_lease(LEASE, &holder);
    let plan = result?;
    released?;
    Ok(plan)
}

/// The lease an import of Kitos holds while it writes.
const LEASE: &str = "import:kitos";

/// The source name kept on what an import made (`origins.source`).
pub const SOURCE: &str = "kitos";

/// Who the audit log names as having made an import's changes, with the caller: the import
/// writes in the name of the admin who ran it, through it.
pub const VIA: &str = systemejer_domain::history::VIAS[0];

/// The audit actor of an import run by `who` (an admin's e-mail, or the command line's user).
pub fn actor(who: &str) -> String {
    format!("{who} via {VIA}")
}
