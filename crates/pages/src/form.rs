//! A duty's form: the fields the API takes for that kind of duty, read from what the browser
//! posted, with every problem named at its field in the reader's language and what was typed
//! kept for the form shown again.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use systemejer_domain::exit::{ExitStepStatus, ExitStepUpdate};
use systemejer_domain::gdpr::SupervisionMethod;
use systemejer_domain::obligations::{CompletionResult, Evidence, NewCompletion, ObligationKind};
use systemejer_domain::{Language, Prose, RecordId, Violation, WebUrl};

/// What the browser posted, field by field (the last value of a repeated field wins).
#[derive(Debug, Clone, Default)]
pub struct Posted(pub HashMap<String, String>);

impl Posted {
    /// Reads an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        Self(pairs.into_iter().collect())
    }

    /// A field's value, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |v| v.trim())
    }
}

/// Problems, by field (`""`: the form as a whole), in the reader's language.
pub type Problems = BTreeMap<String, String>;

/// A day as a person types it: `YYYY-MM-DD` (what a date field sends) or `DD.MM.YYYY`, in the
/// register's years.
fn date(raw: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(raw, "%d.%m.%Y").ok())
        .filter(|d| systemejer_domain::values::YEARS.contains(&d.year()))
}

fn say(lang: Language, da: &str, en: &str) -> String {
    match lang {
        Language::Da => da.to_owned(),
        Language::En => en.to_owned(),
    }
}

/// Reads the day a risk measure was put in place: a day not in the future.
pub fn implemented_on(posted: &Posted, lang: Language) -> Result<NaiveDate, Problems> {
    let problem = |text: String| Problems::from([("done_on".to_owned(), text)]);
    match posted.get("done_on") {
        "" => Err(problem(say(
            lang,
            "Skriv datoen, foranstaltningen blev gennemført.",
            "Enter the day the measure was put in place.",
        ))),
        raw => date(raw).ok_or_else(|| {
            problem(say(
                lang,
                "Skriv datoen som år-måned-dag, for eksempel 2026-12-01.",
                "Enter the date as year-month-day, for example 2026-12-01.",
            ))
        }),
    }
}

