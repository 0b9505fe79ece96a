//! The one shape of the worker's passes: **plan** (read what is due and who is told of what:
//! one letter per recipient, each item under its key), **enqueue** (render each letter, outside
//! any transaction, and write it to the outbox under its items' keys: each key once, ever),
//! **deliver** (send what the outbox holds). A pass is a [`Pass`]: what it plans and how its
//! letters read; `Worker::run_pass` does the rest, alike for every pass, and records the run.

use chrono::{DateTime, NaiveDate, Utc};
use systemejer_domain::reminders::Addressee;
use systemejer_store::{NewMessage, PassKind, Store, StoreError};

use crate::settings::WorkerSettings;

/// One message to one recipient: the items it tells of.
#[derive(Debug, Clone)]
pub struct Letter<I> {
    /// The recipient.
    pub to: Addressee,
    /// What it tells of, each under its own key.
    pub items: Vec<I>,
}

/// What a pass found, and the letters it would write.
#[derive(Debug, Clone)]
pub struct Planned<I> {
    /// What it found due (duties, breaches), told before or not.
    pub found: usize,
    /// The letters, what was sent before left out where that was seen.
    pub letters: Vec<Letter<I>>,
}

/// A pass of the worker.
pub trait Pass: Send + Sync + 'static {
    /// The pass, as its runs are recorded.
    const KIND: PassKind;
    /// One thing a letter tells of (a duty at a stage, a breach at a stage).
    type Item: Clone + Send + Sync + 'static;

    /// Finds what is due on `today` (at `now`) and who is told of what. Reads only; blocking.
    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<Self::Item>, StoreError>;

    /// The key an item is told under: once written with it, never written again.
    fn key(item: &Self::Item) -> &str;

    /// The message of a letter to `to` of `items` (those not told before). Pure.
    fn render(
        &self,
        to: &Addressee,
        items: &[Self::Item],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, systemejer_mail::MailError>;
}

/// The mail's language for a reader's.
pub(crate) const fn lang(l: systemejer_domain::Language) -> systemejer_mail::Lang {
    match l {
        systemejer_domain::Language::Da => systemejer_mail::Lang::Da,
        systemejer_domain::Language::En => systemejer_mail::Lang::En,
    }
}

/// The outbox message of a rendered letter to `to`: its kind, what it tells of (as JSON, for
/// the outbox's listing) and the systems it concerns.
pub(crate) fn new_message(
    kind: systemejer_store::MessageKind,
    to: &Addressee,
    rendered: systemejer_mail::Rendered,
    items: serde_json::Value,
    system_ids: Vec<systemejer_domain::SystemId>,
) -> NewMessage {
    let systemejer_mail::Rendered { subject, text, html, ics } = rendered;
    NewMessage {
        kind,
        recipient_email: to.email.clone(),
        recipient_name: to.name.clone(),
        language: to.language.as_str().to_owned(),
        subject,
        text_body: text,
        html_body: html,
        ics,
        items,
        system_ids,
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// Duties found within the reminder horizon.
    pub duties_due: usize,
    /// Messages written to the outbox by this pass.
    pub queued: usize,
    /// Messages delivered.
    pub sent: usize,
    /// Deliveries that failed and will be tried again.
    pub retried: usize,
    /// Deliveries that failed for the last time.
    pub failed: usize,
    /// Time spent delivering, in milliseconds.
    pub delivery_ms: u64,
}

/// Why a pass could not run at all (single deliveries that fail do not stop it).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A message could not be rendered (a bug in a template or its data).
    #[error("a message could not be rendered")]
    Render(#[source] systemejer_mail::MailError),
    /// A blocking task could not finish.
    #[error("background task failed")]
    Task(#[source] tokio::task::JoinError),
}
