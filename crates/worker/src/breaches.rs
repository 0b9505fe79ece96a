//! Breach alerts: at once when a personal data breach is recorded, then 24, 48 and 60 hours
//! after its discovery, while neither the report nor the decision not to report is recorded;
//! to the owners of the systems it touched, the data protection officer and the information
//! security coordinator.

use chrono::{DateTime, NaiveDate, Utc};
use systemejer_domain::incidents::breach_alert_stage;
use systemejer_domain::reminders::Addressee;
use systemejer_domain::{Language, PersonId};
use systemejer_links::{Link, LinkTarget, breach_link_expiry};
use systemejer_mail::{BreachAlert, MailError};
use systemejer_store::{MessageKind, NewMessage, OpenIncident, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, new_message};
use crate::settings::WorkerSettings;

/// One alert to one person.
#[derive(Debug, Clone)]
pub struct PlannedAlert {
    /// The idempotency key: breach, stage, recipient.
    pub key: String,
    /// The recipient.
    pub to: Addressee,
    /// The breach.
    pub breach: OpenIncident,
    /// The stage: hours after discovery.
    pub hours: i64,
}

/// Who is alerted of which breach at `now`. `dpo` is the data protection officer as a person
/// of the register, where their address is one (their alert then links to the breach's page).
pub fn plan(
    breaches: &[OpenIncident],
    now: DateTime<Utc>,
    settings: &WorkerSettings,
    dpo: Option<&(PersonId, String)>,
) -> Vec<PlannedAlert> {
    let mut out = Vec::new();
    for breach in breaches {
        let Some(hours) = breach_alert_stage(breach.incident.discovered_at, now) else { continue };
        let mut to: Vec<Addressee> = Vec::new();
        for (_, owner) in &breach.systems {
            to.extend(owner.as_ref().filter(|o| o.active).map(Addressee::from));
        }
        // The coordinator follows every breach too, owned or not.
        to.extend(settings.coordinator());
        to.extend(settings.dpo_email.iter().map(|d| Addressee {
            person: dpo.map(|(id, _)| *id),
            email: d.clone(),
            name: dpo.map(|(_, name)| name.clone()),
            language: Language::Da,
        }));
        // One alert per address: an owner's (with the breach's page) before the same address
        // as the coordinator's or the DPO's.
        to.sort_by(|a, b| (&a.email, a.person.is_none()).cmp(&(&b.email, b.person.is_none())));
        to.dedup_by(|a, b| a.email == b.email);
        for addressee in to {
            out.push(PlannedAlert {
                key: format!("breach/{}/{hours}h/{}", breach.incident.id, addressee.email),
                to: addressee,
                breach: breach.clone(),
                hours,
            });
        }
    }
    out
}

/// The outbox message of an alert.
pub fn message(alert: &PlannedAlert, settings: &WorkerSettings, now: DateTime<Utc>) -> Result<NewMessage, MailError> {
    let lang = alert.to.language;
    let incident = &alert.breach.incident;
    let rendered = systemejer_mail::render_breach_alert(
        &BreachAlert {
            name: alert.to.name.clone().unwrap_or_else(|| {
                let coordinator = settings.coordinator_email.as_deref() == Some(alert.to.email.as_str());
                match (lang, coordinator) {
                    (Language::Da, true) => "informationssikkerhedskoordinator".into(),
                    (Language::En, true) => "information security coordinator".into(),
                    (Language::Da, false) => "databeskyttelsesrådgiver".into(),
                    (Language::En, false) => "data protection officer".into(),
                }
            }),
            lang: crate::pass::lang(lang),
            discovered_at: incident.discovered_at,
            deadline: incident.authority_deadline.unwrap_or(incident.discovered_at),
            systems: alert.breach.systems.iter().map(|(name, _)| name.clone()).collect(),
            description: incident.description.clone(),
            link: match alert.to.person {
                // The page where the report or the decision is recorded, in the recipient's name.
                Some(person) => {
                    let link = Link {
                        person,
                        target: LinkTarget::Breach { incident: incident.id },
                        expires_at: breach_link_expiry(now, settings.link_max_days),
                    };
                    settings.url_of(&link)
                }
                None => format!("{}/api/v1/incidents/{}", settings.public_url, incident.id),
            },
            timezone: settings.timezone,
            page: alert.to.person.is_some(),
        },
        now,
    )?;
    let items = serde_json::json!([{"incident_id": incident.id, "hours_after_discovery": alert.hours, "authority_deadline": incident.authority_deadline}]);
    Ok(new_message(MessageKind::BreachAlert, &alert.to, rendered, items, incident.system_ids.clone()))
}

/// The breach watch: an alert per breach, stage and recipient, each a letter of its own.
pub(crate) struct BreachWatch;

impl Pass for BreachWatch {
    const KIND: PassKind = PassKind::BreachWatch;
    type Item = PlannedAlert;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        _today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<PlannedAlert>, StoreError> {
        let breaches = store.open_breaches()?;
        let dpo = match settings.dpo_email.as_deref().map(systemejer_domain::EmailAddress::parse) {
            Some(Ok(address)) if !breaches.is_empty() => {
                store.find_person_by_email(&address)?.filter(|p| p.active).map(|p| (p.id, p.name))
            }
            _ => None,
        };
        let letters = plan(&breaches, now, settings, dpo.as_ref())
            .into_iter()
            .map(|a| Letter { to: a.to.clone(), items: vec![a] })
            .collect();
        Ok(Planned { found: breaches.len(), letters })
    }

    fn key(item: &PlannedAlert) -> &str {
        &item.key
    }

    fn render(
        &self,
        _to: &Addressee,
        items: &[PlannedAlert],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        let alert = items.first().ok_or_else(|| MailError::Render("an alert with nothing to tell".into()))?;
        message(alert, settings, now)
    }
}
