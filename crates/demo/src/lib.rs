//! A fictional municipality, *Demo Kommune*, for trying the register and for benchmarks.
//!
//! Directorates, departments and their people (directors, heads of department, leaders and
//! employees, each with a manager); processors; and systems of every kind and lifecycle
//! state with what their owners recorded: risk assessments, DPIA decisions and DPIAs, the
//! record of processing, retention rules, procedures, contingency plans, processing
//! agreements, duties done on time and late, changes under way, exit checklists, and a breach
//! or two. Systems in use carry everything the gate into use asks for, as if they had passed
//! it.
//!
//! The same seed gives the same municipality: names, ids and the mix of states and duties.
//! Dates are counted back from the day it is generated (`today`), so that the mix of duties
//! overdue, due soon and done is the same whichever day it is loaded.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use systemejer_domain::gdpr::{
    CountryCode, Cvr, DataSubjectRight, IsoDuration, ProcessingAgreement, ProcessingRecord, Processor, RetentionRule,
    SubProcessor, SupervisionMethod, TransferBasis,
};
use systemejer_domain::incidents::{AuthorityReport, IncidentChanges, NewIncident};
use systemejer_domain::obligations::{self, Completion, CompletionResult, Evidence, ObligationKind, Via};
use systemejer_domain::operations::{ContingencyPlan, Procedure, ProcedureKind};
use systemejer_domain::records::{Recorded, SystemChange, SystemRecords};
use systemejer_domain::risk::{
    Dpia, DpiaDecision, MeasureStatus, RiskAssessment, RiskLevel, RiskMeasure, RiskPerspective,
};
use systemejer_domain::{
    ArchiveStatus, Criticality, DataFormat, Delegate, DelegateRole, EmailAddress, HostedAt, KleCode, Language,
    LifecycleState, Name, OrgUnit, OrgUnitId, OrgUnitKind, Person, PersonId, Position, ProcessorId, Prose, RecordId,
    System, SystemId, SystemKind, WebUrl,
};
use systemejer_store::{Bulk, BulkCounts, BulkSystem};
use systemejer_store::{OrgUnitFilter, PageRequest, PersonFilter, Store, StoreError, SystemFilter};

/// Who the demo's audit events name.
pub const ACTOR: &str = "demo";

/// How many systems one transaction writes.
const BATCH: usize = 500;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How many systems (the organisation grows with them).
    pub systems: usize,
    /// The seed: the same seed gives the same municipality.
    pub seed: u64,
    /// The day dates are counted back from.
    pub today: NaiveDate,
}

/// What a load wrote.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    /// Rows written, by kind.
    pub counts: BulkCounts,
    /// Incidents recorded (through the register's own path, as a user would).
    pub incidents: usize,
}

