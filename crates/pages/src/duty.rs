//! A duty's page: what the duty is, how late, what was recorded before, and its form; once the
//! cycle the link was sent for is recorded, who recorded it and when, instead of the form.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use systemejer_domain::obligations::{Completion, CompletionResult, Obligation, ObligationKind};
use systemejer_domain::{Language, Person, RecordId, SystemId};
use systemejer_links::LinkTarget;
use systemejer_store::StoreError;

use crate::form::{self, Posted, Problems};
use crate::respond::{Reply, blocking, page};
use crate::session::{self, DutyKey, Refused, Session};
use crate::state::Pages;
use crate::texts::{self, Texts, supervision_method};
use crate::views::{ContinuePage, FormView, Frame, refusal};

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    f: Frame,
    d: DutyView,
}

/// What a duty's page shows of it.
pub struct DutyView {
    pub system: String,
    pub role: String,
    pub title: String,
    pub done_means: &'static str,
    pub due: Option<String>,
    pub when: Option<String>,
    pub late: bool,
    pub history: Vec<HistoryRow>,
    /// How the duty is done, where it is not by the form.
    pub done_elsewhere: Option<&'static str>,
    pub recorded: Option<Recorded>,
    pub failed: Option<String>,
    pub form: Option<FormView>,
}

/// One earlier completion.
pub struct HistoryRow {
    pub done_on: String,
    pub result: &'static str,
    pub by: String,
}

/// The completion that recorded the link's cycle.
pub struct Recorded {
    pub by: String,
    pub on: String,
    pub result: &'static str,
    pub summary: String,
    pub next_due: Option<String>,
}

/// Opens a mail's link: checks it, and exchanges it for the page's session cookie.
pub async fn open_link(req: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    let token = session::link_token(&req).unwrap_or_default();
    let now = Utc::now();
    let link = match pages.settings.keys.open(&token, now) {
        Ok(link) => link,
        Err(r) => {
            let (status, body) = refusal(&pages, &r.into(), Language::Da);
            return page(status, body);
        }
    };
    let p = pages.clone();
    let target = link.target.clone();
    let admitted = web::block(move || -> Result<Result<Person, Refused>, StoreError> {
        let person = match session::person(&p, link.person)? {
            Ok(person) => person,
            Err(r) => return Ok(Err(r)),
        };
        if let LinkTarget::Duty { system, kind, subject, .. } = &target {
            let key = DutyKey { system: *system, kind: *kind, subject: subject.clone() };
            if let Err(r) = admit_duty(&p, &person, &key)? {
                return Ok(Err(r));
            }
        }
        if let LinkTarget::OwnerDuties { owner } = target
            && let Err(r) = session::owner_list_for(&p, &person, owner)?
        {
            return Ok(Err(r));
        }
        Ok(Ok(person))
    })
    .await;
    match admitted {
        Ok(Ok(Ok(person))) => {
            let to = session::page_path(&link.target);
            let body = ContinuePage { f: Frame::new(&pages, person.language, Some(person.name.clone())), to }
                .render()
                .unwrap_or_default();
            let mut res = page(StatusCode::OK, body);
            if res.add_cookie(&session::cookie(&pages, &link, now)).is_err() {
                return page(StatusCode::INTERNAL_SERVER_ERROR, crate::views::failure_page(&pages));
            }
            res
        }
        Ok(Ok(Err(r))) => {
            let (status, body) = refusal(&pages, &r, Language::Da);
            page(status, body)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %systemejer_store::ErrorChain(&e), "opening a link failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, crate::views::failure_page(&pages))
        }
        Err(e) => {
            tracing::error!(error = %e, "opening a link did not finish");
            page(StatusCode::INTERNAL_SERVER_ERROR, crate::views::failure_page(&pages))
        }
    }
}

/// The duty a page's path names, if it names one.
pub fn key_of(req: &HttpRequest) -> Option<DutyKey> {
    let m = req.match_info();
    Some(DutyKey {
        system: m.get("system")?.parse().ok()?,
        kind: m.get("kind")?.parse().ok()?,
        subject: m.get("subject").unwrap_or_default().to_owned(),
    })
}

