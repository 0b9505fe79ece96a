//! The reminder: one digest per recipient, listing their due duties, most urgent first.

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};

use crate::MailError;

/// The language of a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Danish (the default).
    #[default]
    Da,
    /// English.
    En,
}

/// One duty in a reminder, in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderItem {
    /// A stable identity of the duty and its due date (the calendar event's UID).
    pub uid: String,
    /// The system's name.
    pub system: String,
    /// The duty, in plain words.
    pub duty: String,
    /// What "done" means.
    pub done_means: String,
    /// The due date.
    pub due_on: NaiveDate,
    /// Days until it is due (negative: overdue).
    pub days_left: i64,
    /// The page where the recipient records it (a signed link), or where the system is seen.
    pub link: String,
    /// The recipient's role for the system, in words ("Du er systemejer.").
    pub role: String,
    /// Whether `link` opens the duty's page (a personal link), or only shows the system.
    pub page: bool,
    /// Whether the duty is done by approving a record (the page says how), not by a form.
    pub by_approval: bool,
    /// Why this recipient gets it, where that is not obvious (e.g. the delegate is inactive).
    pub note: Option<String>,
}

/// A reminder to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// The duties, in any order (they are sorted most urgent first).
    pub items: Vec<ReminderItem>,
    /// The recipient's page of every open duty ("Mine opgaver"), where they have one.
    pub my_duties: Option<String>,
    /// Whom to write to with questions (the information security coordinator), if configured.
    pub contact: Option<String>,
    /// Whether the reader follows these duties for others (the DPO's copy, a handover for the
    /// coordinator or the owner's manager to see to) rather than doing them.
    pub for_others: bool,
}

/// A rendered mail: what is stored in the outbox and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject.
    pub subject: String,
    /// The plain text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The calendar attachment (RFC 5545), if any.
    pub ics: Option<String>,
}

struct ItemView<'a> {
    system: &'a str,
    duty: &'a str,
    done_means: &'a str,
    due_on: String,
    when: String,
    link: &'a str,
    role: &'a str,
    page: bool,
    by_approval: bool,
    note: Option<&'a str>,
}

/// What the reminder templates show.
struct View<'a> {
    subject: &'a str,
    name: &'a str,
    items: &'a [ItemView<'a>],
    my_duties: Option<&'a str>,
    contact: Option<&'a str>,
    /// Whether any item links to its page.
    pages: bool,
    /// Whether the reader follows the duties for others.
    others: bool,
}

