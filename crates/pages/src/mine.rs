//! "Mine opgaver": every open duty of every system the person owns or is a delegate of,
//! grouped by system, the nearest due date first, each with its own form; for a system being
//! decommissioned, the exit checklist's open steps.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use systemejer_domain::exit::{ExitStepKind, ExitStepStatus};
use systemejer_domain::obligations::CompletionResult;
use systemejer_domain::{Language, LifecycleState, Person, System, SystemId};
use systemejer_links::LinkTarget;
use systemejer_store::{PageRequest, StoreError, SystemFilter};

use crate::duty::{self, Place, duty_title, form_id, new_form};
use crate::form::{self, Posted, Problems};
use crate::respond::{Reply, blocking};
use crate::session::{self, DutyKey, Refused, Session};
use crate::state::Pages;
use crate::texts::{self, Texts};
use crate::views::{FormView, Frame, refusal};

#[derive(Template)]
#[template(path = "mine.html")]
struct MinePage {
    f: Frame,
    heading: String,
    intro: String,
    /// An owner's list seen by the coordinator: no forms.
    read_only: bool,
    systems: Vec<MineSystem>,
    saved: Option<String>,
    /// The refused form's problems, at the top, each linking to its field further down.
    problems: Vec<(String, String)>,
}

/// One system on the list.
pub struct MineSystem {
    /// Its nearest open due date, by which the list is sorted (systems with none come last).
    pub first_due: Option<NaiveDate>,
    pub anchor: String,
    pub name: String,
    pub role: String,
    pub duties: Vec<MineDuty>,
    pub later: Vec<Later>,
    pub exit: Vec<MineStep>,
}

/// A duty not yet open: when it falls due.
pub struct Later {
    pub title: String,
    pub due: String,
}

/// How far ahead a duty counts as open (and gets a form on the list): the first reminder goes
/// out 30 days before by default; 60 covers a configured earlier one.
const OPEN_DAYS: i64 = 60;

/// One open duty on the list.
pub struct MineDuty {
    pub title: String,
    pub done_means: &'static str,
    pub due: String,
    pub when: String,
    pub late: bool,
    pub open: bool,
    pub form: Option<FormView>,
    /// How the duty is done, where it is not by the form.
    pub done_elsewhere: Option<&'static str>,
}

/// One open exit step on the list.
pub struct MineStep {
    pub title: &'static str,
    pub open: bool,
    pub form: FormView,
}

/// What a refused form leaves to show again: which form, what was typed, what is wrong.
struct Typed {
    form: String,
    posted: Posted,
    problems: Problems,
}

fn session_of(req: &HttpRequest, pages: &Pages) -> Result<Session, Refused> {
    session::find(pages, req, Utc::now(), |t| *t == LinkTarget::MyDuties)
}

fn refused(pages: &Pages, why: &Refused, lang: Language) -> Reply {
    let (status, body) = refusal(pages, why, lang);
    Reply::Page(status, body)
}