/// Fills an empty register with the demo municipality, in transactions of a few hundred
/// systems. Refuses a register that already holds systems, people or org units.
pub fn load(store: &Store, options: Options) -> Result<Summary, StoreError> {
    let page = PageRequest { limit: 1, ..PageRequest::default() };
    let occupied = !store.list_systems(&SystemFilter::default(), &page)?.items.is_empty()
        || !store.list_people(&PersonFilter::default(), &page)?.items.is_empty()
        || !store.list_org_units(&OrgUnitFilter::default(), &page)?.items.is_empty();
    if occupied {
        return Err(StoreError::Conflict {
            code: "register_not_empty",
            message: "the demo is loaded only into an empty register (run it on a fresh database)".into(),
        });
    }
    let mut generator = Generator::new(options);
    let mut summary = Summary::default();
    summary.counts += store.write_bulk(&generator.organisation(), ACTOR)?;
    let intranet = intranet_webhook(store, &mut generator)?;
    let mut breached = Vec::new();
    let mut left_us = None;
    let mut succeeded = false;
    let mut left = options.systems;
    while left > 0 {
        let n = left.min(BATCH);
        let mut systems = generator.systems(n);
        if !succeeded {
            // A retired system that names the system that took over its work (afløses af).
            let state = |s: &BulkSystem, state| s.system.lifecycle_state == state;
            let old = systems.iter().position(|s| state(s, LifecycleState::Retired));
            let new = systems.iter().position(|s| state(s, LifecycleState::InUse));
            if let (Some(old), Some(new)) = (old, new) {
                systems[old].system.successor_id = Some(systems[new].system.id);
                succeeded = true;
            }
        }
        breached.extend(
            systems
                .iter()
                .filter(|s| {
                    s.system.lifecycle_state == LifecycleState::InUse && s.system.processes_personal_data == Some(true)
                })
                .map(|s| s.system.id)
                .take(2usize.saturating_sub(breached.len())),
        );
        if left_us.is_none() {
            left_us = systems
                .iter()
                .rev()
                .find(|s| s.system.lifecycle_state == LifecycleState::InUse)
                .and_then(|s| s.system.owner_id);
        }
        summary.counts += store.write_bulk(&Bulk { systems, ..Bulk::default() }, ACTOR)?;
        left -= n;
    }
    store.analyze()?;
    if let Some(owner) = left_us {
        // An owner who left: the systems they owned need a handover (*overdragelse*).
        let changes = serde_json::from_value(serde_json::json!({"active": false}))
            .map_err(|e| StoreError::internal_from("the demo person change does not parse", e))?;
        store.update_person(owner, &changes, None, ACTOR)?;
    }
    for (i, system) in breached.iter().enumerate() {
        let discovered = generator.at(options.today - Days::new(1 + 20 * i as u64), 9);
        let description = [
            "En medarbejder sendte en liste over borgere til en forkert modtager.",
            "En bærbar computer med lokale kopier af sagsakter blev stjålet.",
        ][i % 2];
        let incident = serde_json::json!({
            "system_ids": [system],
            "discovered_at": discovered,
            "description": description,
            "personal_data_breach": true,
            "data_subject_categories": ["Borgere"],
            "approx_data_subjects": 40 + 60 * i,
            "risk_level": "medium",
        });
        let new = serde_json::from_value(incident)
            .map_err(|e| StoreError::internal_from("the demo incident does not parse", e))?;
        store.create_incident(new, ACTOR)?;
        summary.incidents += 1;
    }
    if let Some(system) = breached.first() {
        closed_breach(store, *system, generator.at(options.today - Days::new(45), 14))?;
        summary.incidents += 1;
    }
    if let Some(system) = breached.first() {
        // The DPO's voice: advice on the DPIA decision, which the owner followed.
        let advice = serde_json::json!({
            "topic": "dpia_decision",
            "given_on": options.today - Days::new(200),
            "advice": "Behandlingen omfatter oplysninger om borgernes helbred: lav en konsekvensanalyse (DPIA).",
            "followed": true,
        });
        let new = serde_json::from_value(advice)
            .map_err(|e| StoreError::internal_from("the demo advice does not parse", e))?;
        store.add_dpo_advice(*system, new, "dpo@demo-kommune.dk")?;
    }
    if let Some(system) = breached.last() {
        // A security incident that is no breach, still open: its owner is reminded weekly.
        let outage = serde_json::json!({
            "system_ids": [system],
            "discovered_at": generator.at(options.today - Days::new(12), 7),
            "description": "Systemet var utilgængeligt i seks timer efter en opdatering, der slog fejl.",
            "personal_data_breach": false,
            "measures": "Opdateringen er rullet tilbage; leverandøren undersøger fejlen.",
        });
        let new = serde_json::from_value(outage)
            .map_err(|e| StoreError::internal_from("the demo incident does not parse", e))?;
        store.create_incident(new, ACTOR)?;
        summary.incidents += 1;
    }
    // The intranet's receiver is not ready yet: the subscription is paused, and what it was
    // sent meanwhile waits in its queue (a demo sends nothing anywhere).
    let paused = serde_json::from_value(serde_json::json!({"active": false}))
        .map_err(|e| StoreError::internal_from("the demo webhook change does not parse", e))?;
    store.update_webhook(intranet, &paused, None, ACTOR)?;
    Ok(summary)
}

/// A webhook subscription of the municipality's intranet, which copies breaches and moves of
/// systems: made active, so that what the demo records after it is queued for it.
fn intranet_webhook(store: &Store, generator: &mut Generator) -> Result<systemejer_domain::WebhookId, StoreError> {
    let new = serde_json::from_value(serde_json::json!({
        "url": "https://intranet.demo-kommune.dk/hooks/systemejer",
        "events": ["breach.recorded", "breach.reported", "system.state_changed", "system.changed"],
        "description": "Intranettets kopi af registret",
        "contact_email": "it-drift@demo-kommune.dk",
    }))
    .map_err(|e| StoreError::internal_from("the demo webhook does not parse", e))?;
    let key = [generator.id().into_bytes(), generator.id().into_bytes()].concat();
    let secret = systemejer_domain::webhooks::WebhookSecret::from_key(&key)
        .map_err(|e| StoreError::internal_from("the demo webhook secret", e))?;
    Ok(store.create_webhook(new, &secret, ACTOR)?.id)
}

