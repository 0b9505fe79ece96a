//! Security incidents followed up: each incident recorded that is not a personal data breach
//! is told to the information security coordinator (each once; a breach reaches them with its
//! alerts), and an incident still open a week after its discovery is
//! reminded to the owners of the systems it touched once every ISO week, until it is closed
//! with its cause and the measures taken.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use systemejer_domain::Language;
use systemejer_domain::reminders::Addressee;
use systemejer_mail::{IncidentNotice, IncidentSummary, MailError};
use systemejer_store::{MessageKind, NewMessage, OpenIncident, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, lang, new_message};
use crate::settings::WorkerSettings;

/// How far back the incidents told to the coordinator are looked for: a worker down for less
/// than this loses none.
const RECORDED_LOOKBACK_DAYS: i64 = 7;

/// How long after its discovery an open incident is first reminded of.
const FOLLOW_UP_AFTER_DAYS: i64 = 7;

/// One incident told to one recipient (once, or once a week).
#[derive(Debug, Clone)]
pub struct IncidentItem {
    key: String,
    open: OpenIncident,
    /// Told to the coordinator because no owner of its systems is active.
    for_coordinator: bool,
}

/// The notice of `items` to `to`.
fn render(
    to: &Addressee,
    items: &[IncidentItem],
    recorded: bool,
    settings: &WorkerSettings,
) -> Result<NewMessage, MailError> {
    // The coordinator stands in for the owners only where the letter says so: a coordinator
    // who owns a system is told as its owner.
    let for_coordinator = !recorded && items.iter().all(|i| i.for_coordinator);
    let da = to.language == Language::Da;
    let incidents = items
        .iter()
        .map(|item| {
            let i = &item.open.incident;
            // Everything closing takes (`IncidentChanges::apply`), in the reader's words.
            let mut missing = Vec::new();
            if i.awaits_decision() {
                missing.push(
                    if da {
                        "anmeldelsen til Datatilsynet eller beslutningen om ikke at anmelde"
                    } else {
                        "the report to Datatilsynet or the decision not to report"
                    }
                    .to_owned(),
                );
            }
            if i.personal_data_breach && i.risk_level.is_none() {
                missing.push(
                    if da {
                        "vurderingen af risikoen for de registrerede"
                    } else {
                        "the assessment of the risk to the data subjects"
                    }
                    .to_owned(),
                );
            } else if !i.art_34_undecided().is_empty() {
                missing.push(
                    if da {
                        "hvornår og hvordan de registrerede blev underrettet, eller hvorfor ikke (art. 34)"
                    } else {
                        "when and how the data subjects were told, or why not (art. 34)"
                    }
                    .to_owned(),
                );
            }
            if i.cause.is_none() {
                missing.push(if da { "årsagen" } else { "the cause" }.to_owned());
            }
            if i.measures.is_none() {
                missing.push(if da { "de trufne foranstaltninger" } else { "the measures taken" }.to_owned());
            }
            IncidentSummary {
                systems: item.open.systems.iter().map(|(name, _)| name.clone()).collect(),
                discovered_on: i.discovered_at.with_timezone(&settings.timezone).date_naive(),
                description: i.description.clone(),
                breach: i.personal_data_breach,
                recorded_by: i.recorded_by.clone(),
                missing,
                reference: format!("{}/api/v1/incidents/{}", settings.public_url, i.id),
            }
        })
        .collect();
    let rendered = systemejer_mail::render_incident_notice(&IncidentNotice {
        name: to.name.clone().unwrap_or_else(|| {
            if da { "informationssikkerhedskoordinator" } else { "information security coordinator" }.into()
        }),
        lang: lang(to.language),
        recorded,
        incidents,
        for_coordinator,
        contact: settings.coordinator_email.clone().filter(|c| *c != to.email),
    })?;
    let listed = serde_json::json!(
        items
            .iter()
            .map(|i| serde_json::json!({"incident_id": i.open.incident.id, "status": i.open.incident.status}))
            .collect::<Vec<_>>()
    );
    let mut systems: Vec<_> = items.iter().flat_map(|i| i.open.incident.system_ids.iter().copied()).collect();
    systems.sort();
    systems.dedup();
    let kind = if recorded { MessageKind::IncidentRecorded } else { MessageKind::IncidentFollowUp };
    Ok(new_message(kind, to, rendered, listed, systems))
}

/// The coordinator told of each incident recorded.
pub(crate) struct IncidentNotices;

impl Pass for IncidentNotices {
    const KIND: PassKind = PassKind::IncidentNotices;
    type Item = IncidentItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        _today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<IncidentItem>, StoreError> {
        // A personal data breach reaches the coordinator with its alerts (the breach watch).
        let recorded: Vec<OpenIncident> = store
            .incidents_recorded_since(now - Duration::days(RECORDED_LOOKBACK_DAYS))?
            .into_iter()
            .filter(|o| !o.incident.personal_data_breach)
            .collect();
        let letters = settings
            .coordinator()
            .map(|to| {
                recorded
                    .iter()
                    .map(|open| Letter {
                        items: vec![IncidentItem {
                            key: format!("incident/{}/recorded/{}", open.incident.id, to.email),
                            open: open.clone(),
                            for_coordinator: true,
                        }],
                        to: to.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Planned { found: recorded.len(), letters })
    }

    fn key(item: &IncidentItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[IncidentItem],
        settings: &WorkerSettings,
        _now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        render(to, items, true, settings)
    }
}

/// The weekly reminders of open incidents.
pub(crate) struct IncidentFollowUp;

impl Pass for IncidentFollowUp {
    const KIND: PassKind = PassKind::IncidentFollowUp;
    type Item = IncidentItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<IncidentItem>, StoreError> {
        // A reminder: on a working day of the week only.
        if !settings.calendar.is_working_day(today) {
            return Ok(Planned { found: 0, letters: Vec::new() });
        }
        let open: Vec<OpenIncident> = store
            .open_incidents()?
            .into_iter()
            .filter(|o| o.incident.discovered_at <= now - Duration::days(FOLLOW_UP_AFTER_DAYS))
            .collect();
        let week = today.iso_week();
        let mut by_recipient: BTreeMap<String, Letter<IncidentItem>> = BTreeMap::new();
        for incident in &open {
            // The owners of the systems it touched; where none is active, the coordinator.
            let mut to: Vec<Addressee> = incident
                .systems
                .iter()
                .filter_map(|(_, owner)| owner.as_ref().filter(|o| o.active).map(Addressee::from))
                .collect();
            let for_coordinator = to.is_empty();
            if for_coordinator {
                to.extend(settings.coordinator());
            }
            to.sort();
            to.dedup_by(|a, b| a.email == b.email);
            for addressee in to {
                let key = format!(
                    "incident/{}/{}-W{:02}/{}",
                    incident.incident.id,
                    week.year(),
                    week.week(),
                    addressee.email
                );
                by_recipient
                    .entry(addressee.email.clone())
                    .or_insert_with(|| Letter { to: addressee, items: Vec::new() })
                    .items
                    .push(IncidentItem { key, open: incident.clone(), for_coordinator });
            }
        }
        Ok(Planned { found: open.len(), letters: by_recipient.into_values().collect() })
    }

    fn key(item: &IncidentItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[IncidentItem],
        settings: &WorkerSettings,
        _now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        render(to, items, false, settings)
    }
}
