//! What the pages say, in Danish (the default) and English: one struct per language, so a
//! template names a text once and both languages are checked by the compiler.

use systemejer_domain::Language;
use systemejer_domain::exit::ExitStepKind;
use systemejer_domain::gdpr::SupervisionMethod;

/// The pages' words in one language.
pub struct Texts {
    pub lang: &'static str,
    pub service: &'static str,
    pub skip: &'static str,
    pub footer: &'static str,
    pub contact: &'static str,
    pub system: &'static str,
    pub duty: &'static str,
    pub due: &'static str,
    pub done_means: &'static str,
    pub role_owner: &'static str,
    pub role_delegate: &'static str,
    pub owner_is: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub done_on: &'static str,
    pub result: &'static str,
    pub recorded_by: &'static str,
    pub passed: &'static str,
    pub failed: &'static str,
    pub record_title: &'static str,
    pub field_done_on: &'static str,
    pub hint_done_on: &'static str,
    pub field_result: &'static str,
    pub field_reviewed: &'static str,
    pub field_removed: &'static str,
    pub field_restore_minutes: &'static str,
    pub field_restored: &'static str,
    pub field_version_in_use: &'static str,
    pub field_last_updated_on: &'static str,
    pub field_report_kind: &'static str,
    pub field_conclusion: &'static str,
    pub field_notes: &'static str,
    pub field_document: &'static str,
    pub hint_document: &'static str,
    pub optional: &'static str,
    pub submit: &'static str,
    pub errors_title: &'static str,
    pub recorded_title: &'static str,
    pub recorded_text: &'static str,
    pub next_due: &'static str,
    pub reminders_stop: &'static str,
    pub no_next_due: &'static str,
    pub my_duties: &'static str,
    pub my_duties_intro: &'static str,
    pub my_duties_none: &'static str,
    pub open_form: &'static str,
    pub later_title: &'static str,
    pub exit_title: &'static str,
    pub exit_intro: &'static str,
    pub exit_done: &'static str,
    pub exit_not_applicable: &'static str,
    pub field_note: &'static str,
    pub field_reason: &'static str,
    pub hint_reason: &'static str,
    pub exit_submit: &'static str,
    pub saved: &'static str,
    pub continue_text: &'static str,
    pub continue_link: &'static str,
}

/// Danish.
pub const DA: Texts = Texts {
    lang: "da",
    service: "Systemejer-registret",
    skip: "Gå til indholdet",
    footer: "Siden er åbnet fra et personligt link i en mail fra systemejer-registret. Del ikke linket.",
    contact: "Spørgsmål? Skriv til informationssikkerhedskoordinatoren:",
    system: "System",
    duty: "Opgave",
    due: "Frist",
    done_means: "Løst betyder",
    role_owner: "Du er systemejer.",
    role_delegate: "Du er systemforvalter.",
    owner_is: "Systemejer er",
    history: "Seneste registreringer",
    no_history: "Opgaven er ikke registreret før.",
    done_on: "Udført",
    result: "Resultat",
    recorded_by: "Registreret af",
    passed: "Bestået",
    failed: "Fejlet",
    record_title: "Registrér opgaven",
    field_done_on: "Dato for udførelse",
    hint_done_on: "Datoen må ikke ligge i fremtiden.",
    field_result: "Resultat",
    field_reviewed: "Antal gennemgåede brugerkonti",
    field_removed: "Antal fjernede brugerkonti",
    field_restore_minutes: "Gendannelsen tog (minutter)",
    field_restored: "Hvad blev gendannet",
    field_version_in_use: "Version i drift",
    field_last_updated_on: "Dato for seneste opdatering",
    field_report_kind: "Form for tilsyn",
    field_conclusion: "Konklusion",
    field_notes: "Bemærkninger",
    field_document: "Link til dokumentation",
    hint_document: "En fuld adresse, for eksempel https://intranet.kommune.dk/dokument",
    optional: "(valgfri)",
    submit: "Registrér",
    errors_title: "Der er noget, der skal rettes",
    recorded_title: "Opgaven er registreret",
    recorded_text: "Registreret af",
    next_due: "Næste frist",
    reminders_stop: "Påmindelserne om denne frist stopper.",
    no_next_due: "Opgaven er løst og skal ikke gentages.",
    my_duties: "Mine opgaver",
    my_duties_intro: "Alle åbne opgaver for de systemer, du er systemejer eller systemforvalter for, med den nærmeste frist først. En opgave er åben, når fristen er overskredet eller ligger inden for 60 dage.",
    my_duties_none: "Du har ingen åbne opgaver lige nu.",
    open_form: "Registrér",
    later_title: "Senere frister",
    exit_title: "Afvikling: åbne trin",
    exit_intro: "Systemet er under afvikling. Disse trin mangler, før det kan lukkes.",
    exit_done: "Udført",
    exit_not_applicable: "Ikke relevant",
    field_note: "Note",
    field_reason: "Begrundelse",
    hint_reason: "Skal udfyldes, når trinnet ikke er relevant.",
    exit_submit: "Gem trin",
    saved: "Registreret:",
    continue_text: "Du sendes videre til siden.",
    continue_link: "Fortsæt til siden",
};

