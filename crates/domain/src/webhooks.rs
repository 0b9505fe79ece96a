//! Webhooks: subscriptions that other systems hold to what happens in the register (a system
//! changed, a duty due, a breach recorded), the events they can want, the address rule that
//! keeps the service from calling into the municipality's own network (SSRF), and the secret
//! each delivery is signed with as the Standard Webhooks specification says.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::WebhookId;
use crate::reminders::{ReminderPolicy, Stage};
use crate::values::{EmailAddress, Name, ParseError, Violation};

string_enum! {
    /// What happened: the `type` of an event, and what a subscription asks for.
    pub enum EventType {
        /// A system was registered.
        SystemCreated => "system.created",
        /// A system's description, owner or delegates changed (a PATCH, a handover).
        SystemChanged => "system.changed",
        /// A system was deleted.
        SystemDeleted => "system.deleted",
        /// A system moved to another lifecycle state.
        SystemStateChanged => "system.state_changed",
        /// A duty reached a reminder stage before its due date, or its due day.
        DutyDue => "duty.due",
        /// A duty is overdue: the day after its due date, then each whole week.
        DutyOverdue => "duty.overdue",
        /// A duty was recorded done (a passed completion).
        DutyDone => "duty.done",
        /// A personal data breach was recorded.
        BreachRecorded => "breach.recorded",
        /// A breach awaiting its report nears its 72 hours (24, 48 and 60 hours after discovery).
        BreachDeadlineNear => "breach.deadline_near",
        /// A breach was reported to Datatilsynet (its first report).
        BreachReported => "breach.reported",
        /// An import into the register finished.
        ImportFinished => "import.finished",
    }
}

/// The longest URL a subscription keeps.
const URL_MAX: usize = 2000;

/// Where a subscription's deliveries go: an absolute `http` or `https` URL with a host, no
/// user name or password (the signature authenticates the sender; credentials in a URL end up
/// in lists and logs) and no fragment. Whether its host may be called is decided apart
/// ([`forbidden_address`]), when it is given and again at every delivery.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = "uri", example = "https://intranet.randers.dk/hooks/systemejer"))]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses a receiver's URL.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.len() > URL_MAX {
            return Err(ParseError::new("max_length", format!("must be at most {URL_MAX} characters")));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ParseError::new("url", "must not contain spaces or control characters (percent-encode them)"));
        }
        let url = url::Url::parse(s)
            .map_err(|e| ParseError::new("url", format!("must be an http:// or https:// URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ParseError::new("scheme", "must be an http:// or https:// URL"));
        }
        if url.host().is_none() {
            return Err(ParseError::new("url", "must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ParseError::new(
                "no_credentials",
                "must not hold a user name or password: the signature authenticates the deliveries",
            ));
        }
        if url.fragment().is_some() {
            return Err(ParseError::new("no_fragment", "must not have a fragment (#...): it is never sent"));
        }
        if url.port() == Some(0) {
            return Err(ParseError::new("port", "must not name port 0: no receiver listens there"));
        }
        Ok(Self(url.to_string()))
    }

    /// The URL as text (normalised: an IPv4 address written as one number reads as a dotted one).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL, parsed.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&self.0).unwrap_or_else(|_| unreachable!("a WebhookUrl was parsed"))
    }

    /// The host to resolve and the port to call.
    pub fn host_and_port(&self) -> (Host, u16) {
        let url = self.url();
        let port = url.port_or_known_default().unwrap_or(80);
        let host = match url.host() {
            Some(url::Host::Ipv4(a)) => Host::Address(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => Host::Address(IpAddr::V6(a)),
            Some(url::Host::Domain(d)) => Host::Name(d.to_owned()),
            None => Host::Name(String::new()),
        };
        (host, port)
    }
}

/// A URL's host: an address written out, or a name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IP address, called as it is.
    Address(IpAddr),
    /// A name, resolved before each call.
    Name(String),
}