#[derive(Template)]
#[template(path = "reminder/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "reminder/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "reminder/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "reminder/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// A date as people read it: "5. december 2026", "5 December 2026".
pub fn date_text(lang: Lang, d: NaiveDate) -> String {
    use chrono::Datelike;
    match lang {
        Lang::Da => format!("{}. {} {}", d.day(), MONTHS_DA[d.month0() as usize], d.year()),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// How far a due date is, in words: "i dag", "om 5 dage", "overskredet med 3 dage".
pub fn when_text(lang: Lang, days_left: i64) -> String {
    match (lang, days_left) {
        (Lang::Da, 0) => "i dag".into(),
        (Lang::Da, 1) => "i morgen".into(),
        (Lang::Da, d) if d > 1 => format!("om {d} dage"),
        (Lang::Da, -1) => "overskredet med 1 dag".into(),
        (Lang::Da, d) => format!("overskredet med {} dage", -d),
        (Lang::En, 0) => "today".into(),
        (Lang::En, 1) => "tomorrow".into(),
        (Lang::En, d) if d > 1 => format!("in {d} days"),
        (Lang::En, -1) => "1 day overdue".into(),
        (Lang::En, d) => format!("{} days overdue", -d),
    }
}

/// The subject of duties the reader follows for others: for their information.
fn subject_for_others(lang: Lang, items: &[ReminderItem]) -> String {
    let overdue = items.iter().filter(|i| i.days_left < 0).count();
    let n = items.len();
    match lang {
        Lang::Da => {
            let tasks = if n == 1 { "1 opgave".to_owned() } else { format!("{n} opgaver") };
            if overdue > 0 {
                format!("Til orientering: {tasks} i systemejer-registret, {overdue} er overskredet")
            } else {
                format!("Til orientering: {tasks} i systemejer-registret forfalder snart")
            }
        }
        Lang::En => {
            let tasks = if n == 1 { "1 duty".to_owned() } else { format!("{n} duties") };
            if overdue > 0 {
                format!("For your information: {tasks} in the systemejer register, {overdue} overdue")
            } else {
                format!("For your information: {tasks} in the systemejer register due soon")
            }
        }
    }
}

fn subject(lang: Lang, items: &[ReminderItem]) -> String {
    let overdue = items.iter().filter(|i| i.days_left < 0).count();
    let today = items.iter().filter(|i| i.days_left == 0).count();
    let n = items.len();
    match lang {
        Lang::Da => {
            let tasks = if n == 1 { "1 opgave".to_owned() } else { format!("{n} opgaver") };
            if overdue == n {
                format!("Overskredet: {tasks} for dine systemer mangler at blive løst")
            } else if overdue > 0 {
                format!("Påmindelse: {tasks} for dine systemer, {overdue} er overskredet")
            } else if today == n {
                format!("Påmindelse: {tasks} for dine systemer forfalder i dag")
            } else if today > 0 {
                format!("Påmindelse: {tasks} for dine systemer, {today} forfalder i dag")
            } else {
                format!("Påmindelse: {tasks} for dine systemer forfalder snart")
            }
        }
        Lang::En => {
            let tasks = if n == 1 { "1 duty".to_owned() } else { format!("{n} duties") };
            if overdue == n {
                format!("Overdue: {tasks} for your systems not yet done")
            } else if overdue > 0 {
                format!("Reminder: {tasks} for your systems, {overdue} overdue")
            } else if today == n {
                format!("Reminder: {tasks} for your systems due today")
            } else if today > 0 {
                format!("Reminder: {tasks} for your systems, {today} due today")
            } else {
                format!("Reminder: {tasks} for your systems due soon")
            }
        }
    }
}

/// Renders a reminder: subject, text, HTML and a calendar with one all-day event per duty.
pub fn render_reminder(reminder: &Reminder, now: DateTime<Utc>) -> Result<Rendered, MailError> {
    let mut items = reminder.items.clone();
    items.sort_by(|a, b| (a.due_on, &a.system, &a.duty).cmp(&(b.due_on, &b.system, &b.duty)));
    let lang = reminder.lang;
    let views: Vec<ItemView<'_>> = items
        .iter()
        .map(|i| ItemView {
            system: &i.system,
            duty: &i.duty,
            done_means: &i.done_means,
            due_on: date_text(lang, i.due_on),
            when: when_text(lang, i.days_left),
            link: &i.link,
            role: &i.role,
            page: i.page,
            by_approval: i.by_approval,
            note: i.note.as_deref(),
        })
        .collect();
    let subject = if reminder.for_others { subject_for_others(lang, &items) } else { subject(lang, &items) };
    let fail = |e: askama::Error| MailError::Render(e.to_string());
    let v = View {
        subject: &subject,
        name: &reminder.name,
        items: &views,
        my_duties: reminder.my_duties.as_deref(),
        contact: reminder.contact.as_deref(),
        pages: items.iter().any(|i| i.page),
        others: reminder.for_others,
    };
    let (text, html) = match lang {
        Lang::Da => (DaText { v: &v }.render().map_err(fail)?, DaHtml { v: &v }.render().map_err(fail)?),
        Lang::En => (EnText { v: &v }.render().map_err(fail)?, EnHtml { v: &v }.render().map_err(fail)?),
    };
    Ok(Rendered { subject, text, html, ics: Some(calendar(&items, lang, now)) })
}

/// An RFC 5545 calendar (`METHOD:PUBLISH`) with an all-day event on each due date and an
/// alarm the morning before.
fn calendar(items: &[ReminderItem], lang: Lang, now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", "PUBLISH"));
    cal.name(match lang {
        Lang::Da => "Systemejer: frister",
        Lang::En => "Systemejer: due dates",
    });
    for item in items {
        let summary = format!("{}: {}", item.system, item.duty);
        let alarm_text = match lang {
            Lang::Da => format!("Frist i morgen: {summary}"),
            Lang::En => format!("Due tomorrow: {summary}"),
        };
        let event = Event::new()
            .uid(&item.uid)
            .timestamp(now)
            .summary(&summary)
            // No link: a personal link in a calendar is seen by whoever shares the calendar.
            .description(&item.done_means)
            .starts(item.due_on)
            .ends(item.due_on.succ_opt().unwrap_or(item.due_on))
            .alarm(Alarm::display(&alarm_text, Trigger::from(-Duration::hours(15))))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(system: &str, days_left: i64) -> ReminderItem {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        ReminderItem {
            uid: format!("{system}-backup_test-{days_left}@systemejer"),
            system: system.into(),
            duty: "Test af gendannelse fra backup".into(),
            done_means: "En gendannelse er testet.".into(),
            due_on: today + Duration::days(days_left),
            days_left,
            link: "https://systemejer.randers.dk/l/abc.def".into(),
            role: "Du er systemejer.".into(),
            page: true,
            by_approval: false,
            note: None,
        }
    }

    fn reminder(lang: Lang, items: Vec<ReminderItem>) -> Reminder {
        Reminder { name: "Dorte".into(), lang, items, my_duties: None, contact: None, for_others: false }
    }

    #[test]
    fn a_digest_lists_the_most_urgent_first_in_danish() {
        let r = reminder(Lang::Da, vec![item("Nexus", 7), item("ESDH <b>", -3)]);
        let out = render_reminder(&r, Utc::now()).unwrap();
        assert_eq!(out.subject, "Påmindelse: 2 opgaver for dine systemer, 1 er overskredet");
        let esdh = out.text.find("ESDH").unwrap();
        let nexus = out.text.find("Nexus").unwrap();
        assert!(esdh < nexus, "overdue first:\n{}", out.text);
        assert!(out.text.contains("overskredet med 3 dage"));
        assert!(out.text.contains("Frist: 5. december 2026"), "{}", out.text);
        assert!(
            out.html.contains("ESDH &#60;b&#62;") || out.html.contains("ESDH &lt;b&gt;"),
            "HTML is escaped:\n{}",
            out.html
        );
        assert!(out.text.contains("ESDH <b>"), "text is not escaped");
    }

    #[test]
    fn a_duty_due_today_is_not_called_due_soon() {
        let subject = |lang, days: &[i64]| {
            let items = days.iter().map(|d| item("Nexus", *d)).collect();
            render_reminder(&reminder(lang, items), Utc::now()).unwrap().subject
        };
        assert_eq!(subject(Lang::Da, &[0]), "Påmindelse: 1 opgave for dine systemer forfalder i dag");
        assert_eq!(subject(Lang::Da, &[0, 0]), "Påmindelse: 2 opgaver for dine systemer forfalder i dag");
        assert_eq!(subject(Lang::Da, &[0, 7, 30]), "Påmindelse: 3 opgaver for dine systemer, 1 forfalder i dag");
        assert_eq!(subject(Lang::Da, &[7]), "Påmindelse: 1 opgave for dine systemer forfalder snart");
        assert_eq!(subject(Lang::Da, &[0, -7]), "Påmindelse: 2 opgaver for dine systemer, 1 er overskredet");
        assert_eq!(subject(Lang::Da, &[-1, -7]), "Overskredet: 2 opgaver for dine systemer mangler at blive løst");
        assert_eq!(subject(Lang::En, &[-1, 5]), "Reminder: 2 duties for your systems, 1 overdue");
        assert_eq!(subject(Lang::En, &[0]), "Reminder: 1 duty for your systems due today");
        assert_eq!(subject(Lang::En, &[0, 3]), "Reminder: 2 duties for your systems, 1 due today");
    }

    #[test]
    fn a_reader_with_no_page_is_not_promised_one() {
        let mut coordinator = item("Nexus", -40);
        coordinator.page = false;
        coordinator.link = "https://systemejer.randers.dk/api/v1/systems/1/obligations".into();
        let out = render_reminder(&reminder(Lang::Da, vec![coordinator]), Utc::now()).unwrap();
        assert!(out.text.contains("Se systemet: https://"), "{}", out.text);
        assert!(!out.text.contains("Registrér opgaven her"), "{}", out.text);
        assert!(!out.text.contains("kræver\nikke login") && !out.text.contains("personlige"), "{}", out.text);
        let owner = render_reminder(&reminder(Lang::Da, vec![item("Nexus", 3)]), Utc::now()).unwrap();
        assert!(owner.text.contains("Registrér opgaven her: ") && owner.text.contains("Linkene er personlige"));
        let ics = owner.ics.unwrap();
        assert!(!ics.contains("/l/"), "no personal link in the calendar: {ics}");
    }

    #[test]
    fn english_on_request() {
        let r = reminder(Lang::En, vec![item("Nexus", 30)]);
        let out = render_reminder(&r, Utc::now()).unwrap();
        assert_eq!(out.subject, "Reminder: 1 duty for your systems due soon");
        assert!(out.text.contains("in 30 days"));
    }

    #[test]
    fn the_calendar_has_an_all_day_event_per_duty() {
        let r = reminder(Lang::Da, vec![item("Nexus", 7)]);
        let ics = render_reminder(&r, Utc::now()).unwrap().ics.unwrap();
        assert!(ics.contains("METHOD:PUBLISH"));
        assert!(ics.contains("UID:Nexus-backup_test-7@systemejer"));
        assert!(ics.contains("DTSTART;VALUE=DATE:20261205"), "{ics}");
        assert!(ics.contains("DTEND;VALUE=DATE:20261206"), "{ics}");
        assert!(ics.contains("BEGIN:VALARM"));
        assert!(ics.lines().all(|l| l.len() <= 75), "lines are folded");
    }
}