/// The list.
pub async fn show(req: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    let session = match session_of(&req, &pages) {
        Ok(s) => s,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let saved = req.query_string().strip_prefix("registreret=").map(str::to_owned);
    blocking(&req, pages, move |pages| render(pages, &session, None, saved.as_deref())).await
}

/// Records one duty from the list.
pub async fn record(req: HttpRequest, pages: web::Data<Pages>, body: web::Bytes) -> HttpResponse {
    let session = match session_of(&req, &pages) {
        Ok(s) => s,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let posted = Posted::parse(&body);
    if !session::form_is_genuine(&pages, &session, &posted) {
        return refused(&pages, &Refused::Forged, Language::Da).into_response();
    }
    let Some(key) = duty::key_of(&req) else { return refused(&pages, &Refused::Gone, Language::Da).into_response() };
    blocking(&req, pages, move |pages| {
        let person = match session::person(pages, session.link.person)? {
            Ok(p) => p,
            Err(r) => return Ok(refused(pages, &r, Language::Da)),
        };
        let duty = match duty::admit_duty(pages, &person, &key)? {
            Ok(d) => d,
            Err(r) => return Ok(refused(pages, &r, person.language)),
        };
        // The cycle the list showed: a list older than the duty's present cycle finds it
        // recorded already. A form without one was not made by the list.
        let Ok(cycle) = NaiveDate::parse_from_str(posted.get("cycle"), "%Y-%m-%d") else {
            return Ok(refused(pages, &Refused::Forged, person.language));
        };
        let id = form_id(key.system, key.kind, &key.subject);
        match duty::save(pages, &person, &key, (cycle, duty.interval_months), &posted)? {
            Ok(result) => {
                let what = if result == CompletionResult::Failed { "fejlet" } else { key.kind.as_str() };
                Ok(Reply::SeeOther(format!("/mine-opgaver?registreret={what}#{}", anchor(key.system))))
            }
            Err(problems) => render(pages, &session, Some(Typed { form: id, posted, problems }), None),
        }
    })
    .await
}

/// Records one exit step from the list.
pub async fn exit_step(req: HttpRequest, pages: web::Data<Pages>, body: web::Bytes) -> HttpResponse {
    let session = match session_of(&req, &pages) {
        Ok(s) => s,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    let posted = Posted::parse(&body);
    if !session::form_is_genuine(&pages, &session, &posted) {
        return refused(&pages, &Refused::Forged, Language::Da).into_response();
    }
    let m = req.match_info();
    let target: Option<(SystemId, ExitStepKind)> =
        m.get("system").and_then(|s| s.parse().ok()).zip(m.get("step").and_then(|s| s.parse().ok()));
    let Some((system, step)) = target else { return refused(&pages, &Refused::Gone, Language::Da).into_response() };
    blocking(&req, pages, move |pages| {
        let person = match session::person(pages, session.link.person)? {
            Ok(p) => p,
            Err(r) => return Ok(refused(pages, &r, Language::Da)),
        };
        let lang = person.language;
        match pages.store.get_system(system) {
            Ok(s) if s.is_owned_or_delegated_to(person.id) => {}
            Ok(_) => return Ok(refused(pages, &Refused::NotResponsible, lang)),
            Err(StoreError::NotFound { .. }) => return Ok(refused(pages, &Refused::Gone, lang)),
            Err(e) => return Err(e),
        }
        let id = format!("x-{system}-{step}-");
        let update = match form::exit_step(&posted, lang) {
            Ok(u) => u,
            Err(problems) => return render(pages, &session, Some(Typed { form: id, posted, problems }), None),
        };
        match pages.store.update_exit_step(system, step, &update, person.email.as_str()) {
            Ok(done) => {
                Ok(Reply::SeeOther(format!("/mine-opgaver?registreret={step}.{}#{}", done.status, anchor(system))))
            }
            Err(StoreError::Invalid(list)) => {
                let problems = form::violations(&list, lang);
                render(pages, &session, Some(Typed { form: id, posted, problems }), None)
            }
            Err(StoreError::Conflict { .. }) => Ok(refused(pages, &Refused::Gone, lang)),
            Err(e) => Err(e),
        }
    })
    .await
}

fn anchor(system: SystemId) -> String {
    format!("s-{system}")
}

/// Every system `person` owns or is a delegate of, each once, by name.
fn systems_of(pages: &Pages, person: &Person) -> Result<Vec<System>, StoreError> {
    let page = PageRequest { limit: 500, offset: 0, cursor: None };
    let owned =
        pages.store.list_systems(&SystemFilter { owner_id: Some(person.id), ..SystemFilter::default() }, &page)?;
    let helped =
        pages.store.list_systems(&SystemFilter { delegate_id: Some(person.id), ..SystemFilter::default() }, &page)?;
    let mut all: Vec<System> = owned.items;
    for s in helped.items {
        if !all.iter().any(|x| x.id == s.id) {
            all.push(s);
        }
    }
    all.retain(|s| s.lifecycle_state != LifecycleState::Retired);
    Ok(all)
}

fn render(pages: &Pages, session: &Session, typed: Option<Typed>, saved: Option<&str>) -> Result<Reply, StoreError> {
    render_list(pages, session, typed, saved, None)
}

/// An owner's list, read-only, for the information security coordinator.
pub async fn owner_list(req: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    let Some(owner) = req.match_info().get("owner").and_then(|o| o.parse::<systemejer_domain::PersonId>().ok()) else {
        return refused(&pages, &Refused::Gone, Language::Da).into_response();
    };
    let session = match session::find(&pages, &req, Utc::now(), |t| *t == LinkTarget::OwnerDuties { owner }) {
        Ok(s) => s,
        Err(r) => return refused(&pages, &r, Language::Da).into_response(),
    };
    blocking(&req, pages, move |pages| render_list(pages, &session, None, None, Some(owner))).await
}

/// The list of `owner` (read-only, for the coordinator), or of the session's person.
fn render_list(
    pages: &Pages,
    session: &Session,
    mut typed: Option<Typed>,
    saved: Option<&str>,
    owner: Option<systemejer_domain::PersonId>,
) -> Result<Reply, StoreError> {
    let problems: Vec<(String, String)> = typed
        .as_ref()
        .map(|t| {
            t.problems
                .iter()
                .map(|(field, text)| {
                    (format!("{}{}", t.form, if field.is_empty() { "form" } else { field }), text.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let viewer = match session::person(pages, session.link.person)? {
        Ok(p) => p,
        Err(r) => return Ok(refused(pages, &r, Language::Da)),
    };
    let lang = viewer.language;
    let read_only = owner.is_some();
    let person = match owner {
        None => viewer.clone(),
        Some(id) => match session::owner_list_for(pages, &viewer, id)? {
            Ok(p) => p,
            Err(r) => return Ok(refused(pages, &r, lang)),
        },
    };
    let t: &Texts = texts::texts(lang);
    let today = pages.store.today();
    let csrf = pages.settings.keys.form_token(&session.token);
    let mut systems = Vec::new();
    for system in systems_of(pages, &person)? {
        let mut duties: Vec<_> = pages
            .store
            .list_obligations(system.id)?
            .into_iter()
            .filter_map(|o| o.next_due_on.map(|due| (due, o)))
            .collect();
        duties.sort_by_key(|(due, o)| (*due, o.kind.as_str()));
        let first_due = duties.iter().map(|(due, _)| *due).find(|due| (*due - today).num_days() <= OPEN_DAYS);
        let mut shown = Vec::new();
        let mut later = Vec::new();
        for (due, o) in duties {
            let subject = o.subject.clone().unwrap_or_default();
            let title = duty_title(pages, system.id, o.kind, &subject, lang)?;
            if (due - today).num_days() > OPEN_DAYS {
                later.push(Later { title, due: texts::date(due, lang) });
                continue;
            }
            let key = DutyKey { system: system.id, kind: o.kind, subject: subject.clone() };
            let id = form_id(system.id, o.kind, &subject);
            let mine = typed.take_if(|x| x.form == id).map(|x| (x.posted, x.problems));
            let open = mine.is_some();
            let action = if subject.is_empty() {
                format!("/mine-opgaver/opgave/{}/{}", key.system, key.kind)
            } else {
                format!("/mine-opgaver/opgave/{}/{}/{}", key.system, key.kind, subject)
            };
            let form = (o.kind.done_elsewhere(lang).is_none() && !read_only)
                .then(|| new_form(Place { action, csrf: csrf.clone(), id }, o.kind, due, today, lang, mine));
            shown.push(MineDuty {
                title,
                done_means: o.kind.done_means(lang),
                due: texts::date(due, lang),
                when: texts::when(due, today, lang),
                late: due < today,
                open,
                form,
                done_elsewhere: o.kind.done_elsewhere(lang),
            });
        }
        let mut exit = Vec::new();
        if system.lifecycle_state == LifecycleState::Decommissioning {
            for step in pages.store.exit_checklist(system.id)?.into_iter().filter(|s| s.status == ExitStepStatus::Open)
            {
                let id = format!("x-{}-{}-", system.id, step.step);
                let mine = typed.take_if(|x| x.form == id).map(|x| (x.posted, x.problems));
                let open = mine.is_some();
                let (values, problems) = match mine {
                    Some((posted, problems)) => (posted.0, problems),
                    None => (std::iter::once(("done_on".to_owned(), today.to_string())).collect(), Problems::new()),
                };
                exit.push(MineStep {
                    title: texts::exit_step(step.step, lang),
                    open,
                    form: FormView {
                        action: format!("/mine-opgaver/afvikling/{}/{}", system.id, step.step),
                        csrf: csrf.clone(),
                        id,
                        kind: "exit",
                        has_result: false,
                        cycle: String::new(),
                        methods: Vec::new(),
                        values,
                        problems,
                    },
                });
            }
        }
        if shown.is_empty() && exit.is_empty() && later.is_empty() {
            continue;
        }
        systems.push(MineSystem {
            first_due: first_due.or_else(|| (!exit.is_empty()).then_some(today)),
            anchor: anchor(system.id),
            name: system.name.clone(),
            role: if read_only { String::new() } else { duty::role_line(pages, &system, &person, t)? },
            duties: shown,
            later,
            exit,
        });
    }
    systems.sort_by(|a, b| match (a.first_due, b.first_due) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    let status = if systems.iter().any(|s| s.duties.iter().any(|d| d.open) || s.exit.iter().any(|x| x.open)) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let saved = saved.map(|what| {
        if what == "fejlet" {
            return match lang {
                Language::Da => "Registreret: testen fejlede. Den skal gentages og bestås; den står stadig på listen med sin nye frist.".to_owned(),
                Language::En => "Recorded: the test failed. It must be repeated and passed; it is still on the list with its new due date.".to_owned(),
            };
        }
        // An exit step says how it was recorded: done, or not applicable.
        if let Some((step, status)) = what.split_once('.')
            && let (Ok(step), Ok(status)) = (step.parse::<ExitStepKind>(), status.parse::<ExitStepStatus>())
        {
            let how = match (status, lang) {
                (ExitStepStatus::NotApplicable, Language::Da) => "ikke relevant",
                (ExitStepStatus::NotApplicable, Language::En) => "not applicable",
                (_, Language::Da) => "udført",
                (_, Language::En) => "done",
            };
            return format!("{} {} ({how})", t.saved, texts::exit_step(step, lang));
        }
        let words = what.parse::<systemejer_domain::obligations::ObligationKind>().map(|k| k.title(lang)).unwrap_or_default();
        format!("{} {words}", t.saved)
    });
    let (heading, intro) = if read_only {
        let manager = match person.manager_id.map(|m| pages.store.get_person(m)) {
            Some(Ok(m)) => Some(m.name),
            Some(Err(StoreError::NotFound { .. })) | None => None,
            Some(Err(e)) => return Err(e),
        };
        let as_manager = person.manager_id == Some(viewer.id) && !session::is_coordinator(pages, &viewer);
        let (da, en) = (lang == Language::Da, lang == Language::En);
        let mut intro = match (as_manager, da) {
            (true, true) => "Du ser listen som leder for systemejeren".to_owned(),
            (false, true) => "Du ser listen som informationssikkerhedskoordinator".to_owned(),
            (true, false) => "You see the list as the owner's manager".to_owned(),
            (false, false) => "You see the list as information security coordinator".to_owned(),
        };
        intro.push_str(if da {
            "; kun systemejeren og systemforvalterne kan registrere opgaverne."
        } else {
            "; only the owner and the delegates can record the duties."
        });
        if !person.active {
            intro.push_str(if da {
                " Systemejeren er ikke længere aktiv: systemerne mangler en ny ejer."
            } else {
                " The owner is no longer active: the systems need a new owner."
            });
        }
        if let Some(m) = manager.filter(|_| !as_manager) {
            intro.push_str(&if en {
                format!(" The owner's manager is {m}.")
            } else {
                format!(" Systemejerens leder er {m}.")
            });
        }
        (if da { format!("Opgaver for {}", person.name) } else { format!("Duties of {}", person.name) }, intro)
    } else {
        (t.my_duties.to_owned(), t.my_duties_intro.to_owned())
    };
    let body = MinePage {
        f: Frame::new(pages, lang, Some(viewer.name.clone())),
        heading,
        intro,
        read_only,
        systems,
        saved,
        problems,
    }
    .render()
    .unwrap_or_default();
    Ok(Reply::Page(status, body))
}
