//! The reminder pass: which duties are due, who is told of which at which stage (pure, from
//! the domain's rules), and the digest each recipient gets.

use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use systemejer_domain::obligations::ObligationKind;
use systemejer_domain::reminders::{self as rules, Addressee, Because, DutyPeople, Stage};
use systemejer_domain::{Language, PersonId};
use systemejer_links::{Link, LinkTarget, duty_link_expiry};
use systemejer_mail::{Escalation, Lang, MailError, OwnerGroup, Reminder, ReminderItem};
use systemejer_store::{DueDuty, MessageKind, NewMessage, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, new_message};
use crate::settings::WorkerSettings;

/// One duty in a recipient's reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedItem {
    /// The idempotency key: duty, due date, stage, recipient.
    pub key: String,
    /// The system.
    pub system_id: String,
    /// Its name.
    pub system: String,
    /// The duty.
    pub kind: String,
    /// For `processor_supervision` and `agreement_expiry`: the agreement.
    pub subject: String,
    /// What the subject is called (the agreement's processor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// The due date.
    pub due_on: NaiveDate,
    /// Days left (negative: overdue).
    pub days_left: i64,
    /// The stage: `before_30`, `due`, `overdue_2`, ...
    pub stage: String,
    /// Why this recipient gets it.
    pub because: String,
    /// The recipient's role for the system: `owner`, `assignee` (a delegate, or the person the
    /// duty is assigned to), `manager` (the owner's, on escalation), `coordinator`, `dpo` (a
    /// copy), `handover` (the coordinator or the manager, told that it needs a new owner) or
    /// `responsible` (for a risk measure).
    pub role: String,
    /// The owner's name, where the recipient is not the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The duty's interval in months: a link to it holds until the duty, done now, falls due again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_months: Option<u32>,
    /// The owner's id and their manager's name, for the coordinator's digest grouped by owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The owner's manager's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_manager: Option<String>,
    /// Why the duty falls due before its regular date: `failed_test`, `change_began`, `incident`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early: Option<String>,
}

/// Everything one recipient is told in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The recipient.
    #[serde(serialize_with = "addressee")]
    pub addressee: Addressee,
    /// The duties, most urgent first.
    pub items: Vec<PlannedItem>,
}

fn addressee<S: serde::Serializer>(a: &Addressee, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Addressee", 3)?;
    st.serialize_field("email", &a.email)?;
    st.serialize_field("name", &a.name)?;
    st.serialize_field("language", a.language.as_str())?;
    st.end()
}

fn because(b: Because) -> &'static str {
    match b {
        Because::Assigned => "assigned",
        Because::OwnerOfOverdue => "owner_of_overdue",
        Because::AssigneeInactive => "assignee_inactive",
        Because::OwnerInactive => "owner_inactive",
        Because::Escalated => "escalated",
        Because::CopiedToDpo => "copied_to_dpo",
        Because::HandoverNeeded => "handover_left",
    }
}

/// Works out who is told of which duty on `today`: one plan per recipient.
pub fn plan(duties: &[DueDuty], today: NaiveDate, settings: &WorkerSettings) -> Vec<Plan> {
    let mut by_recipient: BTreeMap<String, Plan> = BTreeMap::new();
    for duty in duties {
        let policy = settings.policy.for_duty(duty.kind);
        let Some(stage) = rules::stage(duty.due_on, today, &policy) else { continue };
        let days_left = (duty.due_on - today).num_days();
        let people = DutyPeople {
            owner: duty.owner.as_deref(),
            assignee: duty.assignee.as_deref(),
            owner_manager: duty.owner_manager.as_deref(),
        };
        // Who is told follows the stage: the owner joins from the first weekly overdue
        // reminder, not on the days between the due day and it.
        let days_overdue = if matches!(stage, Stage::Overdue(_)) { -days_left } else { 0 };
        let coordinator = settings.coordinator_email.as_deref();
        let dpo = settings.dpo_email.as_deref();
        for (to, why) in rules::recipients_of(duty.kind, &people, days_overdue, &policy, coordinator, dpo) {
            let item = PlannedItem {
                key: key(duty, stage, &to.email),
                system_id: duty.system.id.to_string(),
                system: duty.system.name.clone(),
                kind: duty.kind.as_str().to_owned(),
                subject: duty.subject.clone(),
                subject_name: duty.subject_name.clone(),
                due_on: duty.due_on,
                days_left,
                stage: stage.key(),
                because: match why {
                    // Why the system needs a new owner: they left, or hold no management position.
                    Because::HandoverNeeded if duty.owner.as_ref().is_some_and(|o| o.active) => "handover_position",
                    Because::HandoverNeeded => "handover_left",
                    _ => because(why),
                }
                .to_owned(),
                role: role(&to, why, &people, duty.kind).to_owned(),
                owner: duty.owner.as_ref().filter(|o| to.person != Some(o.id)).map(|o| o.name.clone()),
                early: duty.early.map(|e| e.as_str().to_owned()),
                interval_months: duty.interval_months,
                owner_id: duty.owner.as_ref().map(|o| o.id.to_string()),
                owner_manager: duty.owner_manager.as_ref().map(|m| m.name.clone()),
            };
            by_recipient
                .entry(to.email.clone())
                .or_insert_with(|| Plan { addressee: to, items: Vec::new() })
                .items
                .push(item);
        }
    }
    let mut plans: Vec<Plan> = by_recipient.into_values().collect();
    for p in &mut plans {
        p.items.sort_by(|a, b| (a.due_on, &a.system, &a.kind).cmp(&(b.due_on, &b.system, &b.kind)));
    }
    plans
}

