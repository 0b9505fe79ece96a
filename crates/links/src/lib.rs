//! Signed links in the mails: a link names the person it was sent to, what it opens (a duty, the
//! person's list of duties, a breach) and until when; it is signed with a key of its own (never
//! the JWT secret), so it can be checked with no account and no database, and a changed
//! character is refused.
//!
//! A token is `<payload>.<signature>`, both base64url without padding: the payload is a small
//! JSON object, the signature HMAC-SHA256 over the payload's text. Two keys may be configured at
//! once: links are signed with the current one and checked against both, so the key can be
//! rotated while links signed with the previous one are still out. Signatures are compared in
//! constant time. Whether the person may still open the link (still active, still the owner or a
//! delegate) is for the caller to check against the register: this crate only says who the link
//! names and what it opens.

#![deny(missing_docs)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use systemejer_domain::obligations::ObligationKind;
use systemejer_domain::{PersonId, RecordId, SystemId};

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// How long a link holds at most unless configured otherwise, in days.
pub const DEFAULT_MAX_DAYS: u32 = 60;

/// How long a breach link holds, in days (and never beyond the configured maximum).
pub const BREACH_LINK_DAYS: u32 = 14;

/// What a link opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum LinkTarget {
    /// One duty of one system, in the cycle that falls due on `due_on`.
    Duty {
        /// The system.
        system: SystemId,
        /// The duty.
        kind: ObligationKind,
        /// For `processor_supervision`: the agreement; otherwise empty.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        subject: String,
        /// The due date of the cycle the link was sent for.
        due_on: NaiveDate,
    },
    /// Every open duty of the systems the person owns or helps with ("Mine opgaver").
    MyDuties,
    /// An owner's open duties, read-only: for the information security coordinator.
    OwnerDuties {
        /// The owner.
        owner: PersonId,
    },
    /// One personal data breach.
    Breach {
        /// The incident.
        incident: RecordId,
    },
}

/// A link as it was signed: to whom, what, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The person it was sent to.
    pub person: PersonId,
    /// What it opens.
    pub target: LinkTarget,
    /// When it stops holding (to the second).
    pub expires_at: DateTime<Utc>,
}

/// What a token is for: the link in a mail, or the short session its page was opened with. A
/// token of one is never accepted as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
enum Use {
    /// The link in a mail.
    #[default]
    #[serde(rename = "m")]
    Mail,
    /// The session cookie a mail link is exchanged for.
    #[serde(rename = "s")]
    Session,
}

/// The signed fields, as they travel.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// The format's version.
    v: u8,
    /// What the token is for.
    #[serde(default)]
    u: Use,
    /// The person.
    p: PersonId,
    /// The target.
    #[serde(flatten)]
    target: LinkTarget,
    /// Expiry, Unix seconds.
    e: i64,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// It is not a link of ours (cut short, or not a token at all).
    #[error("the link is not a link of this register")]
    Malformed,
    /// Its signature does not match: changed, or signed with a key no longer configured.
    #[error("the link has been changed, or its key is no longer in use")]
    Tampered,
    /// It held until `at`.
    #[error("the link expired at {at}")]
    Expired {
        /// When it stopped holding.
        at: DateTime<Utc>,
    },
}

/// Why keys were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a link key must be at least {MIN_KEY_BYTES} bytes (the {which} key is {len})")]
pub struct KeyTooShort {
    /// `current` or `previous`.
    pub which: &'static str,
    /// Its length.
    pub len: usize,
}