/// English.
pub const EN: Texts = Texts {
    lang: "en",
    service: "The systemejer register",
    skip: "Skip to content",
    footer: "This page was opened from a personal link in a mail from the systemejer register. Do not share the link.",
    contact: "Questions? Write to the information security coordinator:",
    system: "System",
    duty: "Duty",
    due: "Due",
    done_means: "Done means",
    role_owner: "You are the system owner.",
    role_delegate: "You are the system's delegate.",
    owner_is: "The owner is",
    history: "Latest records",
    no_history: "The duty has not been recorded before.",
    done_on: "Done",
    result: "Result",
    recorded_by: "Recorded by",
    passed: "Passed",
    failed: "Failed",
    record_title: "Record the duty",
    field_done_on: "Date done",
    hint_done_on: "It cannot be in the future.",
    field_result: "Result",
    field_reviewed: "User accounts reviewed",
    field_removed: "User accounts removed",
    field_restore_minutes: "The restore took (minutes)",
    field_restored: "What was restored",
    field_version_in_use: "Version in use",
    field_last_updated_on: "Date of the last update",
    field_report_kind: "Kind of supervision",
    field_conclusion: "Conclusion",
    field_notes: "Notes",
    field_document: "Link to documentation",
    hint_document: "A full address, for example https://intranet.kommune.dk/document",
    optional: "(optional)",
    submit: "Record",
    errors_title: "Something needs correcting",
    recorded_title: "The duty is recorded",
    recorded_text: "Recorded by",
    next_due: "Next due",
    reminders_stop: "The reminders for this due date stop.",
    no_next_due: "The duty is done and is not repeated.",
    my_duties: "My duties",
    my_duties_intro: "Every open duty of the systems you own or are a delegate of, the nearest due date first. A duty is open when it is overdue or due within 60 days.",
    my_duties_none: "You have no open duties right now.",
    open_form: "Record",
    later_title: "Later due dates",
    exit_title: "Decommissioning: open steps",
    exit_intro: "The system is being decommissioned. These steps remain before it can be retired.",
    exit_done: "Done",
    exit_not_applicable: "Not applicable",
    field_note: "Note",
    field_reason: "Reason",
    hint_reason: "Required when the step does not apply.",
    exit_submit: "Save step",
    saved: "Recorded:",
    continue_text: "You are being taken to the page.",
    continue_link: "Continue to the page",
};

/// The texts of `lang`.
pub fn texts(lang: Language) -> &'static Texts {
    match lang {
        Language::Da => &DA,
        Language::En => &EN,
    }
}

/// A kind of supervision, in words.
pub fn supervision_method(m: SupervisionMethod, lang: Language) -> &'static str {
    match (m, lang) {
        (SupervisionMethod::Isae3000, _) => "ISAE 3000",
        (SupervisionMethod::Isae3402, _) => "ISAE 3402",
        (SupervisionMethod::Soc2, _) => "SOC 2",
        (SupervisionMethod::OwnInspection, Language::Da) => "Eget tilsyn",
        (SupervisionMethod::OwnInspection, Language::En) => "Own inspection",
        (SupervisionMethod::WrittenStatement, Language::Da) => "Skriftlig erklæring",
        (SupervisionMethod::WrittenStatement, Language::En) => "Written statement",
        (SupervisionMethod::Other, Language::Da) => "Andet",
        (SupervisionMethod::Other, Language::En) => "Other",
    }
}

/// An exit step, in words.
pub fn exit_step(step: ExitStepKind, lang: Language) -> &'static str {
    step.title(lang)
}

/// The mails' language of `lang` (the pages read dates as the mails write them).
fn words(lang: Language) -> systemejer_mail::Lang {
    match lang {
        Language::Da => systemejer_mail::Lang::Da,
        Language::En => systemejer_mail::Lang::En,
    }
}

/// A date as people read it.
pub fn date(d: chrono::NaiveDate, lang: Language) -> String {
    systemejer_mail::date_text(words(lang), d)
}

/// How a due date stands today, in words.
pub fn when(due: chrono::NaiveDate, today: chrono::NaiveDate, lang: Language) -> String {
    systemejer_mail::when_text(words(lang), (due - today).num_days())
}