/// The recipient's role for the duty's system.
fn role(to: &Addressee, why: Because, people: &DutyPeople<'_>, kind: ObligationKind) -> &'static str {
    let is = |p: Option<&systemejer_domain::reminders::Party>| to.person.is_some() && to.person == p.map(|p| p.id);
    if why == Because::HandoverNeeded {
        "handover"
    } else if is(people.owner) {
        "owner"
    } else if why == Because::CopiedToDpo {
        "dpo"
    } else if to.person.is_none() {
        "coordinator"
    } else if why == Because::Escalated && is(people.owner_manager) {
        "manager"
    } else if kind == ObligationKind::RiskMeasure {
        "responsible"
    } else {
        "assignee"
    }
}

/// The recipient's role for a system, in words.
fn role_text(role: &str, owner: Option<&str>, lang: Language) -> String {
    match (role, owner, lang) {
        ("owner", _, Language::Da) => "Du er systemejer.".into(),
        ("owner", _, Language::En) => "You are the system owner.".into(),
        ("assignee", Some(o), Language::Da) => format!("Du er systemforvalter; systemejer er {o}."),
        ("assignee", None, Language::Da) => "Du er systemforvalter.".into(),
        ("assignee", Some(o), Language::En) => format!("You are the system's delegate; its owner is {o}."),
        ("assignee", None, Language::En) => "You are the system's delegate.".into(),
        ("manager", Some(o), Language::Da) => format!("Du er leder for systemejeren, {o}."),
        ("manager", _, Language::Da) => "Du er leder for systemejeren.".into(),
        ("manager", Some(o), Language::En) => format!("You are the manager of the system owner, {o}."),
        ("manager", _, Language::En) => "You are the manager of the system owner.".into(),
        ("responsible", Some(o), Language::Da) => format!("Du er ansvarlig for foranstaltningen; systemejer er {o}."),
        ("responsible", None, Language::Da) => "Du er ansvarlig for foranstaltningen.".into(),
        ("responsible", Some(o), Language::En) => format!("You are responsible for the measure; its owner is {o}."),
        ("responsible", None, Language::En) => "You are responsible for the measure.".into(),
        ("handover", Some(o), Language::Da) => format!("Systemejeren har været {o}."),
        ("handover", None, Language::Da) => "Systemet har ingen systemejer.".into(),
        ("handover", Some(o), Language::En) => format!("The owner has been {o}."),
        ("handover", None, Language::En) => "The system has no owner.".into(),
        ("dpo", Some(o), Language::Da) => format!("Du får en kopi som databeskyttelsesrådgiver; systemejer er {o}."),
        ("dpo", None, Language::Da) => "Du får en kopi som databeskyttelsesrådgiver.".into(),
        ("dpo", Some(o), Language::En) => format!("You get a copy as data protection officer; the owner is {o}."),
        ("dpo", None, Language::En) => "You get a copy as data protection officer.".into(),
        (_, Some(o), Language::Da) => format!("Du får den som informationssikkerhedskoordinator; systemejer er {o}."),
        (_, None, Language::Da) => "Du får den som informationssikkerhedskoordinator.".into(),
        (_, Some(o), Language::En) => format!("You get it as information security coordinator; the owner is {o}."),
        (_, None, Language::En) => "You get it as information security coordinator.".into(),
    }
}

/// The signed link to the page where `person` records the duty of `item`.
fn duty_link(
    settings: &WorkerSettings,
    person: PersonId,
    item: &PlannedItem,
    kind: ObligationKind,
    now: DateTime<Utc>,
) -> Option<String> {
    let system = item.system_id.parse().ok()?;
    let link = Link {
        person,
        target: LinkTarget::Duty { system, kind, subject: item.subject.clone(), due_on: item.due_on },
        // Until the duty, done now, would fall due again (a monthly duty's link ends with its
        // month), and never beyond the longest lifetime.
        expires_at: duty_link_expiry(
            now,
            // The municipality's day: done at 00:30 in Copenhagen is that day's, not UTC's.
            item.interval_months.map(|m| {
                systemejer_domain::obligations::add_months(now.with_timezone(&settings.timezone).date_naive(), m)
            }),
            settings.link_max_days,
        ),
    };
    Some(settings.url_of(&link))
}

fn key(duty: &DueDuty, stage: Stage, email: &str) -> String {
    format!("reminder/{}/{}/{}/{}/{}/{}", duty.system.id, duty.kind, duty.subject, duty.due_on, stage.key(), email)
}

/// The plans without the items whose keys were used before.
pub fn without_keys(plans: Vec<Plan>, used: &[String]) -> Vec<Plan> {
    let used: std::collections::HashSet<&str> = used.iter().map(String::as_str).collect();
    plans
        .into_iter()
        .filter_map(|mut p| {
            p.items.retain(|i| !used.contains(i.key.as_str()));
            (!p.items.is_empty()).then_some(p)
        })
        .collect()
}

/// Why a duty fell due before its regular date, in words.
fn early_text(early: &str, lang: Language) -> Option<&'static str> {
    Some(match (early, lang) {
        ("failed_test", Language::Da) => "Opgaven forfalder før tid, fordi den seneste test fejlede: den skal bestås.",
        ("failed_test", Language::En) => "The duty is due early because the latest test failed: it must be passed.",
        ("change_began", Language::Da) => "Opgaven forfalder før tid, fordi en ændring af systemet er begyndt.",
        ("change_began", Language::En) => "The duty is due early because a change of the system has begun.",
        ("incident", Language::Da) => {
            "Opgaven forfalder før tid, fordi der er registreret en sikkerhedshændelse eller et brud på systemet."
        }
        ("incident", Language::En) => {
            "The duty is due early because an incident or a breach was recorded against the system."
        }
        _ => return None,
    })
}

