//! Security incidents followed up: each incident recorded is told to the information security
//! coordinator at once, and an open one is reminded to its systems' owners weekly until it is
//! closed with its cause (*årsag*) and the measures taken.

use askama::Template;
use chrono::NaiveDate;

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// One incident as a notice tells of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSummary {
    /// The systems it touched, by name.
    pub systems: Vec<String>,
    /// When it was discovered (the day, in the municipality).
    pub discovered_on: NaiveDate,
    /// What happened.
    pub description: String,
    /// Whether personal data was breached.
    pub breach: bool,
    /// Who recorded it.
    pub recorded_by: String,
    /// What it still lacks to be closed, in plain words (the cause, the measures taken).
    pub missing: Vec<String>,
    /// Where it is kept in the register (its address in the API).
    pub reference: String,
}

/// A notice of security incidents to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentNotice {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// `true`: an incident was just recorded (to the coordinator); `false`: the weekly reminder
    /// of open incidents.
    pub recorded: bool,
    /// The incidents.
    pub incidents: Vec<IncidentSummary>,
    /// To the coordinator: the reminder goes to them since the systems have no active owner.
    pub for_coordinator: bool,
    /// Whom to write to with questions.
    pub contact: Option<String>,
}

struct View<'a> {
    n: &'a IncidentNotice,
    items: Vec<Item<'a>>,
}

struct Item<'a> {
    i: &'a IncidentSummary,
    systems: String,
    discovered_on: String,
    missing: String,
}

#[derive(Template)]
#[template(path = "incident/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "incident/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "incident/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "incident/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

#[allow(clippy::needless_pass_by_value, reason = "the shape `map_err` hands it")]
fn fail(e: askama::Error) -> MailError {
    MailError::Render(e.to_string())
}

/// `["a", "b", "c"]` as "a, b og c" (or "a, b and c").
fn listed(lang: Lang, parts: &[String]) -> String {
    let and = match lang {
        Lang::Da => " og ",
        Lang::En => " and ",
    };
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}{and}{last}", rest.join(", ")),
    }
}

/// Renders a notice of security incidents.
pub fn render_incident_notice(n: &IncidentNotice) -> Result<Rendered, MailError> {
    let items = n
        .incidents
        .iter()
        .map(|i| Item {
            i,
            systems: listed(n.lang, &i.systems),
            discovered_on: date_text(n.lang, i.discovered_on),
            missing: listed(n.lang, &i.missing),
        })
        .collect::<Vec<_>>();
    let subject = match (n.lang, n.recorded, items.as_slice()) {
        (Lang::Da, true, [one]) => format!("Sikkerhedshændelse registreret: {}", one.systems),
        (Lang::Da, false, [one]) => format!("Åben sikkerhedshændelse: {}", one.systems),
        (Lang::Da, _, many) => format!("{} åbne sikkerhedshændelser", many.len()),
        (Lang::En, true, [one]) => format!("Security incident recorded: {}", one.systems),
        (Lang::En, false, [one]) => format!("Open security incident: {}", one.systems),
        (Lang::En, _, many) => format!("{} open security incidents", many.len()),
    };
    let v = View { n, items };
    let (text, html) = match n.lang {
        Lang::Da => (DaText { v: &v }.render().map_err(fail)?, DaHtml { v: &v }.render().map_err(fail)?),
        Lang::En => (EnText { v: &v }.render().map_err(fail)?, EnHtml { v: &v }.render().map_err(fail)?),
    };
    Ok(Rendered { subject, text, html, ics: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sentences() {
        let parts = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(listed(Lang::Da, &parts(&["årsagen"])), "årsagen");
        assert_eq!(listed(Lang::Da, &parts(&["a", "b", "c"])), "a, b og c");
        assert_eq!(listed(Lang::En, &parts(&["a", "b"])), "a and b");
    }
}