/// Reads the completion of `kind` (of the agreement `subject`, for a supervision) that was
/// posted, or every problem with it.
pub fn completion(
    kind: ObligationKind,
    subject: Option<RecordId>,
    posted: &Posted,
    lang: Language,
) -> Result<NewCompletion, Problems> {
    let mut problems = Problems::new();
    let done_on = match posted.get("done_on") {
        "" => {
            problems.insert(
                "done_on".into(),
                say(lang, "Skriv datoen, opgaven blev udført.", "Enter the date the duty was done."),
            );
            None
        }
        raw => date(raw).or_else(|| {
            problems.insert(
                "done_on".into(),
                say(
                    lang,
                    "Skriv datoen som år-måned-dag, for eksempel 2026-12-01.",
                    "Enter the date as year-month-day, for example 2026-12-01.",
                ),
            );
            None
        }),
    };
    let result = if kind.reports_a_result() {
        match posted.get("result") {
            "passed" => Some(CompletionResult::Passed),
            "failed" => Some(CompletionResult::Failed),
            _ => {
                problems.insert(
                    "result".into(),
                    say(lang, "Vælg, om testen bestod eller fejlede.", "Choose whether the test passed or failed."),
                );
                None
            }
        }
    } else {
        Some(CompletionResult::Passed)
    };
    let mut count = |field: &str, da: &str, en: &str| {
        let n = posted.get(field).parse::<u32>().ok();
        if n.is_none() {
            problems.insert(field.into(), say(lang, da, en));
        }
        n
    };
    let evidence = match kind {
        ObligationKind::AccessReview => {
            let reviewed = count(
                "accounts_reviewed",
                "Skriv antallet af gennemgåede konti som et helt tal.",
                "Enter the number of accounts reviewed as a whole number.",
            );
            let removed = count(
                "accounts_removed",
                "Skriv antallet af fjernede konti som et helt tal (0, hvis ingen).",
                "Enter the number of accounts removed as a whole number (0 if none).",
            );
            reviewed.zip(removed).map(|(accounts_reviewed, accounts_removed)| Evidence::AccessReview {
                accounts_reviewed,
                accounts_removed,
            })
        }
        ObligationKind::BackupTest => {
            let minutes = count(
                "restore_minutes",
                "Skriv, hvor mange minutter gendannelsen tog, som et helt tal.",
                "Enter how many minutes the restore took as a whole number.",
            );
            let restored = prose(posted, "restored", lang, &mut problems, true);
            minutes.zip(restored).map(|(restore_minutes, restored)| Evidence::BackupTest { restore_minutes, restored })
        }
        ObligationKind::PatchReview => {
            let version_in_use = prose(posted, "version_in_use", lang, &mut problems, true);
            let last_updated_on = date(posted.get("last_updated_on"));
            if last_updated_on.is_none() {
                problems.insert(
                    "last_updated_on".into(),
                    say(
                        lang,
                        "Skriv datoen for seneste opdatering som år-måned-dag, for eksempel 2026-11-15.",
                        "Enter the date of the last update as year-month-day, for example 2026-11-15.",
                    ),
                );
            }
            version_in_use
                .zip(last_updated_on)
                .map(|(version_in_use, last_updated_on)| Evidence::PatchReview { version_in_use, last_updated_on })
        }
        ObligationKind::ProcessorSupervision => {
            let method = posted.get("report_kind").parse::<SupervisionMethod>().map_err(|_| {
                problems.insert(
                    "report_kind".into(),
                    say(lang, "Vælg formen for tilsyn.", "Choose the kind of supervision."),
                );
            });
            let conclusion = prose(posted, "conclusion", lang, &mut problems, true);
            method
                .ok()
                .zip(conclusion)
                .map(|(report_kind, conclusion)| Evidence::Supervision { report_kind, conclusion })
        }
        _ => None,
    };
    let notes = prose(posted, "notes", lang, &mut problems, false);
    let document_url = match posted.get("document_url") {
        "" => None,
        raw => WebUrl::parse(raw)
            .map_err(|_| {
                problems.insert(
                    "document_url".into(),
                    say(
                        lang,
                        "Skriv en fuld adresse, der begynder med https:// eller http://",
                        "Enter a full address that begins with https:// or http://",
                    ),
                );
            })
            .ok(),
    };
    match (done_on, result) {
        (Some(done_on), Some(result)) if problems.is_empty() => {
            Ok(NewCompletion { done_on, result, subject, evidence, notes, document_url })
        }
        _ => Err(problems),
    }
}

/// Free text: required or not, at most 10 000 characters, no control characters.
fn prose(posted: &Posted, field: &str, lang: Language, problems: &mut Problems, required: bool) -> Option<Prose> {
    let raw = posted.get(field);
    if raw.is_empty() {
        if required {
            problems.insert(field.into(), say(lang, "Skal udfyldes.", "Required."));
        }
        return None;
    }
    Prose::parse(raw)
        .map_err(|e| {
            let text = match e.rule {
                "max_length" => say(
                    lang,
                    "Teksten er for lang (højst 10.000 tegn).",
                    "The text is too long (at most 10,000 characters).",
                ),
                _ => say(
                    lang,
                    "Teksten indeholder tegn, der ikke kan gemmes.",
                    "The text contains characters that cannot be stored.",
                ),
            };
            problems.insert(field.into(), text);
        })
        .ok()
}

/// An exit step's update: done (with its date) or not applicable (with a reason).
pub fn exit_step(posted: &Posted, lang: Language) -> Result<ExitStepUpdate, Problems> {
    let mut problems = Problems::new();
    let status = match posted.get("status") {
        "done" => Some(ExitStepStatus::Done),
        "not_applicable" => Some(ExitStepStatus::NotApplicable),
        _ => {
            problems.insert(
                "status".into(),
                say(
                    lang,
                    "Vælg, om trinnet er udført eller ikke relevant.",
                    "Choose whether the step is done or does not apply.",
                ),
            );
            None
        }
    };
    let done_on = match (status, posted.get("done_on")) {
        (Some(ExitStepStatus::Done), "") => {
            problems.insert(
                "done_on".into(),
                say(lang, "Skriv datoen, trinnet blev udført.", "Enter the date the step was done."),
            );
            None
        }
        (Some(ExitStepStatus::Done), raw) => date(raw).or_else(|| {
            problems.insert(
                "done_on".into(),
                say(
                    lang,
                    "Skriv datoen som år-måned-dag, for eksempel 2026-12-01.",
                    "Enter the date as year-month-day, for example 2026-12-01.",
                ),
            );
            None
        }),
        _ => None,
    };
    let note = prose(posted, "note", lang, &mut problems, false);
    let reason = prose(posted, "reason", lang, &mut problems, status == Some(ExitStepStatus::NotApplicable));
    match status {
        Some(status) if problems.is_empty() => Ok(ExitStepUpdate { status, done_on, note, reason }),
        _ => Err(problems),
    }
}

