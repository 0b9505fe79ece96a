//! The escalation digest to the information security coordinator: the long-overdue duties,
//! grouped by owner, naming each owner and their manager, with a link to each owner's list.

use askama::Template;

use crate::MailError;
use crate::reminder::{Lang, ReminderItem, Rendered, date_text, when_text};

/// One owner's overdue duties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGroup {
    /// The owner's name (or a word for "no owner").
    pub owner: String,
    /// Their manager's name, if the register knows one.
    pub manager: Option<String>,
    /// The owner's list of open duties, read-only for the coordinator (a personal link), if any.
    pub list: Option<String>,
    /// Whether the owner is no longer active (their duties come to the coordinator instead).
    pub inactive: bool,
    /// The duties (their `link` shows the system).
    pub items: Vec<ReminderItem>,
}

/// The escalation digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The greeting's name.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// The owners, each with their duties.
    pub owners: Vec<OwnerGroup>,
    /// To the owners' manager (the escalation of their own people), not the coordinator.
    pub to_manager: bool,
}

struct GroupView<'a> {
    g: &'a OwnerGroup,
    items: Vec<(&'a ReminderItem, String, String)>,
}

struct View<'a> {
    name: &'a str,
    count: usize,
    groups: Vec<GroupView<'a>>,
    to_manager: bool,
}

#[derive(Template)]
#[template(path = "escalation/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "escalation/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "escalation/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "escalation/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

/// Renders the escalation digest: owners in name order, each owner's duties most urgent first.
pub fn render_escalation(e: &Escalation) -> Result<Rendered, MailError> {
    let mut owners: Vec<&OwnerGroup> = e.owners.iter().collect();
    owners.sort_by(|a, b| a.owner.cmp(&b.owner));
    let groups: Vec<GroupView<'_>> = owners
        .into_iter()
        .map(|g| {
            let mut items: Vec<(&ReminderItem, String, String)> =
                g.items.iter().map(|i| (i, date_text(e.lang, i.due_on), when_text(e.lang, i.days_left))).collect();
            items.sort_by(|a, b| (a.0.due_on, &a.0.system).cmp(&(b.0.due_on, &b.0.system)));
            GroupView { g, items }
        })
        .collect();
    let count = e.owners.iter().map(|g| g.items.len()).sum();
    let v = View { name: &e.name, count, groups, to_manager: e.to_manager };
    let fail = |err: askama::Error| MailError::Render(err.to_string());
    let owners = e.owners.len();
    Ok(match e.lang {
        Lang::Da => Rendered {
            subject: format!(
                "{}: {count} {} hos {owners} {}",
                if e.to_manager { "Eskaleret til dig som leder" } else { "Til koordinatoren" },
                if count == 1 { "opgave" } else { "opgaver" },
                if owners == 1 { "systemejer" } else { "systemejere" }
            ),
            text: DaText { v: &v }.render().map_err(fail)?,
            html: DaHtml { v: &v }.render().map_err(fail)?,
            ics: None,
        },
        Lang::En => Rendered {
            subject: format!(
                "{}: {count} {} of {owners} system {}",
                if e.to_manager { "Escalated to you as manager" } else { "For the coordinator" },
                if count == 1 { "duty" } else { "duties" },
                if owners == 1 { "owner" } else { "owners" }
            ),
            text: EnText { v: &v }.render().map_err(fail)?,
            html: EnHtml { v: &v }.render().map_err(fail)?,
            ics: None,
        },
    })
}