fn note(because: &str, lang: Language) -> Option<String> {
    let text = match (because, lang) {
        ("owner_of_overdue", Language::Da) => "Du får denne, fordi opgaven er overskredet, og du er systemejer.",
        ("owner_of_overdue", Language::En) => "You get this because the duty is overdue and you own the system.",
        ("assignee_inactive", Language::Da) => "Du får denne, fordi den, opgaven er tildelt, ikke længere er aktiv.",
        ("assignee_inactive", Language::En) => "You get this because the person assigned the duty is no longer active.",
        ("owner_inactive", Language::Da) => "Systemejeren er ikke længere aktiv: systemet mangler en ny ejer.",
        ("owner_inactive", Language::En) => "The system owner is no longer active: the system needs a new owner.",
        ("escalated", Language::Da) => "Opgaven er overskredet i lang tid og er derfor eskaleret.",
        ("escalated", Language::En) => "The duty has been overdue for long and is escalated.",
        ("handover_left", Language::Da) => {
            "Systemejeren er ikke længere aktiv i registret: find en ny systemejer, og bed en administrator om at \
             overdrage systemet til vedkommende (med begrundelse)."
        }
        ("handover_left", Language::En) => {
            "The owner is no longer active in the register: find a new owner and ask an administrator to hand the \
             system over to them (with the reason)."
        }
        ("handover_position", Language::Da) => {
            "Systemejeren har ikke længere en lederstilling, der kan bære systemejerskabet: find en ny systemejer, og \
             bed en administrator om at overdrage systemet til vedkommende (med begrundelse)."
        }
        ("handover_position", Language::En) => {
            "The owner no longer holds a management position that can carry the ownership: find a new owner and ask \
             an administrator to hand the system over to them (with the reason)."
        }
        _ => return None,
    };
    Some(text.to_owned())
}