impl TryFrom<String> for WebhookUrl {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<WebhookUrl> for String {
    fn from(value: WebhookUrl) -> Self {
        value.0
    }
}

from_str_by_parse!(WebhookUrl);

/// Why an address may not be called: the kind of network it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenAddress {
    /// `127.0.0.0/8`, `::1`: this machine.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16` (RFC 1918), and the old site-local `fec0::/10`.
    Private,
    /// `169.254/16`, `fe80::/10`: the link (and the cloud's metadata service at 169.254.169.254).
    LinkLocal,
    /// `fc00::/7` (RFC 4193).
    UniqueLocal,
    /// `100.64/10`, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// `0.0.0.0/8`, `::`: no address, or this host.
    Unspecified,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Reserved or special-purpose: `192.0.0/24`, `192.88.99/24` (6to4 relays), `198.18/15`
    /// (benchmarking), `240/4`, `2001::/23` (Teredo among them), `64:ff9b:1::/48` (local
    /// NAT64), `100::/64`, `5f00::/16`, and the documentation ranges, which no receiver has.
    Reserved,
}

impl ForbiddenAddress {
    /// The kind in words, for a problem's message and a delivery's error.
    pub const fn describe(self) -> &'static str {
        match self {
            ForbiddenAddress::Loopback => "a loopback address",
            ForbiddenAddress::Private => "a private address (RFC 1918)",
            ForbiddenAddress::LinkLocal => "a link-local address",
            ForbiddenAddress::UniqueLocal => "a unique local address (fc00::/7)",
            ForbiddenAddress::SharedAddressSpace => "a carrier-grade NAT address (100.64.0.0/10)",
            ForbiddenAddress::Unspecified => "the unspecified address",
            ForbiddenAddress::Multicast => "a multicast address",
            ForbiddenAddress::Broadcast => "the broadcast address",
            ForbiddenAddress::Reserved => "a reserved address",
        }
    }
}

