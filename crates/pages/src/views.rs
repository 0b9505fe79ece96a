//! The pages' templates (askama, checked when compiled) and what each shows.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use askama::Template;
use systemejer_domain::Language;

use crate::form::Problems;
use crate::session::Refused;
use crate::state::Pages;
use crate::texts::{Texts, texts};

/// What every page shows around its content.
pub struct Frame {
    /// The words.
    pub t: &'static Texts,
    /// Whom to write to.
    pub contact: Option<String>,
    /// Who the page is for, in the header.
    pub who: Option<String>,
}

impl Frame {
    pub fn new(pages: &Pages, lang: Language, who: Option<String>) -> Self {
        Self { t: texts(lang), contact: pages.settings.coordinator_email.clone(), who }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub f: Frame,
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "continue.html")]
pub struct ContinuePage {
    pub f: Frame,
    pub to: String,
}

/// A form for one duty or one exit step: what it posts to, what was typed, what is wrong.
pub struct FormView {
    /// Where it posts.
    pub action: String,
    /// The session's form token.
    pub csrf: String,
    /// A prefix that makes its fields' ids unique on the page.
    pub id: String,
    /// The duty (`access_review`, ...), or `exit` for an exit step.
    pub kind: &'static str,
    /// Whether it asks for passed or failed.
    pub has_result: bool,
    /// The due date of the cycle it records (the list's forms post it).
    pub cycle: String,
    /// The kinds of supervision to choose from (value, words).
    pub methods: Vec<(&'static str, &'static str)>,
    /// What is in its fields.
    pub values: HashMap<String, String>,
    /// What is wrong, by field.
    pub problems: Problems,
}

impl FormView {
    /// A field's value.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// A field's problem.
    pub fn err(&self, name: &str) -> Option<&str> {
        self.problems.get(name).map(String::as_str)
    }

    /// Whether a choice is the one made.
    pub fn chosen(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// The problems in the order of the form, each with the id of its field.
    pub fn summary(&self) -> Vec<(String, &str)> {
        self.problems
            .iter()
            .map(|(field, text)| {
                (format!("{}{}", self.id, if field.is_empty() { "form" } else { field }), text.as_str())
            })
            .collect()
    }
}

/// The page that says a store failure stopped the page.
pub fn failure_page(pages: &Pages) -> String {
    MessagePage {
        f: Frame::new(pages, Language::Da, None),
        title: "Der opstod en fejl".into(),
        text: "Siden kunne ikke vises lige nu. Prøv igen om lidt. Fortsætter fejlen, så skriv til koordinatoren."
            .into(),
    }
    .render()
    .unwrap_or_default()
}

/// The page that says why a link or a form was refused, and whom to contact.
pub fn refusal(pages: &Pages, why: &Refused, lang: Language) -> (StatusCode, String) {
    let da = lang == Language::Da;
    let (status, title, text) = match why {
        Refused::Tampered => (
            StatusCode::FORBIDDEN,
            if da { "Linket virker ikke" } else { "The link does not work" },
            if da {
                "Linket er ikke gyldigt. Det kan være ændret, skåret af i mailen, eller lavet med en nøgle, der ikke længere bruges. Brug linket i den nyeste mail."
            } else {
                "The link is not valid. It may have been changed, cut short in the mail, or made with a key no longer in use. Use the link in the latest mail."
            },
        ),
        Refused::Expired(_) => (
            StatusCode::GONE,
            if da { "Linket er udløbet" } else { "The link has expired" },
            if da {
                "Linket gælder ikke længere. Du får et nyt link med den næste påmindelse."
            } else {
                "The link no longer holds. The next reminder brings a new one."
            },
        ),
        Refused::NoSession => (
            StatusCode::FORBIDDEN,
            if da { "Åbn siden fra linket i mailen" } else { "Open the page from the link in the mail" },
            if da {
                "Siden kan kun åbnes fra det personlige link i mailen, og den lukker efter en halv time. Intet er registreret. Klik på linket i mailen igen."
            } else {
                "The page opens only from the personal link in the mail, and it closes after half an hour. Nothing was recorded. Click the link in the mail again."
            },
        ),
        Refused::Inactive => (
            StatusCode::FORBIDDEN,
            if da { "Du er ikke længere aktiv i registret" } else { "You are no longer active in the register" },
            if da {
                "Linket er sendt til en person, der ikke længere er aktiv i systemejer-registret. Er det en fejl, så skriv til koordinatoren."
            } else {
                "The link was sent to a person who is no longer active in the systemejer register. If that is wrong, write to the coordinator."
            },
        ),
        Refused::NotResponsible => (
            StatusCode::FORBIDDEN,
            if da { "Du har ikke længere opgaven" } else { "The duty is no longer yours" },
            if da {
                "Du er ikke længere systemejer eller systemforvalter for systemet, så du kan ikke registrere opgaven. Er det en fejl, så skriv til koordinatoren."
            } else {
                "You are no longer the system's owner or a delegate, so you cannot record the duty. If that is wrong, write to the coordinator."
            },
        ),
        Refused::Forged => (
            StatusCode::FORBIDDEN,
            if da { "Formularen kunne ikke godkendes" } else { "The form could not be accepted" },
            if da {
                "Formularen blev ikke sendt fra siden, eller siden er for gammel. Intet er registreret. Åbn linket i mailen igen, og udfyld formularen."
            } else {
                "The form was not sent from the page, or the page is too old. Nothing was recorded. Open the link in the mail again and fill in the form."
            },
        ),
        Refused::NotCoordinator => (
            StatusCode::FORBIDDEN,
            if da { "Listen er ikke din at se" } else { "The list is not yours to see" },
            if da {
                "En systemejers liste kan kun ses af informationssikkerhedskoordinatoren og systemejerens leder. Er det en fejl, så skriv til koordinatoren."
            } else {
                "An owner's list can be seen only by the information security coordinator and the owner's manager. If that is wrong, write to the coordinator."
            },
        ),
        Refused::Gone => (
            StatusCode::GONE,
            if da { "Opgaven gælder ikke længere" } else { "The duty no longer applies" },
            if da {
                "Systemet har ikke længere denne opgave, så der er intet at registrere."
            } else {
                "The system no longer has this duty, so there is nothing to record."
            },
        ),
    };
    let body = MessagePage { f: Frame::new(pages, lang, None), title: title.into(), text: text.into() }
        .render()
        .unwrap_or_default();
    (status, body)
}
