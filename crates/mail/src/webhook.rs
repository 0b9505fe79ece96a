//! A webhook subscription the worker turned off (for failing for days, or a receiver that
//! answered 410 Gone), told to its contact or the information security coordinator.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// The notice of a subscription turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDisabledNotice {
    /// The recipient's name, if the register knows them.
    pub name: Option<String>,
    /// The language.
    pub lang: Lang,
    /// The receiver's URL.
    pub url: String,
    /// What the subscription is for, if said.
    pub description: Option<String>,
    /// Whether the receiver answered 410 Gone (else it failed for days).
    pub gone: bool,
    /// The first failure since the last success.
    pub failing_since: DateTime<Utc>,
    /// The days it may fail before it is turned off.
    pub days: u32,
    /// The last attempt's error (in English, as the API lists it).
    pub last_error: Option<String>,
    /// The status the receiver answered the last attempt with, if it answered.
    pub last_status: Option<u16>,
    /// When it was turned off.
    pub disabled_at: DateTime<Utc>,
    /// The subscription in the API.
    pub subscription: String,
    /// Its deliveries in the API.
    pub deliveries: String,
    /// Whether the recipient is told as the coordinator (the subscription names no contact).
    pub as_coordinator: bool,
    /// Whom to write to with questions.
    pub contact: Option<String>,
    /// The time zone times are shown in.
    pub timezone: chrono_tz::Tz,
}

struct View<'a> {
    n: &'a WebhookDisabledNotice,
    name: String,
    label: String,
    disabled_at: String,
    failing_since: String,
    last_error: Option<String>,
}

macro_rules! templates {
    ($($name:ident => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a View<'a>,
            }
        )+
    };
}

templates!(
    DaText => "webhook_disabled/da.txt",
    DaHtml => "webhook_disabled/da.html",
    EnText => "webhook_disabled/en.txt",
    EnHtml => "webhook_disabled/en.html",
);

#[allow(clippy::needless_pass_by_value, reason = "the shape `map_err` hands it")]
fn fail(e: askama::Error) -> MailError {
    MailError::Render(e.to_string())
}

/// A time in the municipality's zone, in words.
fn time_text(lang: Lang, t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&tz);
    let date = date_text(lang, local.date_naive());
    match lang {
        Lang::Da => format!("{date} kl. {}", local.format("%H:%M")),
        Lang::En => format!("{date} at {} ({})", local.format("%H:%M"), tz.name()),
    }
}

/// The last attempt in the reader's language: the receiver's answer when it gave one; else the
/// technical error as the API lists it, said to be that in a Danish mail.
fn last_error_text(n: &WebhookDisabledNotice) -> Option<String> {
    match (n.lang, n.last_status, &n.last_error) {
        (Lang::Da, Some(code), _) => Some(format!("modtageren svarede {code}")),
        (Lang::En, Some(code), _) => Some(format!("the receiver answered {code}")),
        (Lang::Da, None, Some(error)) => Some(format!("{error} (teknisk besked, på engelsk)")),
        (Lang::En, None, Some(error)) => Some(error.clone()),
        (_, None, None) => None,
    }
}

/// Renders the notice of a subscription turned off.
pub fn render_webhook_disabled(n: &WebhookDisabledNotice) -> Result<Rendered, MailError> {
    let label = match &n.description {
        Some(d) => format!("\u{201c}{d}\u{201d} ({})", n.url),
        None => n.url.clone(),
    };
    let v = View {
        n,
        name: n.name.clone().unwrap_or_else(|| match n.lang {
            Lang::Da => "administrator".into(),
            Lang::En => "administrator".into(),
        }),
        disabled_at: time_text(n.lang, n.disabled_at, n.timezone),
        failing_since: time_text(n.lang, n.failing_since, n.timezone),
        label,
        last_error: last_error_text(n),
    };
    let shown = n.description.as_deref().unwrap_or(&n.url);
    let (subject, text, html) = match n.lang {
        Lang::Da => (
            format!("Webhook slået fra: {shown}"),
            DaText { v: &v }.render().map_err(fail)?,
            DaHtml { v: &v }.render().map_err(fail)?,
        ),
        Lang::En => (
            format!("Webhook turned off: {shown}"),
            EnText { v: &v }.render().map_err(fail)?,
            EnHtml { v: &v }.render().map_err(fail)?,
        ),
    };
    Ok(Rendered { subject, text, html, ics: None })
}
