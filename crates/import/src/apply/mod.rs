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
    if let Some(wrong) = mapped.findings.iter().find(|f| f.is_error() && f.code == crate::roles::OWNER_ROLE_NOT_FOUND) {
        // Refused whole, dry run or not: it would take the owner off every system.
        return Err(systemejer_store::StoreError::Invalid(vec![systemejer_domain::Violation::new(
            "owner_role",
            OWNER_ROLE_NOT_FOUND_RULE,
            wrong.message.clone(),
        )]));
    }
    if dry_run {
        return plan(store, &mapped, &deleted, options.today);
    }
    // One import of Kitos at a time: two at once would both find a usage new and create it
    // twice. The lease is short and renewed while the import runs, so that one stopped (a
    // Ctrl-C, a killed process, a lost machine) frees it within LEASE_SECONDS.
    let holder = format!("{actor} {}", uuid::Uuid::now_v7());
    let lease = || chrono::Utc::now() + chrono::Duration::seconds(LEASE_SECONDS);
    if let Err((other, ends)) = store.take_lease(LEASE, &holder, lease())? {
        let other = other.rsplit_once(' ').map_or(other.as_str(), |(who, _)| who).to_owned();
        return Err(systemejer_store::StoreError::Conflict {
            code: "import_running",
            message: format!(
                "another import from Kitos is running (by {other}; if it was stopped, it lets go by {} UTC at the \
                 latest): run this one when it has finished",
                ends.format("%Y-%m-%d %H:%M:%S")
            ),
        });
    }
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let renewing = {
        let (store, holder) = (store.clone(), holder.clone());
        std::thread::spawn(move || {
            let every = std::time::Duration::from_secs(u64::try_from(LEASE_SECONDS / 4).unwrap_or(30));
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                let renewed = store.take_lease(LEASE, &holder, lease());
                if let Err(e) = &renewed {
                    tracing::warn!(error = %e, "the import's lease could not be renewed; trying again");
                }
                if let Ok(Err(_)) = renewed {
                    tracing::error!("the import's lease was taken over: another import may run beside it");
                }
            }
        })
    };
    let result = apply(store, &mapped, &deleted, options.today, actor);
    drop(stop);
    let _ = renewing.join();
    let released = store.release_lease(LEASE, &holder);
    let plan = result?;
    released?;
    Ok(plan)
}

/// The rule a `--owner-role` (`?owner_role=`) that names no role breaks.
const OWNER_ROLE_NOT_FOUND_RULE: &str = "role_not_found";

/// How long the lease of a running import lasts unless renewed (it is renewed four times in
/// that while): how long another import waits for one that was stopped.
pub const LEASE_SECONDS: i64 = 120;

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
