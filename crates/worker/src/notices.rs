//! Two notices beside the reminders: a test that failed is told at once to the system's owner
//! and the coordinator (each failure to each once); a decommissioning system's open exit steps
//! are told to its owner once a week until they are done.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use systemejer_domain::Language;
use systemejer_domain::reminders::Addressee;
use systemejer_links::{Link, LinkTarget, duty_link_expiry};
use systemejer_mail::{ExitStepsNotice, FailedResultNotice, MailError, OpenSteps};
use systemejer_store::{FailedResult, MessageKind, NewMessage, OpenExitSteps, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, lang, new_message};
use crate::settings::WorkerSettings;

/// How far back the failures told are looked for: a worker down for less than this loses none.
const FAILURES_LOOKBACK_DAYS: i64 = 7;

fn greeting(to: &Addressee) -> String {
    to.name.clone().unwrap_or_else(|| match to.language {
        Language::Da => "informationssikkerhedskoordinator".into(),
        Language::En => "information security coordinator".into(),
    })
}

/// One failure told to one recipient.
#[derive(Debug, Clone)]
pub struct FailureItem {
    key: String,
    failure: FailedResult,
}

/// The notices of failed tests.
pub(crate) struct FailedResults;

impl Pass for FailedResults {
    const KIND: PassKind = PassKind::FailedResults;
    type Item = FailureItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        _today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<FailureItem>, StoreError> {
        let failures = store.failed_results(now - Duration::days(FAILURES_LOOKBACK_DAYS))?;
        let mut letters = Vec::new();
        for failure in &failures {
            let owner = failure.owner.as_deref().filter(|o| o.active).map(Addressee::from);
            for to in owner.into_iter().chain(settings.coordinator()) {
                let key = format!("failed/{}/{}", failure.completion.id, to.email);
                letters.push(Letter { to, items: vec![FailureItem { key, failure: failure.clone() }] });
            }
        }
        Ok(Planned { found: failures.len(), letters })
    }

    fn key(item: &FailureItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[FailureItem],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        let item = items.first().ok_or_else(|| MailError::Render("a notice with nothing to tell".into()))?;
        let f = &item.failure;
        let c = &f.completion;
        let is_owner = to.person.is_some() && to.person == f.owner.as_ref().map(|o| o.id);
        let link = match (to.person, f.due_on) {
            (Some(person), Some(due_on)) if is_owner => {
                let link = Link {
                    person,
                    target: LinkTarget::Duty {
                        system: c.system_id,
                        kind: c.kind,
                        subject: c.subject.clone().unwrap_or_default(),
                        due_on,
                    },
                    expires_at: duty_link_expiry(now, None, settings.link_max_days),
                };
                Some(settings.url_of(&link))
            }
            _ => None,
        };
        let rendered = systemejer_mail::render_failed_result(&FailedResultNotice {
            name: greeting(to),
            lang: lang(to.language),
            system: f.system.name.clone(),
            duty: c.kind.title(to.language).to_owned(),
            done_on: c.done_on,
            recorded_by: f.recorded_by_name.clone().unwrap_or_else(|| c.recorded_by.clone()),
            notes: c.notes.clone(),
            due_on: f.due_on,
            overdue: f.due_on.is_some_and(|d| d < now.with_timezone(&settings.timezone).date_naive()),
            owner: (!is_owner).then(|| f.owner.as_ref().map(|o| o.name.clone())).flatten(),
            link,
            // Not to the coordinator: "write to the coordinator" to the coordinator.
            contact: settings.coordinator_email.clone().filter(|_| is_owner),
        })?;
        let items = serde_json::json!([{"completion_id": c.id, "system_id": c.system_id, "kind": c.kind, "done_on": c.done_on}]);
        Ok(new_message(MessageKind::FailedResult, to, rendered, items, vec![c.system_id]))
    }
}

/// One system's open steps told to one recipient in one week.
#[derive(Debug, Clone)]
pub struct StepsItem {
    key: String,
    open: OpenExitSteps,
}

/// The weekly reminders of open exit steps.
pub(crate) struct ExitStepsReminder;

impl Pass for ExitStepsReminder {
    const KIND: PassKind = PassKind::ExitSteps;
    type Item = StepsItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        today: NaiveDate,
        _now: DateTime<Utc>,
    ) -> Result<Planned<StepsItem>, StoreError> {
        // A reminder: on a working day of the week only.
        if !settings.calendar.is_working_day(today) {
            return Ok(Planned { found: 0, letters: Vec::new() });
        }
        let open = store.open_exit_steps()?;
        let week = today.iso_week();
        let mut by_recipient: BTreeMap<String, Letter<StepsItem>> = BTreeMap::new();
        for system in &open {
            // The owner; a system with no active owner is the coordinator's to see to.
            let to =
                system.owner.as_deref().filter(|o| o.active).map(Addressee::from).or_else(|| settings.coordinator());
            let Some(to) = to else { continue };
            let key = format!("exit/{}/{}-W{:02}/{}", system.system.id, week.year(), week.week(), to.email);
            by_recipient
                .entry(to.email.clone())
                .or_insert_with(|| Letter { to, items: Vec::new() })
                .items
                .push(StepsItem { key, open: system.clone() });
        }
        Ok(Planned { found: open.len(), letters: by_recipient.into_values().collect() })
    }

    fn key(item: &StepsItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[StepsItem],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        let link = to.person.map(|person| settings.list_url(person, LinkTarget::MyDuties, now));
        let rendered = systemejer_mail::render_exit_steps(&ExitStepsNotice {
            name: greeting(to),
            lang: lang(to.language),
            systems: items
                .iter()
                .map(|i| OpenSteps {
                    system: i.open.system.name.clone(),
                    steps: i.open.steps.iter().map(|s| s.title(to.language).to_owned()).collect(),
                })
                .collect(),
            for_coordinator: settings.coordinator_email.as_deref() == Some(to.email.as_str()),
            link: link.filter(|_| settings.coordinator_email.as_deref() != Some(to.email.as_str())),
            contact: settings.coordinator_email.clone().filter(|c| *c != to.email),
        })?;
        let listed = serde_json::json!(
            items
                .iter()
                .map(|i| serde_json::json!({"system_id": i.open.system.id, "steps": i.open.steps}))
                .collect::<Vec<_>>()
        );
        let systems = items.iter().map(|i| i.open.system.id).collect();
        Ok(new_message(MessageKind::ExitSteps, to, rendered, listed, systems))
    }
}
