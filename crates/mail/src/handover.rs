//! A handover of a system's ownership (*overdragelse*), told to the owner who hands it over and
//! to the one who takes it: the new owner's mail lists every system they now answer for and
//! its duties due soon or overdue.

use askama::Template;
use chrono::NaiveDate;

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// A system the new owner answers for, with its open duties (title, due date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedSystem {
    /// The system.
    pub system: String,
    /// Its duties due soon or overdue, soonest first.
    pub duties: Vec<(String, NaiveDate)>,
}

/// The mail of a handover to one of its two owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverNotice {
    /// The recipient's name.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// The system handed over.
    pub system: String,
    /// The day.
    pub on: NaiveDate,
    /// Why.
    pub reason: String,
    /// `true`: to the new owner; `false`: to the one who handed it over.
    pub to_new_owner: bool,
    /// The other owner's name (the previous one, or the new one), if any.
    pub other: Option<String>,
    /// To the new owner: every system they answer for now.
    pub portfolio: Vec<OwnedSystem>,
    /// The new owner's "Mine opgaver" (a personal link), if any.
    pub link: Option<String>,
    /// Whom to write to with questions.
    pub contact: Option<String>,
}

struct View<'a> {
    n: &'a HandoverNotice,
    on: String,
    portfolio: Vec<(&'a str, Vec<(&'a str, String)>)>,
}

#[derive(Template)]
#[template(path = "owner_handover/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "owner_handover/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "owner_handover/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "owner_handover/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

#[allow(clippy::needless_pass_by_value, reason = "the shape `map_err` hands it")]
fn fail(e: askama::Error) -> MailError {
    MailError::Render(e.to_string())
}

/// Renders the mail of a handover.
pub fn render_handover(n: &HandoverNotice) -> Result<Rendered, MailError> {
    let v = View {
        n,
        on: date_text(n.lang, n.on),
        portfolio: n
            .portfolio
            .iter()
            .map(|s| {
                (s.system.as_str(), s.duties.iter().map(|(d, due)| (d.as_str(), date_text(n.lang, *due))).collect())
            })
            .collect(),
    };
    let subject = match (n.lang, n.to_new_owner) {
        (Lang::Da, true) => format!("Du er nu systemejer for {}", n.system),
        (Lang::Da, false) => format!("{} er overdraget til en ny systemejer", n.system),
        (Lang::En, true) => format!("You now own {}", n.system),
        (Lang::En, false) => format!("{} has been handed over to a new owner", n.system),
    };
    let (text, html) = match n.lang {
        Lang::Da => (DaText { v: &v }.render().map_err(fail)?, DaHtml { v: &v }.render().map_err(fail)?),
        Lang::En => (EnText { v: &v }.render().map_err(fail)?, EnHtml { v: &v }.render().map_err(fail)?),
    };
    Ok(Rendered { subject, text, html, ics: None })
}
