//! The mails owners read, and their delivery.
//!
//! Each kind of mail is a folder of templates under `templates/` (one text and one HTML
//! template per language), compiled into the binary by askama, so a missing variable is a
//! build error and HTML is escaped. Reminders carry an `.ics` calendar attachment. Delivery is
//! by SMTP (a pooled async transport) or, with no SMTP server configured, into `.eml` files.
//! This crate depends on nothing of ours: callers hand it plain, already-translated text.

mod breach;
mod compose;
mod dpo;
mod escalation;
mod handover;
mod incident;
mod notices;
mod reminder;
mod transport;
mod webhook;

pub use breach::{BreachAlert, render_breach_alert};
pub use compose::compose;
pub use dpo::{DpoItem, DpoNotice, render_dpo_notice};
pub use escalation::{Escalation, OwnerGroup, render_escalation};
pub use handover::{HandoverNotice, OwnedSystem, render_handover};
pub use incident::{IncidentNotice, IncidentSummary, render_incident_notice};
pub use notices::{ExitStepsNotice, FailedResultNotice, OpenSteps, render_exit_steps, render_failed_result};
pub use reminder::{Lang, Reminder, ReminderItem, Rendered, date_text, render_reminder, when_text};
pub use transport::{Mailer, MailerSettings};
pub use webhook::{WebhookDisabledNotice, render_webhook_disabled};

/// Why a mail could not be rendered, composed or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A template failed to render (a bug).
    #[error("rendering failed: {0}")]
    Render(String),
    /// An address or header is not valid.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The mail server (or the outbox folder) refused or could not be reached.
    #[error("delivery failed: {0}")]
    Delivery(String),
    /// The mail server said the recipient's mailbox does not exist or cannot take mail (550,
    /// 551, 553): trying again sends nothing.
    #[error("recipient refused: {0}")]
    RecipientRefused(String),
}

impl MailError {
    /// From the SMTP client's error: a permanent refusal of the mailbox, or any other failure.
    pub(crate) fn from_smtp(e: &lettre::transport::smtp::Error) -> Self {
        match e.status().map(u16::from) {
            Some(550 | 551 | 553) => MailError::RecipientRefused(e.to_string()),
            _ => MailError::Delivery(e.to_string()),
        }
    }
}
