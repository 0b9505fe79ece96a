//! The breach alert: a personal data breach awaits its report to Datatilsynet (or the decision
//! not to report), with the 72-hour deadline in Danish local time.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::MailError;
use crate::reminder::{Lang, Rendered, date_text};

/// A breach alert to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachAlert {
    /// The recipient's name, for the greeting.
    pub name: String,
    /// The language.
    pub lang: Lang,
    /// When the breach was discovered.
    pub discovered_at: DateTime<Utc>,
    /// The deadline for the report.
    pub deadline: DateTime<Utc>,
    /// The systems affected, by name.
    pub systems: Vec<String>,
    /// What happened.
    pub description: String,
    /// Where to record the report or the decision.
    pub link: String,
    /// Whether the link opens the breach's page (a personal link), or only the register's API.
    pub page: bool,
    /// The time zone deadlines are shown in.
    pub timezone: chrono_tz::Tz,
}

/// What the breach alert templates show.
struct View<'a> {
    subject: &'a str,
    name: &'a str,
    deadline: &'a str,
    overdue: bool,
    discovered: &'a str,
    systems: &'a str,
    description: &'a str,
    link: &'a str,
    page: bool,
}

#[derive(Template)]
#[template(path = "breach_alert/da.txt")]
struct DaText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "breach_alert/da.html")]
struct DaHtml<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "breach_alert/en.txt")]
struct EnText<'a> {
    v: &'a View<'a>,
}

#[derive(Template)]
#[template(path = "breach_alert/en.html")]
struct EnHtml<'a> {
    v: &'a View<'a>,
}

fn time_text(lang: Lang, t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&tz);
    let date = date_text(lang, local.date_naive());
    match lang {
        Lang::Da => format!("{date} kl. {}", local.format("%H:%M")),
        Lang::En => format!("{date} at {} ({})", local.format("%H:%M"), tz.name()),
    }
}

/// Renders a breach alert as of `now`.
pub fn render_breach_alert(alert: &BreachAlert, now: DateTime<Utc>) -> Result<Rendered, MailError> {
    let lang = alert.lang;
    let deadline = time_text(lang, alert.deadline, alert.timezone);
    let discovered = time_text(lang, alert.discovered_at, alert.timezone);
    let systems = alert.systems.join(", ");
    let overdue = now > alert.deadline;
    let hours_left = (alert.deadline - now).num_hours().max(0);
    let subject = match (lang, overdue) {
        (Lang::Da, false) => {
            format!("Brud på persondatasikkerheden: anmeld senest {deadline} ({hours_left} timer tilbage)")
        }
        (Lang::Da, true) => "Brud på persondatasikkerheden: fristen for anmeldelse er overskredet".to_owned(),
        (Lang::En, false) => format!("Personal data breach: report by {deadline} ({hours_left} hours left)"),
        (Lang::En, true) => "Personal data breach: the deadline for reporting has passed".to_owned(),
    };
    let fail = |e: askama::Error| MailError::Render(e.to_string());
    let v = View {
        subject: &subject,
        name: &alert.name,
        deadline: &deadline,
        overdue,
        discovered: &discovered,
        systems: &systems,
        description: &alert.description,
        link: &alert.link,
        page: alert.page,
    };
    let (text, html) = match lang {
        Lang::Da => (DaText { v: &v }.render().map_err(fail)?, DaHtml { v: &v }.render().map_err(fail)?),
        Lang::En => (EnText { v: &v }.render().map_err(fail)?, EnHtml { v: &v }.render().map_err(fail)?),
    };
    Ok(Rendered { subject, text, html, ics: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_shown_in_danish_local_time() {
        let discovered = DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z").unwrap().with_timezone(&Utc);
        let alert = BreachAlert {
            name: "Dorte".into(),
            lang: Lang::Da,
            discovered_at: discovered,
            deadline: discovered + chrono::Duration::hours(72),
            systems: vec!["Nexus".into()],
            description: "Liste sendt til forkert modtager".into(),
            link: "https://x/api/v1/incidents/1".into(),
            page: false,
            timezone: chrono_tz::Europe::Copenhagen,
        };
        let out = render_breach_alert(&alert, discovered + chrono::Duration::hours(24)).unwrap();
        assert!(out.text.contains("senest 23. november 2026 kl. 09:00"), "{}", out.text);
        assert!(out.subject.contains("48 timer tilbage"), "{}", out.subject);
        let late = render_breach_alert(&alert, discovered + chrono::Duration::hours(80)).unwrap();
        assert!(late.text.contains("FRISTEN ER OVERSKREDET"));
    }
}