/// The outbox message for `to` listing `items` (those not sent before).
pub fn message(
    to: &Addressee,
    items: &[PlannedItem],
    settings: &WorkerSettings,
    now: DateTime<Utc>,
) -> Result<NewMessage, MailError> {
    let lang = to.language;
    let mail_lang = match lang {
        Language::Da => Lang::Da,
        Language::En => Lang::En,
    };
    let to_dpo = items.iter().all(|i| i.role == "dpo");
    let name = to.name.clone().unwrap_or_else(|| match (lang, to_dpo) {
        (Language::Da, true) => "databeskyttelsesrådgiver".into(),
        (Language::En, true) => "data protection officer".into(),
        (Language::Da, false) => "informationssikkerhedskoordinator".into(),
        (Language::En, false) => "information security coordinator".into(),
    });
    let listed = items.iter().map(|i| reminder_item(to, i, settings, now)).collect::<Result<Vec<_>, MailError>>()?;
    // The coordinator's digest is not addressed as if the coordinator were an owner: it is
    // grouped by owner, naming each owner and their manager.
    let to_manager = items.iter().all(|i| i.role == "manager");
    let rendered = if to_manager || items.iter().all(|i| i.role == "coordinator") {
        systemejer_mail::render_escalation(&Escalation {
            name,
            lang: mail_lang,
            owners: by_owner(to, items, listed, settings, now),
            to_manager,
        })?
    } else {
        let reminder = Reminder {
            name,
            lang: mail_lang,
            items: listed,
            my_duties: to
                .person
                // "Mine opgaver" lists the systems one owns or is a delegate of: not a measure
                // one is only responsible for (its own link records it).
                .filter(|_| items.iter().any(|i| matches!(i.role.as_str(), "owner" | "assignee")))
                .map(|person| settings.list_url(person, LinkTarget::MyDuties, now)),
            contact: settings.coordinator_email.clone(),
            // The DPO's copies and the handovers to see to are followed, not done, by the reader.
            for_others: items.iter().all(|i| matches!(i.role.as_str(), "dpo" | "handover")),
        };
        systemejer_mail::render_reminder(&reminder, now)?
    };
    let mut system_ids: Vec<systemejer_domain::SystemId> =
        items.iter().filter_map(|i| i.system_id.parse().ok()).collect();
    system_ids.sort();
    system_ids.dedup();
    Ok(new_message(MessageKind::Reminder, to, rendered, serde_json::to_value(items).unwrap_or_default(), system_ids))
}

/// One duty of a reminder, in the recipient's language, with its link: the page where the
/// owner or the assignee records it; for others, the system in the register.
fn reminder_item(
    to: &Addressee,
    i: &PlannedItem,
    settings: &WorkerSettings,
    now: DateTime<Utc>,
) -> Result<ReminderItem, MailError> {
    let lang = to.language;
    let kind: ObligationKind = i.kind.parse().map_err(|e| MailError::Render(format!("duty {:?}: {e}", i.kind)))?;
    let page = match to.person {
        Some(person) if matches!(i.role.as_str(), "owner" | "assignee" | "responsible") => {
            duty_link(settings, person, i, kind, now)
        }
        _ => None,
    };
    let is_page = page.is_some();
    let parts: Vec<String> = i
        .early
        .as_deref()
        .and_then(|e| early_text(e, lang))
        .map(str::to_owned)
        .into_iter()
        .chain(note(&i.because, lang))
        .collect();
    Ok(ReminderItem {
        uid: format!("{}-{}-{}-{}@systemejer", i.system_id, i.kind, i.subject, i.due_on),
        system: i.system.clone(),
        // A supervision names its processor: an owner may have several.
        duty: match &i.subject_name {
            Some(name) => format!("{}: {name}", kind.title(lang)),
            None => kind.title(lang).to_owned(),
        },
        done_means: kind.done_means(lang).to_owned(),
        due_on: i.due_on,
        days_left: i.days_left,
        link: page.unwrap_or_else(|| format!("{}/api/v1/systems/{}/obligations", settings.public_url, i.system_id)),
        role: role_text(&i.role, i.owner.as_deref(), lang),
        page: is_page,
        by_approval: kind.done_elsewhere(lang).is_some(),
        note: (!parts.is_empty()).then(|| parts.join(" ")),
    })
}

/// The coordinator's items grouped by owner, each group with a read-only link to the owner's
/// list where the coordinator is a person of the register.
fn by_owner(
    to: &Addressee,
    items: &[PlannedItem],
    listed: Vec<ReminderItem>,
    settings: &WorkerSettings,
    now: DateTime<Utc>,
) -> Vec<OwnerGroup> {
    let mut groups: BTreeMap<Option<String>, OwnerGroup> = BTreeMap::new();
    for (planned, item) in items.iter().zip(listed) {
        let group = groups.entry(planned.owner_id.clone()).or_insert_with(|| OwnerGroup {
            owner: planned.owner.clone().unwrap_or_else(|| match to.language {
                Language::Da => "(ingen systemejer)".into(),
                Language::En => "(no system owner)".into(),
            }),
            manager: planned.owner_manager.clone().filter(|_| planned.role != "manager"),
            inactive: false,
            list: to
                .person
                .zip(planned.owner_id.as_deref().and_then(|o| o.parse().ok()))
                .map(|(person, owner)| settings.list_url(person, LinkTarget::OwnerDuties { owner }, now)),
            items: Vec::new(),
        });
        group.inactive |= planned.because == "owner_inactive";
        group.items.push(item);
    }
    groups.into_values().collect()
}

