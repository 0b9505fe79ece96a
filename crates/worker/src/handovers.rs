//! Handovers of ownership (*overdragelse*) told to both owners, each once: the one who hands a
//! system over, and the one who takes it, whose mail lists every system they now answer for
//! and its duties due soon or overdue, with a link to their "Mine opgaver".

use chrono::{DateTime, Duration, NaiveDate, Utc};
use systemejer_domain::reminders::Addressee;
use systemejer_links::LinkTarget;
use systemejer_mail::{HandoverNotice, MailError, OwnedSystem};
use systemejer_store::{HandoverNews, MessageKind, NewMessage, PassKind, Store, StoreError};

use crate::pass::{Letter, Pass, Planned, new_message};
use crate::settings::WorkerSettings;

/// How far back the handovers are looked for: a worker down for less than this loses none.
const LOOKBACK_DAYS: i64 = 7;

/// One handover told to one of its owners.
#[derive(Debug, Clone)]
pub struct HandoverItem {
    key: String,
    news: HandoverNews,
    to_new_owner: bool,
}

/// The handovers' mails.
pub(crate) struct Handovers;

impl Pass for Handovers {
    const KIND: PassKind = PassKind::OwnerHandovers;
    type Item = HandoverItem;

    fn plan(
        &self,
        store: &Store,
        _settings: &WorkerSettings,
        _today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Planned<HandoverItem>, StoreError> {
        let found = store.handovers_since(now - Duration::days(LOOKBACK_DAYS))?;
        let mut letters = Vec::new();
        for news in &found {
            let owners = [(news.to.as_ref(), true), (news.from.as_ref(), false)];
            for (party, to_new_owner) in owners {
                let Some(to) = party.filter(|p| p.active).map(Addressee::from) else { continue };
                let key = format!("handover/{}/{}", news.handover.id, to.email);
                letters.push(Letter { to, items: vec![HandoverItem { key, news: news.clone(), to_new_owner }] });
            }
        }
        Ok(Planned { found: found.len(), letters })
    }

    fn key(item: &HandoverItem) -> &str {
        &item.key
    }

    fn render(
        &self,
        to: &Addressee,
        items: &[HandoverItem],
        settings: &WorkerSettings,
        now: DateTime<Utc>,
    ) -> Result<NewMessage, MailError> {
        let item = items.first().ok_or_else(|| MailError::Render("a handover with nothing to tell".into()))?;
        let news = &item.news;
        let lang = to.language;
        let other = if item.to_new_owner { news.from.as_ref() } else { news.to.as_ref() };
        let rendered = systemejer_mail::render_handover(&HandoverNotice {
            name: to.name.clone().unwrap_or_default(),
            lang: crate::pass::lang(lang),
            system: news.system.name.clone(),
            on: news.handover.handed_over_at.with_timezone(&settings.timezone).date_naive(),
            reason: news.handover.reason.clone(),
            to_new_owner: item.to_new_owner,
            other: other.map(|p| p.name.clone()),
            portfolio: if item.to_new_owner {
                news.portfolio
                    .iter()
                    .map(|(system, duties)| OwnedSystem {
                        system: system.name.clone(),
                        duties: duties.iter().map(|(kind, _, due)| (kind.title(lang).to_owned(), *due)).collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            link: to
                .person
                .filter(|_| item.to_new_owner)
                .map(|person| settings.list_url(person, LinkTarget::MyDuties, now)),
            contact: settings.coordinator_email.clone(),
        })?;
        let listed = serde_json::json!([{"handover_id": news.handover.id, "system_id": news.system.id, "to_new_owner": item.to_new_owner}]);
        Ok(new_message(MessageKind::OwnerHandover, to, rendered, listed, vec![news.system.id]))
    }
}