/// A breach handled from end to end: a high risk to the data subjects, reported to
/// Datatilsynet within the 72 hours, the people told by letter (art. 34), and closed.
fn closed_breach(store: &Store, system: SystemId, discovered: DateTime<Utc>) -> Result<(), StoreError> {
    fn parse<T: serde::de::DeserializeOwned>(what: &str, v: serde_json::Value) -> Result<T, StoreError> {
        serde_json::from_value(v).map_err(|e| StoreError::internal_from(format!("the demo {what} does not parse"), e))
    }
    let new: NewIncident = parse(
        "breach",
        serde_json::json!({
            "system_ids": [system],
            "discovered_at": discovered,
            "description": "Et brev med helbredsoplysninger blev sendt til en forkert adresse.",
            "personal_data_breach": true,
            "data_subject_categories": ["Borgere"],
            "approx_data_subjects": 1,
            "risk_level": "high",
        }),
    )?;
    let id = store.create_incident(new, ACTOR)?.id;
    let report: AuthorityReport = parse(
        "report",
        serde_json::json!({"reported_at": discovered + chrono::Duration::hours(20), "reference": "DT-DEMO-1"}),
    )?;
    store.add_incident_report(id, report, ACTOR)?;
    let handled: IncidentChanges = parse(
        "decision",
        serde_json::json!({
            "measures": "Modtageren har bekræftet, at brevet er destrueret.",
            "cause": "Adressen blev slået op i en forældet kopi af folkeregisteret.",
            "subjects_notified_at": discovered + chrono::Duration::days(2),
            "subjects_notified_how": "Brev i Digital Post med en forklaring og en kontaktperson",
            "closed_at": discovered + chrono::Duration::days(9),
        }),
    )?;
    store.update_incident(id, &handled, None, ACTOR)?;
    Ok(())
}

/// The parts the municipality is built from, drawn in a fixed order from one seeded stream.
pub struct Generator {
    rng: ChaCha8Rng,
    today: NaiveDate,
    departments: Vec<Department>,
    wanted_departments: usize,
    processors: Vec<ProcessorId>,
    /// A processor established outside the EU/EEA (a cloud service in the United States).
    abroad: Option<ProcessorId>,
    next_system: usize,
}

/// A department and the people a system there can be given to.
#[derive(Debug, Clone)]
struct Department {
    id: OrgUnitId,
    area: &'static str,
    /// Eligible owners: the head of department and the leaders under them.
    owners: Vec<PersonId>,
    /// Employees: delegates.
    staff: Vec<PersonId>,
}

const DIRECTORATES: &[(&str, &[&str])] = &[
    ("Børn og Unge", &["Dagtilbud", "Skole", "PPR", "Familieafdelingen", "Sundhedsplejen"]),
    ("Social og Sundhed", &["Hjemmepleje", "Plejecentre", "Handicap og Psykiatri", "Træning", "Myndighed"]),
    ("Beskæftigelse", &["Jobcenter", "Ydelsesservice", "Integration", "Ungeindsatsen"]),
    ("Teknik og Miljø", &["Byggesag", "Natur og Miljø", "Veje og Trafik", "Ejendomme", "Beredskab"]),
    ("Kultur og Fritid", &["Biblioteker", "Idræt", "Musikskole", "Borgerservice"]),
    ("Økonomi og Digitalisering", &["Økonomi", "Løn og Personale", "IT og Digitalisering", "Indkøb", "Jura"]),
];

const FIRST_NAMES: &[&str] = &[
    "Anne", "Mette", "Hanne", "Susanne", "Lene", "Camilla", "Louise", "Maria", "Sofie", "Ida", "Peter", "Jens", "Lars",
    "Søren", "Niels", "Henrik", "Thomas", "Michael", "Rasmus", "Mads", "Karen", "Birgitte", "Jesper", "Anders",
    "Morten", "Line", "Trine", "Kasper", "Mikkel", "Emma",
];
const LAST_NAMES: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Holm",
    "Lund",
    "Bach",
    "Dahl",
    "Friis",
];
const SYSTEM_TYPES: &[(&str, SystemKind, &str)] = &[
    ("Sagsbehandling", SystemKind::ItSystem, "Journalisering og behandling af sager"),
    ("Elevadministration", SystemKind::ItSystem, "Elever, klasser og fravær"),
    ("Pladsanvisning", SystemKind::OnlineService, "Ansøgning om og tildeling af pladser"),
    ("Omsorgsjournal", SystemKind::ItSystem, "Dokumentation af pleje og sundhed"),
    ("Ydelsesberegning", SystemKind::ItSystem, "Beregning og udbetaling af ydelser"),
    ("Lokalebooking", SystemKind::OnlineService, "Booking af lokaler og haller"),
    ("Vagtplan", SystemKind::ItSystem, "Planlægning af vagter og ruter"),
    ("Borgerapp", SystemKind::App, "Selvbetjening for borgere på mobilen"),
    ("Indkøbsportal", SystemKind::OnlineService, "Bestilling og fakturering"),
    ("Lønsystem", SystemKind::ItSystem, "Løn, fravær og personaledata"),
    ("Geodata", SystemKind::Database, "Kort, matrikler og tekniske anlæg"),
    ("Byggesagsportal", SystemKind::OnlineService, "Ansøgning om byggetilladelse"),
    ("Dokumentarkiv", SystemKind::Database, "Arkivering af dokumenter"),
    ("Taleoptagelse", SystemKind::App, "Optagelse og transskription af møder"),
    ("Kvalitetsdata", SystemKind::Database, "Nøgletal og indberetninger"),
    ("Bibliotekssystem", SystemKind::ItSystem, "Udlån, reserveringer og materialer"),
];
const VENDORS: &[&str] =
    &["Nordlys Software A/S", "Kommunedata Syd ApS", "Bølge IT A/S", "Fjordsystemer A/S", "Lindegaard Digital ApS"];