/// The keys links are signed and checked with.
#[derive(Clone)]
pub struct LinkKeys {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkKeys")
            .field("current", &"<redacted>")
            .field("previous", &self.previous.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

impl LinkKeys {
    /// Links are signed with `current` and checked against it and `previous` (while a rotation
    /// is under way). Each must be at least [`MIN_KEY_BYTES`] long.
    pub fn new(current: Vec<u8>, previous: Option<Vec<u8>>) -> Result<Self, KeyTooShort> {
        if current.len() < MIN_KEY_BYTES {
            return Err(KeyTooShort { which: "current", len: current.len() });
        }
        if let Some(p) = previous.as_ref().filter(|p| p.len() < MIN_KEY_BYTES) {
            return Err(KeyTooShort { which: "previous", len: p.len() });
        }
        Ok(Self { current, previous })
    }

    /// A fresh random key and no previous one: for a process whose links need not outlive it
    /// (tests, a dry run). Fails only where the system has no randomness.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = vec![0u8; MIN_KEY_BYTES];
        getrandom::fill(&mut key)?;
        Ok(Self { current: key, previous: None })
    }

    /// The token of `link`, signed with the current key: URL-safe as it is.
    pub fn sign(&self, link: &Link) -> String {
        self.sign_for(link, Use::Mail)
    }

    /// The token of the session a page opened from `link` runs under (a cookie's value): it
    /// names what the link names, until `link.expires_at`, and is not a mail link.
    pub fn sign_session(&self, link: &Link) -> String {
        self.sign_for(link, Use::Session)
    }

    fn sign_for(&self, link: &Link, purpose: Use) -> String {
        let payload =
            Payload { v: 1, u: purpose, p: link.person, target: link.target.clone(), e: link.expires_at.timestamp() };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let mut signer = mac(&self.current);
        signer.update(body.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signer.finalize().into_bytes());
        format!("{body}.{signature}")
    }

    /// The link `token` names, if it is ours, unchanged, signed with a key still configured,
    /// and not expired at `now`.
    pub fn open(&self, token: &str, now: DateTime<Utc>) -> Result<Link, Refusal> {
        self.open_for(token, Use::Mail, now)
    }

    /// The link a session token (from [`LinkKeys::sign_session`]) names, checked as
    /// [`LinkKeys::open`] checks a mail link.
    pub fn open_session(&self, token: &str, now: DateTime<Utc>) -> Result<Link, Refusal> {
        self.open_for(token, Use::Session, now)
    }

    /// The token a form of the session `session` carries (against cross-site requests): only
    /// the holder of the session's cookie can know it.
    pub fn form_token(&self, session: &str) -> String {
        let mut signer = mac(&self.current);
        signer.update(b"form:");
        signer.update(session.as_bytes());
        URL_SAFE_NO_PAD.encode(signer.finalize().into_bytes())
    }

    /// Whether `given` is the form token of `session` (in constant time, under either key).
    pub fn check_form_token(&self, session: &str, given: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(given) else { return false };
        let signed_by = |key: &[u8]| {
            let mut checker = mac(key);
            checker.update(b"form:");
            checker.update(session.as_bytes());
            checker.verify_slice(&given).is_ok()
        };
        signed_by(&self.current) || self.previous.as_deref().is_some_and(signed_by)
    }

    fn open_for(&self, token: &str, purpose: Use, now: DateTime<Utc>) -> Result<Link, Refusal> {
        let (body, signature) = token.split_once('.').ok_or(Refusal::Malformed)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| Refusal::Malformed)?;
        let signed_by = |key: &[u8]| {
            let mut checker = mac(key);
            checker.update(body.as_bytes());
            checker.verify_slice(&signature).is_ok()
        };
        let genuine = signed_by(&self.current) || self.previous.as_deref().is_some_and(signed_by);
        if !genuine {
            return Err(Refusal::Tampered);
        }
        // Signed by us: what follows parses unless the format changed under a live link.
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| Refusal::Malformed)?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| Refusal::Malformed)?;
        if payload.v != 1 {
            return Err(Refusal::Malformed);
        }
        if payload.u != purpose {
            return Err(Refusal::Tampered);
        }
        let expires_at = DateTime::from_timestamp(payload.e, 0).ok_or(Refusal::Malformed)?;
        if now >= expires_at {
            return Err(Refusal::Expired { at: expires_at });
        }
        Ok(Link { person: payload.p, target: payload.target, expires_at })
    }
}

