//! What the worker's passes read: the duties due within the reminder horizon with the people
//! around them, and the personal data breaches awaiting their report.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use systemejer_domain::exit::{ExitStepKind, ExitStepStatus};
use systemejer_domain::incidents::Incident;
use systemejer_domain::obligations::{
    Completion, DueEarly, ObligationKind, assignee_of, default_assignee_among, due_early,
};
use systemejer_domain::reminders::Party;
use systemejer_domain::{LifecycleState, Person, PersonId, SystemId};

use crate::sql::parse;
use crate::tables::{
    agreements, exit_steps, incidents, obligations, owner_handovers, people, processors, system_changes, systems,
    transitions,
};
use crate::{PageRequest, Store, StoreError, SystemFilter};

/// A duty that falls within the reminder horizon, with the people around it.
#[derive(Debug, Clone)]
pub struct DueDuty {
    /// The system (shared by the system's due duties).
    pub system: Arc<DueSystem>,
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement.
    pub subject: String,
    /// What the subject is called: the processor of the agreement; the measure, in short.
    pub subject_name: Option<String>,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The owner.
    pub owner: Option<Arc<Party>>,
    /// Who the duty is assigned to (an override, a delegate, else the owner).
    pub assignee: Option<Arc<Party>>,
    /// The owner's manager.
    pub owner_manager: Option<Arc<Party>>,
    /// Why it falls due before its regular date, where it does.
    pub early: Option<DueEarly>,
    /// Its interval in months (`None` for the one-off duty).
    pub interval_months: Option<u32>,
}

/// What a reminder tells of a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSystem {
    /// Its id.
    pub id: SystemId,
    /// Its name.
    pub name: String,
}

/// An incident not closed (a breach awaiting its report or decision, an incident being
/// followed up), with the systems it touched.
#[derive(Debug, Clone)]
pub struct OpenIncident {
    /// The incident.
    pub incident: Incident,
    /// Each system touched, by name, with its owner.
    pub systems: Vec<(String, Option<Party>)>,
}

/// A test that failed, with its system, the owner and when the duty is now due: what the owner
/// and the coordinator are told at once.
#[derive(Debug, Clone)]
pub struct FailedResult {
    /// The completion that recorded the failure.
    pub completion: Completion,
    /// The system.
    pub system: DueSystem,
    /// Its owner.
    pub owner: Option<Arc<Party>>,
    /// When the duty is due now (the follow-up).
    pub due_on: Option<NaiveDate>,
    /// The name of who recorded it, where the register knows their address.
    pub recorded_by_name: Option<String>,
}

/// A system being decommissioned with exit steps still open, and its owner.
#[derive(Debug, Clone)]
pub struct OpenExitSteps {
    /// The system.
    pub system: DueSystem,
    /// Its owner.
    pub owner: Option<Arc<Party>>,
    /// The steps not yet done nor found not to apply, in the checklist's order.
    pub steps: Vec<ExitStepKind>,
}

/// What the data protection officer is told of a system that processes personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpoEventKind {
    /// It went into use.
    WentIntoUse,
    /// A change of it began: what is changed, and whether the owner said it needs a new DPIA.
    ChangeBegan {
        /// What is changed.
        description: String,
        /// The owner's answer.
        dpia_needed: bool,
    },
    /// It got a new processor (a processing agreement was registered).
    NewProcessor {
        /// The processor's name.
        processor: String,
    },
}

/// One thing the DPO is told of: what happened to which system, when and by whom.
#[derive(Debug, Clone)]
pub struct DpoEvent {
    /// The move's or the agreement's id: told once.
    pub id: String,
    /// What happened.
    pub kind: DpoEventKind,
    /// The system.
    pub system: DueSystem,
    /// When.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: String,
}

