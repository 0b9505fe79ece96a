//! An IT system in the register and its description (*systembeskrivelse*).
//!
//! The guidance defines a system broadly: an IT system, an online service, a database or an
//! app used in the municipality's work, handling data as text, speech, images, video or other
//! digital formats. Its description must be complete before it goes into use.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::gdpr::DataSubjectRight;
use crate::ids::{OrgUnitId, PersonId, SystemId};
use crate::lifecycle::LifecycleState;
use crate::values::{KleCode, Name, ParseError, Prose, Text, parse_web_url};

string_enum! {
    /// Who runs the system (*driftsform*; Kitos calls it `hostedAt`). Whether a data processor
    /// is involved depends on it: data the municipality's own operation holds is processed by no
    /// one else.
    pub enum HostedAt {
        /// The municipality's own operation (*egen drift*): its data centre or its staff.
        OnPremises => "on_premises",
        /// A vendor's or a cloud service's operation (*ekstern drift*).
        External => "external",
        /// Partly the municipality's own, partly external.
        Hybrid => "hybrid",
    }
}

impl HostedAt {
    /// Whether someone other than the municipality runs (part of) it: then whoever does
    /// processes its personal data as a data processor.
    pub const fn by_others(self) -> bool {
        matches!(self, HostedAt::External | HostedAt::Hybrid)
    }
}

string_enum! {
    /// What kind of system it is, in the guidance's words.
    pub enum SystemKind {
        /// *It-system*: an application.
        ItSystem => "it_system",
        /// *Online tjeneste*: a web service used through a browser.
        OnlineService => "online_service",
        /// *Database*.
        Database => "database",
        /// *App* on a phone or tablet.
        App => "app",
    }
}

string_enum! {
    /// The formats of the data the system handles.
    pub enum DataFormat {
        /// Text and structured data.
        Text => "text",
        /// Speech and other audio.
        Speech => "speech",
        /// Images.
        Images => "images",
        /// Video.
        Video => "video",
        /// Any other digital format.
        Other => "other",
    }
}

string_enum! {
    /// How much the municipality's work depends on the system. `high` and `critical` systems
    /// need a contingency plan and get stricter intervals for their duties.
    pub enum Criticality {
        /// Work goes on without it.
        Low => "low",
        /// Work is hampered without it.
        Medium => "medium",
        /// Important work stops without it.
        High => "high",
        /// Life, health or legal rights depend on it.
        Critical => "critical",
    }
}

string_enum! {
    /// The role of a delegate: the owner hands tasks over, but stays accountable.
    pub enum DelegateRole {
        /// *Systemforvalter*: runs the system day to day on the owner's behalf.
        Systemforvalter => "systemforvalter",
        /// *Daglig kontaktperson*: the everyday contact.
        Contact => "contact",
    }
}

string_enum! {
    /// Whether the system's data must be preserved for the archive (*bevaring og kassation*).
    pub enum ArchiveStatus {
        /// Not decided yet.
        Undecided => "undecided",
        /// Preserve (B): delivered to the archive body.
        Preserve => "preserve",
        /// Discard (K): may be deleted when its retention period ends.
        Discard => "discard",
        /// Preserve the data, discard the documents.
        PreserveDataDiscardDocuments => "preserve_data_discard_documents",
    }
}

impl ArchiveStatus {
    /// Whether something must be delivered to the archive before it is deleted.
    pub const fn must_preserve(self) -> bool {
        matches!(self, ArchiveStatus::Preserve | ArchiveStatus::PreserveDataDiscardDocuments)
    }
}

/// A person who does tasks for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delegate {
    /// The delegate.
    pub person_id: PersonId,
    /// What they do.
    pub role: DelegateRole,
}

/// A self-service link to the system (the municipal site, borger.dk, virk.dk), which must be
/// removed when the system is shut down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawLink")]
pub struct SelfServiceLink {
    /// What the link is called where it is published.
    pub title: String,
    /// Where it points (http or https).
    pub url: String,
}

#[derive(Deserialize)]
struct RawLink {
    title: String,
    url: String,
}

impl TryFrom<RawLink> for SelfServiceLink {
    type Error = ParseError;
    fn try_from(raw: RawLink) -> Result<Self, Self::Error> {
        let title = crate::values::Name::parse(&raw.title)
            .map_err(|e| ParseError::new(e.rule, format!("title {}", e.message)))?;
        let url = parse_web_url(&raw.url).map_err(|e| ParseError::new(e.rule, format!("url {}", e.message)))?;
        Ok(Self { title: title.into_string(), url })
    }
}

