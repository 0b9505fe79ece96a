//! The system description (*systembeskrivelse*) as far as Kitos holds it: the name, purpose,
//! what the system does, who supplies it and who runs it.
//!
//! - **name**: the usage's local name (*kaldenavn*), else the catalogue system's name; a usage
//!   with neither cannot be registered (an error).
//! - **purpose**: the usage's general purpose (`general.purpose`, 2025 `gdpr.purpose`).
//! - **description**: the catalogue system's description, which says what it does.
//! - **vendor**: the catalogue system's rights holder (*rettighedshaver*).
//! - **hosted_at**: `OnPremise` the municipality's own operation, `External` and `Hybrid` as
//!   named; `Undecided` and absent leave it undecided.
//! - The kind is always an IT system: Kitos registers IT systems and says nothing finer.

use systemejer_domain::{HostedAt, Name, Prose};
use systemejer_kitos::{Choice, HostedAt as KitosHostedAt};

use crate::finding::Place;
use crate::usage::Usage;

/// A name as names are matched (a usage's against another's, a register's system's): in lower
/// case, its runs of white space one space.
pub(crate) fn folded(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The name people know the system by; `None` (with an error) where there is none.
pub(crate) fn name(usage: &mut Usage<'_>) -> Option<Name> {
    let (snapshot, this) = (usage.snapshot, usage.kitos);
    if let Some(local) = this.local_call_name() {
        match Name::parse(local) {
            Ok(name) => return Some(name),
            Err(e) => usage.warn(
                "name_invalid",
                "general.localCallName",
                format!("the local name {local:?} {}: the catalogue system's name is used", e.message),
            ),
        }
    }
    let catalogue = snapshot.system_of(this).map(|system| system.name.as_str()).or_else(|| this.system_name());
    match catalogue.map(|name| (name, Name::parse(name))) {
        Some((_, Ok(name))) => Some(name),
        Some((raw, Err(e))) => {
            usage.error(
                "name_missing",
                "systemContext.name",
                format!(
                    "neither a local name nor the catalogue system's name {raw:?} can name the system: {}",
                    e.message
                ),
            );
            None
        }
        None => {
            usage.error(
                "name_missing",
                "general.localCallName",
                "the usage has neither a local name nor a catalogue system",
            );
            None
        }
    }
}

/// Why the municipality has the system.
pub(crate) fn purpose(usage: &mut Usage<'_>) -> Option<Prose> {
    let this = usage.kitos;
    let raw = this.purpose().map(str::trim).filter(|p| !p.is_empty())?;
    let path =
        usage.moved("general.purpose", this.general.purpose.is_some(), "gdpr.purpose", this.gdpr.purpose.is_some());
    let place = usage.place(path);
    prose(usage, raw, place, "purpose")
}

/// What the system does: the catalogue system's description.
pub(crate) fn description(usage: &mut Usage<'_>) -> Option<Prose> {
    let (snapshot, this) = (usage.snapshot, usage.kitos);
    let system = snapshot.system_of(this)?;
    let raw = system.description.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
    prose(usage, raw, Place::catalogue_system(system.uuid, "description"), "description")
}

/// Who supplies the system: the catalogue system's rights holder.
pub(crate) fn vendor(usage: &mut Usage<'_>) -> Option<Name> {
    let (snapshot, this) = (usage.snapshot, usage.kitos);
    let system = snapshot.system_of(this)?;
    let holder = system.rights_holder.as_ref().map(|org| org.name.trim()).filter(|n| !n.is_empty())?;
    match Name::parse(holder) {
        Ok(name) => Some(name),
        Err(e) => {
            let place = Place::catalogue_system(system.uuid, "rightsHolder.name");
            usage.warn_at("vendor_invalid", place, format!("the rights holder {holder:?} {}: left out", e.message));
            None
        }
    }
}

/// Who runs the system.
pub(crate) fn hosted_at(usage: &mut Usage<'_>) -> Option<HostedAt> {
    let this = usage.kitos;
    match this.hosted_at()? {
        Choice::Known(KitosHostedAt::OnPremise) => Some(HostedAt::OnPremises),
        Choice::Known(KitosHostedAt::External) => Some(HostedAt::External),
        Choice::Known(KitosHostedAt::Hybrid) => Some(HostedAt::Hybrid),
        Choice::Known(KitosHostedAt::Undecided) => None,
        Choice::Unknown(raw) => {
            let path = usage.moved(
                "general.hostedAt",
                this.general.hosted_at.is_some(),
                "gdpr.hostedAt",
                this.gdpr.hosted_at.is_some(),
            );
            usage.warn(
                "hosted_at_unknown",
                path,
                format!("where the system is hosted, {raw:?}, is not a value this importer knows: left undecided"),
            );
            None
        }
    }
}

fn prose(usage: &mut Usage<'_>, raw: &str, place: Place, field: &str) -> Option<Prose> {
    match Prose::parse(raw) {
        Ok(text) => Some(text),
        Err(e) => {
            usage.warn_at("text_invalid", place, format!("the {field} {}: left out", e.message));
            None
        }
    }
}
