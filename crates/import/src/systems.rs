//! Usages become systems: each field read by its own module, the roles given here. A usage with
//! an error finding is not drafted at all (nothing is half-imported), but stays in the report.
//!
//! Two readings made here:
//! - **Unit**: the responsible unit (`organizationUsage.responsibleOrganizationUnit`); where
//!   Kitos names none and one unit alone uses the system, that unit.
//! - **Links**: the register has no general place for links (its self-service links are the
//!   citizen-facing ones to remove at shutdown, which Kitos's external references are not), so
//!   each external reference is reported, to be kept where the municipality keeps documents.

use std::collections::{HashMap, HashSet};

use systemejer_domain::{ArchiveStatus, NewSystem, SystemKind};
use systemejer_kitos::Snapshot;
use uuid::Uuid;

use crate::drafts::{AgreementDraft, DelegateDraft, SystemDraft};
use crate::finding::{Finding, Subject};
use crate::options::MapOptions;
use crate::people::People;
use crate::roles::{RoleUse, Roles};
use crate::usage::Usage;
use crate::{archive, criticality, description, kle, lifecycle, personal_data, records};

/// What the usages are mapped against.
pub(crate) struct Context<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) options: &'a MapOptions,
    pub(crate) roles: &'a Roles,
    pub(crate) people: &'a People,
    /// The Kitos uuids of the units drafted.
    pub(crate) units: HashSet<Uuid>,
}

/// The systems that import whole, and the usages kept out.
pub(crate) fn map(
    context: &Context<'_>,
    mut agreements: HashMap<Uuid, Vec<AgreementDraft>>,
    findings: &mut Vec<Finding>,
) -> (Vec<SystemDraft>, Vec<Subject>) {
    let mut systems = Vec::new();
    let mut not_imported = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for (index, kitos) in context.snapshot.usages.iter().enumerate() {
        let mut usage = Usage::new(context.snapshot, index, kitos);
        if kitos.uuid.is_nil() {
            usage.error("uuid_missing", "uuid", "the usage has no uuid, by which the import tells it apart");
        } else if !seen.insert(kitos.uuid) {
            usage.error(
                "uuid_repeated",
                "uuid",
                "another usage before it has the same uuid: only the first is imported",
            );
        }
        let draft = draft_of(&mut usage, context, agreements.remove(&kitos.uuid).unwrap_or_default());
        match draft.filter(|_| !usage.has_error()) {
            Some(draft) => {
                // Kitos lets two usages share a name; the register would hold two systems of it.
                let name = draft.system.name.as_str();
                if let Some(first) = names.insert(description::folded(name), name.to_owned()) {
                    usage.warn(
                        "name_repeated",
                        "general.localCallName",
                        format!(
                            "another usage is also called {first:?}: the register gets two systems of that name; \
                             give one a local call name in Kitos (or rename it here) to tell them apart"
                        ),
                    );
                }
                systems.push(draft);
            }
            None => not_imported.push(usage.subject.clone()),
        }
        findings.append(&mut usage.findings);
    }
    (systems, not_imported)
}

