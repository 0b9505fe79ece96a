//! A personal data breach's page: the 72-hour clock, what is recorded so far, and the three
//! things the owner or the DPO records from it: the report to Datatilsynet, the decision not to
//! report (with its reason), and that the data subjects were told.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use systemejer_domain::incidents::{AuthorityReport, Incident, IncidentChanges};
use systemejer_domain::{Language, Name, Person, Prose, RecordId};
use systemejer_links::LinkTarget;
use systemejer_store::StoreError;

use crate::form::{Posted, Problems, violations};
use crate::respond::{Reply, blocking};
use crate::session::{self, Refused, Session};
use crate::state::Pages;
use crate::views::{Frame, refusal};

#[derive(Template)]
#[template(path = "breach.html")]
struct BreachPage {
    f: Frame,
    b: BreachView,
}

/// What the page shows.
pub struct BreachView {
    pub path: String,
    pub csrf: String,
    pub description: String,
    pub systems: String,
    pub discovered: String,
    pub deadline: String,
    pub clock: String,
    pub late: bool,
    pub awaiting: bool,
    pub recorded: Vec<String>,
    pub subjects_told: Option<String>,
    /// The form that was refused, what was typed in it, and what is wrong.
    pub refused_form: String,
    pub values: HashMap<String, String>,
    pub problems: Problems,
    pub now_local: String,
}

impl BreachView {
    pub fn v(&self, form: &str, name: &str) -> &str {
        if self.refused_form == form { self.values.get(name).map_or("", String::as_str) } else { "" }
    }

    pub fn err(&self, form: &str, name: &str) -> Option<&str> {
        if self.refused_form == form { self.problems.get(name).map(String::as_str) } else { None }
    }

    pub fn summary(&self) -> Vec<(String, &str)> {
        self.problems
            .iter()
            .map(|(field, text)| {
                (format!("{}-{}", self.refused_form, if field.is_empty() { "form" } else { field }), text.as_str())
            })
            .collect()
    }
}

fn incident_of(req: &HttpRequest) -> Option<RecordId> {
    req.match_info().get("incident")?.parse().ok()
}

fn session_of(req: &HttpRequest, pages: &Pages) -> Result<(RecordId, Session), Refused> {
    let id = incident_of(req).ok_or(Refused::Gone)?;
    let s = session::find(pages, req, Utc::now(), |t| *t == LinkTarget::Breach { incident: id })?;
    Ok((id, s))
}

fn refused(pages: &Pages, why: &Refused, lang: Language) -> Reply {
    let (status, body) = refusal(pages, why, lang);
    Reply::Page(status, body)
}