/// Whether `person` may act on the duty: it still applies, and they answer for it.
pub fn admit_duty(pages: &Pages, person: &Person, key: &DutyKey) -> Result<Result<Obligation, Refused>, StoreError> {
    let system = match pages.store.get_system(key.system) {
        Ok(s) => s,
        Err(StoreError::NotFound { .. }) => return Ok(Err(Refused::Gone)),
        Err(e) => return Err(e),
    };
    let obligations = pages.store.list_obligations(key.system)?;
    let Some(duty) =
        obligations.into_iter().find(|o| o.kind == key.kind && o.subject.clone().unwrap_or_default() == key.subject)
    else {
        return Ok(Err(Refused::Gone));
    };
    if !session::answers_for(&system, person.id, duty.assignee_id) {
        return Ok(Err(Refused::NotResponsible));
    }
    Ok(Ok(duty))
}

fn refused(pages: &Pages, why: &Refused, lang: Language) -> Reply {
    let (status, body) = refusal(pages, why, lang);
    Reply::Page(status, body)
}

/// The session of the duty the request's path names.
fn duty_session(req: &HttpRequest, pages: &Pages) -> Result<(DutyKey, Session), Refused> {
    let key = key_of(req).ok_or(Refused::Gone)?;
    let session = session::find(pages, req, Utc::now(), |t| session::is_duty(t, &key))?;
    Ok((key, session))
}

