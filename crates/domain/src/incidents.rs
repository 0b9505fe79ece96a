//! Security incidents (*sikkerhedshændelser*) and personal data breaches (*brud på
//! persondatasikkerheden*). A breach must be reported to Datatilsynet within 72 hours of its
//! discovery (GDPR art. 33) unless it is unlikely to result in a risk to people; where the
//! risk is high, the data subjects are told too (art. 34).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, SystemId};
use crate::risk::RiskLevel;
use crate::values::{Name, Prose, Violation};

/// How long after discovery a breach must be reported to the authority.
pub const AUTHORITY_DEADLINE_HOURS: i64 = 72;

/// The hours after discovery at which the owner and the DPO are alerted while a breach awaits
/// its report or the decision not to report.
pub const BREACH_ALERT_HOURS: [i64; 4] = [0, 24, 48, 60];

/// The latest alert stage (hours after discovery) reached at `now`.
pub fn breach_alert_stage(discovered_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<i64> {
    BREACH_ALERT_HOURS.iter().copied().filter(|h| now >= discovered_at + Duration::hours(*h)).max()
}

string_enum! {
    /// Where an incident stands.
    pub enum IncidentStatus {
        /// A breach awaiting the report or the decision not to report; or an incident being handled.
        Open => "open",
        /// Reported to Datatilsynet.
        Reported => "reported",
        /// Documented decision not to report.
        NotReported => "not_reported",
        /// Handled and closed.
        Closed => "closed",
    }
}

string_enum! {
    /// Why the data subjects of a high-risk breach need not be told (GDPR art. 34(3)).
    pub enum NotNotifiedGround {
        /// (a) The data were made unintelligible to anyone not authorised to see them, for
        /// example encrypted (*krypteret*).
        Unintelligible => "unintelligible",
        /// (b) Measures taken since ensure that the high risk is no longer likely to come about.
        RiskAverted => "risk_averted",
        /// (c) Telling each would take a disproportionate effort, and a public communication
        /// (*offentlig meddelelse*) told them as effectively instead.
        PublicNotice => "public_notice",
    }
}

/// One report to Datatilsynet; a breach may be reported in phases (art. 33(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthorityReport {
    /// When the report was made (not in the future, not before the discovery).
    pub reported_at: DateTime<Utc>,
    /// Datatilsynet's reference, if given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub reference: Option<Name>,
    /// What this report added.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub note: Option<Prose>,
    /// Why the first report came after the 72 hours (required then).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub late_report_reason: Option<Prose>,
}