/// Whether `ip` lies in a network the service must not call on a subscriber's behalf, and
/// which. IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
pub fn forbidden_address(ip: IpAddr) -> Option<ForbiddenAddress> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<ForbiddenAddress> {
    let [a, b, c, _] = ip.octets();
    Some(if ip.is_loopback() {
        ForbiddenAddress::Loopback
    } else if ip.is_private() {
        ForbiddenAddress::Private
    } else if ip.is_link_local() {
        ForbiddenAddress::LinkLocal
    } else if a == 100 && (64..128).contains(&b) {
        ForbiddenAddress::SharedAddressSpace
    } else if a == 0 {
        ForbiddenAddress::Unspecified
    } else if ip.is_broadcast() {
        ForbiddenAddress::Broadcast
    } else if ip.is_multicast() {
        ForbiddenAddress::Multicast
    } else if (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240
        || ip.is_documentation()
    {
        ForbiddenAddress::Reserved
    } else {
        return None;
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<ForbiddenAddress> {
    let seg = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        let (high, low) = (hi.to_be_bytes(), lo.to_be_bytes());
        Ipv4Addr::new(high[0], high[1], low[0], low[1])
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    Some(if ip.is_loopback() {
        ForbiddenAddress::Loopback
    } else if ip.is_unspecified() {
        ForbiddenAddress::Unspecified
    } else if seg[..6] == [0; 6] {
        // IPv4-compatible (deprecated): ::a.b.c.d.
        return forbidden_v4(embedded(seg[6], seg[7])).or(Some(ForbiddenAddress::Reserved));
    } else if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || seg[..6] == [0, 0, 0, 0, 0xffff, 0] {
        // NAT64's well-known prefix, and IPv4-translated addresses (SIIT, ::ffff:0:a.b.c.d),
        // reach the IPv4 address inside them.
        return forbidden_v4(embedded(seg[6], seg[7]));
    } else if seg[..3] == [0x64, 0xff9b, 1] {
        // NAT64 for local use (RFC 8215): translated inside the network, to anything.
        ForbiddenAddress::Reserved
    } else if seg[0] == 0x2002 {
        // 6to4 routes to the IPv4 address in its prefix.
        return forbidden_v4(embedded(seg[1], seg[2]));
    } else if ip.is_multicast() {
        ForbiddenAddress::Multicast
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        ForbiddenAddress::UniqueLocal
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        ForbiddenAddress::LinkLocal
    } else if (seg[0] & 0xffc0) == 0xfec0 {
        ForbiddenAddress::Private
    } else if (seg[0] == 0x2001 && (seg[1] == 0x0db8 || seg[1] < 0x0200))
        || (seg[0] == 0x3fff && seg[1] < 0x1000)
        || seg[0] == 0x5f00
        || seg[..4] == [0x100, 0, 0, 0]
    {
        // Documentation (2001:db8::/32, 3fff::/20), the IETF's protocol assignments
        // (2001::/23, Teredo among them, whose tunnels lead anywhere), SRv6 segment ids
        // (5f00::/16) and discard-only (100::/64).
        ForbiddenAddress::Reserved
    } else {
        return None;
    })
}

/// The problem with calling the addresses a receiver's host resolved to, if any: the first
/// forbidden one, named with its kind, as a violation of `url`'s rule `public_address`.
pub fn check_addresses(host: &str, addresses: &[IpAddr]) -> Result<(), Violation> {
    match addresses.iter().find_map(|ip| forbidden_address(*ip).map(|why| (ip, why))) {
        Some((ip, why)) => Err(Violation::new(
            "url",
            "public_address",
            format!(
                "{host} {} {ip}, {}: the service calls only public addresses (SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE \
                 allows others)",
                if host == ip.to_string() { "is" } else { "resolves to" },
                why.describe()
            ),
        )),
        None => Ok(()),
    }
}

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The fewest and most random bytes a secret may hold.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
/// The bytes of a secret the service generates.
pub const GENERATED_SECRET_BYTES: usize = 32;

/// The key a subscription's deliveries are signed with, in the Standard Webhooks form:
/// `whsec_` and the key's bytes (24 to 64 of them) in base64.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^whsec_[A-Za-z0-9+/]+={0,2}$", example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))]
#[serde(try_from = "String")]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Parses a secret given by a subscriber.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let encoded = s.strip_prefix(SECRET_PREFIX).ok_or_else(|| {
            ParseError::new("secret_format", "must be whsec_ followed by the key in base64 (Standard Webhooks)")
        })?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| ParseError::new("secret_format", "must be whsec_ followed by the key in base64"))?;
        if !SECRET_BYTES.contains(&key.len()) {
            return Err(ParseError::new(
                "secret_length",
                format!(
                    "the key must be {} to {} bytes (is {}); leave the secret out and the service makes one",
                    SECRET_BYTES.start(),
                    SECRET_BYTES.end(),
                    key.len()
                ),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The secret of `bytes` of randomness (the caller draws them).
    pub fn from_key(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::parse(&format!("{SECRET_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
    }

    /// The secret as the subscriber keeps it (`whsec_...`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key's bytes: what the HMAC is keyed with.
    pub fn key(&self) -> Vec<u8> {
        let encoded = self.0.strip_prefix(SECRET_PREFIX).unwrap_or_default();
        base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default()
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl TryFrom<String> for WebhookSecret {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A subscription as the register shows it. The secret is never among its fields: it is shown
/// once, when made (and when rotated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Identifier.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// The events it wants.
    pub events: Vec<EventType>,
    /// Whether it gets deliveries. An inactive subscription gets none of the events that
    /// happen meanwhile; what was queued for it waits until it is active again.
    pub active: bool,
    /// What it is for.
    pub description: Option<String>,
    /// Who is told when it is disabled for failing (else the information security coordinator).
    pub contact_email: Option<EmailAddress>,
    /// Since when every delivery has failed (none has succeeded since); `null` while it works.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the service disabled it (for failing too long, or a 410 Gone), if it did.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why the service disabled it.
    pub disabled_reason: Option<String>,
    /// Until when deliveries are also signed with the secret before the last rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Increases with every change of its settings (the `ETag`).
    pub version: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new subscription, as asked for.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries go: http(s), a public address (checked now and at every delivery).
    pub url: WebhookUrl,
    /// The events wanted: at least one, each once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<EventType>,
    /// The signing secret, `whsec_` + base64 of 24 to 64 bytes; absent: the service makes one.
    /// Shown once, in the answer.
    #[serde(default)]
    pub secret: Option<WebhookSecret>,
    /// Whether it gets deliveries (default `true`).
    #[serde(default = "yes")]
    pub active: bool,
    /// What it is for.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub description: Option<Name>,
    /// Who is told when it is disabled for failing (default: the information security coordinator).
    #[serde(default)]
    pub contact_email: Option<EmailAddress>,
}

fn yes() -> bool {
    true
}

/// Changes to a subscription: absent fields stay; `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookChanges {
    /// New URL (checked as when made).
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = WebhookUrl))]
    pub url: Option<WebhookUrl>,
    /// The events wanted, replaced whole.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<EventType>, min_items = 1))]
    pub events: Option<Vec<EventType>>,
    /// On or off. Turning a disabled subscription on again clears why it was disabled.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub active: Option<bool>,
    /// What it is for; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200, nullable))]
    pub description: Option<Option<Name>>,
    /// Who is told when it is disabled; `null` clears (the coordinator is told).
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<EmailAddress>, nullable))]
    pub contact_email: Option<Option<EmailAddress>>,
}