const KLE: &[&str] = &["00.01.00", "17.02.00", "27.24.00", "32.18.08", "15.00.00", "02.34.02", "85.02.02"];

// The generator's texts are its own constants (and ids): they parse, and the tests load every
// kind of system the generator makes, so a text that did not would fail them at once.
#[allow(clippy::expect_used)]
fn name(text: &str) -> Name {
    Name::parse(text).expect("the demo's names parse")
}

#[allow(clippy::expect_used)]
fn prose(text: &str) -> Prose {
    Prose::parse(text).expect("the demo's texts parse")
}

fn sub_processor(company: &str, country: &str, basis: Option<TransferBasis>) -> SubProcessor {
    SubProcessor { name: name(company), country: parsed(CountryCode::parse(country)), transfer_basis: basis }
}

#[allow(clippy::expect_used)]
fn url(path: &str) -> WebUrl {
    WebUrl::parse(&format!("https://intranet.demo-kommune.dk/{path}")).expect("the demo's URLs parse")
}

#[allow(clippy::expect_used)]
fn parsed<T, E: std::fmt::Debug>(value: Result<T, E>) -> T {
    value.expect("the demo's constants parse")
}

/// A CVR number with a valid check digit (weights 2,7,6,5,4,3,2,1; the sum divisible by 11).
fn cvr(seed: u32) -> Option<Cvr> {
    const WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];
    (0..1000).find_map(|step| {
        let n = 10_000_000 + (seed.wrapping_mul(7919).wrapping_add(step * 13)) % 89_999_999;
        let digits: Vec<u32> = n.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        sum.is_multiple_of(11).then(|| Cvr::parse(&n.to_string()).ok()).flatten()
    })
}

impl Generator {
    /// A generator for `options`.
    pub fn new(options: Options) -> Self {
        // About fifteen systems per department, and never fewer than the directorates' own.
        let wanted = (options.systems / 15).max(DIRECTORATES.iter().map(|(_, areas)| areas.len()).sum());
        Self {
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            today: options.today,
            departments: Vec::new(),
            wanted_departments: wanted,
            processors: Vec::new(),
            abroad: None,
            next_system: 0,
        }
    }

    fn id(&mut self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    /// A moment on `day` at `hour` (UTC).
    pub fn at(&self, day: NaiveDate, hour: u32) -> DateTime<Utc> {
        day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default()).and_utc()
    }

    fn days_ago(&mut self, max: u64) -> NaiveDate {
        let back = self.rng.random_range(0..=max);
        self.today - Days::new(back)
    }

    fn person(
        &mut self,
        position: Position,
        unit: OrgUnitId,
        manager: Option<PersonId>,
        number: usize,
        created: DateTime<Utc>,
    ) -> Person {
        let first = *FIRST_NAMES.choose(&mut self.rng).unwrap_or(&"Anne");
        let last = *LAST_NAMES.choose(&mut self.rng).unwrap_or(&"Jensen");
        let email = format!("{}.{}.{number}@demo-kommune.dk", first.to_lowercase(), last.to_lowercase())
            .replace('ø', "oe")
            .replace('æ', "ae")
            .replace('å', "aa");
        Person {
            id: PersonId::from_uuid(self.id()),
            name: format!("{first} {last}"),
            email: parsed(EmailAddress::parse(&email)),
            position,
            org_unit_id: Some(unit),
            manager_id: manager,
            // Now and then an employee has left (kept, inactive: never mailed, never given a duty).
            active: position != Position::Employee || !number.is_multiple_of(97),
            language: if number.is_multiple_of(41) { Language::En } else { Language::Da },
            version: 1,
            created_at: created,
            updated_at: created,
        }
    }

