//! Webhook delivery: the events the passes find due (a duty's stage, a breach's hours), and the
//! delivery of every queued event, signed as the Standard Webhooks specification says, to a
//! receiver whose addresses are checked at each attempt and then called at a checked address.
//!
//! Each attempt: resolve the receiver's host, refuse it when any address is not a public one
//! (unless private ones are allowed), then POST to exactly the addresses checked (no second
//! lookup, so a name that changes its answer in between reaches nothing new), with no proxy,
//! no redirects followed and a timeout. A 2xx is delivered; anything else is a failed attempt,
//! recorded and tried again after a growing wait. No transaction is open meanwhile.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use systemejer_domain::webhooks::{DisableCause, EventType, Host, WebhookUrl, check_addresses, duty_event};
use systemejer_store::{
    AttemptOutcome, KeyedEvent, MessageKind, NewMessage, Store, StoreError, WebhookAttemptResult, WebhookDisabling,
    WebhookSend,
};

use crate::settings::{WebhookSettings, WorkerSettings};

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
/// keyed with each secret's key (the current one first), separated by spaces.
pub fn signature(secrets: &[String], id: &str, timestamp: i64, body: &str) -> String {
    let signed = format!("{id}.{timestamp}.{body}");
    secrets
        .iter()
        .filter_map(|s| systemejer_domain::webhooks::WebhookSecret::parse(s).ok())
        .filter_map(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&secret.key()).ok()?;
            mac.update(signed.as_bytes());
            Some(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The body of a delivery: the event's id, type and time, the resource's URL in the API (from
/// the public URL), the resource as the API shows it, and what more the event says. The same
/// bytes at every attempt (the resource is written in as it was stored).
pub fn body(send: &WebhookSend, public_url: &str) -> String {
    let text = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let url = send.resource_path.as_ref().map_or_else(|| "null".to_owned(), |p| text(&format!("{public_url}{p}")));
    let timestamp = text(&send.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let mut out = format!(
        "{{\"id\":{},\"type\":{},\"timestamp\":{timestamp},\"url\":{url},\"data\":{}",
        text(&send.event_id),
        text(send.event_type.as_str()),
        send.resource
    );
    if let Some(details) = &send.details {
        out.push_str(&format!(",\"details\":{details}"));
    }
    out.push('}');
    out
}

/// The receiver's addresses, checked: none may be a non-public one unless allowed. Answers the
/// host name to pin and the addresses to call (none for an address written in the URL, or
/// when private receivers are allowed and the client may resolve by itself).
async fn destination(url: &str, settings: &WebhookSettings) -> Result<Option<(String, Vec<SocketAddr>)>, String> {
    let parsed = WebhookUrl::parse(url).map_err(|e| format!("the subscription's URL is no longer valid: {e}"))?;
    let (host, port) = parsed.host_and_port();
    match host {
        Host::Address(ip) if !settings.allow_private => {
            check_addresses(&ip.to_string(), &[ip]).map_err(|v| v.message)?;
            Ok(None)
        }
        Host::Address(_) => Ok(None),
        Host::Name(_) if settings.allow_private => Ok(None),
        Host::Name(name) => {
            let lookup = tokio::net::lookup_host((name.as_str(), port));
            let found: Vec<SocketAddr> = tokio::time::timeout(settings.timeout, lookup)
                .await
                .map_err(|_| format!("{name} did not resolve in time"))?
                .map_err(|e| format!("{name} could not be resolved: {e}"))?
                .collect();
            if found.is_empty() {
                return Err(format!("{name} resolves to no address"));
            }
            let ips: Vec<IpAddr> = found.iter().map(SocketAddr::ip).collect();
            check_addresses(&name, &ips).map_err(|v| v.message)?;
            Ok(Some((name, found)))
        }
    }
}

/// One attempt: check the receiver, sign, POST, and say what came of it. Never fails: what
/// goes wrong is the attempt's error.
pub(crate) async fn attempt(
    send: &WebhookSend,
    public_url: &str,
    settings: &WebhookSettings,
    at: DateTime<Utc>,
) -> WebhookAttemptResult {
    let started = Instant::now();
    let (status_code, error) = match call(send, public_url, settings, at).await {
        Ok(status) if (200..300).contains(&status) => (Some(status), None),
        Ok(status) => (Some(status), Some(format!("the receiver answered {status}"))),
        Err(e) => (None, Some(e)),
    };
    WebhookAttemptResult { at, status_code, error, duration: started.elapsed() }
}

async fn call(
    send: &WebhookSend,
    public_url: &str,
    settings: &WebhookSettings,
    at: DateTime<Utc>,
) -> Result<u16, String> {
    let pinned = destination(&send.url, settings).await?;
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .user_agent(concat!("systemejer-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some((name, addresses)) = &pinned {
        client = client.resolve_to_addrs(name, addresses);
    }
    let client = client.build().map_err(|e| format!("no HTTP client: {e}"))?;
    let body = body(send, public_url);
    let timestamp = at.timestamp();
    let answer = client
        .post(&send.url)
        .header("content-type", "application/json")
        .header("webhook-id", &send.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature(&send.secrets, &send.event_id, timestamp, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e, settings.timeout))?;
    Ok(answer.status().as_u16())
}

/// A transport error in words, with its causes.
fn describe(e: &reqwest::Error, timeout: StdDuration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// What a duty event says of the duty.
#[derive(Debug, Serialize)]
struct DutyResource<'a> {
    system_id: String,
    system: &'a str,
    kind: &'a str,
    subject: Option<&'a str>,
    subject_name: Option<&'a str>,
    due_on: NaiveDate,
    stage: &'a str,
    days_left: i64,
}

/// The duty events due on `today`: each duty's stage (`duty.due` before and on its due day,
/// `duty.overdue` after), once per duty, due date and stage. Nothing is read when no active
/// subscription wants them.
pub(crate) fn duty_events(
    store: &Store,
    settings: &WorkerSettings,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if !store.webhooks_want(&[EventType::DutyDue, EventType::DutyOverdue])? {
        return Ok(0);
    }
    let (horizon, farther) = crate::reminders::horizon(settings, today);
    let duties = store.due_duties(horizon, &farther)?;
    let events: Vec<KeyedEvent> = duties
        .iter()
        .filter_map(|d| {
            let (kind, stage) = duty_event(d.due_on, today, &settings.policy.for_duty(d.kind))?;
            let resource = DutyResource {
                system_id: d.system.id.to_string(),
                system: &d.system.name,
                kind: d.kind.as_str(),
                subject: Some(d.subject.as_str()).filter(|s| !s.is_empty()),
                subject_name: d.subject_name.as_deref(),
                due_on: d.due_on,
                stage: &stage,
                days_left: (d.due_on - today).num_days(),
            };
            Some(KeyedEvent {
                key: format!("webhook/duty/{}/{}/{}/{}/{stage}", d.system.id, d.kind, d.subject, d.due_on),
                kind,
                at: now,
                resource: serde_json::to_value(&resource).ok()?,
                path: Some(format!("/api/v1/systems/{}/obligations", d.system.id)),
                details: None,
            })
        })
        .collect();
    store.emit_keyed_events(&events)
}

/// The `breach.deadline_near` events at `now`: each breach awaiting its report or the decision
/// not to report, 24, 48 and 60 hours after its discovery, once per breach and stage.
pub(crate) fn breach_events(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    if !store.webhooks_want(&[EventType::BreachDeadlineNear])? {
        return Ok(0);
    }
    let events: Vec<KeyedEvent> = store
        .open_breaches()?
        .into_iter()
        .filter_map(|b| {
            let hours = systemejer_domain::incidents::breach_alert_stage(b.incident.discovered_at, now)?;
            // Near while the 72 hours run; once they have run out it is no longer near (the
            // breach's own record says it is overdue).
            let deadline = b.incident.discovered_at
                + chrono::Duration::hours(systemejer_domain::incidents::AUTHORITY_DEADLINE_HOURS);
            (hours > 0 && now < deadline).then(|| KeyedEvent {
                key: format!("webhook/breach/{}/{hours}h", b.incident.id),
                kind: EventType::BreachDeadlineNear,
                at: now,
                resource: serde_json::to_value(&b.incident).unwrap_or_default(),
                path: Some(format!("/api/v1/incidents/{}", b.incident.id)),
                details: Some(serde_json::json!({
                    "hours_after_discovery": hours,
                    "authority_deadline": b.incident.authority_deadline,
                })),
            })
        })
        .collect();
    store.emit_keyed_events(&events)
}

/// Whether a failed attempt turns its subscription off, and the mail that tells the admin: the
/// subscription's contact, else the information security coordinator (in their language when
/// the register knows them, else Danish); no mail when neither is known.
pub(crate) fn disabling(
    store: &Store,
    send: &WebhookSend,
    attempt: &WebhookAttemptResult,
    settings: &WorkerSettings,
) -> Result<Option<WebhookDisabling>, StoreError> {
    let Some(cause) =
        DisableCause::of(send.failing_since, attempt.at, settings.webhooks.disable_after_days, attempt.status_code)
    else {
        return Ok(None);
    };
    let (to, as_coordinator) = match (&send.contact_email, &settings.coordinator_email) {
        (Some(contact), _) => (Some(contact.clone()), false),
        (None, Some(coordinator)) => (Some(coordinator.clone()), true),
        (None, None) => (None, false),
    };
    let mail = match to {
        None => {
            tracing::error!(
                subscription = %send.subscription_id,
                "a webhook subscription was turned off, and there is no one to tell: it names no contact_email and \
                 SYSTEMEJER_SECURITY_COORDINATOR_EMAIL is not set"
            );
            None
        }
        Some(address) => {
            let person = systemejer_domain::EmailAddress::parse(&address)
                .ok()
                .map(|a| store.find_person_by_email(&a))
                .transpose()?
                .flatten()
                .filter(|p| p.active);
            let language = person.as_ref().map_or(systemejer_domain::Language::Da, |p| p.language);
            let base = format!("{}/api/v1/webhooks/{}", settings.public_url, send.subscription_id);
            let notice = systemejer_mail::WebhookDisabledNotice {
                name: person.as_ref().map(|p| p.name.clone()),
                lang: crate::pass::lang(language),
                url: send.url.clone(),
                description: send.description.clone(),
                gone: cause == DisableCause::Gone,
                failing_since: send.failing_since.unwrap_or(attempt.at),
                days: settings.webhooks.disable_after_days,
                last_error: attempt.error.clone(),
                last_status: attempt.status_code,
                disabled_at: attempt.at,
                deliveries: format!("{base}/deliveries"),
                subscription: base,
                as_coordinator,
                contact: settings.coordinator_email.clone().filter(|c| *c != address),
                timezone: settings.timezone,
            };
            match systemejer_mail::render_webhook_disabled(&notice) {
                Ok(rendered) => Some(NewMessage {
                    kind: MessageKind::WebhookDisabled,
                    recipient_email: address.to_lowercase(),
                    recipient_name: person.as_ref().map(|p| p.name.clone()),
                    language: language.as_str().to_owned(),
                    subject: rendered.subject,
                    text_body: rendered.text,
                    html_body: rendered.html,
                    ics: None,
                    items: serde_json::json!([{
                        "webhook_id": send.subscription_id,
                        "url": send.url,
                        "reason": cause.describe(),
                    }]),
                    system_ids: Vec::new(),
                }),
                Err(e) => {
                    tracing::error!(error = %e, "the mail of a webhook turned off could not be rendered");
                    None
                }
            }
        }
    };
    let failing_since_at_most = match cause {
        DisableCause::Gone => None,
        DisableCause::FailingFor { days, .. } => Some(attempt.at - chrono::Duration::days(i64::from(days))),
    };
    Ok(Some(WebhookDisabling { reason: cause.describe(), failing_since_at_most, mail }))
}

/// What became of an attempt, counted.
pub(crate) fn count(outcome: AttemptOutcome, into: &mut crate::pass::Outcome) {
    match outcome {
        AttemptOutcome::Delivered => into.sent += 1,
        AttemptOutcome::Retried => into.retried += 1,
        AttemptOutcome::GaveUp | AttemptOutcome::Disabled => into.failed += 1,
        AttemptOutcome::Gone => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_as_the_specifications_example() {
        let secrets = vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()];
        let signed = signature(&secrets, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        // During a rotation, both: the current first.
        let both = vec![secrets[0].clone(), "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()];
        let signed = signature(&both, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert!(signed.starts_with("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,"), "{signed}");
    }
}