/// A security incident as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    /// Identifier.
    pub id: RecordId,
    /// The systems affected.
    pub system_ids: Vec<SystemId>,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// What happened.
    pub description: String,
    /// Whether personal data was breached.
    pub personal_data_breach: bool,
    /// Categories of people affected.
    pub data_subject_categories: Vec<String>,
    /// About how many people.
    pub approx_data_subjects: Option<i64>,
    /// Categories of records affected.
    pub record_categories: Vec<String>,
    /// About how many records.
    pub approx_records: Option<i64>,
    /// The likely consequences.
    pub likely_consequences: Option<String>,
    /// The measures taken or proposed.
    pub measures: Option<String>,
    /// What caused it (*årsag*): with the measures taken, required to close it.
    #[serde(default)]
    pub cause: Option<String>,
    /// The risk to the people affected.
    pub risk_level: Option<RiskLevel>,
    /// Reports to Datatilsynet, first to last.
    pub reports: Vec<AuthorityReport>,
    /// The documented decision not to report, and why.
    pub not_reported_reason: Option<String>,
    /// When the data subjects were told (art. 34).
    pub subjects_notified_at: Option<DateTime<Utc>>,
    /// How they were told (a letter in Digital Post, a phone call, ...).
    #[serde(default)]
    pub subjects_notified_how: Option<String>,
    /// The art. 34(3) ground for not telling the data subjects of a high-risk breach.
    #[serde(default)]
    pub subjects_not_notified_ground: Option<NotNotifiedGround>,
    /// Why the data subjects were not told.
    pub subjects_not_notified_reason: Option<String>,
    /// When the incident was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// For a breach: the deadline for reporting to Datatilsynet (discovery + 72 hours).
    pub authority_deadline: Option<DateTime<Utc>>,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Who recorded it.
    pub recorded_by: String,
    /// Increases with every change.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Incident {
    /// Works out the deadline and the status from the recorded facts.
    pub fn derive(&mut self) {
        self.authority_deadline =
            self.personal_data_breach.then(|| self.discovered_at + Duration::hours(AUTHORITY_DEADLINE_HOURS));
        self.status = if self.closed_at.is_some() {
            IncidentStatus::Closed
        } else if !self.reports.is_empty() {
            IncidentStatus::Reported
        } else if self.not_reported_reason.is_some() {
            IncidentStatus::NotReported
        } else {
            IncidentStatus::Open
        };
    }

    /// What keeps a breach from being closed under art. 34: its risk to the data subjects must
    /// be assessed, and where it is high, either when and how they were told is recorded, or
    /// the art. 34(3) ground and the reason for not telling them. Empty when nothing does.
    pub fn art_34_undecided(&self) -> Vec<Violation> {
        if !self.personal_data_breach {
            return Vec::new();
        }
        match self.risk_level {
            None => vec![Violation::new(
                "risk_level",
                "breach_risk_undecided",
                "assess the risk to the data subjects before the breach is closed",
            )],
            Some(RiskLevel::High) => {
                let told = self.subjects_notified_at.is_some() && self.subjects_notified_how.is_some();
                let excused =
                    self.subjects_not_notified_ground.is_some() && self.subjects_not_notified_reason.is_some();
                if told || excused {
                    return Vec::new();
                }
                let mut missing: Vec<&str> = Vec::new();
                if self.subjects_not_notified_ground.is_some() || self.subjects_not_notified_reason.is_some() {
                    missing
                        .extend(self.subjects_not_notified_ground.is_none().then_some("subjects_not_notified_ground"));
                    missing
                        .extend(self.subjects_not_notified_reason.is_none().then_some("subjects_not_notified_reason"));
                } else {
                    missing.extend(self.subjects_notified_at.is_none().then_some("subjects_notified_at"));
                    missing.extend(self.subjects_notified_how.is_none().then_some("subjects_notified_how"));
                }
                missing
                    .into_iter()
                    .map(|field| {
                        Violation::new(
                            field,
                            "data_subjects_undecided",
                            "the breach is a high risk to the data subjects (art. 34): record when and how they \
                             were told, or the art. 34(3) ground and the reason for not telling them, before it is \
                             closed",
                        )
                    })
                    .collect()
            }
            Some(_) => Vec::new(),
        }
    }

    /// What keeps an incident from being closed as followed up: its cause and the measures
    /// taken must be recorded. Empty when nothing does.
    pub fn follow_up_unfinished(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.cause.is_none() {
            out.push(Violation::new(
                "cause",
                "required_to_close",
                "record what caused the incident before it is closed",
            ));
        }
        if self.measures.is_none() {
            out.push(Violation::new(
                "measures",
                "required_to_close",
                "record the measures taken before the incident is closed",
            ));
        }
        out
    }

    /// Whether a breach still awaits the report or the decision not to report.
    pub fn awaits_decision(&self) -> bool {
        self.personal_data_breach && self.reports.is_empty() && self.not_reported_reason.is_none()
    }

    /// Adds a report made at `report.reported_at`, checked against the deadline and `now`.
    pub fn add_report(&mut self, report: AuthorityReport, now: DateTime<Utc>) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        if !self.personal_data_breach {
            out.push(Violation::new("personal_data_breach", "breach_only", "only personal data breaches are reported"));
        }
        if self.not_reported_reason.is_some() {
            out.push(Violation::new(
                "not_reported_reason",
                "decided_not_to_report",
                "the decision not to report is recorded; clear it before reporting",
            ));
        }
        if report.reported_at > now {
            out.push(Violation::new("reported_at", "not_in_future", "cannot be in the future"));
        }
        if report.reported_at < self.discovered_at {
            out.push(Violation::new("reported_at", "after_discovery", "cannot be before the breach was discovered"));
        }
        let late = self.authority_deadline.is_some_and(|d| report.reported_at > d);
        if self.reports.is_empty() && late && report.late_report_reason.is_none() {
            out.push(Violation::new(
                "late_report_reason",
                "required_when_late",
                "the report comes after the 72-hour deadline: give the reason for the delay (art. 33(1))",
            ));
        }
        if !out.is_empty() {
            return Err(out);
        }
        self.reports.push(report);
        self.derive();
        Ok(())
    }
}