/// The most secrets from before rotations that sign beside the current one at once.
pub const MAX_PREVIOUS_SECRETS: usize = 3;

/// The secrets that go on signing beside `new` after a rotation: the one in force until now,
/// then those from earlier rotations that are still in their grace period (`still_signing`,
/// newest first), at most [`MAX_PREVIOUS_SECRETS`]. A second rotation within the grace period
/// thus keeps the receiver that has not yet changed over working. The new secret must differ
/// from every secret that signs now, or the rotation would rotate nothing.
pub fn secrets_kept_in_rotation(
    current: &str,
    still_signing: &[&str],
    new: &WebhookSecret,
) -> Result<Vec<String>, Violation> {
    if new.expose() == current || still_signing.contains(&new.expose()) {
        return Err(Violation::new(
            "secret",
            "unchanged",
            "must differ from the secrets that sign deliveries now; leave it out and the service makes one",
        ));
    }
    let mut kept = vec![current.to_owned()];
    for s in still_signing {
        if kept.len() < MAX_PREVIOUS_SECRETS && !kept.iter().any(|k| k == s) {
            kept.push((*s).to_owned());
        }
    }
    Ok(kept)
}

/// A rotation of a subscription's secret: the new one given, or made by the service.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecretRotation {
    /// The new secret; absent: the service makes one.
    #[serde(default)]
    pub secret: Option<WebhookSecret>,
}

/// The events listed: at least one, none twice.
pub fn check_events(events: &[EventType]) -> Vec<Violation> {
    let mut out = Vec::new();
    if events.is_empty() {
        out.push(Violation::new("events", "required", "name at least one event"));
    }
    for (i, e) in events.iter().enumerate() {
        if events[..i].contains(e) {
            out.push(Violation::new(format!("events[{i}]"), "unique", format!("{e} is listed twice")));
        }
    }
    out
}

impl NewWebhook {
    /// Every rule the request breaks beyond its fields' own.
    pub fn violations(&self) -> Vec<Violation> {
        check_events(&self.events)
    }
}

impl WebhookChanges {
    /// Every rule the request breaks beyond its fields' own.
    pub fn violations(&self) -> Vec<Violation> {
        self.events.as_deref().map(check_events).unwrap_or_default()
    }

    /// The subscription with these changes made. Turning it on again forgets why it was off
    /// and since when it failed: it starts afresh.
    pub fn apply(&self, mut w: Webhook) -> Webhook {
        if let Some(url) = &self.url {
            w.url = url.clone();
        }
        if let Some(events) = &self.events {
            w.events.clone_from(events);
        }
        if let Some(active) = self.active {
            if active && !w.active {
                w.disabled_at = None;
                w.disabled_reason = None;
                w.failing_since = None;
            }
            w.active = active;
        }
        if let Some(description) = &self.description {
            w.description = description.as_ref().map(|d| d.as_str().to_owned());
        }
        if let Some(contact) = &self.contact_email {
            w.contact_email.clone_from(contact);
        }
        w
    }
}

/// The reminder stage a duty's event belongs to on `today`, and the event: `duty.due` at a
/// stage before the due date (the reminder days) and on the due day; `duty.overdue` from the
/// day after (`overdue_0`) and at each whole week overdue (`overdue_1`, ...). A pass that
/// misses a day emits the latest stage reached, as the reminders do.
pub fn duty_event(due_on: NaiveDate, today: NaiveDate, policy: &ReminderPolicy) -> Option<(EventType, String)> {
    let days_left = (due_on - today).num_days();
    if days_left < 0 {
        let weeks = -days_left / 7;
        return Some((EventType::DutyOverdue, format!("overdue_{weeks}")));
    }
    let stage = crate::reminders::stage(due_on, today, policy)?;
    Some((
        EventType::DutyDue,
        match stage {
            Stage::Before(_) | Stage::DueDay => stage.key(),
            Stage::Overdue(_) => return None,
        },
    ))
}

