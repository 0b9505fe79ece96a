//! People: the Kitos users who hold a role the register keeps (owner or delegate), drafted by
//! their e-mail address, which is how the register tells people apart.
//!
//! **Positions.** Kitos keeps none; the register keeps one for everyone and admits an owner only
//! in a management position (a director, a head of department or of staff, or a leader
//! reporting directly to one). The import does not guess one: every person is drafted with
//! [`MapOptions::default_position`] (`employee` unless an admin chose otherwise), which claims no
//! management duties. A Kitos owner therefore becomes the system's owner only once the owner
//! rule admits them: an admin sets their position, and the apply step (given
//! [`crate::RegisterIds::eligible_owners`]) or a handover then makes them owner. Until then each
//! such system carries the finding `owner_position_unknown`, and the go-live gate lists the owner
//! as not eligible.
//!
//! Users who hold only roles the register has no counterpart for are not drafted.

use std::collections::{HashMap, HashSet};

use systemejer_domain::{EmailAddress, Language, Name, NewPerson};
use systemejer_kitos::Snapshot;
use uuid::Uuid;

use crate::drafts::PersonDraft;
use crate::finding::{Finding, Place, Subject, SubjectKind};
use crate::options::MapOptions;
use crate::roles::{RoleUse, Roles};
use crate::subjects;

/// The people drafted, and why each other role holder was not.
#[derive(Debug, Default)]
pub(crate) struct People {
    pub(crate) drafts: Vec<PersonDraft>,
    /// Why a user who holds a kept role is not imported, by Kitos user uuid.
    pub(crate) left_out: HashMap<Uuid, String>,
}

/// Drafts the holders of kept roles in `snapshot`.
pub(crate) fn map(snapshot: &Snapshot, roles: &Roles, options: &MapOptions, findings: &mut Vec<Finding>) -> People {
    let mut order: Vec<Uuid> = Vec::new();
    let mut held: HashMap<Uuid, Vec<String>> = HashMap::new();
    for usage in &snapshot.usages {
        for assignment in &usage.roles {
            if roles.use_of(assignment) == RoleUse::Unmapped {
                continue;
            }
            let user = assignment.user.uuid;
            if !held.contains_key(&user) {
                order.push(user);
            }
            let role = format!("{} of {}", assignment.role.name.trim(), subjects::usage_name(snapshot, usage));
            held.entry(user).or_default().push(role);
        }
    }
    let mut out = People::default();
    let mut emails: HashSet<EmailAddress> = HashSet::new();
    for user_uuid in order {
        let roles_held = held.remove(&user_uuid).unwrap_or_default().join(", ");
        let Some((index, user)) = snapshot.users.iter().enumerate().find(|(_, user)| user.uuid == user_uuid) else {
            // The usage's own finding names the assignment (see `systems`).
            out.left_out.insert(user_uuid, "is not among the organization's users read from Kitos".to_owned());
            continue;
        };
        let shown = if user.name.trim().is_empty() { user_uuid.to_string() } else { user.name.trim().to_owned() };
        let subject = Subject::new(SubjectKind::User, user.uuid, &shown);
        let Some(raw) = user.email() else {
            findings.push(
                Finding::warning(
                    "user_without_email",
                    format!(
                        "{shown} has no e-mail address in Kitos; the register knows people by their e-mail, so they \
                         are not imported, and these roles are not given: {roles_held}"
                    ),
                )
                .about(&subject)
                .at(Place::user(index, "email")),
            );
            out.left_out.insert(user_uuid, "has no e-mail address in Kitos".to_owned());
            continue;
        };
        let email = match EmailAddress::parse(raw) {
            Ok(email) => email,
            Err(e) => {
                findings.push(
                    Finding::warning(
                        "user_email_invalid",
                        format!(
                            "{shown}'s e-mail address {raw:?} {}: they are not imported, and these roles are not \
                             given: {roles_held}",
                            e.message
                        ),
                    )
                    .about(&subject)
                    .at(Place::user(index, "email")),
                );
                out.left_out.insert(user_uuid, format!("has an e-mail address that is not one ({raw:?})"));
                continue;
            }
        };
        if !emails.insert(email.clone()) {
            findings.push(
                Finding::warning(
                    "user_email_shared",
                    format!(
                        "another user has the e-mail address {email} too, and the register keeps one person per \
                         address: {shown} is not imported, and these roles are not given: {roles_held}"
                    ),
                )
                .about(&subject)
                .at(Place::user(index, "email")),
            );
            out.left_out.insert(user_uuid, format!("shares the e-mail address {email} with another user"));
            continue;
        }
        let given = Name::parse(&user.name);
        let name = given
            .clone()
            .or_else(|_| Name::parse(&full_name(user.first_name.as_deref(), user.last_name.as_deref())))
            .or_else(|_| Name::parse(email.as_str()));
        let Ok(name) = name else {
            out.left_out.insert(user_uuid, "has neither a name nor an e-mail address the register can keep".to_owned());
            continue;
        };
        if let Err(e) = &given
            && !user.name.trim().is_empty()
        {
            findings.push(
                Finding::warning(
                    "user_name_invalid",
                    format!("the name {}: the person is imported as {:?}", e.message, name.as_str()),
                )
                .about(&Subject::new(SubjectKind::User, user_uuid, &shown))
                .at(Place::user(index, "name")),
            );
        }
        out.drafts.push(PersonDraft {
            kitos_uuid: user.uuid,
            person: NewPerson {
                name,
                email,
                position: options.default_position,
                org_unit_id: None,
                manager_id: None,
                active: true,
                language: Language::Da,
            },
        });
    }
    out
}

fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    [first, last].into_iter().flatten().map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}