/// A new incident, as parsed from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// The systems affected (at least one).
    pub system_ids: Vec<SystemId>,
    /// When it was discovered (not in the future).
    pub discovered_at: DateTime<Utc>,
    /// What happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub description: Prose,
    /// Whether personal data was breached.
    pub personal_data_breach: bool,
    /// Categories of people affected.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub data_subject_categories: Vec<Name>,
    /// About how many people.
    #[serde(default)]
    pub approx_data_subjects: Option<u32>,
    /// Categories of records affected.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub record_categories: Vec<Name>,
    /// About how many records.
    #[serde(default)]
    pub approx_records: Option<u32>,
    /// The likely consequences.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub likely_consequences: Option<Prose>,
    /// The measures taken or proposed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub measures: Option<Prose>,
    /// What caused it, where known already.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub cause: Option<Prose>,
    /// The risk to the people affected.
    #[serde(default)]
    pub risk_level: Option<RiskLevel>,
}

impl NewIncident {
    /// The incident as recorded `now` by `actor` (or every rule the request breaks).
    pub fn into_incident(self, id: RecordId, actor: &str, now: DateTime<Utc>) -> Result<Incident, Vec<Violation>> {
        let mut out = Vec::new();
        if self.system_ids.is_empty() {
            out.push(Violation::new("system_ids", "required", "name at least one system"));
        }
        if self.discovered_at > now {
            out.push(Violation::new("discovered_at", "not_in_future", "cannot be in the future"));
        }
        if !out.is_empty() {
            return Err(out);
        }
        let mut systems = self.system_ids;
        systems.sort();
        systems.dedup();
        let mut incident = Incident {
            id,
            system_ids: systems,
            discovered_at: self.discovered_at,
            description: self.description.into_string(),
            personal_data_breach: self.personal_data_breach,
            data_subject_categories: self.data_subject_categories.into_iter().map(Name::into_string).collect(),
            approx_data_subjects: self.approx_data_subjects.map(i64::from),
            record_categories: self.record_categories.into_iter().map(Name::into_string).collect(),
            approx_records: self.approx_records.map(i64::from),
            likely_consequences: self.likely_consequences.map(Prose::into_string),
            measures: self.measures.map(Prose::into_string),
            cause: self.cause.map(Prose::into_string),
            risk_level: self.risk_level,
            reports: Vec::new(),
            not_reported_reason: None,
            subjects_notified_at: None,
            subjects_notified_how: None,
            subjects_not_notified_ground: None,
            subjects_not_notified_reason: None,
            closed_at: None,
            authority_deadline: None,
            status: IncidentStatus::Open,
            recorded_by: actor.to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        incident.derive();
        Ok(incident)
    }
}

/// Changes to an incident: absent fields stay; `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentChanges {
    /// New description.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub description: Option<Prose>,
    /// New likely consequences; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub likely_consequences: Option<Option<Prose>>,
    /// New measures; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub measures: Option<Option<Prose>>,
    /// What caused it; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub cause: Option<Option<Prose>>,
    /// New risk level; `null` makes it undecided.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RiskLevel>, nullable))]
    pub risk_level: Option<Option<RiskLevel>>,
    /// The decision not to report, with its reason; `null` withdraws it.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub not_reported_reason: Option<Option<Prose>>,
    /// When the data subjects were told; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>, nullable))]
    pub subjects_notified_at: Option<Option<DateTime<Utc>>>,
    /// How the data subjects were told (a letter in Digital Post, ...); `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub subjects_notified_how: Option<Option<Prose>>,
    /// The art. 34(3) ground for not telling them; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NotNotifiedGround>, nullable))]
    pub subjects_not_notified_ground: Option<Option<NotNotifiedGround>>,
    /// Why the data subjects were not told; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, min_length = 1, max_length = 10000))]
    pub subjects_not_notified_reason: Option<Option<Prose>>,
    /// When it was closed; `null` reopens it.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>, nullable))]
    pub closed_at: Option<Option<DateTime<Utc>>>,
}