fn draft_of(usage: &mut Usage<'_>, context: &Context<'_>, agreements: Vec<AgreementDraft>) -> Option<SystemDraft> {
    let name = description::name(usage)?;
    // The fields Kitos has a value for that could not be read (reported as findings): not
    // Kitos's word that they are empty, so a later run does not empty them in the register.
    let mut unread = Unread { seen: usage.findings.len(), fields: Vec::new() };
    let purpose = description::purpose(usage);
    unread.note(usage, &[("purpose", purpose.is_none())]);
    let description = description::description(usage);
    unread.note(usage, &[("description", description.is_none())]);
    let vendor = description::vendor(usage);
    unread.note(usage, &[("vendor", vendor.is_none())]);
    let hosted_at = description::hosted_at(usage);
    unread.note(usage, &[("hosted_at", hosted_at.is_none())]);
    let data = personal_data::read(usage);
    unread.note(
        usage,
        &[
            ("processes_personal_data", data.personal.is_none()),
            ("processes_sensitive_data", data.sensitive.is_none()),
            ("processes_cpr_numbers", data.cpr.is_none()),
        ],
    );
    let kle_codes = kle::codes(usage);
    unread.note(usage, &[]);
    let criticality = criticality::read(usage);
    unread.note(usage, &[("criticality", criticality.is_none())]);
    let kitos = usage.kitos;
    if criticality.is_none()
        && [kitos.business_critical(), kitos.general.is_socially_critical.as_ref()]
            .into_iter()
            .any(|answer| answer.is_some_and(|a| a.unknown().is_some()))
    {
        // An answer Kitos added since (reported with the unknown values).
        unread.fields.push("criticality");
    }
    let archive_status: ArchiveStatus = archive::status(usage);
    unread.note(usage, &[("archive_status", archive_status == ArchiveStatus::Undecided)]);
    let (wanted_state, transition_reason) = lifecycle::wanted(usage);
    unread.note(usage, &[]);
    let org_unit = org_unit(usage, &context.units);
    unread.note(usage, &[("org_unit_id", org_unit.is_none())]);
    let (owner, delegates) = roles(usage, context);
    unread.note(usage, &[("owner_id", owner.is_none())]);
    references(usage);
    let risk_assessment = records::risk_assessment(usage, context.options);
    let dpia = records::dpia(usage, context.options);
    let system = NewSystem {
        name,
        kind: SystemKind::ItSystem,
        purpose,
        description,
        vendor,
        hosting: None,
        hosted_at,
        no_processor_reason: None,
        business_processes: Vec::new(),
        data_formats: Vec::new(),
        processes_personal_data: data.personal,
        processes_sensitive_data: data.sensitive,
        processes_cpr_numbers: data.cpr,
        kle_codes,
        criticality,
        self_service_links: Vec::new(),
        data_subject_rights: Vec::new(),
        archive_status,
        archive_body: None,
        archive_notified_on: None,
        contract_notice_on: None,
        owner_id: None,
        org_unit_id: None,
        delegates: Vec::new(),
    };
    Some(SystemDraft {
        kitos_uuid: usage.kitos.uuid,
        kitos_index: usage.index,
        system,
        org_unit,
        owner,
        delegates,
        wanted_state,
        transition_reason,
        risk_assessment,
        dpia,
        agreements,
        unread: unread.fields,
    })
}

/// The fields read so far that came out empty with a finding.
struct Unread {
    seen: usize,
    fields: Vec<&'static str>,
}

impl Unread {
    /// Notes each of `fields` that is empty, when reading them raised a finding.
    fn note(&mut self, usage: &Usage<'_>, fields: &[(&'static str, bool)]) {
        let now = usage.findings.len();
        if now > self.seen {
            self.fields.extend(fields.iter().filter(|(_, empty)| *empty).map(|(field, _)| *field));
        }
        self.seen = now;
    }
}

/// The unit responsible for the system, if drafted.
fn org_unit(usage: &mut Usage<'_>, units: &HashSet<Uuid>) -> Option<Uuid> {
    let this = usage.kitos;
    let org = &this.organization_usage;
    if let Some(responsible) = &org.responsible_organization_unit {
        if units.contains(&responsible.uuid) {
            return Some(responsible.uuid);
        }
        let message = format!(
            "the responsible unit {} ({}) is not imported: a new system gets no unit, one imported before keeps \
             the unit the register has",
            responsible.name, responsible.uuid
        );
        usage.warn("unit_not_imported", "organizationUsage.responsibleOrganizationUnit", message);
        return None;
    }
    match org.using_organization_units.as_slice() {
        [only] if units.contains(&only.uuid) => Some(only.uuid),
        _ => None,
    }
}