/// A handover of a system's ownership, with what the old and the new owner are told: the new
/// owner's systems, each with its duties due within `OPEN_DAYS` or overdue.
#[derive(Debug, Clone)]
pub struct HandoverNews {
    /// The handover.
    pub handover: systemejer_domain::OwnerHandover,
    /// The system handed over.
    pub system: DueSystem,
    /// Who owned it before.
    pub from: Option<Party>,
    /// Who owns it now.
    pub to: Option<Party>,
    /// The systems the new owner answers for, by name, each with its open duties (kind,
    /// subject, due date), soonest first.
    pub portfolio: Vec<(DueSystem, Vec<OpenDuty>)>,
}

/// A duty due soon or overdue: its kind, subject and due date.
pub type OpenDuty = (ObligationKind, String, NaiveDate);

/// How far ahead a handover's mail lists the new owner's duties.
const HANDOVER_DUTY_DAYS: i64 = 30;

/// People as a reminder names them, with their managers' ids.
type Parties = HashMap<PersonId, (Arc<Party>, Option<PersonId>)>;

fn party(p: &Person) -> Party {
    Party { id: p.id, name: p.name.clone(), email: p.email.to_string(), language: p.language, active: p.active }
}

impl Store {
    /// The people with these ids as a reminder names them, with their managers' ids: a few
    /// thousand a query (SQLite binds at most 32 766 values at once), half of the queries on a
    /// second connection.
    fn parties(&self, ids: impl IntoIterator<Item = PersonId>) -> Result<Parties, StoreError> {
        let ids: Vec<String> = ids.into_iter().collect::<BTreeSet<_>>().iter().map(ToString::to_string).collect();
        let chunks: Vec<&[String]> = ids.chunks(5000).collect();
        let (mine, theirs) = chunks.split_at(chunks.len().div_ceil(2));
        let load = |chunks: &[&[String]]| {
            self.read(|conn| {
                let mut out = Parties::new();
                for chunk in chunks {
                    for (id, name, email, language, active, manager) in people::parties(conn, chunk)? {
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
            out.extend(other.join().unwrap_or_else(|_| Err(StoreError::internal("reading people failed")))?);
            Ok(out)
        })
    }

    /// Duties due on or before `until` in systems not retired, with their people.
    ///
    /// A few queries whatever the size: the due rows with the few columns of their systems a
    /// reminder needs, the delegates of the systems with duties assigned to no one in
    /// particular (beside it, on a second connection), and the people (in batches of a few
    /// thousand). The cost follows the due items, not the register, and no system is read
    /// whole; the domain's rule picks the assignee.
    /// Duties of the kinds in `farther` are read up to the latest day there instead (an
    /// expiring agreement is told 90 days ahead).
    pub fn due_duties(
        &self,
        until: NaiveDate,
        farther: &[(ObligationKind, NaiveDate)],
    ) -> Result<Vec<DueDuty>, StoreError> {
        // The delegates are read on a second connection while the due rows are read: the two
        // queries do not depend on each other. (Two reads one after the other, not nested, so
        // a pool of one connection serves them in turn.)
        let (rows, delegates) = std::thread::scope(|scope| {
            let delegates = scope.spawn(|| self.read(|conn| systems::delegates_of_unassigned_due(conn, until)));
            let rows = self.read(|conn| obligations::due(conn, until, farther));
            let delegates =
                delegates.join().unwrap_or_else(|_| Err(StoreError::internal("reading the delegates failed")));
            Ok::<_, StoreError>((rows?, delegates?))
        })?;
        let person_id = |column: &'static str, v: Option<&str>| v.map(|v| parse::<PersonId>(column, v)).transpose();
        // Each system once, shared by its due duties.
        let mut systems_by_id: HashMap<&str, (Arc<DueSystem>, Option<PersonId>)> = HashMap::new();
        let mut assignees = Vec::with_capacity(rows.len());
        for (system_id, kind, _, assignee, _, name, owner, (.., responsible)) in &rows {
            if !systems_by_id.contains_key(system_id.as_str()) {
                let system = DueSystem { id: parse("obligations.system_id", system_id)?, name: name.clone() };
                let owner = person_id("systems.owner_id", owner.as_deref())?;
                systems_by_id.insert(system_id, (Arc::new(system), owner));
            }
            let owner = systems_by_id[system_id.as_str()].1;
            let assignee = assignee_of(
                parse("obligations.kind", kind)?,
                person_id("obligations.assignee_id", assignee.as_deref())?,
                person_id("risk_measures.responsible_id", responsible.as_deref())?,
                || default_assignee_among(delegates.get(system_id).map_or(&[], Vec::as_slice), owner),
            );
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
        for (
            (system_id, kind, subject, _, due, _, _, (interval, last_done, appeared, state, processor, measure, _)),
            assignee_id,
        ) in rows.iter().zip(assignees)
        {
            let Some(due_on) = *due else { continue };
            let kind: ObligationKind = parse("obligations.kind", kind)?;
            let interval = interval.map(|m| u32::try_from(m).unwrap_or(0));
            let changing = state == LifecycleState::Changing.as_str();
            let early = due_early(kind, interval, *last_done, *appeared, due_on, changing, &self.calendar);
            let (system, owner_id) = &systems_by_id[system_id.as_str()];
            let manager = owner_id.and_then(|o| people.get(&o)).and_then(|(_, manager)| *manager);
            out.push(DueDuty {
                kind,
                early,
                interval_months: interval,
                subject: subject.clone(),
                subject_name: processor
                    .clone()
                    .or_else(|| measure.as_deref().map(systemejer_domain::risk::measure_title)),
                due_on,
                owner: owner_id.map(party).transpose()?,
                assignee: assignee_id.map(party).transpose()?,
                owner_manager: manager.map(party).transpose()?,
                system: Arc::clone(system),
            });
        }
        Ok(out)
    }

    /// The tests that failed and were recorded at or after `since`, in systems not retired,
    /// with their owners and the duties' due dates now.
    pub fn failed_results(&self, since: DateTime<Utc>) -> Result<Vec<FailedResult>, StoreError> {
        let (failed, found, duties, names) = self.read(|conn| {
            let failed = obligations::failed_since(conn, since.naive_utc())?;
            let ids: Vec<String> =
                failed.iter().map(|c| c.system_id.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
            let mut names = HashMap::new();
            for email in failed.iter().map(|c| c.recorded_by.clone()).collect::<BTreeSet<_>>() {
                if let Ok(address) = systemejer_domain::EmailAddress::parse(&email)
                    && let Some(p) = people::find_by_email(conn, &address)?
                {
                    names.insert(email, p.name);
                }
            }
            Ok((failed, systems::get_many(conn, &ids)?, obligations::of_systems(conn, &ids)?, names))
        })?;
        let people = self.parties(found.values().filter_map(|s| s.owner_id))?;
        let mut out = Vec::new();
        for completion in failed {
            let Some(system) = found.get(&completion.system_id.to_string()) else { continue };
            if system.lifecycle_state == LifecycleState::Retired {
                continue;
            }
            let subject = completion.subject.clone().unwrap_or_default();
            let duty = duties.get(&completion.system_id.to_string()).and_then(|list| {
                list.iter().find(|d| d.scheduled.kind == completion.kind && d.scheduled.subject == subject)
            });
            // A pass on or after the failure answered it: nothing to tell.
            if duty.and_then(|d| d.scheduled.last_done_on).is_some_and(|passed| passed >= completion.done_on) {
                continue;
            }
            let due_on = duty.and_then(|d| d.scheduled.next_due_on);
            out.push(FailedResult {
                recorded_by_name: names.get(&completion.recorded_by).cloned(),
                system: DueSystem { id: system.id, name: system.name.clone() },
                owner: system.owner_id.and_then(|o| people.get(&o)).map(|(p, _)| Arc::clone(p)),
                due_on,
                completion,
            });
        }
        Ok(out)
    }

    /// The systems being decommissioned whose exit checklist has open steps, with their owners.
    pub fn open_exit_steps(&self) -> Result<Vec<OpenExitSteps>, StoreError> {
        let (found, mut steps) = self.read(|conn| {
            let filter =
                SystemFilter { lifecycle_state: Some(LifecycleState::Decommissioning), ..SystemFilter::default() };
            let found =
                systems::list(conn, &filter, None, &PageRequest { limit: 100_000, offset: 0, cursor: None })?.items;
            let ids: Vec<String> = found.iter().map(|s| s.id.to_string()).collect();
            let mut steps = HashMap::new();
            for chunk in ids.chunks(500) {
                steps.extend(exit_steps::of_systems(conn, chunk)?);
            }
            Ok((found, steps))
        })?;
        let people = self.parties(found.iter().filter_map(|s| s.owner_id))?;
        let mut out = Vec::new();
        for system in found {
            let open: Vec<ExitStepKind> = steps
                .remove(&system.id.to_string())
                .unwrap_or_default()
                .into_iter()
                .filter(|s| s.status == ExitStepStatus::Open)
                .map(|s| s.step)
                .collect();
            if open.is_empty() {
                continue;
            }
            out.push(OpenExitSteps {
                owner: system.owner_id.and_then(|o| people.get(&o)).map(|(p, _)| Arc::clone(p)),
                system: DueSystem { id: system.id, name: system.name.clone() },
                steps: open,
            });
        }
        out.sort_by(|a, b| a.system.name.cmp(&b.system.name));
        Ok(out)
    }

    /// Personal data breaches that still await the report or the decision not to report,
    /// each with the systems it touched and their owners, in a few queries.
    pub fn open_breaches(&self) -> Result<Vec<OpenIncident>, StoreError> {
        self.read(|conn| {
            let open: Vec<Incident> =
                incidents::awaiting_report_all(conn)?.into_iter().filter(Incident::awaits_decision).collect();
            with_systems(conn, open)
        })
    }

    /// What happened since `since` to the systems that process personal data that the DPO is
    /// told of: going into use, a change begun, a new processor; oldest first.
    pub fn dpo_events_since(&self, since: DateTime<Utc>) -> Result<Vec<DpoEvent>, StoreError> {
        self.read(|conn| {
            let went = transitions::into_since(conn, LifecycleState::InUse, since)?;
            let changed = transitions::into_since(conn, LifecycleState::Changing, since)?;
            let agreements = agreements::made_since(conn, since)?;
            let ids: Vec<String> = went
                .iter()
                .chain(&changed)
                .map(|t| t.system_id.to_string())
                .chain(agreements.iter().map(|a| a.system_id.to_string()))
                .collect();
            let touched = systems::get_many(conn, &ids)?;
            let processors =
                processors::names(conn, &agreements.iter().map(|a| a.processor_id.to_string()).collect::<Vec<_>>())?;
            let begun = system_changes::begun_since(conn, since)?;
            let mut out = Vec::new();
            let mut told = |id: String, kind: DpoEventKind, system: SystemId, at: DateTime<Utc>, actor: &str| {
                let Some(s) = touched.get(&system.to_string()).filter(|s| s.processes_personal_data == Some(true))
                else {
                    return;
                };
                let system = DueSystem { id: s.id, name: s.name.clone() };
                out.push(DpoEvent { id, kind, system, at, actor: actor.to_owned() });
            };
            // Into use from procurement: a change ending is not a go-live.
            for t in went.iter().filter(|t| t.from == LifecycleState::Procurement) {
                told(t.id.to_string(), DpoEventKind::WentIntoUse, t.system_id, t.occurred_at, &t.actor);
            }
            for t in &changed {
                let change = begun.iter().find(|c| c.system_id == t.system_id && c.started_at == t.occurred_at);
                let kind = DpoEventKind::ChangeBegan {
                    description: change.map(|c| c.description.clone()).unwrap_or_default(),
                    dpia_needed: change.is_none_or(|c| c.dpia_needed),
                };
                told(t.id.to_string(), kind, t.system_id, t.occurred_at, &t.actor);
            }
            for a in &agreements {
                let processor = processors.get(&a.processor_id.to_string()).cloned().unwrap_or_default();
                told(a.id.to_string(), DpoEventKind::NewProcessor { processor }, a.system_id, a.created_at, "");
            }
            out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
            Ok(out)
        })
    }

    /// The handovers since `since`, oldest first, with what their mails tell.
    pub fn handovers_since(&self, since: DateTime<Utc>) -> Result<Vec<HandoverNews>, StoreError> {
        let today = self.today();
        self.read(|conn| {
            let handovers = owner_handovers::made_since(conn, since)?;
            let people_ids = handovers.iter().flat_map(|h| h.from_owner_id.into_iter().chain([h.to_owner_id]));
            let people = people::get_many(conn, people_ids)?;
            let mut out = Vec::new();
            for handover in handovers {
                let Ok(system) = systems::get(conn, handover.system_id) else { continue };
                let mut portfolio = Vec::new();
                let owned = systems::owned_by(conn, handover.to_owner_id)?;
                let ids: Vec<String> = owned.iter().map(|(id, _)| id.clone()).collect();
                let mut duties = obligations::of_systems(conn, &ids)?;
                for (id, name) in owned {
                    let mut open: Vec<OpenDuty> = duties
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|d| {
                            let due = d.scheduled.next_due_on?;
                            ((due - today).num_days() <= HANDOVER_DUTY_DAYS).then_some((
                                d.scheduled.kind,
                                d.scheduled.subject,
                                due,
                            ))
                        })
                        .collect();
                    open.sort_by_key(|(kind, _, due)| (*due, kind.as_str()));
                    portfolio.push((DueSystem { id: parse("systems.id", &id)?, name }, open));
                }
                out.push(HandoverNews {
                    system: DueSystem { id: system.id, name: system.name.clone() },
                    from: handover.from_owner_id.and_then(|p| people.get(&p)).map(party),
                    to: people.get(&handover.to_owner_id).map(party),
                    handover,
                    portfolio,
                });
            }
            Ok(out)
        })
    }

    /// The incidents not closed, oldest first: what the owners are reminded of weekly.
    pub fn open_incidents(&self) -> Result<Vec<OpenIncident>, StoreError> {
        self.read(|conn| {
            let open = incidents::not_closed_all(conn)?;
            with_systems(conn, open)
        })
    }

    /// The incidents recorded since `since`, oldest first: what the coordinator is told of.
    pub fn incidents_recorded_since(&self, since: DateTime<Utc>) -> Result<Vec<OpenIncident>, StoreError> {
        self.read(|conn| {
            let recorded = incidents::recorded_since(conn, since)?;
            with_systems(conn, recorded)
        })
    }
}

/// Each of `found` with the systems it touched, by name, and their owners.
fn with_systems(conn: &mut crate::AnyConnection, found: Vec<Incident>) -> Result<Vec<OpenIncident>, StoreError> {
    let ids: Vec<String> = found.iter().flat_map(|i| i.system_ids.iter().map(ToString::to_string)).collect();
    let touched = systems::get_many(conn, &ids)?;
    let owners = people::get_many(conn, touched.values().filter_map(|s| s.owner_id))?;
    found
        .into_iter()
        .map(|incident| {
            let systems = incident
                .system_ids
                .iter()
                .map(|id| {
                    let system = touched
                        .get(&id.to_string())
                        .ok_or_else(|| StoreError::NotFound { entity: "system", id: id.to_string() })?;
                    let owner = system.owner_id.and_then(|o| owners.get(&o)).map(party);
                    Ok((system.name.clone(), owner))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(OpenIncident { incident, systems })
        })
        .collect()
}