impl IncidentChanges {
    /// The incident with these changes made on `now`, or every rule they break.
    pub fn apply(&self, mut i: Incident, now: DateTime<Utc>) -> Result<Incident, Vec<Violation>> {
        let text = |v: &Option<Prose>| v.as_ref().map(|t| t.as_str().to_owned());
        if let Some(d) = &self.description {
            d.as_str().clone_into(&mut i.description);
        }
        if let Some(v) = &self.likely_consequences {
            i.likely_consequences = text(v);
        }
        if let Some(v) = &self.measures {
            i.measures = text(v);
        }
        if let Some(v) = &self.cause {
            i.cause = text(v);
        }
        if let Some(v) = self.risk_level {
            i.risk_level = v;
        }
        if let Some(v) = &self.not_reported_reason {
            i.not_reported_reason = text(v);
        }
        if let Some(v) = self.subjects_notified_at {
            i.subjects_notified_at = v;
        }
        if let Some(v) = &self.subjects_notified_how {
            i.subjects_notified_how = text(v);
        }
        if let Some(v) = self.subjects_not_notified_ground {
            i.subjects_not_notified_ground = v;
        }
        if let Some(v) = &self.subjects_not_notified_reason {
            i.subjects_not_notified_reason = text(v);
        }
        if let Some(v) = self.closed_at {
            i.closed_at = v;
        }
        let mut out = Vec::new();
        if i.not_reported_reason.is_some() && !i.reports.is_empty() {
            out.push(Violation::new("not_reported_reason", "already_reported", "the breach is already reported"));
        }
        if i.not_reported_reason.is_some() && !i.personal_data_breach {
            out.push(Violation::new("not_reported_reason", "breach_only", "only personal data breaches are reported"));
        }
        let told = i.subjects_notified_at.is_some() || i.subjects_notified_how.is_some();
        let not_told = i.subjects_not_notified_reason.is_some() || i.subjects_not_notified_ground.is_some();
        if told && not_told {
            let field = if i.subjects_not_notified_reason.is_some() {
                "subjects_not_notified_reason"
            } else {
                "subjects_not_notified_ground"
            };
            out.push(Violation::new(
                field,
                "exclusive",
                "the data subjects were told, or there is a reason they were not: not both",
            ));
        }
        for (field, at) in [("subjects_notified_at", i.subjects_notified_at), ("closed_at", i.closed_at)] {
            match at {
                Some(t) if t > now => out.push(Violation::new(field, "not_in_future", "cannot be in the future")),
                Some(t) if t < i.discovered_at => {
                    out.push(Violation::new(field, "after_discovery", "cannot be before the incident was discovered"));
                }
                _ => {}
            }
        }
        if i.closed_at.is_some() && i.awaits_decision() {
            out.push(Violation::new(
                "closed_at",
                "breach_undecided",
                "a breach cannot be closed before it is reported or the decision not to report is recorded",
            ));
        }
        if i.closed_at.is_some() {
            out.extend(i.art_34_undecided());
        }
        // Closing it, or taking the cause or the measures from a closed one.
        let settles = self.closed_at.is_some() || self.cause.is_some() || self.measures.is_some();
        if i.closed_at.is_some() && settles {
            out.extend(i.follow_up_unfinished());
        }
        if !out.is_empty() {
            return Err(out);
        }
        i.derive();
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::fixtures::at;
    use crate::values::Text;

    fn breach() -> Incident {
        let new = NewIncident {
            system_ids: vec![SystemId::from_uuid(uuid::Uuid::from_u128(2))],
            discovered_at: at("2026-11-20T08:00:00Z"),
            description: Text::parse("Mail med CPR-numre sendt til forkert modtager").unwrap(),
            personal_data_breach: true,
            data_subject_categories: vec![],
            approx_data_subjects: Some(40),
            record_categories: vec![],
            approx_records: None,
            likely_consequences: None,
            measures: Some(Text::parse("Modtageren har slettet mailen").unwrap()),
            cause: Some(Text::parse("Forkert autoudfyldt modtager").unwrap()),
            risk_level: Some(RiskLevel::High),
        };
        new.into_incident(RecordId::from_uuid(uuid::Uuid::from_u128(9)), "test", at("2026-11-20T09:00:00Z")).unwrap()
    }

    fn report(at_: &str, late: Option<&str>) -> AuthorityReport {
        AuthorityReport {
            reported_at: at(at_),
            reference: None,
            note: None,
            late_report_reason: late.map(|l| Text::parse(l).unwrap()),
        }
    }

    #[test]
    fn a_breach_must_be_reported_within_72_hours_of_discovery() {
        let i = breach();
        assert_eq!(i.authority_deadline, Some(at("2026-11-23T08:00:00Z")));
        assert_eq!(i.status, IncidentStatus::Open);
        assert!(i.awaits_decision());
    }

    #[test]
    fn alerts_at_once_then_at_24_48_and_60_hours() {
        let d = at("2026-11-20T08:00:00Z");
        assert_eq!(breach_alert_stage(d, d - Duration::minutes(1)), None);
        assert_eq!(breach_alert_stage(d, d), Some(0));
        assert_eq!(breach_alert_stage(d, d + Duration::hours(23)), Some(0));
        assert_eq!(breach_alert_stage(d, d + Duration::hours(24)), Some(24));
        assert_eq!(breach_alert_stage(d, d + Duration::hours(59)), Some(48));
        assert_eq!(breach_alert_stage(d, d + Duration::hours(100)), Some(60));
    }

    #[test]
    fn a_late_report_needs_a_reason() {
        let now = at("2026-11-28T00:00:00Z");
        let mut i = breach();
        let err = i.add_report(report("2026-11-23T08:00:01Z", None), now).unwrap_err();
        assert_eq!(err[0].rule, "required_when_late");
        i.add_report(report("2026-11-23T08:00:01Z", Some("Weekend")), now).unwrap();
        assert_eq!(i.status, IncidentStatus::Reported);
        // A phased, supplementary report later needs no new reason.
        i.add_report(report("2026-11-25T10:00:00Z", None), now).unwrap();
        assert_eq!(i.reports.len(), 2);
    }

    #[test]
    fn a_report_on_time_needs_no_reason_and_must_follow_discovery() {
        let now = at("2026-11-28T00:00:00Z");
        let mut i = breach();
        assert_eq!(i.add_report(report("2026-11-19T00:00:00Z", None), now).unwrap_err()[0].rule, "after_discovery");
        i.add_report(report("2026-11-23T08:00:00Z", None), now).unwrap();
    }

    /// Any incident, breach or not, is closed only with its cause and the measures taken.
    #[test]
    fn an_incident_is_closed_only_with_its_cause_and_measures() {
        let now = at("2026-11-28T00:00:00Z");
        let mut outage = breach();
        outage.personal_data_breach = false;
        outage.risk_level = None;
        outage.cause = None;
        outage.measures = None;
        outage.derive();
        let close = IncidentChanges { closed_at: Some(Some(at("2026-11-27T00:00:00Z"))), ..Default::default() };
        let fields = |c: &IncidentChanges, i: &Incident| -> Vec<(String, String)> {
            c.apply(i.clone(), now).unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect()
        };
        let rule = "required_to_close".to_owned();
        assert_eq!(
            fields(&close, &outage),
            [("cause".to_owned(), rule.clone()), ("measures".to_owned(), rule.clone())]
        );
        let settled = IncidentChanges {
            cause: Some(Some(Text::parse("Udløbet certifikat").unwrap())),
            measures: Some(Some(Text::parse("Certifikatet er fornyet; udløb overvåges").unwrap())),
            ..close.clone()
        };
        let closed = settled.apply(outage.clone(), now).unwrap();
        assert_eq!(closed.status, IncidentStatus::Closed);
        // A closed incident keeps its cause: clearing it is refused; other edits are not.
        let clear = IncidentChanges { cause: Some(None), ..Default::default() };
        assert_eq!(fields(&clear, &closed), [("cause".to_owned(), rule)]);
        let mut before_the_rule = closed.clone();
        before_the_rule.cause = None;
        let edit =
            IncidentChanges { likely_consequences: Some(Some(Text::parse("Ingen").unwrap())), ..Default::default() };
        assert!(edit.apply(before_the_rule, now).is_ok(), "an incident closed before the rule can still be edited");
    }

    #[test]
    fn a_breach_is_closed_only_once_decided() {
        let now = at("2026-11-28T00:00:00Z");
        let close = IncidentChanges { closed_at: Some(Some(at("2026-11-27T00:00:00Z"))), ..Default::default() };
        assert_eq!(close.apply(breach(), now).unwrap_err()[0].rule, "breach_undecided");
        let decide = IncidentChanges {
            not_reported_reason: Some(Some(Text::parse("Krypteret; ingen risiko").unwrap())),
            risk_level: Some(Some(RiskLevel::Low)),
            ..close.clone()
        };
        let closed = decide.apply(breach(), now).unwrap();
        assert_eq!(closed.status, IncidentStatus::Closed);
        let unassessed = IncidentChanges { risk_level: Some(None), ..decide };
        assert_eq!(unassessed.apply(breach(), now).unwrap_err()[0].rule, "breach_risk_undecided");
    }

    /// A high risk to the data subjects (art. 34): closed only once they were told (when and
    /// how), or the art. 34(3) ground and the reason for not telling them are on record.
    #[test]
    fn a_high_risk_breach_is_closed_only_once_the_data_subjects_are_decided() {
        let now = at("2026-11-28T00:00:00Z");
        let mut reported = breach();
        reported.add_report(report("2026-11-23T08:00:00Z", None), now).unwrap();
        let close = IncidentChanges { closed_at: Some(Some(at("2026-11-27T00:00:00Z"))), ..Default::default() };
        let fields = |c: &IncidentChanges| -> Vec<(String, String)> {
            c.apply(reported.clone(), now).unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect()
        };
        let undecided = "data_subjects_undecided".to_owned();
        assert_eq!(
            fields(&close),
            [
                ("subjects_notified_at".to_owned(), undecided.clone()),
                ("subjects_notified_how".to_owned(), undecided.clone())
            ]
        );
        let when = IncidentChanges { subjects_notified_at: Some(Some(at("2026-11-24T00:00:00Z"))), ..close.clone() };
        assert_eq!(fields(&when), [("subjects_notified_how".to_owned(), undecided.clone())]);
        let how = IncidentChanges { subjects_notified_how: Some(Some(Text::parse("Digital Post").unwrap())), ..when };
        assert_eq!(how.apply(reported.clone(), now).unwrap().status, IncidentStatus::Closed);
        let reason = IncidentChanges {
            subjects_not_notified_reason: Some(Some(Text::parse("Krypteret disk").unwrap())),
            ..close.clone()
        };
        assert_eq!(fields(&reason), [("subjects_not_notified_ground".to_owned(), undecided)]);
        let ground =
            IncidentChanges { subjects_not_notified_ground: Some(Some(NotNotifiedGround::Unintelligible)), ..reason };
        assert_eq!(ground.apply(reported.clone(), now).unwrap().status, IncidentStatus::Closed);
        // A medium risk needs neither.
        let medium = IncidentChanges { risk_level: Some(Some(RiskLevel::Medium)), ..close };
        assert_eq!(medium.apply(reported, now).unwrap().status, IncidentStatus::Closed);
    }
}