/// The owner and the delegates, by Kitos user uuid, each imported as a person.
fn roles(usage: &mut Usage<'_>, context: &Context<'_>) -> (Option<Uuid>, Vec<DelegateDraft>) {
    let this = usage.kitos;
    let imported = |user: Uuid| context.people.drafts.iter().find(|p| p.kitos_uuid == user);
    let why_not = |user: Uuid| context.people.left_out.get(&user).map_or("is not imported", String::as_str).to_owned();
    let mut owner: Option<(usize, Uuid)> = None;
    let mut owner_named = false;
    for (r, assignment) in this.roles.iter().enumerate() {
        if context.roles.use_of(assignment) != RoleUse::Owner {
            continue;
        }
        owner_named = true;
        let user = &assignment.user;
        match owner {
            Some((_, first)) => usage.warn(
                "owner_several",
                &format!("roles[{r}]"),
                format!(
                    "Kitos names several owners and the register keeps one: {} is left out as owner (the first, {}, \
                     is kept)",
                    user.name,
                    imported(first).map_or_else(String::new, |p| p.person.name.as_str().to_owned())
                ),
            ),
            None if imported(user.uuid).is_some() => owner = Some((r, user.uuid)),
            None => usage.warn(
                "owner_not_imported",
                &format!("roles[{r}].user"),
                format!("the owner, {}, {}: the system is imported without an owner", user.name, why_not(user.uuid)),
            ),
        }
    }
    if let Some((r, user)) = owner
        && let Some(person) = imported(user)
    {
        let position = context.options.default_position;
        usage.warn(
            "owner_position_unknown",
            &format!("roles[{r}]"),
            format!(
                "Kitos names {} <{}> as owner, but keeps no positions, and the register admits an owner only in a \
                 management position: the person is imported as {position}, and becomes the owner once the owner rule \
                 admits them (set their position)",
                person.person.name.as_str(),
                person.person.email
            ),
        );
    } else if !owner_named {
        usage.warn(
            "owner_missing",
            "roles",
            format!(
                "Kitos names no holder of the role {:?}: the system is imported without an owner",
                context.options.owner_role
            ),
        );
    }
    let owner = owner.map(|(_, user)| user);
    let mut delegates: Vec<DelegateDraft> = Vec::new();
    for (r, assignment) in this.roles.iter().enumerate() {
        let (user, role_name) = (&assignment.user, assignment.role.name.trim());
        match context.roles.use_of(assignment) {
            RoleUse::Owner => {}
            RoleUse::Unmapped => usage.warn(
                "role_not_kept",
                &format!("roles[{r}].role"),
                format!(
                    "the role {role_name:?}, held by {}, has no counterpart in the register (owner, systemforvalter, \
                     daily contact): left out",
                    user.name
                ),
            ),
            RoleUse::Delegate(_) if Some(user.uuid) == owner => usage.warn(
                "delegate_is_owner",
                &format!("roles[{r}]"),
                format!("{} is the owner, and the register does not make the owner a delegate too: the role {role_name:?} is left out", user.name),
            ),
            RoleUse::Delegate(_) if delegates.iter().any(|d| d.user == user.uuid) => usage.warn(
                "delegate_repeated",
                &format!("roles[{r}]"),
                format!("{} is a delegate already, and the register gives a delegate one role: {role_name:?} is left out", user.name),
            ),
            RoleUse::Delegate(role) if imported(user.uuid).is_some() => {
                delegates.push(DelegateDraft { user: user.uuid, role });
            }
            RoleUse::Delegate(_) => usage.warn(
                "delegate_not_imported",
                &format!("roles[{r}].user"),
                format!("{}, {role_name} of the system, {}: left out", user.name, why_not(user.uuid)),
            ),
        }
    }
    (owner, delegates)
}

/// Reports the external references, which the register has no place for.
fn references(usage: &mut Usage<'_>) {
    let this = usage.kitos;
    for (i, reference) in this.external_references.iter().enumerate() {
        let title = reference.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or("(untitled)");
        let at = [reference.document_id.as_deref(), reference.url.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let at = if at.is_empty() { String::new() } else { format!(" ({at})") };
        usage.warn(
            "reference_not_kept",
            &format!("externalReferences[{i}]"),
            format!("the register has no place for the external reference {title:?}{at}: left out"),
        );
    }
}