    /// The organisation: the municipality, its directorates and departments, their people,
    /// and the processors systems are bought from.
    pub fn organisation(&mut self) -> Bulk {
        let created = self.at(self.today - Days::new(3 * 365), 8);
        let unit = |id: OrgUnitId, name: String, kind: OrgUnitKind, parent: Option<OrgUnitId>| OrgUnit {
            id,
            name,
            kind,
            parent_id: parent,
            version: 1,
            created_at: created,
            updated_at: created,
        };
        let mut bulk = Bulk::default();
        let root = OrgUnitId::from_uuid(self.id());
        bulk.org_units.push(unit(root, "Demo Kommune".into(), OrgUnitKind::Municipality, None));
        let mut people = 0;
        let ceo = self.person(Position::Director, root, None, people, created);
        let ceo_id = ceo.id;
        bulk.people.push(ceo);
        let per_directorate = self.wanted_departments.div_ceil(DIRECTORATES.len());
        for (directorate, areas) in DIRECTORATES {
            let dir_id = OrgUnitId::from_uuid(self.id());
            bulk.org_units.push(unit(dir_id, (*directorate).into(), OrgUnitKind::Directorate, Some(root)));
            people += 1;
            let director = self.person(Position::Director, dir_id, Some(ceo_id), people, created);
            let director_id = director.id;
            bulk.people.push(director);
            for n in 0..per_directorate {
                let area = areas[n % areas.len()];
                let dept_name =
                    if n < areas.len() { area.to_owned() } else { format!("{area} {}", n / areas.len() + 1) };
                let dept_id = OrgUnitId::from_uuid(self.id());
                bulk.org_units.push(unit(dept_id, dept_name, OrgUnitKind::Department, Some(dir_id)));
                people += 1;
                let head = self.person(Position::HeadOfDepartment, dept_id, Some(director_id), people, created);
                let head_id = head.id;
                bulk.people.push(head);
                let mut department = Department { id: dept_id, area, owners: vec![head_id], staff: Vec::new() };
                for _ in 0..self.rng.random_range(1..=2) {
                    people += 1;
                    let leader = self.person(Position::Leader, dept_id, Some(head_id), people, created);
                    let leader_id = leader.id;
                    if leader.active {
                        department.owners.push(leader_id);
                    }
                    bulk.people.push(leader);
                    for _ in 0..self.rng.random_range(2..=4) {
                        people += 1;
                        let employee = self.person(Position::Employee, dept_id, Some(leader_id), people, created);
                        if employee.active {
                            department.staff.push(employee.id);
                        }
                        bulk.people.push(employee);
                    }
                }
                self.departments.push(department);
            }
        }
        for (i, vendor) in VENDORS.iter().enumerate() {
            let id = ProcessorId::from_uuid(self.id());
            self.processors.push(id);
            bulk.processors.push(Processor {
                id,
                name: (*vendor).into(),
                cvr: cvr(u32::try_from(i).unwrap_or(u32::MAX) + 1),
                country: parsed(CountryCode::parse("DK")),
                contact: Some(format!(
                    "dpo@{}.dk",
                    vendor.split_whitespace().next().unwrap_or("leverandoer").to_lowercase()
                )),
                version: 1,
                created_at: created,
                updated_at: created,
            });
        }
        // A cloud service established in a third country: a transfer under chapter V.
        let abroad = ProcessorId::from_uuid(self.id());
        self.abroad = Some(abroad);
        bulk.processors.push(Processor {
            id: abroad,
            name: "Northwind Cloud Inc.".into(),
            cvr: None,
            country: parsed(CountryCode::parse("US")),
            contact: Some("privacy@northwind-cloud.example".into()),
            version: 1,
            created_at: created,
            updated_at: created,
        });
        bulk
    }

    /// The next `n` systems.
    pub fn systems(&mut self, n: usize) -> Vec<BulkSystem> {
        (0..n).map(|_| self.system()).collect()
    }

    fn recorded<D>(&mut self, system: SystemId, record: D, on: NaiveDate, approver: Option<PersonId>) -> Recorded<D> {
        let recorded_at = self.at(on, 10);
        Recorded {
            id: RecordId::from_uuid(self.id()),
            system_id: system,
            record,
            recorded_by: ACTOR.into(),
            recorded_at,
            approved_by: approver,
            approved_at: approver.map(|_| self.at(on, 14)),
        }
    }