/// An IT system with its description, its owner and delegates, and where it is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct System {
    /// Identifier.
    pub id: SystemId,
    /// The name people know it by.
    pub name: String,
    /// Kind of system.
    pub kind: SystemKind,
    /// Why the municipality has it: the task it serves.
    pub purpose: Option<String>,
    /// What it does and how it is used.
    pub description: Option<String>,
    /// Who supplies it.
    pub vendor: Option<String>,
    /// Where and by whom it is run (on premises, at the vendor, a cloud service, ...).
    pub hosting: Option<String>,
    /// Who runs it: the municipality itself, or others. `null` until decided.
    #[serde(default)]
    pub hosted_at: Option<HostedAt>,
    /// For a system run by others: the documented decision that no data processor is involved
    /// after all, and why (e.g. the vendor runs it on encrypted data it cannot read).
    #[serde(default)]
    pub no_processor_reason: Option<String>,
    /// The business processes it supports.
    pub business_processes: Vec<String>,
    /// The formats of the data it handles.
    pub data_formats: Vec<DataFormat>,
    /// Whether it processes personal data. `null` until decided.
    pub processes_personal_data: Option<bool>,
    /// Whether it processes special categories of personal data (GDPR art. 9). `null` until decided.
    pub processes_sensitive_data: Option<bool>,
    /// Whether it processes CPR numbers. `null` until decided.
    pub processes_cpr_numbers: Option<bool>,
    /// KLE codes of the tasks it supports.
    pub kle_codes: Vec<KleCode>,
    /// How much the work depends on it. `null` until decided.
    pub criticality: Option<Criticality>,
    /// Self-service links to it, to be removed when it is shut down.
    pub self_service_links: Vec<SelfServiceLink>,
    /// The data subjects' rights the system supports (where it processes personal data).
    pub data_subject_rights: Vec<DataSubjectRight>,
    /// Whether its data must be preserved for the archive.
    pub archive_status: ArchiveStatus,
    /// The archive body that receives it (Rigsarkivet, a municipal archive), where preserved.
    pub archive_body: Option<String>,
    /// When the archive body was notified of the system.
    pub archive_notified_on: Option<NaiveDate>,
    /// The last day to give notice on the contract: the one-off `contract_renewal` duty.
    pub contract_notice_on: Option<NaiveDate>,
    /// The accountable owner (*systemejer*).
    pub owner_id: Option<PersonId>,
    /// The organisational unit that uses and pays for it.
    pub org_unit_id: Option<OrgUnitId>,
    /// People doing tasks for the owner.
    pub delegates: Vec<Delegate>,
    /// The system that takes over its work when it is shut down (*afløses af*), if any.
    #[serde(default)]
    pub successor_id: Option<SystemId>,
    /// The systems it takes over from: each names it as its successor (read-only; set
    /// `successor_id` on the older system).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub predecessor_ids: Vec<SystemId>,
    /// Where it is in its life.
    pub lifecycle_state: LifecycleState,
    /// Increases with every change; the basis of optimistic concurrency.
    pub version: i64,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed (including its lifecycle state).
    pub updated_at: DateTime<Utc>,
}

impl System {
    /// The fields of the system description that are still missing, by their JSON names.
    /// A system cannot go into use until this is empty.
    pub fn missing_description_fields(&self) -> Vec<&'static str> {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        let personal = self.processes_personal_data == Some(true);
        let checks: [(&'static str, bool); 13] = [
            ("purpose", blank(&self.purpose)),
            ("description", blank(&self.description)),
            ("vendor", blank(&self.vendor)),
            ("hosting", blank(&self.hosting)),
            // Where personal data is processed, who runs the system says whether a processor
            // needs an agreement.
            ("hosted_at", personal && self.hosted_at.is_none()),
            ("business_processes", self.business_processes.is_empty()),
            ("data_formats", self.data_formats.is_empty()),
            ("processes_personal_data", self.processes_personal_data.is_none()),
            ("processes_sensitive_data", personal && self.processes_sensitive_data.is_none()),
            ("processes_cpr_numbers", personal && self.processes_cpr_numbers.is_none()),
            ("kle_codes", self.kle_codes.is_empty()),
            ("criticality", self.criticality.is_none()),
            ("org_unit_id", self.org_unit_id.is_none()),
        ];
        checks.into_iter().filter(|(_, missing)| *missing).map(|(field, _)| field).collect()
    }