/// What a reminder pass is to send (what was sent before left out), and how long working it
/// out took: what the dry run prints, and what the pass writes.
#[derive(Debug, Clone)]
pub struct PassPlan {
    /// Who would be told what.
    pub plans: Vec<Plan>,
    /// Duties within the reminder horizon.
    pub duties_due: usize,
    /// Finding the due duties with their systems and people (the store).
    pub found: StdDuration,
    /// Working out who is told of which at which stage.
    pub planned: StdDuration,
    /// Leaving out what was sent before.
    pub checked: StdDuration,
}

/// What a reminder pass on `today` is to send: nothing on a day that is not a working day (the
/// stage reached meanwhile goes out on the next one). What was sent before is left out here, in a
/// few queries: on most days most of the horizon was told already, and claiming each of those
/// keys again in its own transaction took 31 s over a national register. Writing still claims
/// every key, so a key another worker takes meanwhile is not sent twice.
pub(crate) fn plan_pass(store: &Store, settings: &WorkerSettings, today: NaiveDate) -> Result<PassPlan, StoreError> {
    if !settings.calendar.is_working_day(today) {
        return Ok(PassPlan {
            plans: Vec::new(),
            duties_due: 0,
            found: StdDuration::ZERO,
            planned: StdDuration::ZERO,
            checked: StdDuration::ZERO,
        });
    }
    let (horizon, farther) = horizon(settings, today);
    let started = Instant::now();
    let duties = store.due_duties(horizon, &farther)?;
    let found = started.elapsed();
    let plans = plan(&duties, today, settings);
    let planned = started.elapsed();
    let keys: Vec<String> = plans.iter().flat_map(|p| p.items.iter().map(|i| i.key.clone())).collect();
    let sent = store.existing_reminder_keys(&keys)?;
    let plans = without_keys(plans, &sent);
    Ok(PassPlan {
        plans,
        duties_due: duties.len(),
        found,
        planned: planned.saturating_sub(found),
        checked: started.elapsed().saturating_sub(planned),
    })
}

/// How far ahead the reminders look on `today`: the policy's horizon, and the later one of the
/// duties told farther ahead (an expiring agreement).
pub(crate) fn horizon(settings: &WorkerSettings, today: NaiveDate) -> (NaiveDate, Vec<(ObligationKind, NaiveDate)>) {
    let horizon = today + Duration::days(i64::from(settings.policy.horizon_days()));
    let farther = ObligationKind::ALL
        .iter()
        .filter_map(|k| {
            let days = settings.policy.for_duty(*k).horizon_days();
            (days > settings.policy.horizon_days()).then(|| (*k, today + Duration::days(i64::from(days))))
        })
        .collect();
    (horizon, farther)
}

/// The reminder pass: digests of the duties due, one per recipient.
pub(crate) struct ReminderPass;

impl Pass for ReminderPass {
    const KIND: PassKind = PassKind::ReminderPass;
    type Item = PlannedItem;

    fn plan(
        &self,
        store: &Store,
        settings: &WorkerSettings,
        today: NaiveDate,
        _now: DateTime<Utc>,
    ) -> Result<Planned<PlannedItem>, StoreError> {
        let pass = plan_pass(store, settings, today)?;
        // The coordinator, where their address is a person of the register, gets links to the
        // owners' lists (read-only).
        let coordinator = match settings.coordinator_email.as_deref().map(systemejer_domain::EmailAddress::parse) {
            Some(Ok(address)) => store.find_person_by_email(&address)?.filter(|p| p.active),
            _ => None,
        };
        let letters = pass
            .plans
            .into_iter()
            .map(|p| {
                let mut to = p.addressee;
                if let Some(c) = coordinator.as_ref().filter(|_| to.person.is_none())
                    && settings.coordinator_email.as_deref() == Some(to.email.as_str())
                {
                    to.person = Some(c.id);
                    to.name = Some(c.name.clone());
                }
                Letter { to, items: p.items }
            })
            .collect();
        Ok(Planned { found: pass.duties_due, letters })
    }

    fn key(item: &PlannedItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[PlannedItem],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        message(to, items, settings, now)
    }
}