    fn system(&mut self) -> BulkSystem {
        let number = self.next_system;
        self.next_system += 1;
        let department = self.departments[self.rng.random_range(0..self.departments.len())].clone();
        let (base, kind, purpose) = *SYSTEM_TYPES.choose(&mut self.rng).unwrap_or(&SYSTEM_TYPES[0]);
        let state = match self.rng.random_range(0..100) {
            0..6 => LifecycleState::Procurement,
            6..80 => LifecycleState::InUse,
            80..87 => LifecycleState::Changing,
            87..93 => LifecycleState::Decommissioning,
            _ => LifecycleState::Retired,
        };
        let id = SystemId::from_uuid(self.id());
        let owner = *department.owners.choose(&mut self.rng).unwrap_or(&department.owners[0]);
        let personal = self.rng.random_bool(0.6);
        let sensitive = personal && self.rng.random_bool(0.35);
        let criticality =
            *[Criticality::Low, Criticality::Medium, Criticality::Medium, Criticality::High, Criticality::Critical]
                .choose(&mut self.rng)
                .unwrap_or(&Criticality::Medium);
        let vendor = *VENDORS.choose(&mut self.rng).unwrap_or(&VENDORS[0]);
        let hosted_by_vendor = self.rng.random_bool(0.7);
        let went_live = self.days_ago(6 * 365) - Days::new(30);
        let created_at = self.at(went_live - Days::new(60), 9);
        let delegates: Vec<Delegate> = department
            .staff
            .choose_multiple(&mut self.rng, 2)
            .enumerate()
            .map(|(i, p)| Delegate {
                person_id: *p,
                role: if i == 0 { DelegateRole::Systemforvalter } else { DelegateRole::Contact },
            })
            .collect();
        let system = System {
            id,
            name: format!("{base} – {} ({})", department.area, number + 1),
            kind,
            purpose: Some(purpose.into()),
            description: Some(format!("{purpose} i {}.", department.area)),
            vendor: Some(vendor.into()),
            hosting: Some(if hosted_by_vendor { format!("Hos {vendor}") } else { "Kommunens datacenter".into() }),
            hosted_at: Some(if hosted_by_vendor { HostedAt::External } else { HostedAt::OnPremises }),
            no_processor_reason: None,
            business_processes: vec![purpose.into()],
            data_formats: vec![DataFormat::Text],
            processes_personal_data: Some(personal),
            processes_sensitive_data: Some(sensitive),
            processes_cpr_numbers: Some(personal && self.rng.random_bool(0.5)),
            kle_codes: vec![parsed(KleCode::parse(KLE.choose(&mut self.rng).unwrap_or(&KLE[0])))],
            criticality: Some(criticality),
            self_service_links: Vec::new(),
            data_subject_rights: if personal {
                vec![DataSubjectRight::Access, DataSubjectRight::Rectification, DataSubjectRight::Erasure]
            } else {
                Vec::new()
            },
            archive_status: if personal { ArchiveStatus::PreserveDataDiscardDocuments } else { ArchiveStatus::Discard },
            archive_body: personal.then(|| "Demo Stadsarkiv".into()),
            archive_notified_on: personal.then_some(went_live - Days::new(20)),
            contract_notice_on: Some(self.today + Months::new(self.rng.random_range(1..30))),
            owner_id: Some(owner),
            org_unit_id: Some(department.id),
            delegates: delegates.clone(),
            successor_id: None,
            predecessor_ids: Vec::new(),
            lifecycle_state: state,
            version: 1,
            created_at,
            updated_at: created_at,
        };
        let mut records = SystemRecords::default();
        let mut completions = Vec::new();
        if state == LifecycleState::Procurement {
            // Being bought: an assessment drafted, not yet approved.
            let on = self.days_ago(30);
            let draft = self.risk(RiskPerspective::InformationSecurity, on);
            records.risk_assessments.push(self.recorded(id, draft, on, None));
            if personal
                && hosted_by_vendor
                && let Some(abroad) = self.abroad.filter(|_| number.is_multiple_of(2))
            {
                // Being negotiated with a cloud service abroad: no transfer basis yet, for the
                // processor nor for its support desk in India.
                let mut agreement = self.agreement(id, abroad, on, None);
                agreement.signed_on = None;
                agreement.sub_processors = vec![sub_processor("Northwind Support Pvt. Ltd.", "IN", None)];
                records.processor_countries.insert(abroad, parsed(CountryCode::parse("US")));
                records.agreements.push(agreement);
            }
            return BulkSystem { system, records, completions };
        }
        // Through the gate into use: everything it asks for, approved by the owner.
        let in_use_days = u64::try_from((self.today - went_live).num_days()).unwrap_or(0);
        let assessed = self.days_ago(in_use_days.min(400));
        let assessment = self.risk(RiskPerspective::InformationSecurity, assessed);
        records.risk_assessments.push(self.recorded(id, assessment, assessed, Some(owner)));
        let decided = went_live - Days::new(40);
        let decision = DpiaDecision {
            needed: sensitive,
            reason: prose(if sensitive {
                "Systemet behandler følsomme oplysninger om mange borgere."
            } else {
                "Ingen høj risiko for de registrerede."
            }),
            dpo_consulted_on: decided,
        };
        records.dpia_decision = Some(self.recorded(id, decision, decided, None));
        if sensitive {
            let dpia = Dpia {
                performed_on: decided + Days::new(10),
                document_url: url(&format!("dpia/{id}")),
                summary: Some(prose("Risici for de registrerede er håndteret med adgangsstyring og logning.")),
            };
            // Reviewed (approved again) now and then since: the review falls due every 24 months.
            let reviewed = self.days_ago(in_use_days.min(800));
            records.dpias.push(self.recorded(id, dpia, reviewed.max(decided + Days::new(12)), Some(owner)));
        }
        if personal {
            let subject_view = self.risk(RiskPerspective::DataSubject, assessed);
            let mut recorded = self.recorded(id, subject_view, assessed, Some(owner));
            recorded.approved_at = Some(self.at(assessed, 15));
            records.risk_assessments.push(recorded);
            let rule = RetentionRule {
                data_category: name("Sagsakter"),
                retention_period: parsed(IsoDuration::parse("P5Y")),
                legal_basis: prose("Arkivlovens bevaringsbestemmelser og forvaltningslovens notatpligt."),
            };
            records.retention_rules.push(self.recorded(id, rule, decided, None));
            let processing = ProcessingRecord {
                purposes: vec![name(purpose)],
                data_subject_categories: vec![name("Borgere")],
                personal_data_categories: vec![name(if sensitive {
                    "Helbredsoplysninger"
                } else {
                    "Almindelige personoplysninger"
                })],
                recipients: vec![name("Relevante myndigheder")],
                third_country_transfers: Vec::new(),
                retention_summary: prose("Slettes fem år efter sagens afslutning."),
                security_measures: prose("Rollebaseret adgang, logning af opslag og kryptering under transport."),
            };
            records.processing_record = Some(self.recorded(id, processing, decided, None));
            if hosted_by_vendor {
                let drawn = *self.processors.choose(&mut self.rng).unwrap_or(&self.processors[0]);
                // Now and then the cloud service abroad, under the Commission's standard clauses.
                let processor = self.abroad.filter(|_| number % 10 == 3).unwrap_or(drawn);
                // Some agreements run out within the next months: their expiry is a duty.
                let expires =
                    (number.is_multiple_of(6)).then(|| self.today + Days::new(10 + (number as u64 * 13) % 150));
                let mut agreement = self.agreement(id, processor, decided, expires);
                if Some(processor) == self.abroad {
                    agreement.transfer_basis = Some(TransferBasis::StandardContractualClauses);
                    records.processor_countries.insert(processor, parsed(CountryCode::parse("US")));
                } else {
                    records.processor_countries.insert(processor, parsed(CountryCode::parse("DK")));
                }
                if number.is_multiple_of(4) {
                    agreement.sub_processors = vec![sub_processor("Nordisk Datacenter AB", "SE", None)];
                }
                records.agreements.push(agreement);
            }
        }
        for (kind, title) in [
            (ProcedureKind::UserAdministration, "Oprettelse og nedlæggelse af brugere"),
            (ProcedureKind::AccessReview, "Gennemgang af adgange"),
            (ProcedureKind::Backup, "Backup og genetablering"),
        ] {
            let procedure = Procedure {
                kind,
                title: name(title),
                document_url: url(&format!("procedurer/{id}/{kind}")),
                approved_on: Some(decided),
            };
            records.procedures.push(self.recorded(id, procedure, decided, None));
        }
        if matches!(criticality, Criticality::High | Criticality::Critical) || self.rng.random_bool(0.3) {
            let plan = ContingencyPlan {
                document_url: url(&format!("beredskab/{id}")),
                manual_procedures: prose("Sager noteres på papirblanket og registreres, når systemet er tilbage."),
            };
            records.contingency_plan = Some(self.recorded(id, plan, decided, Some(owner)));
        }
        if number.is_multiple_of(3) && state != LifecycleState::Retired {
            // The assessment's measures: one in place, one under way; now and then one late.
            let assessment = records.risk_assessments[0].id;
            let responsible = delegates.first().map_or(owner, |d| d.person_id);
            let mut measures = vec![
                ("Tofaktorlogin for administratorer", assessed + Days::new(30), true),
                ("Kryptering af backup hos leverandøren", self.today + Days::new(5 + number as u64 % 60), false),
            ];
            if number.is_multiple_of(9) {
                measures.push((
                    "Logning af opslag på følsomme sager",
                    self.today - Days::new(20 + number as u64 % 30),
                    false,
                ));
            }
            for (what, due_on, done) in measures {
                let at = self.at(assessed, 16);
                records.risk_measures.push(RiskMeasure {
                    id: RecordId::from_uuid(self.id()),
                    system_id: id,
                    risk_assessment_id: assessment,
                    measure: what.into(),
                    responsible_id: responsible,
                    due_on,
                    status: if done { MeasureStatus::Implemented } else { MeasureStatus::Planned },
                    implemented_on: done.then_some(due_on.min(self.today)),
                    rejection_reason: None,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                });
            }
        }
        if state == LifecycleState::Changing {
            let began = self.days_ago(60);
            records.open_change = Some(SystemChange {
                id: RecordId::from_uuid(self.id()),
                system_id: id,
                description: "Ny modul til digital selvbetjening".into(),
                dpia_needed: false,
                started_by: ACTOR.into(),
                started_at: self.at(began, 12),
                ended_at: None,
            });
        }
        if state != LifecycleState::Retired {
            // Duties done: most on time, some late, now and then a failed test. Which duties
            // the system has, and how often each falls due, is the domain's rule.
            // Only the recurring duties are done here: the one-offs (and whether the owner is
            // eligible, which only a handover duty asks) do not matter.
            for duty in obligations::required(&system, &records, &[], None, chrono_tz::Europe::Copenhagen) {
                let Some(months) = duty.interval_months.filter(|_| !duty.kind.done_by_approval()) else { continue };
                let done_on = self.days_ago(u64::from(months) * 30 * 11 / 10);
                let failed = duty.kind != ObligationKind::ProcessorSupervision && self.rng.random_range(0..40) == 0;
                // Only a test can fail (the draw is kept, so that the stream stays the same).
                let failed = failed && duty.kind.reports_a_result();
                completions.push(self.completion(id, duty.kind, duty.subject, done_on, failed));
            }
        }
        BulkSystem { system, records, completions }
    }

