//! Every enum value Kitos wrote that the reader does not know ([`Snapshot::unknown_values`])
//! becomes a finding, unless a mapping step already reported that very place in its own words.

use systemejer_kitos::Snapshot;

use crate::finding::{Finding, Place, Subject, SubjectKind};
use crate::subjects;

/// Adds a finding for each unknown value of `snapshot` not reported yet.
pub(crate) fn report(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for unknown in snapshot.unknown_values() {
        let place = Place::new(&unknown.document, &unknown.path);
        if findings.iter().any(|finding| finding.place.as_ref() == Some(&place)) {
            continue;
        }
        let message = format!(
            "Kitos wrote {:?}, a value this importer does not know: the field is read as not answered",
            unknown.value
        );
        let mut finding = Finding::warning("unknown_value", message).at(place);
        if let Some(subject) = subject(snapshot, unknown.item) {
            finding = finding.about(&subject);
        }
        findings.push(finding);
    }
}

/// The Kitos thing `uuid` names, whichever document it is in.
fn subject(snapshot: &Snapshot, uuid: uuid::Uuid) -> Option<Subject> {
    if let Some(usage) = snapshot.usage(uuid) {
        return Some(subjects::usage(snapshot, usage));
    }
    if let Some(dpr) = snapshot.registrations.iter().find(|dpr| dpr.uuid == uuid) {
        return Some(subjects::registration(dpr));
    }
    if let Some(unit) = snapshot.unit(uuid) {
        return Some(Subject::new(SubjectKind::Unit, uuid, &unit.name));
    }
    if let Some(user) = snapshot.user(uuid) {
        return Some(Subject::new(SubjectKind::User, uuid, &user.name));
    }
    snapshot.systems.get(&uuid).map(|system| Subject::new(SubjectKind::CatalogueSystem, uuid, &system.name))
}