/// Whether `person` may act on the breach: an owner of a system it touched, or the DPO.
pub fn admit(pages: &Pages, person: &Person, id: RecordId) -> Result<Result<Incident, Refused>, StoreError> {
    let incident = match pages.store.get_incident(id) {
        Ok(i) => i,
        Err(StoreError::NotFound { .. }) => return Ok(Err(Refused::Gone)),
        Err(e) => return Err(e),
    };
    let dpo = pages.settings.dpo_email.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(person.email.as_str()));
    let mut owner = false;
    for system in &incident.system_ids {
        match pages.store.get_system(*system) {
            Ok(s) if s.owner_id == Some(person.id) => owner = true,
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(if dpo || owner { Ok(incident) } else { Err(Refused::NotResponsible) })
}

/// The breach's page.
pub async fn show(req: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    let (id, session) = match session_of(&req, &pages) {
        Ok(found) => found,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    blocking(&req, pages, move |pages| render(pages, id, &session, None)).await
}

/// Records one of the three from the page.
pub async fn record(req: HttpRequest, pages: web::Data<Pages>, body: web::Bytes) -> HttpResponse {
    let (id, session) = match session_of(&req, &pages) {
        Ok(found) => found,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let posted = Posted::parse(&body);
    if !session::form_is_genuine(&pages, &session, &posted) {
        return refused(&pages, &Refused::Forged, Language::Da).into_response();
    }
    let what = req.match_info().get("what").unwrap_or_default().to_owned();
    let path = format!("/brud/{id}");
    blocking(&req, pages, move |pages| {
        let person = match session::person(pages, session.link.person)? {
            Ok(p) => p,
            Err(r) => return Ok(refused(pages, &r, Language::Da)),
        };
        let incident = match admit(pages, &person, id)? {
            Ok(i) => i,
            Err(r) => return Ok(refused(pages, &r, person.language)),
        };
        // The page offers each of the three once: a second submit (a double click, a replay)
        // of what is already recorded changes nothing, and the page shows what is.
        let done = match what.as_str() {
            "anmeldt" | "ikke-anmeldt" => !incident.awaits_decision(),
            "underrettet" => incident.subjects_notified_at.is_some(),
            _ => false,
        };
        if done {
            return Ok(Reply::SeeOther(path));
        }
        let lang = person.language;
        let tz = pages.store.timezone();
        let actor = person.email.as_str();
        let at = |field: &str, problems: &mut Problems| -> Option<DateTime<Utc>> {
            let raw = posted.get(field);
            let parsed = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
                .and_then(|t| tz.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc));
            if parsed.is_none() {
                problems.insert(
                    field.into(),
                    say(
                        lang,
                        "Skriv dato og klokkeslæt, for eksempel 2026-12-01 14:30.",
                        "Enter the date and time, for example 2026-12-01 14:30.",
                    ),
                );
            }
            parsed
        };
        let mut problems = Problems::new();
        let text = |field: &str, required: bool, problems: &mut Problems| -> Option<Prose> {
            match posted.get(field) {
                "" if required => {
                    problems.insert(field.into(), say(lang, "Skal udfyldes.", "Required."));
                    None
                }
                "" => None,
                raw => Prose::parse(raw)
                    .map_err(|_| {
                        problems
                            .insert(field.into(), say(lang, "Teksten kan ikke gemmes.", "The text cannot be stored."))
                    })
                    .ok(),
            }
        };
        let outcome = match what.as_str() {
            "anmeldt" => {
                let reported_at = at("reported_at", &mut problems);
                let reference = match posted.get("reference") {
                    "" => None,
                    raw => Name::parse(raw)
                        .map_err(|_| {
                            problems.insert("reference".into(), say(lang, "Højst 200 tegn.", "At most 200 characters."))
                        })
                        .ok(),
                };
                let note = text("note", false, &mut problems);
                let late_report_reason = text("late_report_reason", false, &mut problems);
                match reported_at {
                    Some(reported_at) if problems.is_empty() => pages
                        .store
                        .add_incident_report(
                            id,
                            AuthorityReport { reported_at, reference, note, late_report_reason },
                            actor,
                        )
                        .map(|_| ()),
                    _ => return render(pages, id, &session, Some((what.clone(), posted.clone(), problems))),
                }
            }
            "ikke-anmeldt" => match text("reason", true, &mut problems) {
                Some(reason) => pages
                    .store
                    .update_incident(
                        id,
                        &IncidentChanges { not_reported_reason: Some(Some(reason)), ..IncidentChanges::default() },
                        None,
                        actor,
                    )
                    .map(|_| ()),
                None => return render(pages, id, &session, Some((what.clone(), posted.clone(), problems))),
            },
            "underrettet" => match at("notified_at", &mut problems) {
                Some(t) => pages
                    .store
                    .update_incident(
                        id,
                        &IncidentChanges { subjects_notified_at: Some(Some(t)), ..IncidentChanges::default() },
                        None,
                        actor,
                    )
                    .map(|_| ()),
                None => return render(pages, id, &session, Some((what.clone(), posted.clone(), problems))),
            },
            _ => return Ok(refused(pages, &Refused::Gone, lang)),
        };
        match outcome {
            Ok(()) => Ok(Reply::SeeOther(path)),
            Err(StoreError::Invalid(list)) => {
                let mut problems = violations(&list, lang);
                // The store names the fields as the API does; the page's fields have the same names.
                for v in &list {
                    if ["reported_at", "late_report_reason", "not_reported_reason", "subjects_notified_at"]
                        .contains(&v.field.as_str())
                    {
                        let field = match v.field.as_str() {
                            "not_reported_reason" => "reason",
                            "subjects_notified_at" => "notified_at",
                            other => other,
                        };
                        problems.remove("");
                        problems.insert(field.into(), breach_rule(&v.rule, lang).unwrap_or_else(|| v.message.clone()));
                    }
                }
                render(pages, id, &session, Some((what.clone(), posted.clone(), problems)))
            }
            Err(e) => Err(e),
        }
    })
    .await
}

fn say(lang: Language, da: &str, en: &str) -> String {
    match lang {
        Language::Da => da.to_owned(),
        Language::En => en.to_owned(),
    }
}

fn breach_rule(rule: &str, lang: Language) -> Option<String> {
    Some(match rule {
        "required_when_late" => say(
            lang,
            "Anmeldelsen kommer efter de 72 timer: skriv årsagen til forsinkelsen.",
            "The report comes after the 72 hours: give the reason for the delay.",
        ),
        "not_in_future" => say(lang, "Tidspunktet kan ikke ligge i fremtiden.", "The time cannot be in the future."),
        "after_discovery" => say(
            lang,
            "Tidspunktet kan ikke ligge før bruddet blev opdaget.",
            "The time cannot be before the breach was discovered.",
        ),
        "decided_not_to_report" => {
            say(lang, "Der er registreret en beslutning om ikke at anmelde.", "A decision not to report is recorded.")
        }
        _ => return None,
    })
}

fn when(t: DateTime<Utc>, tz: chrono_tz::Tz, lang: Language) -> String {
    let local = t.with_timezone(&tz);
    match lang {
        Language::Da => format!("{} kl. {}", crate::texts::date(local.date_naive(), lang), local.format("%H:%M")),
        Language::En => format!("{} at {}", crate::texts::date(local.date_naive(), lang), local.format("%H:%M")),
    }
}

fn render(
    pages: &Pages,
    id: RecordId,
    session: &Session,
    typed: Option<(String, Posted, Problems)>,
) -> Result<Reply, StoreError> {
    let person = match session::person(pages, session.link.person)? {
        Ok(p) => p,
        Err(r) => return Ok(refused(pages, &r, Language::Da)),
    };
    let lang = person.language;
    let incident = match admit(pages, &person, id)? {
        Ok(i) => i,
        Err(r) => return Ok(refused(pages, &r, lang)),
    };
    let tz = pages.store.timezone();
    let now = Utc::now();
    let deadline = incident.authority_deadline.unwrap_or(incident.discovered_at);
    let awaiting = incident.awaits_decision();
    // Whole hours left (rounded down), or overdue (rounded up).
    let minutes = (deadline - now).num_minutes();
    let (left, overdue) = (minutes.max(0) / 60, ((-minutes).max(0) + 59) / 60);
    let clock = match (awaiting, lang) {
        (false, Language::Da) => "Uret er stoppet: anmeldelsen eller beslutningen er registreret.".to_owned(),
        (false, Language::En) => "The clock has stopped: the report or the decision is recorded.".to_owned(),
        (true, Language::Da) if minutes >= 0 => format!("{left} timer tilbage af de 72."),
        (true, Language::En) if minutes >= 0 => format!("{left} hours left of the 72."),
        (true, Language::Da) => {
            format!("Fristen er overskredet med {overdue} timer. Anmeld straks, og skriv årsagen til forsinkelsen.")
        }
        (true, Language::En) => {
            format!("The deadline passed {overdue} hours ago. Report at once, and give the reason for the delay.")
        }
    };
    let mut recorded = Vec::new();
    for r in &incident.reports {
        let reference = r.reference.as_ref().map(|x| format!(" ({})", x.as_str())).unwrap_or_default();
        recorded.push(match lang {
            Language::Da => format!("Anmeldt til Datatilsynet {}{reference}.", when(r.reported_at, tz, lang)),
            Language::En => format!("Reported to Datatilsynet on {}{reference}.", when(r.reported_at, tz, lang)),
        });
    }
    if let Some(reason) = &incident.not_reported_reason {
        recorded.push(match lang {
            Language::Da => format!("Besluttet ikke at anmelde: {reason}"),
            Language::En => format!("Decided not to report: {reason}"),
        });
    }
    let mut systems = Vec::new();
    for s in &incident.system_ids {
        if let Ok(system) = pages.store.get_system(*s) {
            systems.push(system.name);
        }
    }
    let (refused_form, values, problems) =
        typed.map_or_else(|| (String::new(), HashMap::new(), Problems::new()), |(f, p, e)| (f, p.0, e));
    let view = BreachView {
        path: format!("/brud/{id}"),
        csrf: pages.settings.keys.form_token(&session.token),
        description: incident.description.clone(),
        systems: systems.join(", "),
        discovered: when(incident.discovered_at, tz, lang),
        deadline: when(deadline, tz, lang),
        clock,
        late: awaiting && minutes < 0,
        awaiting,
        recorded,
        subjects_told: incident.subjects_notified_at.map(|t| when(t, tz, lang)),
        refused_form,
        values,
        problems,
        now_local: now.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
    };
    let status = if view.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body =
        BreachPage { f: Frame::new(pages, lang, Some(person.name.clone())), b: view }.render().unwrap_or_default();
    Ok(Reply::Page(status, body))
}