    fn agreement(
        &mut self,
        system: SystemId,
        processor: ProcessorId,
        signed_on: NaiveDate,
        expires_on: Option<NaiveDate>,
    ) -> ProcessingAgreement {
        ProcessingAgreement {
            id: RecordId::from_uuid(self.id()),
            system_id: system,
            processor_id: processor,
            signed_on: Some(signed_on),
            expires_on,
            document_url: Some(url(&format!("databehandleraftaler/{system}"))),
            supervision_method: SupervisionMethod::Isae3000,
            supervision_interval_months: 12,
            transfer_basis: None,
            sub_processors: Vec::new(),
            terminated_on: None,
            termination_reason: None,
            version: 1,
            created_at: self.at(signed_on, 11),
        }
    }

    fn completion(
        &mut self,
        system: SystemId,
        kind: ObligationKind,
        subject: String,
        done_on: NaiveDate,
        failed: bool,
    ) -> Completion {
        Completion {
            id: RecordId::from_uuid(self.id()),
            system_id: system,
            kind,
            subject: (!subject.is_empty()).then_some(subject),
            done_on,
            result: if failed { CompletionResult::Failed } else { CompletionResult::Passed },
            // A review of the software's updates names the version in use and its last update.
            evidence: (kind == ObligationKind::PatchReview).then(|| Evidence::PatchReview {
                version_in_use: prose(&format!("{}.{}", done_on.year(), done_on.month())),
                last_updated_on: done_on - chrono::Duration::days(14),
            }),
            notes: failed.then(|| "Genetablering fejlede; leverandøren retter og vi tester igen.".into()),
            document_url: None,
            recorded_by: ACTOR.into(),
            recorded_at: self.at(done_on, 15),
            via: Via::Api,
        }
    }

