//! The outbox: reminders planned by the worker are written here, each duty-and-recipient once
//! (a unique key, not luck), and delivered from here with a lease, so that a message is never
//! lost when the mail server is down and never sent twice by two workers.
//!
//! Delivery claims rows (`claim_token`, `claimed_until`) in a short transaction, sends outside
//! any transaction, then records the result. On PostgreSQL the claim skips rows another worker
//! holds (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-send leaves a lease that runs out,
//! and the message is tried again.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};
use serde::Serialize;
use systemejer_domain::obligations::{ObligationKind, default_assignee_among};
use systemejer_domain::reminders::Party;
use systemejer_domain::{LifecycleState, Person, PersonId, SystemId};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::rows::parse;
use crate::schema::{
    obligations::dsl as o, outbox::dsl as ob, people::dsl as p, reminder_keys::dsl as rk, system_delegates::dsl as d,
    systems::dsl as s,
};
use crate::{AnyConnection, Store, StoreError, new_id, people, systems};

/// A duty that falls within the reminder horizon, with the people around it.
#[derive(Debug, Clone)]
pub struct DueDuty {
    /// The system (shared by the system's due duties).
    pub system: Arc<DueSystem>,
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision`: the agreement.
    pub subject: String,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The owner.
    pub owner: Option<Arc<Party>>,
    /// Who the duty is assigned to (an override, a delegate, else the owner).
    pub assignee: Option<Arc<Party>>,
    /// The owner's manager.
    pub owner_manager: Option<Arc<Party>>,
}

/// What a reminder tells of a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSystem {
    /// Its id.
    pub id: SystemId,
    /// Its name.
    pub name: String,
}

/// A personal data breach awaiting its report or decision, with the systems it touched.
#[derive(Debug, Clone)]
pub struct OpenBreach {
    /// The incident.
    pub incident: systemejer_domain::incidents::Incident,
    /// Each system touched, by name, with its owner.
    pub systems: Vec<(String, Option<Party>)>,
}

/// A message to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMessage {
    /// `reminder` or `breach_alert`.
    pub kind: &'static str,
    /// Where it goes.
    pub recipient_email: String,
    /// Who it goes to.
    pub recipient_name: Option<String>,
    /// `da` or `en`.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text_body: String,
    /// HTML.
    pub html_body: String,
    /// Calendar attachment.
    pub ics: Option<String>,
    /// The items it lists, as JSON (for the API).
    pub items: serde_json::Value,
    /// The systems it concerns.
    pub system_ids: Vec<SystemId>,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = crate::schema::outbox)]
pub struct StoredMessage {
    /// Identifier.
    pub id: String,
    /// `reminder` or `breach_alert`.
    pub kind: String,
    /// Where it goes.
    pub recipient_email: String,
    /// Who it goes to.
    pub recipient_name: Option<String>,
    /// `da` or `en`.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text_body: String,
    /// HTML.
    pub html_body: String,
    /// Calendar attachment.
    pub ics: Option<String>,
    /// The items, as JSON text.
    pub items: String,
    /// The systems, as JSON text.
    pub system_ids: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// Not to be tried before this time.
    pub next_attempt_at: NaiveDateTime,
    /// The claim of the worker delivering it.
    pub claim_token: Option<String>,
    /// Until when that claim holds.
    pub claimed_until: Option<NaiveDateTime>,
    /// When it was written.
    pub created_at: NaiveDateTime,
    /// When it was delivered.
    pub sent_at: Option<NaiveDateTime>,
}

/// How delivery failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// After this many failed attempts the message is marked failed.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles each time.
    pub first_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 12, first_backoff: Duration::minutes(1), max_backoff: Duration::hours(4) }
    }
}

impl RetryPolicy {
    /// The wait after `attempts` failures.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let factor = 2i32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0)).max(1);
        (self.first_backoff * factor).min(self.max_backoff)
    }
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only with this status.
    pub status: Option<String>,
    /// Only to this address.
    pub recipient: Option<String>,
    /// Only concerning this system.
    pub system_id: Option<SystemId>,
}

/// People as a reminder names them, with their managers' ids.
type Parties = HashMap<PersonId, (Arc<Party>, Option<PersonId>)>;

impl Store {
    /// The people with these ids as a reminder names them, with their managers' ids: a few
    /// thousand a query (SQLite binds at most 32 766 values at once), half of the queries on a
    /// second connection.
    fn parties(&self, ids: impl IntoIterator<Item = PersonId>) -> Result<Parties, StoreError> {
        let ids: Vec<String> =
            ids.into_iter().collect::<std::collections::BTreeSet<_>>().iter().map(ToString::to_string).collect();
        let chunks: Vec<&[String]> = ids.chunks(5000).collect();
        let (mine, theirs) = chunks.split_at(chunks.len().div_ceil(2));
        let load = |chunks: &[&[String]]| {
            self.read(|conn| {
                let mut out = Parties::new();
                for chunk in chunks {
                    let rows: Vec<(String, String, String, String, bool, Option<String>)> = p::people
                        .filter(p::id.eq_any(*chunk))
                        .select((p::id, p::name, p::email, p::language, p::active, p::manager_id))
                        .load(conn)?;
                    for (id, name, email, language, active, manager) in rows {
                        let id: PersonId = parse("people.id", &id)?;
                        let manager =
                            manager.as_deref().map(|m| parse::<PersonId>("people.manager_id", m)).transpose()?;
                        let language = parse("people.language", &language)?;
                        out.insert(id, (Arc::new(Party { id, name, email, language, active }), manager));
                    }
                }
                Ok(out)
            })
        };
        std::thread::scope(|scope| {
            let other = scope.spawn(|| load(theirs));
            let mut out = load(mine)?;
            out.extend(other.join().unwrap_or_else(|_| Err(StoreError::Internal("reading people failed".into())))?);
            Ok(out)
        })
    }
}

fn party(p: &Person) -> Party {
    Party { id: p.id, name: p.name.clone(), email: p.email.to_string(), language: p.language, active: p.active }
}

/// Inserts `key` unless it exists; answers whether it was new. Never fails on a duplicate,
/// also when another worker inserts the same key at the same moment.
fn claim_key(conn: &mut AnyConnection, key: &str, message_id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let values = (rk::key.eq(key), rk::message_id.eq(message_id), rk::created_at.eq(at));
    let inserted = match conn {
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(rk::reminder_keys).values(values).on_conflict_do_nothing().execute(c)?
        }
        AnyConnection::Sqlite(c) => {
            diesel::insert_into(rk::reminder_keys).values(values).on_conflict_do_nothing().execute(c)?
        }
    };
    Ok(inserted == 1)
}

impl Store {
    /// Duties due on or before `until` in systems not retired, with their people.
    ///
    /// A few queries whatever the size: the due rows with the few columns of their systems a
    /// reminder needs, the delegates of the systems with duties assigned to no one in
    /// particular (beside it, on a second connection), and the people (in batches of a few
    /// thousand). The cost follows the due items, not the register, and no system is read
    /// whole; the domain's rule picks the assignee.
    pub fn due_duties(&self, until: NaiveDate) -> Result<Vec<DueDuty>, StoreError> {
        type Row = (String, String, String, Option<String>, Option<NaiveDate>, String, Option<String>);
        let due = o::obligations.filter(o::next_due_on.le(until));
        // The delegates are read on a second connection while the due rows are read: the two
        // queries do not depend on each other. (Two reads one after the other, not nested, so
        // a pool of one connection serves them in turn.)
        let (rows, delegates) = std::thread::scope(|scope| {
            let delegates = scope.spawn(|| {
                self.read(|conn| {
                    let unassigned = due.filter(o::assignee_id.is_null()).select(o::system_id);
                    systems::group_delegates(
                        d::system_delegates
                            .filter(d::system_id.eq_any(unassigned))
                            .select((d::system_id, d::person_id, d::role))
                            .load(conn)?,
                    )
                })
            });
            let rows = self.read(|conn| {
                Ok(due
                    .inner_join(s::systems)
                    .filter(s::lifecycle_state.ne(LifecycleState::Retired.as_str()))
                    .select((o::system_id, o::kind, o::subject, o::assignee_id, o::next_due_on, s::name, s::owner_id))
                    .load::<Row>(conn)?)
            });
            let delegates =
                delegates.join().unwrap_or_else(|_| Err(StoreError::Internal("reading the delegates failed".into())));
            Ok::<_, StoreError>((rows?, delegates?))
        })?;
        let person_id = |column: &'static str, v: Option<&str>| v.map(|v| parse::<PersonId>(column, v)).transpose();
        // Each system once, shared by its due duties.
        let mut systems_by_id: HashMap<&str, (Arc<DueSystem>, Option<PersonId>)> = HashMap::new();
        let mut assignees = Vec::with_capacity(rows.len());
        for (system_id, _, _, assignee, _, name, owner) in &rows {
            if !systems_by_id.contains_key(system_id.as_str()) {
                let system = DueSystem { id: parse("obligations.system_id", system_id)?, name: name.clone() };
                let owner = person_id("systems.owner_id", owner.as_deref())?;
                systems_by_id.insert(system_id, (Arc::new(system), owner));
            }
            let owner = systems_by_id[system_id.as_str()].1;
            let assignee = match person_id("obligations.assignee_id", assignee.as_deref())? {
                Some(explicit) => Some(explicit),
                None => default_assignee_among(delegates.get(system_id).map_or(&[], Vec::as_slice), owner),
            };
            assignees.push(assignee);
        }
        let owners = systems_by_id.values().filter_map(|(_, owner)| *owner);
        let mut people = self.parties(owners.chain(assignees.iter().flatten().copied()))?;
        let managers: Vec<PersonId> = people.values().filter_map(|(_, manager)| *manager).collect();
        people.extend(self.parties(managers)?);
        let party = |id: PersonId| {
            people
                .get(&id)
                .map(|(party, _)| Arc::clone(party))
                .ok_or_else(|| StoreError::NotFound { entity: "person", id: id.to_string() })
        };
        let mut out = Vec::with_capacity(rows.len());
        for ((system_id, kind, subject, _, due, ..), assignee_id) in rows.iter().zip(assignees) {
            let Some(due_on) = *due else { continue };
            let (system, owner_id) = &systems_by_id[system_id.as_str()];
            let manager = owner_id.and_then(|o| people.get(&o)).and_then(|(_, manager)| *manager);
            out.push(DueDuty {
                kind: parse("obligations.kind", kind)?,
                subject: subject.clone(),
                due_on,
                owner: owner_id.map(party).transpose()?,
                assignee: assignee_id.map(party).transpose()?,
                owner_manager: manager.map(party).transpose()?,
                system: Arc::clone(system),
            });
        }
        Ok(out)
    }

    /// Personal data breaches that still await the report or the decision not to report.
    pub fn open_breaches(&self) -> Result<Vec<OpenBreach>, StoreError> {
        use crate::incidents::IncidentFilter;
        let filter = IncidentFilter { personal_data_breach: Some(true), open_only: true, ..IncidentFilter::default() };
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = PageRequest { limit: 500, offset: 0, cursor: cursor.take() };
            let found = self.list_incidents(&filter, &page)?;
            for incident in found.items.into_iter().filter(|i| i.awaits_decision()) {
                let systems = self.read(|conn| {
                    incident
                        .system_ids
                        .iter()
                        .map(|id| {
                            let system = systems::get(conn, *id)?;
                            let owner = system.owner_id.map(|o| people::get(conn, o)).transpose()?;
                            Ok((system.name, owner.as_ref().map(party)))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()
                })?;
                out.push(OpenBreach { incident, systems });
            }
            match found.next_cursor.and_then(|c| crate::page::Cursor::decode(&c)) {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Which of `keys` have been used already (for a dry run).
    pub fn existing_reminder_keys(&self, keys: &[String]) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            let mut used = Vec::new();
            // 5 000 keys a query: a national pass has more keys than SQLite binds at once (32 766).
            for chunk in keys.chunks(5000) {
                used.extend(rk::reminder_keys.filter(rk::key.eq_any(chunk)).select(rk::key).load::<String>(conn)?);
            }
            Ok(used)
        })
    }

    /// Writes one recipient's message in one transaction: claims each item's key, and writes
    /// the message built by `build` from the items whose keys were new. Answers the message id,
    /// or `None` when every item was sent before (by this or another worker).
    pub fn enqueue<I: Clone>(
        &self,
        items: Vec<(String, I)>,
        build: impl FnOnce(&[I]) -> Result<NewMessage, StoreError>,
    ) -> Result<Option<String>, StoreError> {
        self.write(|conn| {
            let id = new_id().to_string();
            let now = crate::now().naive_utc();
            let mut fresh = Vec::new();
            for (key, item) in items {
                if claim_key(conn, &key, &id, now)? {
                    fresh.push(item);
                }
            }
            if fresh.is_empty() {
                return Ok(None);
            }
            let m = build(&fresh)?;
            let system_ids: Vec<String> = m.system_ids.iter().map(ToString::to_string).collect();
            diesel::insert_into(ob::outbox)
                .values((
                    ob::id.eq(&id),
                    ob::kind.eq(m.kind),
                    ob::recipient_email.eq(&m.recipient_email),
                    ob::recipient_name.eq(&m.recipient_name),
                    ob::language.eq(&m.language),
                    ob::subject.eq(&m.subject),
                    ob::text_body.eq(&m.text_body),
                    ob::html_body.eq(&m.html_body),
                    ob::ics.eq(&m.ics),
                    ob::items.eq(m.items.to_string()),
                    ob::system_ids.eq(crate::rows::to_json(&system_ids)),
                    ob::status.eq("queued"),
                    ob::attempts.eq(0),
                    ob::next_attempt_at.eq(now),
                    ob::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok(Some(id))
        })
    }

    /// Claims up to `limit` messages due for delivery for `lease`; answers them.
    pub fn claim_messages(&self, limit: i64, lease: Duration) -> Result<Vec<StoredMessage>, StoreError> {
        let token = new_id().to_string();
        let now = crate::now();
        let until = (now + lease).naive_utc();
        let now = now.naive_utc();
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        self.write(|conn| {
            match conn {
                AnyConnection::Postgresql(c) => {
                    diesel::sql_query(
                        "UPDATE outbox SET claim_token = $1, claimed_until = $2 WHERE id IN (
                            SELECT id FROM outbox
                            WHERE status = 'queued' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
                            ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)",
                    )
                    .bind::<Text, _>(&token)
                    .bind::<Timestamp, _>(until)
                    .bind::<Timestamp, _>(now)
                    .bind::<Integer, _>(limit)
                    .execute(c)?;
                }
                AnyConnection::Sqlite(c) => {
                    diesel::sql_query(
                        // Oldest first along outbox_queue: without statistics SQLite would take
                        // outbox_due and sort every queued message on every claim.
                        "UPDATE outbox SET claim_token = ?, claimed_until = ? WHERE id IN (
                            SELECT id FROM outbox INDEXED BY outbox_queue
                            WHERE status = 'queued' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
                            ORDER BY created_at, id LIMIT ?)",
                    )
                    .bind::<Text, _>(&token)
                    .bind::<Timestamp, _>(until)
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now)
                    .bind::<Integer, _>(limit)
                    .execute(c)?;
                }
            }
            Ok(ob::outbox
                .filter(ob::claim_token.eq(&token))
                .select(StoredMessage::as_select())
                .order((ob::created_at, ob::id))
                .load(conn)?)
        })
    }

    /// Records that a claimed message was delivered.
    pub fn mark_sent(&self, message: &StoredMessage) -> Result<(), StoreError> {
        self.write(|conn| {
            diesel::update(ob::outbox.filter(ob::id.eq(&message.id)).filter(ob::claim_token.eq(&message.claim_token)))
                .set((
                    ob::status.eq("sent"),
                    ob::attempts.eq(message.attempts + 1),
                    ob::sent_at.eq(Some(crate::now().naive_utc())),
                    ob::claim_token.eq(None::<String>),
                    ob::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Records a failed delivery: tried again after a growing wait, or marked failed after the
    /// last attempt. Answers whether it was marked failed.
    pub fn mark_attempt_failed(
        &self,
        message: &StoredMessage,
        error: &str,
        retry: &RetryPolicy,
    ) -> Result<bool, StoreError> {
        let attempts = message.attempts + 1;
        let gave_up = attempts >= retry.max_attempts;
        let next = (crate::now() + retry.backoff(attempts)).naive_utc();
        self.write(|conn| {
            diesel::update(ob::outbox.filter(ob::id.eq(&message.id)).filter(ob::claim_token.eq(&message.claim_token)))
                .set((
                    ob::status.eq(if gave_up { "failed" } else { "queued" }),
                    ob::attempts.eq(attempts),
                    ob::last_error.eq(Some(error.chars().take(2000).collect::<String>())),
                    ob::next_attempt_at.eq(next),
                    ob::claim_token.eq(None::<String>),
                    ob::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            Ok(gave_up)
        })
    }

    /// Notifications matching `filter`, newest last.
    pub fn list_notifications(
        &self,
        filter: &NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredMessage>, StoreError> {
        let filtered = || {
            let mut q = ob::outbox.into_boxed();
            if let Some(status) = &filter.status {
                q = q.filter(ob::status.eq(status.clone()));
            }
            if let Some(recipient) = &filter.recipient {
                q = q.filter(ob::recipient_email.eq(recipient.to_lowercase()));
            }
            if let Some(system) = filter.system_id {
                q = q.filter(ob::system_ids.like(format!("%\"{system}\"%")));
            }
            q
        };
        self.read(|conn| {
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<StoredMessage> =
                keyset_page!(filtered(), ob::created_at, ob::id, page).select(StoredMessage::as_select()).load(conn)?;
            Page::from_rows(rows, page.limit, total, |r| Cursor::new(r.created_at, &r.id), Ok)
        })
    }
}