/// The duty's page.
pub async fn show(req: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    let (key, session) = match duty_session(&req, &pages) {
        Ok(found) => found,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let failed = req.query_string() == "fejlet=1";
    blocking(&req, pages, move |pages| render(pages, &key, &session, None, failed)).await
}

/// Records the duty from its page's form.
pub async fn record(req: HttpRequest, pages: web::Data<Pages>, body: web::Bytes) -> HttpResponse {
    let (key, session) = match duty_session(&req, &pages) {
        Ok(found) => found,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let posted = Posted::parse(&body);
    if !session::form_is_genuine(&pages, &session, &posted) {
        return refused(&pages, &Refused::Forged, Language::Da).into_response();
    }
    let path = req.path().to_owned();
    blocking(&req, pages, move |pages| {
        let LinkTarget::Duty { due_on, .. } = session.link.target else { return Ok(Reply::SeeOther(path)) };
        let person = match session::person(pages, session.link.person)? {
            Ok(p) => p,
            Err(r) => return Ok(refused(pages, &r, Language::Da)),
        };
        let duty = match admit_duty(pages, &person, &key)? {
            Ok(duty) => duty,
            Err(r) => return Ok(refused(pages, &r, person.language)),
        };
        if key.kind == ObligationKind::RiskMeasure {
            return match implement(pages, &person, &key, &posted)? {
                Ok(on) => Ok(implemented_page(pages, &person, on)),
                Err(problems) => render(pages, &key, &session, Some((posted, problems)), false),
            };
        }
        match save(pages, &person, &key, (due_on, duty.interval_months), &posted)? {
            Ok(CompletionResult::Failed) => Ok(Reply::SeeOther(format!("{path}?fejlet=1"))),
            Ok(CompletionResult::Passed) => Ok(Reply::SeeOther(path)),
            Err(problems) => render(pages, &key, &session, Some((posted, problems)), false),
        }
    })
    .await
}

/// Records a completion of the duty `key` for the cycle due on `cycle`; the form's problems, or
/// nothing when it was recorded (by this or by an earlier submit).
pub fn save(
    pages: &Pages,
    person: &Person,
    key: &DutyKey,
    (cycle, interval): (chrono::NaiveDate, Option<u32>),
    posted: &Posted,
) -> Result<Result<CompletionResult, Problems>, StoreError> {
    // A measure is done by recording it implemented, not by a completion.
    if key.kind == ObligationKind::RiskMeasure {
        return Ok(implement(pages, person, key, posted)?.map(|_| CompletionResult::Passed));
    }
    let subject = if key.subject.is_empty() { None } else { key.subject.parse::<RecordId>().ok() };
    let new = match form::completion(key.kind, subject, posted, person.language) {
        Ok(new) => new,
        Err(problems) => return Ok(Err(problems)),
    };
    // A pass on a date so early that the duty would still be due for this cycle (last year's
    // date, a typo) would be recorded and change nothing the reader sees: say so at the field.
    if new.result == CompletionResult::Passed
        && let Some(months) = interval
        && systemejer_domain::obligations::add_months(new.done_on, months) <= cycle
    {
        let next = texts::date(systemejer_domain::obligations::add_months(new.done_on, months), person.language);
        let text = match person.language {
            Language::Da => format!(
                "Med den dato er opgaven allerede forfalden igen (næste frist ville være {next}). Skriv datoen, opgaven blev udført denne gang."
            ),
            Language::En => format!(
                "With that date the duty is already due again (it would next be due on {next}). Enter the date it was done this time."
            ),
        };
        return Ok(Err(Problems::from([("done_on".to_owned(), text)])));
    }
    match pages.store.add_completion_from_link(key.system, key.kind, new, person.email.as_str(), cycle) {
        Ok(c) => Ok(Ok(c.result)),
        Err(StoreError::Conflict { code: "already_recorded", .. }) => Ok(Ok(CompletionResult::Passed)),
        Err(StoreError::Invalid(list)) => Ok(Err(form::violations(&list, person.language))),
        Err(StoreError::Conflict { code: "no_such_duty", .. }) => {
            Ok(Err(Problems::from([(String::new(), texts_of(person).no_next_due.to_owned())])))
        }
        Err(e) => Err(e),
    }
}

/// Records the risk measure `key` names as implemented on the day posted; the form's problems,
/// or the day. (Rejecting a measure is the owner's decision, with a reason: in the register.)
fn implement(
    pages: &Pages,
    person: &Person,
    key: &DutyKey,
    posted: &Posted,
) -> Result<Result<chrono::NaiveDate, Problems>, StoreError> {
    let on = match form::implemented_on(posted, person.language) {
        Ok(on) => on,
        Err(problems) => return Ok(Err(problems)),
    };
    let Ok(measure) = key.subject.parse::<RecordId>() else {
        return Ok(Err(Problems::from([(String::new(), texts_of(person).no_next_due.to_owned())])));
    };
    let changes = systemejer_domain::risk::RiskMeasureChanges {
        status: Some(systemejer_domain::risk::MeasureStatus::Implemented),
        implemented_on: Some(Some(on)),
        ..Default::default()
    };
    match pages.store.update_risk_measure(key.system, measure, &changes, None, person.email.as_str()) {
        Ok(_) => Ok(Ok(on)),
        Err(StoreError::Invalid(list)) => Ok(Err(form::violations(&list, person.language))),
        Err(e) => Err(e),
    }
}

/// What the person responsible sees once a measure is recorded: its duty has ended.
fn implemented_page(pages: &Pages, person: &Person, on: chrono::NaiveDate) -> Reply {
    let day = texts::date(on, person.language);
    let (title, text) = match person.language {
        Language::Da => (
            "Foranstaltningen er registreret",
            format!("Foranstaltningen er registreret som gennemført den {day}. Påmindelserne om den stopper."),
        ),
        Language::En => (
            "The measure is recorded",
            format!("The measure is recorded as implemented on {day}. The reminders about it stop."),
        ),
    };
    let body = crate::views::MessagePage {
        f: crate::views::Frame::new(pages, person.language, Some(person.name.clone())),
        title: title.into(),
        text,
    }
    .render()
    .unwrap_or_default();
    Reply::Page(StatusCode::OK, body)
}

fn texts_of(person: &Person) -> &'static Texts {
    texts::texts(person.language)
}

/// A name for who recorded a completion: the person's name where the register knows the email.
pub fn recorder(pages: &Pages, email: &str) -> Result<String, StoreError> {
    let Ok(address) = systemejer_domain::EmailAddress::parse(email) else { return Ok(email.to_owned()) };
    Ok(pages.store.find_person_by_email(&address)?.map_or_else(|| email.to_owned(), |p| p.name))
}

fn result_text(t: &Texts, r: CompletionResult) -> &'static str {
    match r {
        CompletionResult::Passed => t.passed,
        CompletionResult::Failed => t.failed,
    }
}

