//! The slice of settings the worker needs.

use std::time::Duration as StdDuration;

use chrono::Duration;
use systemejer_domain::calendar::{Calendar, USUAL_CLOSED_DAYS};
use systemejer_domain::reminders::ReminderPolicy;
use systemejer_links::LinkKeys;
use systemejer_store::RetryPolicy;

/// The slice of settings the worker needs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// When the reminder pass runs; `None` turns it off.
    pub schedule: Option<cron::Schedule>,
    /// When the breach watch runs; `None` turns it off.
    pub breach_schedule: Option<cron::Schedule>,
    /// The municipality's time zone: of the schedule and of "today".
    pub timezone: chrono_tz::Tz,
    /// When reminders are sent, and when they escalate.
    pub policy: ReminderPolicy,
    /// The information security coordinator's address, for escalations.
    pub coordinator_email: Option<String>,
    /// The data protection officer's address, for breach alerts.
    pub dpo_email: Option<String>,
    /// The sender of every mail.
    pub mail_from: String,
    /// The base of links in mails.
    pub public_url: String,
    /// The keys the links in mails are signed with.
    pub link_keys: LinkKeys,
    /// The longest a link holds, in days.
    pub link_max_days: u32,
    /// How delivery failures are retried.
    pub retry: RetryPolicy,
    /// How long a claimed message is reserved for the worker sending it.
    pub lease: Duration,
    /// How many messages are claimed at a time. Each claimed message is leased to this worker;
    /// with 1 (the default) a worker that dies holds back only the message it was sending.
    pub batch: i64,
    /// How long one delivery may take before it counts as failed (a server that hangs).
    pub send_timeout: StdDuration,
    /// The municipality's working days: reminders go out on them only.
    pub calendar: Calendar,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
}

impl WorkerSettings {
    /// The information security coordinator as a recipient, where an address is configured.
    pub(crate) fn coordinator(&self) -> Option<systemejer_domain::reminders::Addressee> {
        self.coordinator_email.as_ref().map(|c| systemejer_domain::reminders::Addressee {
            person: None,
            email: c.clone(),
            name: None,
            language: systemejer_domain::Language::Da,
        })
    }

    /// The address of `link` in a mail: the public URL, `/l/`, and the link signed.
    pub(crate) fn url_of(&self, link: &systemejer_links::Link) -> String {
        format!("{}/l/{}", self.public_url, self.link_keys.sign(link))
    }

    /// The address of a list (`person`'s own, or an owner's) for the longest link lifetime.
    pub(crate) fn list_url(
        &self,
        person: systemejer_domain::PersonId,
        target: systemejer_links::LinkTarget,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let expires_at = now + Duration::days(i64::from(self.link_max_days));
        self.url_of(&systemejer_links::Link { person, target, expires_at })
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            schedule: None,
            breach_schedule: None,
            timezone: chrono_tz::Europe::Copenhagen,
            policy: ReminderPolicy::default(),
            coordinator_email: None,
            dpo_email: None,
            mail_from: "systemejer <systemejer@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            // A key of this process alone: links it signs open nowhere else.
            link_keys: LinkKeys::generate().unwrap_or_else(|_| unreachable!("the system has no randomness")),
            link_max_days: systemejer_links::DEFAULT_MAX_DAYS,
            retry: RetryPolicy::default(),
            lease: Duration::minutes(2),
            batch: 1,
            send_timeout: StdDuration::from_secs(60),
            calendar: Calendar::with_closed_days(USUAL_CLOSED_DAYS),
            webhooks: WebhookSettings::default(),
        }
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// When deliveries run; `None` turns them off.
    pub schedule: Option<cron::Schedule>,
    /// Whether receivers may be on private, loopback or other non-public addresses.
    pub allow_private: bool,
    /// Days a subscription may fail without a success before it is turned off.
    pub disable_after_days: u32,
    /// The longest one attempt may take.
    pub timeout: StdDuration,
    /// How long a claimed delivery is reserved for the worker sending it.
    pub lease: chrono::Duration,
    /// How many deliveries are claimed, and sent side by side, at a time.
    pub batch: i64,
    /// How failed attempts are retried.
    pub retry: RetryPolicy,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            schedule: None,
            allow_private: false,
            disable_after_days: 3,
            timeout: StdDuration::from_secs(10),
            lease: chrono::Duration::minutes(1),
            batch: 8,
            retry: webhook_retry(),
        }
    }
}

/// The retries of a webhook: a minute, then doubling up to six hours, 20 attempts in all
/// (about three days): a receiver down over a weekend still gets what waited.
pub fn webhook_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 20,
        first_backoff: chrono::Duration::minutes(1),
        max_backoff: chrono::Duration::hours(6),
    }
}
