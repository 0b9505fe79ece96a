//! From a mail's link to a page: the link is checked and exchanged for a short session cookie
//! scoped to the page's path, and the browser moves on to a URL without the token. Each
//! request then finds its session among the cookies, checks that the person may still act on
//! what it names, and each form carries a token only the cookie's holder can know.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpMessage, HttpRequest};
use chrono::{DateTime, Duration, Utc};
use systemejer_domain::obligations::ObligationKind;
use systemejer_domain::{Person, PersonId, System, SystemId};
use systemejer_links::{Link, LinkTarget, Refusal};
use systemejer_store::StoreError;

use crate::state::Pages;

/// The session cookie's name (one per page path).
pub const COOKIE: &str = "systemejer_side";

/// How long a session lasts: enough to read the page and fill in its form.
pub const SESSION_MINUTES: i64 = 30;

/// Why a page is not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The link is not one of ours, was changed, or was signed with a retired key.
    Tampered,
    /// The link held until then.
    Expired(DateTime<Utc>),
    /// No session for this page (opened without the link, or the session ran out).
    NoSession,
    /// The person is no longer active in the register.
    Inactive,
    /// The person is no longer the system's owner, a delegate, or the one the duty is assigned to.
    NotResponsible,
    /// A form posted without the token of its session (from another site, or a stale page).
    Forged,
    /// The duty no longer applies to the system.
    Gone,
    /// An owner's list, for someone who is neither the coordinator nor the owner's manager.
    NotCoordinator,
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Malformed | Refusal::Tampered => Refused::Tampered,
            Refusal::Expired { at } => Refused::Expired(at),
        }
    }
}

/// A page's way in: the link it was opened with and the cookie that carries it.
#[derive(Debug, Clone)]
pub struct Session {
    /// What the link names.
    pub link: Link,
    /// The cookie's value (what the form token is made from).
    pub token: String,
}

/// The path a page of `target` lives at, and its session cookie's path.
pub fn page_path(target: &LinkTarget) -> String {
    match target {
        LinkTarget::Duty { system, kind, subject, .. } if subject.is_empty() => format!("/opgave/{system}/{kind}"),
        LinkTarget::Duty { system, kind, subject, .. } => format!("/opgave/{system}/{kind}/{subject}"),
        LinkTarget::MyDuties => "/mine-opgaver".into(),
        LinkTarget::OwnerDuties { owner } => format!("/ejer/{owner}"),
        LinkTarget::Breach { incident } => format!("/brud/{incident}"),
    }
}

/// The session cookie of `link`, for its page's path, until it or the session ends.
pub fn cookie(pages: &Pages, link: &Link, now: DateTime<Utc>) -> Cookie<'static> {
    let session = Link { expires_at: link.expires_at.min(now + Duration::minutes(SESSION_MINUTES)), ..link.clone() };
    let value = pages.settings.keys.sign_session(&session);
    Cookie::build(COOKIE, value)
        .path(page_path(&link.target))
        .http_only(true)
        .secure(pages.secure)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::minutes(SESSION_MINUTES))
        .finish()
}

/// What a page of a duty names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyKey {
    /// The system.
    pub system: SystemId,
    /// The duty.
    pub kind: ObligationKind,
    /// The agreement, for a supervision; else empty.
    pub subject: String,
}

/// The session among the request's cookies whose link names what `wanted` accepts.
pub fn find(
    pages: &Pages,
    req: &HttpRequest,
    now: DateTime<Utc>,
    wanted: impl Fn(&LinkTarget) -> bool,
) -> Result<Session, Refused> {
    let cookies = req.cookies().map_err(|_| Refused::NoSession)?;
    cookies
        .iter()
        .filter(|c| c.name() == COOKIE)
        .find_map(|c| {
            let link = pages.settings.keys.open_session(c.value(), now).ok()?;
            wanted(&link.target).then(|| Session { link, token: c.value().to_owned() })
        })
        .ok_or(Refused::NoSession)
}

/// Whether `target` is the duty `key`.
pub fn is_duty(target: &LinkTarget, key: &DutyKey) -> bool {
    matches!(target, LinkTarget::Duty { system, kind, subject, .. }
        if *system == key.system && *kind == key.kind && *subject == key.subject)
}

/// The person a link names, if still active.
pub fn person(pages: &Pages, id: PersonId) -> Result<Result<Person, Refused>, StoreError> {
    match pages.store.get_person(id) {
        Ok(p) if p.active => Ok(Ok(p)),
        Ok(_) => Ok(Err(Refused::Inactive)),
        Err(StoreError::NotFound { .. }) => Ok(Err(Refused::Tampered)),
        Err(e) => Err(e),
    }
}

/// Whether `person` is the information security coordinator (their address is the one set).
pub fn is_coordinator(pages: &Pages, person: &Person) -> bool {
    pages.settings.coordinator_email.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(person.email.as_str()))
}

/// The owner whose list `viewer` may see read-only: the coordinator sees every owner's, a
/// manager their own people's.
pub fn owner_list_for(pages: &Pages, viewer: &Person, owner: PersonId) -> Result<Result<Person, Refused>, StoreError> {
    let owner = match pages.store.get_person(owner) {
        Ok(p) => p,
        Err(StoreError::NotFound { .. }) => return Ok(Err(Refused::Gone)),
        Err(e) => return Err(e),
    };
    Ok(if is_coordinator(pages, viewer) || owner.manager_id == Some(viewer.id) {
        Ok(owner)
    } else {
        Err(Refused::NotCoordinator)
    })
}

/// Whether `person` answers for `system`'s duty: its owner, a delegate, or the one it is
/// assigned to.
pub fn answers_for(system: &System, person: PersonId, assignee: Option<PersonId>) -> bool {
    system.is_owned_or_delegated_to(person) || assignee == Some(person)
}

/// The token the request's form must carry, checked against the session.
pub fn form_is_genuine(pages: &Pages, session: &Session, posted: &crate::form::Posted) -> bool {
    pages.settings.keys.check_form_token(&session.token, posted.get("csrf"))
}

/// The token a link's path carried, taken out of the path before anything logged it.
pub fn link_token(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<systemejer_api::SecretTail>().map(|t| t.0.clone())
}