/// Where a form posts, the token it carries, and the prefix of its fields' ids.
pub struct Place {
    pub action: String,
    pub csrf: String,
    pub id: String,
}

/// The form for `kind`: empty but for today's date, or with what was typed and its problems.
pub fn new_form(
    Place { action, csrf, id }: Place,
    kind: ObligationKind,
    cycle: chrono::NaiveDate,
    today: chrono::NaiveDate,
    lang: Language,
    typed: Option<(Posted, Problems)>,
) -> FormView {
    let (values, problems) = match typed {
        Some((posted, problems)) => (posted.0, problems),
        None => (HashMap::from([("done_on".to_owned(), today.to_string())]), Problems::new()),
    };
    FormView {
        action,
        csrf,
        id,
        kind: kind.as_str(),
        has_result: kind.reports_a_result(),
        cycle: cycle.to_string(),
        methods: systemejer_domain::gdpr::SupervisionMethod::ALL
            .iter()
            .map(|m| (m.as_str(), supervision_method(*m, lang)))
            .collect(),
        values,
        problems,
    }
}

/// What a completion says, in a line.
pub fn summary(c: &Completion, lang: Language) -> String {
    use systemejer_domain::obligations::Evidence;
    let da = lang == Language::Da;
    let evidence = match &c.evidence {
        Some(Evidence::AccessReview { accounts_reviewed, accounts_removed }) => Some(if da {
            format!("{accounts_reviewed} konti gennemgået, {accounts_removed} fjernet.")
        } else {
            format!("{accounts_reviewed} accounts reviewed, {accounts_removed} removed.")
        }),
        Some(Evidence::BackupTest { restore_minutes, restored }) => Some(if da {
            format!("Gendannet: {}, på {restore_minutes} minutter.", restored.as_str())
        } else {
            format!("Restored: {}, in {restore_minutes} minutes.", restored.as_str())
        }),
        Some(Evidence::PatchReview { version_in_use, last_updated_on }) => Some(if da {
            format!("Version i drift: {}, senest opdateret {last_updated_on}.", version_in_use.as_str())
        } else {
            format!("Version in use: {}, last updated {last_updated_on}.", version_in_use.as_str())
        }),
        Some(Evidence::Supervision { report_kind, conclusion }) => {
            Some(format!("{}: {}", supervision_method(*report_kind, lang), conclusion.as_str()))
        }
        None => None,
    };
    [evidence, c.notes.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The duty's page for the session's person: the form (with what was typed and its problems,
/// after a refused submit), or who recorded the link's cycle.
fn render(
    pages: &Pages,
    key: &DutyKey,
    session: &Session,
    typed: Option<(Posted, Problems)>,
    just_failed: bool,
) -> Result<Reply, StoreError> {
    let person = match session::person(pages, session.link.person)? {
        Ok(p) => p,
        Err(r) => return Ok(refused(pages, &r, Language::Da)),
    };
    let lang = person.language;
    let duty = match admit_duty(pages, &person, key)? {
        Ok(duty) => duty,
        Err(r) => return Ok(refused(pages, &r, lang)),
    };
    let LinkTarget::Duty { due_on: cycle, .. } = session.link.target else {
        return Ok(refused(pages, &Refused::Gone, lang));
    };
    let t = texts::texts(lang);
    let system = pages.store.get_system(key.system)?;
    let role = role_line(pages, &system, &person, t)?;
    let today = pages.store.today();
    let completions: Vec<Completion> = pages
        .store
        .list_completions(key.system, key.kind)?
        .into_iter()
        .filter(|c| c.subject.clone().unwrap_or_default() == key.subject)
        .collect();
    let mut history = Vec::new();
    for c in completions.iter().take(3) {
        history.push(HistoryRow {
            done_on: texts::date(c.done_on, lang),
            result: result_text(t, c.result),
            by: recorder(pages, &c.recorded_by)?,
        });
    }
    let done = duty.next_due_on.is_none_or(|next| next > cycle);
    let recorded =
        match completions.iter().filter(|c| c.result == CompletionResult::Passed).max_by_key(|c| c.recorded_at) {
            Some(c) if done => Some(Recorded {
                by: recorder(pages, &c.recorded_by)?,
                on: texts::date(c.recorded_at.with_timezone(&pages.store.timezone()).date_naive(), lang),
                result: result_text(t, c.result),
                summary: summary(c, lang),
                next_due: duty.next_due_on.map(|d| texts::date(d, lang)),
            }),
            _ => None,
        };
    let done_elsewhere = key.kind.done_elsewhere(lang);
    let form = (recorded.is_none() && done_elsewhere.is_none()).then(|| {
        let action = session::page_path(&session.link.target);
        let csrf = pages.settings.keys.form_token(&session.token);
        new_form(Place { action, csrf, id: String::new() }, key.kind, cycle, today, lang, typed)
    });
    let due = if recorded.is_some() { Some(cycle) } else { duty.next_due_on };
    // Just recorded as failed: say so, and what is still to do (the form stays for the retest).
    let failed = completions.first().filter(|c| just_failed && c.result == CompletionResult::Failed).map(|c| {
        let on = texts::date(c.done_on, lang);
        let by = due.map(|d| texts::date(d, lang)).unwrap_or_default();
        match lang {
            Language::Da => format!(
                "Registreret: testen den {on} fejlede. Opgaven er stadig åben: testen skal gentages og bestås senest {by}. Koordinatoren kan se resultatet i registret."
            ),
            Language::En => format!(
                "Recorded: the test on {on} failed. The duty is still open: the test must be repeated and passed by {by}. The coordinator can see the result in the register."
            ),
        }
    });
    let view = DutyView {
        system: system.name.clone(),
        role,
        title: duty_title(pages, key.system, key.kind, &key.subject, lang)?,
        done_means: key.kind.done_means(lang),
        due: due.map(|d| texts::date(d, lang)),
        when: due.filter(|_| recorded.is_none()).map(|d| texts::when(d, today, lang)),
        late: recorded.is_none() && due.is_some_and(|d| d < today),
        history,
        done_elsewhere,
        recorded,
        failed,
        form,
    };
    let status = if view.form.as_ref().is_some_and(|f| !f.problems.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = DutyPage { f: Frame::new(pages, lang, Some(person.name.clone())), d: view }.render().unwrap_or_default();
    Ok(Reply::Page(status, body))
}

/// A duty's title as people read it. A supervision names its processor in brackets, as an
/// owner may have several ("Tilsyn med databehandler (Netcompany)").
pub fn duty_title(
    pages: &Pages,
    system: SystemId,
    kind: ObligationKind,
    subject: &str,
    lang: Language,
) -> Result<String, StoreError> {
    let title = kind.title(lang);
    if subject.is_empty() {
        return Ok(title.to_owned());
    }
    let named = match kind {
        ObligationKind::ProcessorSupervision | ObligationKind::AgreementExpiry => {
            match pages.store.list_agreements(system)?.into_iter().find(|a| a.id.to_string() == subject) {
                Some(a) => Some(pages.store.get_processor(a.processor_id)?.name),
                None => None,
            }
        }
        ObligationKind::RiskMeasure => pages
            .store
            .list_risk_measures(system, None)?
            .into_iter()
            .find(|m| m.id.to_string() == subject)
            .map(|m| m.measure),
        _ => None,
    };
    Ok(named.map_or_else(|| title.to_owned(), |name| format!("{title} ({name})")))
}

/// The reader's role for the system, in words: the owner, or a delegate and who the owner is.
pub fn role_line(
    pages: &Pages,
    system: &systemejer_domain::System,
    person: &Person,
    t: &Texts,
) -> Result<String, StoreError> {
    if system.owner_id == Some(person.id) {
        return Ok(t.role_owner.to_owned());
    }
    let owner = match system.owner_id {
        Some(id) => match pages.store.get_person(id) {
            Ok(p) => Some(p.name),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(match owner {
        Some(name) => format!("{} {} {name}.", t.role_delegate, t.owner_is),
        None => t.role_delegate.to_owned(),
    })
}

/// For the list's forms: the id a duty's form fields carry.
pub fn form_id(system: SystemId, kind: ObligationKind, subject: &str) -> String {
    format!("d-{system}-{kind}-{subject}-")
}
