//! What the data protection officer is told of the systems that process personal data: one
//! went into use, a change of one began, one got a new processor (a breach reaches the DPO
//! with its own alerts).

use askama::Template;
use chrono::NaiveDate;

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// One thing told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpoItem {
    /// The system.
    pub system: String,
    /// What happened, in a sentence in the notice's language (without the system's name).
    pub what: String,
    /// The day.
    pub on: NaiveDate,
    /// Where to record the DPO's advice on it.
    pub advice_at: String,
}

/// The notice to the DPO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpoNotice {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// What is told, oldest first.
    pub items: Vec<DpoItem>,
}

struct View<'a> {
    n: &'a DpoNotice,
    days: Vec<String>,
}

#[derive(Template)]
#[template(path = "dpo_notice/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "dpo_notice/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "dpo_notice/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "dpo_notice/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

#[allow(clippy::needless_pass_by_value, reason = "the shape `map_err` hands it")]
fn fail(e: askama::Error) -> MailError {
    MailError::Render(e.to_string())
}

/// Renders the notice to the DPO.
pub fn render_dpo_notice(n: &DpoNotice) -> Result<Rendered, MailError> {
    let v = View { n, days: n.items.iter().map(|i| date_text(n.lang, i.on)).collect() };
    let one = n.items.first().map(|i| i.system.as_str()).filter(|_| systems(&n.items) == 1);
    let subject = match (n.lang, one) {
        (Lang::Da, Some(system)) => format!("Til databeskyttelsesrådgiveren: {system}"),
        (Lang::Da, None) => {
            format!("Til databeskyttelsesrådgiveren: {} systemer med personoplysninger", systems(&n.items))
        }
        (Lang::En, Some(system)) => format!("For the data protection officer: {system}"),
        (Lang::En, None) => {
            format!("For the data protection officer: {} systems with personal data", systems(&n.items))
        }
    };
    let (text, html) = match n.lang {
        Lang::Da => (DaText { v: &v }.render().map_err(fail)?, DaHtml { v: &v }.render().map_err(fail)?),
        Lang::En => (EnText { v: &v }.render().map_err(fail)?, EnHtml { v: &v }.render().map_err(fail)?),
    };
    Ok(Rendered { subject, text, html, ics: None })
}

/// How many systems the items are about.
fn systems(items: &[DpoItem]) -> usize {
    let mut names: Vec<&str> = items.iter().map(|i| i.system.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}