/// The store's refusals, at the form's fields, in the reader's language.
pub fn violations(list: &[Violation], lang: Language) -> Problems {
    list.iter()
        .map(|v| {
            let field = v.field.strip_prefix("evidence.").unwrap_or(&v.field);
            let text = match (field, v.rule.as_str()) {
                ("done_on", "not_in_future") => {
                    say(lang, "Datoen kan ikke ligge i fremtiden.", "The date cannot be in the future.")
                }
                ("accounts_removed", "at_most_reviewed") => say(
                    lang,
                    "Der kan ikke være fjernet flere konti, end der blev gennemgået.",
                    "No more accounts can be removed than were reviewed.",
                ),
                ("last_updated_on", "not_after_done_on") => say(
                    lang,
                    "Den seneste opdatering kan ikke ligge efter datoen for udførelse.",
                    "The last update cannot come after the date the duty was done.",
                ),
                ("status", "archive_required") => say(
                    lang,
                    "Systemets data skal bevares: aflevering til arkiv er altid relevant.",
                    "The system's data must be preserved: delivering it to the archive always applies.",
                ),
                ("status", "archive_before_deletion") => say(
                    lang,
                    "Data skal afleveres til arkivet, før leverandøren sletter dem. Registrér først afleveringen.",
                    "The data must be delivered to the archive before the vendor deletes it. Record the delivery first.",
                ),
                (_, "required") => say(lang, "Skal udfyldes.", "Required."),
                (_, "not_in_future") => say(lang, "Datoen kan ikke ligge i fremtiden.", "The date cannot be in the future."),
                _ => say(
                    lang,
                    &format!("Det kan ikke registreres: {}", systemejer_domain::danish::violation(v)),
                    &format!("It cannot be recorded: {}", v.message),
                ),
            };
            let field =
                if ["done_on", "accounts_removed", "accounts_reviewed", "last_updated_on", "reason", "note", "status"].contains(&field) {
                    field.to_owned()
                } else {
                    String::new()
                };
            (field, text)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn an_access_review_takes_its_counts() {
        let p = posted(&[
            ("done_on", "2026-11-30"),
            ("accounts_reviewed", "40"),
            ("accounts_removed", "3"),
            ("notes", " "),
        ]);
        let c = completion(ObligationKind::AccessReview, None, &p, Language::Da).unwrap();
        assert_eq!(c.done_on, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(c.result, CompletionResult::Passed);
        assert_eq!(c.evidence, Some(Evidence::AccessReview { accounts_reviewed: 40, accounts_removed: 3 }));
        assert!(c.notes.is_none());
    }

    #[test]
    fn every_problem_is_named_at_its_field_in_danish() {
        let p = posted(&[("done_on", "i går"), ("restore_minutes", "lidt"), ("document_url", "intranet")]);
        let problems = completion(ObligationKind::BackupTest, None, &p, Language::Da).unwrap_err();
        let fields: Vec<&str> = problems.keys().map(String::as_str).collect();
        assert_eq!(fields, ["document_url", "done_on", "restore_minutes", "restored", "result"]);
        assert!(problems["done_on"].contains("år-måned-dag"), "{problems:?}");
    }

    #[test]
    fn a_step_that_does_not_apply_needs_a_reason() {
        let problems = exit_step(&posted(&[("status", "not_applicable")]), Language::Da).unwrap_err();
        assert_eq!(problems.keys().collect::<Vec<_>>(), ["reason"]);
        let update = exit_step(&posted(&[("status", "done"), ("done_on", "1.12.2026")]), Language::Da).unwrap();
        assert_eq!(update.done_on, NaiveDate::from_ymd_opt(2026, 12, 1));
    }
}