/// Until when a duty link sent at `sent_at` holds: until the end of `cycle_ends` (the day the
/// duty would next fall due once done, where the caller knows it) and never more than
/// `max_days` after it was sent.
pub fn duty_link_expiry(sent_at: DateTime<Utc>, cycle_ends: Option<NaiveDate>, max_days: u32) -> DateTime<Utc> {
    let cap = sent_at + Duration::days(i64::from(max_days));
    let end = cycle_ends.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
    end.map_or(cap, |end| end.min(cap))
}

/// Until when a breach link sent at `sent_at` holds: [`BREACH_LINK_DAYS`], and never more than
/// `max_days`.
pub fn breach_link_expiry(sent_at: DateTime<Utc>, max_days: u32) -> DateTime<Utc> {
    sent_at + Duration::days(i64::from(BREACH_LINK_DAYS.min(max_days)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn keys(current: u8, previous: Option<u8>) -> LinkKeys {
        LinkKeys::new(vec![current; 32], previous.map(|p| vec![p; 32])).unwrap()
    }

    fn duty_link() -> Link {
        Link {
            person: "01939b2a-0000-7000-8000-000000000001".parse().unwrap(),
            target: LinkTarget::Duty {
                system: "01939b2a-0000-7000-8000-000000000002".parse().unwrap(),
                kind: ObligationKind::BackupTest,
                subject: String::new(),
                due_on: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            },
            expires_at: at("2027-01-30T12:00:00Z"),
        }
    }

    #[test]
    fn every_target_round_trips() {
        let k = keys(7, None);
        let now = at("2026-12-01T08:00:00Z");
        let mut links = vec![duty_link()];
        links.push(Link { target: LinkTarget::MyDuties, ..duty_link() });
        let incident = "01939b2a-0000-7000-8000-000000000003".parse().unwrap();
        links.push(Link { target: LinkTarget::Breach { incident }, ..duty_link() });
        let mut supervision = duty_link();
        supervision.target = LinkTarget::Duty {
            system: "01939b2a-0000-7000-8000-000000000002".parse().unwrap(),
            kind: ObligationKind::ProcessorSupervision,
            subject: "01939b2a-0000-7000-8000-000000000004".into(),
            due_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        };
        links.push(supervision);
        for link in links {
            let token = k.sign(&link);
            assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "URL-safe: {token}");
            assert_eq!(k.open(&token, now), Ok(link));
        }
    }

    #[test]
    fn a_changed_or_cut_token_is_refused() {
        let k = keys(7, None);
        let now = at("2026-12-01T08:00:00Z");
        let token = k.sign(&duty_link());
        let (body, signature) = token.split_once('.').unwrap();
        // Another person named in the payload, with the old signature.
        let other = Link { person: "01939b2a-0000-7000-8000-000000000009".parse().unwrap(), ..duty_link() };
        let forged_body = k.sign(&other).split_once('.').unwrap().0.to_owned();
        assert_eq!(k.open(&format!("{forged_body}.{signature}"), now), Err(Refusal::Tampered));
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        assert_eq!(k.open(&format!("{body}.{flipped}{}", &signature[1..]), now), Err(Refusal::Tampered));
        for cut in ["", ".", "abc", &token[..token.len() / 2], "a.b!c", body] {
            assert!(k.open(cut, now).is_err(), "{cut:?}");
        }
        // Signed with another key altogether.
        assert_eq!(keys(8, None).open(&token, now), Err(Refusal::Tampered));
    }

    #[test]
    fn an_expired_link_says_when_it_expired() {
        let k = keys(7, None);
        let link = duty_link();
        let token = k.sign(&link);
        assert!(k.open(&token, link.expires_at - Duration::seconds(1)).is_ok());
        assert_eq!(k.open(&token, link.expires_at), Err(Refusal::Expired { at: link.expires_at }));
    }

    #[test]
    fn a_key_can_be_rotated_while_links_are_out() {
        let now = at("2026-12-01T08:00:00Z");
        let old = keys(1, None).sign(&duty_link());
        assert!(keys(2, Some(1)).open(&old, now).is_ok(), "the previous key still opens its links");
        assert_eq!(keys(2, None).open(&old, now), Err(Refusal::Tampered), "a retired key does not");
        let new = keys(2, Some(1)).sign(&duty_link());
        assert_eq!(keys(1, None).open(&new, now), Err(Refusal::Tampered), "new links use the new key");
    }

    #[test]
    fn short_keys_are_refused_and_keys_never_printed() {
        assert_eq!(LinkKeys::new(vec![1; 31], None).unwrap_err(), KeyTooShort { which: "current", len: 31 });
        assert_eq!(
            LinkKeys::new(vec![1; 32], Some(vec![2; 5])).unwrap_err(),
            KeyTooShort { which: "previous", len: 5 }
        );
        let printed = format!("{:?}", keys(0x41, Some(0x42)));
        assert!(!printed.contains("65") && !printed.contains("AAAA"), "{printed}");
    }

    #[test]
    fn lifetimes_follow_the_cycle_and_the_cap() {
        let sent = at("2026-12-01T08:00:00Z");
        let cycle = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        assert_eq!(duty_link_expiry(sent, Some(cycle), 60), at("2026-12-21T00:00:00Z"), "to the end of the cycle");
        let far = NaiveDate::from_ymd_opt(2027, 12, 1).unwrap();
        assert_eq!(duty_link_expiry(sent, Some(far), 60), at("2027-01-30T08:00:00Z"), "at most 60 days");
        assert_eq!(duty_link_expiry(sent, None, 30), at("2026-12-31T08:00:00Z"));
        assert_eq!(breach_link_expiry(sent, 60), at("2026-12-15T08:00:00Z"));
        assert_eq!(breach_link_expiry(sent, 7), at("2026-12-08T08:00:00Z"), "the configured maximum wins");
    }

    #[test]
    fn a_session_is_not_a_mail_link_nor_the_other_way() {
        let k = keys(7, None);
        let now = at("2026-12-01T08:00:00Z");
        let link = duty_link();
        let session = k.sign_session(&link);
        assert_eq!(k.open_session(&session, now), Ok(link.clone()));
        assert_eq!(k.open(&session, now), Err(Refusal::Tampered), "a cookie pasted into a mail link");
        assert_eq!(k.open_session(&k.sign(&link), now), Err(Refusal::Tampered), "a mail link as a cookie");
    }

    #[test]
    fn a_form_token_belongs_to_its_session_and_survives_a_rotation() {
        let old = keys(7, None);
        let session = old.sign_session(&duty_link());
        let token = old.form_token(&session);
        assert!(old.check_form_token(&session, &token));
        assert!(!old.check_form_token(&format!("{session}x"), &token), "another session");
        assert!(!old.check_form_token(&session, ""), "none");
        assert!(!old.check_form_token(&session, "not base64!"));
        assert!(keys(9, Some(7)).check_form_token(&session, &token), "the previous key still counts");
        assert!(!keys(9, None).check_form_token(&session, &token), "a retired key does not");
    }

    proptest! {
        /// Any one character changed: refused, or (where only base64's unused bits changed) the
        /// very same link. Never another link.
        #[test]
        fn no_single_change_opens_another_link(position in 0usize..400, replacement in "[A-Za-z0-9_.-]") {
            let k = keys(7, None);
            let link = duty_link();
            let token = k.sign(&link);
            let position = position % token.len();
            let mut changed: Vec<char> = token.chars().collect();
            changed[position] = replacement.chars().next().unwrap();
            let changed: String = changed.into_iter().collect();
            if let Ok(opened) = k.open(&changed, at("2026-12-01T08:00:00Z")) {
                prop_assert_eq!(opened, link);
            }
        }
    }
}
