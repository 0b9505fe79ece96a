//! The data protection officer's notices: each time a system that processes personal data goes
//! into use, begins a change or gets a new processor, the DPO is told (each event once), with
//! where to record their advice. A breach reaches the DPO with its own alerts.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use systemejer_domain::Language;
use systemejer_domain::reminders::Addressee;
use systemejer_mail::{DpoItem, DpoNotice, MailError};
use systemejer_store::{DpoEvent, DpoEventKind, MessageKind, NewMessage, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, new_message};
use crate::settings::WorkerSettings;

/// How far back the events are looked for: a worker down for less than this loses none.
const LOOKBACK_DAYS: i64 = 7;

/// One event told to the DPO.
#[derive(Debug, Clone)]
pub struct DpoNoticeItem {
    key: String,
    event: DpoEvent,
}

/// What happened, in a sentence after the system's name.
fn what(event: &DpoEvent, lang: Language) -> String {
    let by = |da: &str, en: &str| match (event.actor.is_empty(), lang) {
        (true, _) => String::new(),
        (false, Language::Da) => format!(" {da} {}", event.actor),
        (false, Language::En) => format!(" {en} {}", event.actor),
    };
    match (&event.kind, lang) {
        (DpoEventKind::WentIntoUse, Language::Da) => format!("er sat i drift{}.", by("af", "by")),
        (DpoEventKind::WentIntoUse, Language::En) => format!("went into use{}.", by("af", "by")),
        (DpoEventKind::ChangeBegan { description, dpia_needed }, Language::Da) => format!(
            "en ændring er begyndt{}: {description}. Systemejeren har svaret, at ændringen {} en ny \
             konsekvensanalyse (DPIA).",
            by("af", "by"),
            if *dpia_needed { "kræver" } else { "ikke kræver" }
        ),
        (DpoEventKind::ChangeBegan { description, dpia_needed }, Language::En) => format!(
            "a change began{}: {description}. The owner answered that it {} a new DPIA.",
            by("af", "by"),
            if *dpia_needed { "needs" } else { "does not need" }
        ),
        (DpoEventKind::NewProcessor { processor }, Language::Da) => {
            format!("har fået en ny databehandler: {processor}.")
        }
        (DpoEventKind::NewProcessor { processor }, Language::En) => format!("got a new processor: {processor}."),
    }
}

/// The DPO's notices.
pub(crate) struct DpoNotices;

impl Pass for DpoNotices {
    const KIND: PassKind = PassKind::DpoNotices;
    type Item = DpoNoticeItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        _today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<DpoNoticeItem>, StoreError> {
        let events = store.dpo_events_since(now - Duration::days(LOOKBACK_DAYS))?;
        let Some(email) = settings.dpo_email.clone().filter(|_| !events.is_empty()) else {
            return Ok(Planned { found: events.len(), letters: Vec::new() });
        };
        // The DPO by name and language, where their address is a person's of the register.
        let person = match systemejer_domain::EmailAddress::parse(&email) {
            Ok(address) => store.find_person_by_email(&address)?.filter(|p| p.active),
            Err(_) => None,
        };
        let to = Addressee {
            person: person.as_ref().map(|p| p.id),
            email: email.clone(),
            name: person.as_ref().map(|p| p.name.clone()),
            language: person.as_ref().map_or(Language::Da, |p| p.language),
        };
        let items = events
            .iter()
            .map(|event| DpoNoticeItem { key: format!("dpo/{}/{email}", event.id), event: event.clone() })
            .collect();
        Ok(Planned { found: events.len(), letters: vec![Letter { to, items }] })
    }

    fn key(item: &DpoNoticeItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[DpoNoticeItem],
        settings: &WorkerSettings,
        _now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        let lang = to.language;
        let rendered = systemejer_mail::render_dpo_notice(&DpoNotice {
            name: to.name.clone().unwrap_or_else(|| match lang {
                Language::Da => "databeskyttelsesrådgiver".into(),
                Language::En => "data protection officer".into(),
            }),
            lang: crate::pass::lang(lang),
            items: items
                .iter()
                .map(|i| DpoItem {
                    system: i.event.system.name.clone(),
                    what: what(&i.event, lang),
                    on: i.event.at.with_timezone(&settings.timezone).date_naive(),
                    advice_at: format!("{}/api/v1/systems/{}/dpo-advice", settings.public_url, i.event.system.id),
                })
                .collect(),
        })?;
        let listed = serde_json::json!(
            items
                .iter()
                .map(|i| serde_json::json!({"event_id": i.event.id, "system_id": i.event.system.id}))
                .collect::<Vec<_>>()
        );
        let mut systems: Vec<_> = items.iter().map(|i| i.event.system.id).collect();
        systems.sort();
        systems.dedup();
        Ok(new_message(MessageKind::DpoNotice, to, rendered, listed, systems))
    }
}