    /// Contradictions between the personal data answers, as (field, message) pairs: sensitive
    /// data and CPR numbers are personal data, so saying yes to either while saying no to
    /// personal data is refused.
    pub fn personal_data_contradictions(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.processes_personal_data == Some(false) {
            if self.processes_sensitive_data == Some(true) {
                out.push((
                    "processes_sensitive_data",
                    "sensitive (art. 9) data is personal data: processes_personal_data cannot be false",
                ));
            }
            if self.processes_cpr_numbers == Some(true) {
                out.push((
                    "processes_cpr_numbers",
                    "CPR numbers are personal data: processes_personal_data cannot be false",
                ));
            }
        }
        out
    }

    /// Whether `person` is this system's owner or one of its delegates.
    pub fn is_owned_or_delegated_to(&self, person: PersonId) -> bool {
        self.owner_id == Some(person) || self.delegates.iter().any(|d| d.person_id == person)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A system whose description is complete.
    pub fn complete_system() -> System {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        System {
            id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
            name: "KMD Nexus".into(),
            kind: SystemKind::ItSystem,
            purpose: Some("Omsorgsjournal".into()),
            description: Some("Journal for home care".into()),
            vendor: Some("Systematic".into()),
            hosting: Some("vendor".into()),
            hosted_at: Some(HostedAt::External),
            no_processor_reason: None,
            business_processes: vec!["Hjemmepleje".into()],
            data_formats: vec![DataFormat::Text],
            processes_personal_data: Some(true),
            processes_sensitive_data: Some(true),
            processes_cpr_numbers: Some(true),
            kle_codes: vec![KleCode::parse("27.24.00").unwrap()],
            criticality: Some(Criticality::High),
            self_service_links: vec![],
            data_subject_rights: vec![DataSubjectRight::Access],
            archive_status: ArchiveStatus::Discard,
            archive_body: None,
            archive_notified_on: None,
            contract_notice_on: None,
            owner_id: Some(PersonId::from_uuid(uuid::Uuid::from_u128(1))),
            org_unit_id: Some(OrgUnitId::from_uuid(uuid::Uuid::from_u128(3))),
            delegates: vec![],
            successor_id: None,
            predecessor_ids: vec![],
            lifecycle_state: LifecycleState::Procurement,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::complete_system;

    #[test]
    fn a_complete_description_misses_nothing() {
        assert!(complete_system().missing_description_fields().is_empty());
    }

    #[test]
    fn every_missing_field_is_named() {
        let mut s = complete_system();
        s.purpose = Some("  ".into());
        s.kle_codes.clear();
        s.processes_personal_data = None;
        assert_eq!(s.missing_description_fields(), vec!["purpose", "processes_personal_data", "kle_codes"]);
    }

    #[test]
    fn sensitive_and_cpr_answers_are_needed_only_with_personal_data() {
        let mut s = complete_system();
        s.processes_sensitive_data = None;
        s.processes_cpr_numbers = None;
        assert_eq!(s.missing_description_fields(), vec!["processes_sensitive_data", "processes_cpr_numbers"]);
        s.processes_personal_data = Some(false);
        assert!(s.missing_description_fields().is_empty());
    }

    #[test]
    fn cpr_numbers_without_personal_data_is_a_contradiction() {
        let mut s = complete_system();
        s.processes_personal_data = Some(false);
        s.processes_sensitive_data = Some(false);
        assert_eq!(s.personal_data_contradictions().len(), 1);
    }
}

/// A new system, as parsed from a request. Only `name` and `kind` are needed to register a
/// system in procurement; the rest of the description may follow before it goes into use.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSystem {
    /// The name people know it by (1 to 200 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "Nexus"))]
    pub name: Name,
    /// Kind of system.
    pub kind: SystemKind,
    /// Why the municipality has it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub purpose: Option<Prose>,
    /// What it does and how it is used.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub description: Option<Prose>,
    /// Who supplies it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub vendor: Option<Name>,
    /// Where and by whom it is run.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub hosting: Option<Name>,
    /// Who runs it: the municipality itself, or others.
    #[serde(default)]
    pub hosted_at: Option<HostedAt>,
    /// For a system run by others: why no data processor is involved, where none is.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub no_processor_reason: Option<Prose>,
    /// The business processes it supports.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub business_processes: Vec<Name>,
    /// The formats of the data it handles.
    #[serde(default)]
    pub data_formats: Vec<DataFormat>,
    /// Whether it processes personal data.
    #[serde(default)]
    pub processes_personal_data: Option<bool>,
    /// Whether it processes sensitive (art. 9) personal data.
    #[serde(default)]
    pub processes_sensitive_data: Option<bool>,
    /// Whether it processes CPR numbers.
    #[serde(default)]
    pub processes_cpr_numbers: Option<bool>,
    /// KLE codes of the tasks it supports.
    #[serde(default)]
    pub kle_codes: Vec<KleCode>,
    /// How much the work depends on it.
    #[serde(default)]
    pub criticality: Option<Criticality>,
    /// Self-service links to it.
    #[serde(default)]
    pub self_service_links: Vec<SelfServiceLink>,
    /// The data subjects' rights it supports.
    #[serde(default)]
    pub data_subject_rights: Vec<DataSubjectRight>,
    /// Whether its data must be preserved (default `undecided`).
    #[serde(default = "undecided")]
    pub archive_status: ArchiveStatus,
    /// The archive body that receives it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub archive_body: Option<Name>,
    /// When the archive body was notified.
    #[serde(default)]
    pub archive_notified_on: Option<NaiveDate>,
    /// The last day to give notice on the contract.
    #[serde(default)]
    pub contract_notice_on: Option<NaiveDate>,
    /// The accountable owner.
    #[serde(default)]
    pub owner_id: Option<PersonId>,
    /// The organisational unit that uses it.
    #[serde(default)]
    pub org_unit_id: Option<OrgUnitId>,
    /// People doing tasks for the owner.
    #[serde(default)]
    pub delegates: Vec<Delegate>,
}

impl NewSystem {
    /// The system as registered: in procurement, at version 1.
    pub fn into_system(self, id: SystemId, now: DateTime<Utc>) -> System {
        System {
            id,
            name: self.name.into_string(),
            kind: self.kind,
            purpose: self.purpose.map(Text::into_string),
            description: self.description.map(Text::into_string),
            vendor: self.vendor.map(Text::into_string),
            hosting: self.hosting.map(Text::into_string),
            hosted_at: self.hosted_at,
            no_processor_reason: self.no_processor_reason.map(Text::into_string),
            business_processes: self.business_processes.into_iter().map(Text::into_string).collect(),
            data_formats: dedup(self.data_formats),
            processes_personal_data: self.processes_personal_data,
            processes_sensitive_data: self.processes_sensitive_data,
            processes_cpr_numbers: self.processes_cpr_numbers,
            kle_codes: dedup(self.kle_codes),
            criticality: self.criticality,
            self_service_links: self.self_service_links,
            data_subject_rights: dedup(self.data_subject_rights),
            archive_status: self.archive_status,
            archive_body: self.archive_body.map(Text::into_string),
            archive_notified_on: self.archive_notified_on,
            contract_notice_on: self.contract_notice_on,
            owner_id: self.owner_id,
            org_unit_id: self.org_unit_id,
            delegates: self.delegates,
            successor_id: None,
            predecessor_ids: Vec::new(),
            lifecycle_state: LifecycleState::Procurement,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Changes to a system's description, owner or delegates: absent fields stay as they are,
/// `null` clears. The lifecycle state changes only by a transition.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SystemChanges {
    /// New name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200))]
    #[serde(default, deserialize_with = "crate::values::present")]
    pub name: Option<Name>,
    /// New kind.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = SystemKind))]
    pub kind: Option<SystemKind>,
    /// New purpose; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub purpose: Option<Option<Prose>>,
    /// New description; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub description: Option<Option<Prose>>,
    /// New vendor; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200))]
    pub vendor: Option<Option<Name>>,
    /// New hosting; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200))]
    pub hosting: Option<Option<Name>>,
    /// Who runs it; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<HostedAt>, nullable))]
    pub hosted_at: Option<Option<HostedAt>>,
    /// Why no data processor is involved; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub no_processor_reason: Option<Option<Prose>>,
    /// Replaces the business processes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    #[serde(default, deserialize_with = "crate::values::present")]
    pub business_processes: Option<Vec<Name>>,
    /// Replaces the data formats.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<DataFormat>))]
    pub data_formats: Option<Vec<DataFormat>>,
    /// New answer; `null` makes it undecided.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>, nullable))]
    pub processes_personal_data: Option<Option<bool>>,
    /// New answer; `null` makes it undecided.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>, nullable))]
    pub processes_sensitive_data: Option<Option<bool>>,
    /// New answer; `null` makes it undecided.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>, nullable))]
    pub processes_cpr_numbers: Option<Option<bool>>,
    /// Replaces the KLE codes.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<KleCode>))]
    pub kle_codes: Option<Vec<KleCode>>,
    /// New criticality; `null` makes it undecided.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Criticality>, nullable))]
    pub criticality: Option<Option<Criticality>>,
    /// Replaces the self-service links.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<SelfServiceLink>))]
    pub self_service_links: Option<Vec<SelfServiceLink>>,
    /// Replaces the data subjects' rights.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<DataSubjectRight>))]
    pub data_subject_rights: Option<Vec<DataSubjectRight>>,
    /// New archive status.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = ArchiveStatus))]
    pub archive_status: Option<ArchiveStatus>,
    /// New archive body; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200))]
    pub archive_body: Option<Option<Name>>,
    /// When the archive body was notified; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>, nullable))]
    pub archive_notified_on: Option<Option<NaiveDate>>,
    /// The last day to give notice on the contract; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>, nullable))]
    pub contract_notice_on: Option<Option<NaiveDate>>,
    /// New owner; `null` removes the owner (refused for a system in use).
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PersonId>, nullable))]
    pub owner_id: Option<Option<PersonId>>,
    /// New organisational unit; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<OrgUnitId>, nullable))]
    pub org_unit_id: Option<Option<OrgUnitId>>,
    /// Replaces the delegates.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Delegate>))]
    pub delegates: Option<Vec<Delegate>>,
    /// The system that takes over its work (*afløses af*); `null` clears. It links back: the
    /// successor lists this system among its `predecessor_ids`.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SystemId>, nullable))]
    pub successor_id: Option<Option<SystemId>>,
}

impl SystemChanges {
    /// The system with these changes made (the caller stamps version and time).
    pub fn apply(&self, mut s: System) -> System {
        fn set<T: Clone, U>(target: &mut U, value: &Option<T>, map: impl Fn(T) -> U) {
            if let Some(v) = value {
                *target = map(v.clone());
            }
        }
        let text = |t: Option<Text<10_000>>| t.map(Text::into_string);
        let name = |t: Option<Name>| t.map(Text::into_string);
        set(&mut s.name, &self.name, Text::into_string);
        set(&mut s.kind, &self.kind, |k| k);
        set(&mut s.purpose, &self.purpose, text);
        set(&mut s.description, &self.description, text);
        set(&mut s.vendor, &self.vendor, name);
        set(&mut s.hosting, &self.hosting, name);
        set(&mut s.hosted_at, &self.hosted_at, |v| v);
        set(&mut s.no_processor_reason, &self.no_processor_reason, text);
        set(&mut s.business_processes, &self.business_processes, |v| v.into_iter().map(Text::into_string).collect());
        set(&mut s.data_formats, &self.data_formats, dedup);
        set(&mut s.processes_personal_data, &self.processes_personal_data, |v| v);
        set(&mut s.processes_sensitive_data, &self.processes_sensitive_data, |v| v);
        set(&mut s.processes_cpr_numbers, &self.processes_cpr_numbers, |v| v);
        set(&mut s.kle_codes, &self.kle_codes, dedup);
        set(&mut s.criticality, &self.criticality, |v| v);
        set(&mut s.self_service_links, &self.self_service_links, |v| v);
        set(&mut s.data_subject_rights, &self.data_subject_rights, dedup);
        set(&mut s.archive_status, &self.archive_status, |v| v);
        set(&mut s.archive_body, &self.archive_body, name);
        set(&mut s.archive_notified_on, &self.archive_notified_on, |v| v);
        set(&mut s.contract_notice_on, &self.contract_notice_on, |v| v);
        set(&mut s.owner_id, &self.owner_id, |v| v);
        set(&mut s.org_unit_id, &self.org_unit_id, |v| v);
        set(&mut s.delegates, &self.delegates, |v| v);
        set(&mut s.successor_id, &self.successor_id, |v| v);
        s
    }
}

fn undecided() -> ArchiveStatus {
    ArchiveStatus::Undecided
}

/// Drops repeated values, keeping the first of each in order.
fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
