//! Two notices: a test that failed, told at once to the owner and the coordinator; and a
//! decommissioning system's open exit steps, told to its owner weekly.

use askama::Template;
use chrono::NaiveDate;

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// A test that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedResultNotice {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// The system.
    pub system: String,
    /// The duty, in plain words.
    pub duty: String,
    /// The day it was done.
    pub done_on: NaiveDate,
    /// Who recorded it.
    pub recorded_by: String,
    /// What they noted.
    pub notes: Option<String>,
    /// When the test must be passed (the duty's due date now).
    pub due_on: Option<NaiveDate>,
    /// Whether that date has passed already.
    pub overdue: bool,
    /// The owner's name, where the recipient is not the owner (the coordinator).
    pub owner: Option<String>,
    /// The page where the owner records the new test (a personal link), if any.
    pub link: Option<String>,
    /// Whom to write to with questions.
    pub contact: Option<String>,
}

struct FailedView<'a> {
    n: &'a FailedResultNotice,
    done_on: String,
    due_on: Option<String>,
}

macro_rules! templates {
    ($view:ident: $($name:ident => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a $view<'a>,
            }
        )+
    };
}

templates!(FailedView:
    FailedDaText => "failed_result/da.txt",
    FailedDaHtml => "failed_result/da.html",
    FailedEnText => "failed_result/en.txt",
    FailedEnHtml => "failed_result/en.html",
);

#[allow(clippy::needless_pass_by_value, reason = "the shape `map_err` hands it")]
fn fail(e: askama::Error) -> MailError {
    MailError::Render(e.to_string())
}

/// Renders the notice of a failed test.
pub fn render_failed_result(n: &FailedResultNotice) -> Result<Rendered, MailError> {
    let v = FailedView { n, done_on: date_text(n.lang, n.done_on), due_on: n.due_on.map(|d| date_text(n.lang, d)) };
    let (subject, text, html) = match n.lang {
        Lang::Da => (
            format!("Fejlet: {} for {}", n.duty, n.system),
            FailedDaText { v: &v }.render().map_err(fail)?,
            FailedDaHtml { v: &v }.render().map_err(fail)?,
        ),
        Lang::En => (
            format!("Failed: {} for {}", n.duty, n.system),
            FailedEnText { v: &v }.render().map_err(fail)?,
            FailedEnHtml { v: &v }.render().map_err(fail)?,
        ),
    };
    Ok(Rendered { subject, text, html, ics: None })
}

/// A system's open exit steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSteps {
    /// The system.
    pub system: String,
    /// The steps still open, in plain words.
    pub steps: Vec<String>,
}

/// The weekly reminder of open exit steps, to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitStepsNotice {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// The systems, each with its open steps.
    pub systems: Vec<OpenSteps>,
    /// The recipient's "Mine opgaver", where the steps are marked (a personal link), if any.
    pub link: Option<String>,
    /// To the coordinator: the systems have no active owner.
    pub for_coordinator: bool,
    /// Whom to write to with questions.
    pub contact: Option<String>,
}

struct StepsView<'a> {
    n: &'a ExitStepsNotice,
}

templates!(StepsView:
    StepsDaText => "exit_steps/da.txt",
    StepsDaHtml => "exit_steps/da.html",
    StepsEnText => "exit_steps/en.txt",
    StepsEnHtml => "exit_steps/en.html",
);

/// Renders the weekly reminder of open exit steps.
pub fn render_exit_steps(n: &ExitStepsNotice) -> Result<Rendered, MailError> {
    let v = StepsView { n };
    let steps: usize = n.systems.iter().map(|s| s.steps.len()).sum();
    let (subject, text, html) = match (n.lang, n.systems.as_slice()) {
        (Lang::Da, [one]) => (
            format!("Afvikling af {}: {steps} trin mangler", one.system),
            StepsDaText { v: &v }.render().map_err(fail)?,
            StepsDaHtml { v: &v }.render().map_err(fail)?,
        ),
        (Lang::Da, _) => (
            format!("Afvikling: {steps} trin mangler for {} systemer", n.systems.len()),
            StepsDaText { v: &v }.render().map_err(fail)?,
            StepsDaHtml { v: &v }.render().map_err(fail)?,
        ),
        (Lang::En, [one]) => (
            format!("Decommissioning {}: {steps} steps left", one.system),
            StepsEnText { v: &v }.render().map_err(fail)?,
            StepsEnHtml { v: &v }.render().map_err(fail)?,
        ),
        (Lang::En, _) => (
            format!("Decommissioning: {steps} steps left for {} systems", n.systems.len()),
            StepsEnText { v: &v }.render().map_err(fail)?,
            StepsEnHtml { v: &v }.render().map_err(fail)?,
        ),
    };
    Ok(Rendered { subject, text, html, ics: None })
}