string_enum! {
    /// Where the delivery of one event to one subscription stands.
    pub enum DeliveryStatus {
        /// Waiting for its first attempt or its next one.
        Queued => "queued",
        /// A receiver answered 2xx.
        Delivered => "delivered",
        /// Given up after the last attempt.
        Failed => "failed",
    }
}

/// One attempt to deliver an event: when, what the receiver answered (or why it could not),
/// and how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why it failed, when it did (a status other than 2xx, a timeout, a refused address, ...).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// The delivery of one event to one subscription, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The event (the `webhook-id` header and the body's `id`, the same in every attempt).
    pub event_id: uuid::Uuid,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Where the delivery stands.
    pub status: DeliveryStatus,
    /// The next attempt, while queued.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When a receiver took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, first to last.
    pub attempts: Vec<WebhookAttempt>,
}

/// A subscription as made or with its secret rotated: the only answers that show the secret.
/// Its fields are a [`Webhook`]'s, and the secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    /// Identifier.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// The events it wants.
    pub events: Vec<EventType>,
    /// Whether it gets deliveries.
    pub active: bool,
    /// What it is for.
    pub description: Option<String>,
    /// Who is told when it is disabled for failing (else the information security coordinator).
    pub contact_email: Option<EmailAddress>,
    /// Since when every delivery has failed; `null` while it works.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the service disabled it, if it did.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why the service disabled it.
    pub disabled_reason: Option<String>,
    /// Until when deliveries are also signed with the secret before the last rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Increases with every change of its settings (the `ETag`).
    pub version: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: DateTime<Utc>,
    /// The signing secret (`whsec_...`): shown this once; keep it where the receiver can read it.
    pub secret: String,
}

impl WebhookWithSecret {
    /// `webhook` shown with its `secret`.
    pub fn new(webhook: Webhook, secret: &WebhookSecret) -> Self {
        let Webhook {
            id,
            url,
            events,
            active,
            description,
            contact_email,
            failing_since,
            disabled_at,
            disabled_reason,
            previous_secret_until,
            version,
            created_at,
            updated_at,
        } = webhook;
        Self {
            id,
            url,
            events,
            active,
            description,
            contact_email,
            failing_since,
            disabled_at,
            disabled_reason,
            previous_secret_until,
            version,
            created_at,
            updated_at,
            secret: secret.expose().to_owned(),
        }
    }
}

/// Why the service turns a subscription off after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableCause {
    /// The receiver answered 410 Gone: it says the endpoint will not come back.
    Gone,
    /// No delivery has succeeded since `since`, `days` days or more before the attempt.
    FailingFor {
        /// The first failure since the last success.
        since: DateTime<Utc>,
        /// The days it may fail before it is turned off.
        days: u32,
    },
}

impl DisableCause {
    /// Whether a failed attempt at `at` (answered `status`, if it was answered) turns the
    /// subscription off: a 410 at once; otherwise when it has failed, without a success, for
    /// `after_days` days (since `failing_since`, or since this attempt when it is the first).
    pub fn of(
        failing_since: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
        after_days: u32,
        status: Option<u16>,
    ) -> Option<Self> {
        if status == Some(410) {
            return Some(DisableCause::Gone);
        }
        let since = failing_since.unwrap_or(at);
        (at - since >= chrono::Duration::days(i64::from(after_days)))
            .then_some(DisableCause::FailingFor { since, days: after_days })
    }

