//! The KLE codes of the tasks a system supports: the catalogue system's `kle`, less the usage's
//! `removedKLE`, plus its `addedKLE` (API-V2.md §5). A KLE reference's name is its number.

use systemejer_domain::KleCode;
use systemejer_kitos::Ref;

use crate::finding::Place;
use crate::usage::Usage;

/// The usage's effective KLE codes, in the catalogue's order, then the added ones.
pub(crate) fn codes(usage: &mut Usage<'_>) -> Vec<KleCode> {
    let (snapshot, this) = (usage.snapshot, usage.kitos);
    let deviations = &this.local_kle_deviations;
    let removed = |kle: &Ref| deviations.removed_kle.iter().any(|r| r.uuid == kle.uuid);
    let mut found: Vec<(Place, &Ref)> = Vec::new();
    if let Some(system) = snapshot.system_of(this) {
        for (i, kle) in system.kle.iter().enumerate().filter(|(_, kle)| !removed(kle)) {
            found.push((Place::catalogue_system(system.uuid, &format!("kle[{i}].name")), kle));
        }
    } else {
        let system = this.system_uuid().map(|uuid| uuid.to_string()).unwrap_or_default();
        usage.warn(
            "catalogue_system_missing",
            "systemContext",
            format!(
                "the catalogue system {system} was not read: its KLE codes and description are left out, the \
                 usage's own additions kept"
            ),
        );
    }
    for (j, kle) in deviations.added_kle.iter().enumerate() {
        if !found.iter().any(|(_, known)| known.uuid == kle.uuid) {
            found.push((usage.place(&format!("localKLEDeviations.addedKLE[{j}].name")), kle));
        }
    }
    let mut out: Vec<KleCode> = Vec::new();
    let mut refused = Vec::new();
    for (place, kle) in found {
        match KleCode::parse(&kle.name) {
            Ok(code) if !out.contains(&code) => out.push(code),
            Ok(_) => {}
            Err(e) => refused.push((place, format!("the KLE number {:?} {}: it is left out", kle.name, e.message))),
        }
    }
    for (place, message) in refused {
        usage.warn_at("kle_invalid", place, message);
    }
    out
}