    fn risk(&mut self, perspective: RiskPerspective, performed_on: NaiveDate) -> RiskAssessment {
        let level = *[RiskLevel::Low, RiskLevel::Medium, RiskLevel::Medium, RiskLevel::High]
            .choose(&mut self.rng)
            .unwrap_or(&RiskLevel::Medium);
        RiskAssessment {
            perspective,
            performed_on,
            risk_level: level,
            confidentiality: Some(level),
            integrity: Some(RiskLevel::Medium),
            availability: Some(level),
            summary: prose("Trusler mod fortrolighed, integritet og tilgængelighed er vurderet med leverandøren."),
            document_url: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;

    use systemejer_domain::lifecycle::evaluate;
    use systemejer_domain::{OwnerCandidate, TransitionFacts};

    use super::*;

    fn options(seed: u64) -> Options {
        Options { systems: 400, seed, today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap() }
    }

    fn generate(seed: u64) -> (Bulk, Vec<BulkSystem>) {
        let mut generator = Generator::new(options(seed));
        let organisation = generator.organisation();
        (organisation, generator.systems(400))
    }

    #[test]
    fn the_same_seed_gives_the_same_municipality() {
        let (org_a, systems_a) = generate(42);
        let (org_b, systems_b) = generate(42);
        assert_eq!(format!("{org_a:?}"), format!("{org_b:?}"));
        assert_eq!(format!("{systems_a:?}"), format!("{systems_b:?}"));
        let (_, other) = generate(43);
        assert_ne!(format!("{systems_a:?}"), format!("{other:?}"));
    }

    /// The systems in use are what the gate into use lets through: an eligible owner, a
    /// complete description, approved assessments, DPIA, procedures, plans and agreements.
    #[test]
    fn every_system_past_procurement_meets_the_gate_into_use() {
        let (organisation, systems) = generate(1);
        let people: HashMap<PersonId, &Person> = organisation.people.iter().map(|p| (p.id, p)).collect();
        let mut checked = 0;
        for item in systems.iter().filter(|s| s.system.lifecycle_state != LifecycleState::Procurement) {
            let owner = people[&item.system.owner_id.unwrap()];
            let candidate = OwnerCandidate {
                id: owner.id,
                position: owner.position,
                active: owner.active,
                manager_position: owner.manager_id.map(|m| people[&m].position),
            };
            let facts = TransitionFacts {
                system: &item.system,
                owner: Some(candidate),
                records: &item.records,
                reason: None,
                change_description: None,
                dpia_needed: None,
                today: options(1).today,
                // As if each owner had made the move (the bulk load writes the state).
                by_owner: true,
            };
            let verdict = evaluate(LifecycleState::Procurement, LifecycleState::InUse, &facts);
            assert!(verdict.is_ok(), "{}: {verdict:?}", item.system.name);
            for delegate in &item.system.delegates {
                assert!(people[&delegate.person_id].active && Some(delegate.person_id) != item.system.owner_id);
            }
            checked += 1;
        }
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn the_processors_cvr_numbers_carry_their_check_digit() {
        for seed in 1..50 {
            assert!(cvr(seed).is_some(), "{seed}");
        }
    }
}
