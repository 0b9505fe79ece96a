//! How findings name Kitos things: a usage by the name people know it by, a user by name.

use systemejer_kitos::{DataProcessingRegistration, ItSystemUsage, Org, Snapshot};

use crate::finding::{Subject, SubjectKind};

/// The name a usage is known by: its local name, else its catalogue system's.
pub(crate) fn usage_name(snapshot: &Snapshot, usage: &ItSystemUsage) -> String {
    usage
        .local_call_name()
        .or_else(|| snapshot.system_of(usage).map(|system| system.name.trim()).filter(|name| !name.is_empty()))
        .or_else(|| usage.system_name().map(str::trim).filter(|name| !name.is_empty()))
        .unwrap_or("(unnamed usage)")
        .to_owned()
}

/// The usage as the subject of a finding.
pub(crate) fn usage(snapshot: &Snapshot, usage: &ItSystemUsage) -> Subject {
    Subject::new(SubjectKind::Usage, usage.uuid, usage_name(snapshot, usage))
}

/// The registration as the subject of a finding.
pub(crate) fn registration(dpr: &DataProcessingRegistration) -> Subject {
    Subject::new(SubjectKind::Registration, dpr.uuid, &dpr.name)
}

/// The organization as the subject of a finding.
pub(crate) fn organization(org: &Org) -> Subject {
    Subject::new(SubjectKind::Organization, org.uuid, &org.name)
}