    /// The cause in words, as the subscription shows it.
    pub fn describe(self) -> String {
        match self {
            DisableCause::Gone => "the receiver answered 410 Gone".to_owned(),
            DisableCause::FailingFor { since, days } => format!(
                "no delivery has succeeded for {days} days (failing since {})",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }
}

/// What an import into the register reports when it has finished: the `data` of its
/// `import.finished` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The import's run.
    pub import_id: uuid::Uuid,
    /// Where it read from (`kitos`, a file's name).
    pub source: String,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Whether it finished without errors.
    pub succeeded: bool,
    /// Entities made.
    pub created: u64,
    /// Entities the register had already, linked to the source.
    pub linked: u64,
    /// Entities changed (without a conflict).
    pub updated: u64,
    /// Entities with a conflict: a field changed both here and in the source, kept as here
    /// (the other changes written).
    pub conflicts: u64,
    /// Entities not imported (reported why).
    pub skipped: u64,
    /// What it found to look at (by file and JSON path).
    pub findings: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_keeps_the_secrets_still_signing_and_refuses_one_in_use() {
        let key = |b: u8| WebhookSecret::from_key(&[b; 32]).unwrap();
        let [s1, s2, s3, s4, s5] = [1, 2, 3, 4, 5].map(key);
        // The first rotation: the one in force signs on beside the new.
        assert_eq!(secrets_kept_in_rotation(s1.expose(), &[], &s2).unwrap(), [s1.expose()]);
        // A second within the day: the first secret too, for the receiver not yet changed over.
        assert_eq!(secrets_kept_in_rotation(s2.expose(), &[s1.expose()], &s3).unwrap(), [s2.expose(), s1.expose()]);
        // At most three, the oldest let go.
        let kept = secrets_kept_in_rotation(s4.expose(), &[s3.expose(), s2.expose(), s1.expose()], &s5).unwrap();
        assert_eq!(kept, [s4.expose(), s3.expose(), s2.expose()]);
        // Rotating to a secret that signs now rotates nothing.
        for same in [&s2, &s1] {
            let refused = secrets_kept_in_rotation(s2.expose(), &[s1.expose()], same).unwrap_err();
            assert_eq!((refused.field.as_str(), refused.rule.as_str()), ("secret", "unchanged"));
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused_public_ones_pass() {
        for (addr, kind) in [
            ("127.0.0.1", ForbiddenAddress::Loopback),
            ("127.255.0.9", ForbiddenAddress::Loopback),
            ("::1", ForbiddenAddress::Loopback),
            ("10.1.2.3", ForbiddenAddress::Private),
            ("172.16.0.1", ForbiddenAddress::Private),
            ("172.31.255.255", ForbiddenAddress::Private),
            ("192.168.1.1", ForbiddenAddress::Private),
            ("169.254.169.254", ForbiddenAddress::LinkLocal),
            ("fe80::1", ForbiddenAddress::LinkLocal),
            ("fc00::1", ForbiddenAddress::UniqueLocal),
            ("fd12:3456::1", ForbiddenAddress::UniqueLocal),
            ("100.64.0.1", ForbiddenAddress::SharedAddressSpace),
            ("100.127.255.254", ForbiddenAddress::SharedAddressSpace),
            ("0.0.0.0", ForbiddenAddress::Unspecified),
            ("::", ForbiddenAddress::Unspecified),
            ("224.0.0.1", ForbiddenAddress::Multicast),
            ("ff02::1", ForbiddenAddress::Multicast),
            ("255.255.255.255", ForbiddenAddress::Broadcast),
            ("::ffff:127.0.0.1", ForbiddenAddress::Loopback),
            ("::ffff:10.0.0.1", ForbiddenAddress::Private),
            ("::ffff:169.254.169.254", ForbiddenAddress::LinkLocal),
            ("::127.0.0.1", ForbiddenAddress::Loopback),
            ("64:ff9b::a00:1", ForbiddenAddress::Private),
            ("2002:c0a8:0101::1", ForbiddenAddress::Private),
            ("240.0.0.1", ForbiddenAddress::Reserved),
            ("198.18.0.1", ForbiddenAddress::Reserved),
            ("192.88.99.1", ForbiddenAddress::Reserved),
            ("::ffff:0:7f00:1", ForbiddenAddress::Loopback),
            ("::ffff:0:a00:1", ForbiddenAddress::Private),
            ("64:ff9b:1::a00:1", ForbiddenAddress::Reserved),
            ("2001::53aa:64c:0:0", ForbiddenAddress::Reserved),
            ("2001:1::1", ForbiddenAddress::Reserved),
            ("2001:1ff::1", ForbiddenAddress::Reserved),
            ("100::1", ForbiddenAddress::Reserved),
            ("3fff:fff::1", ForbiddenAddress::Reserved),
            ("5f00::1", ForbiddenAddress::Reserved),
        ] {
            assert_eq!(forbidden_address(ip(addr)), Some(kind), "{addr}");
        }
        for addr in [
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "192.88.100.1",
            "2a00:1450:4001::1",
            "2001:200::1",
            "3fff:1000::1",
            "101::1",
        ] {
            assert_eq!(forbidden_address(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn a_receivers_url_is_http_with_a_host_and_no_credentials() {
        assert!(WebhookUrl::parse("https://hooks.randers.dk/systemejer?x=1").is_ok());
        // An address written as one number is read as the dotted address it is.
        let odd = WebhookUrl::parse("http://2130706433:8080/h").unwrap();
        assert_eq!(odd.host_and_port(), (Host::Address(ip("127.0.0.1")), 8080));
        assert_eq!(WebhookUrl::parse("http://[::1]/h").unwrap().host_and_port().0, Host::Address(ip("::1")));
        for (bad, rule) in [
            ("ftp://x.dk/", "scheme"),
            ("file:///etc/passwd", "scheme"),
            ("https://user:pw@x.dk/", "no_credentials"),
            ("http://1.1.1.1:0/a", "port"),
            ("https://x.dk/#frag", "no_fragment"),
            ("not a url", "url"),
            ("https://", "url"),
        ] {
            assert_eq!(WebhookUrl::parse(bad).map_err(|e| e.rule), Err(rule), "{bad}");
        }
    }

    #[test]
    fn a_secret_is_whsec_and_24_to_64_bytes() {
        let made = WebhookSecret::from_key(&[7u8; 32]).unwrap();
        assert!(made.expose().starts_with("whsec_"));
        assert_eq!(made.key(), vec![7u8; 32]);
        assert_eq!(WebhookSecret::parse("secret").map_err(|e| e.rule), Err("secret_format"));
        assert_eq!(WebhookSecret::parse("whsec_!!").map_err(|e| e.rule), Err("secret_format"));
        assert_eq!(WebhookSecret::from_key(&[1u8; 23]).map_err(|e| e.rule), Err("secret_length"));
        assert_eq!(WebhookSecret::from_key(&[1u8; 65]).map_err(|e| e.rule), Err("secret_length"));
        assert!(format!("{made:?}").contains("redacted"));
    }

    #[test]
    fn a_duty_is_due_at_its_reminder_days_and_overdue_from_the_day_after() {
        let policy = ReminderPolicy::default();
        let due = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let on = |d: i64| duty_event(due, due + chrono::Duration::days(d), &policy);
        assert_eq!(on(-31), None);
        assert_eq!(on(-30), Some((EventType::DutyDue, "before_30".into())));
        assert_eq!(on(-7), Some((EventType::DutyDue, "before_7".into())));
        assert_eq!(on(0), Some((EventType::DutyDue, "due".into())));
        assert_eq!(on(1), Some((EventType::DutyOverdue, "overdue_0".into())));
        assert_eq!(on(7), Some((EventType::DutyOverdue, "overdue_1".into())));
        assert_eq!(on(15), Some((EventType::DutyOverdue, "overdue_2".into())));
    }

    #[test]
    fn a_subscription_is_turned_off_after_days_of_failing_or_at_a_410() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let days = |d: i64| t0 + chrono::Duration::days(d);
        assert_eq!(DisableCause::of(None, t0, 3, Some(500)), None);
        assert_eq!(DisableCause::of(Some(t0), days(2), 3, None), None);
        assert_eq!(
            DisableCause::of(Some(t0), days(3), 3, Some(503)),
            Some(DisableCause::FailingFor { since: t0, days: 3 })
        );
        assert_eq!(DisableCause::of(None, t0, 3, Some(410)), Some(DisableCause::Gone));
        assert!(DisableCause::FailingFor { since: t0, days: 3 }.describe().contains("3 days"));
    }

    #[test]
    fn events_are_named_and_listed_once() {
        assert_eq!(EventType::BreachDeadlineNear.as_str(), "breach.deadline_near");
        assert_eq!("system.state_changed".parse::<EventType>(), Ok(EventType::SystemStateChanged));
        let twice = check_events(&[EventType::DutyDone, EventType::DutyDone]);
        assert_eq!(twice[0].field, "events[1]");
        assert_eq!(check_events(&[])[0].rule, "required");
    }
}
