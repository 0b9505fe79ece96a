//! Recurring duties (obligations): which a system has, how often they fall due, and when the
//! next is due. Everything here is a pure function of the system's facts and of dates.
//!
//! The intervals come from municipal practice (the README's table of recurring duties): restore tests at least yearly,
//! half-yearly access reviews and log samples, a yearly risk assessment and contingency plan
//! test, processor supervision by risk. Stricter intervals apply to critical systems and to
//! high-risk ones. A duty done late moves the next due date from the day it was done; a
//! failed result is recorded but does not count as done.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::ids::{PersonId, RecordId, SystemId};
use crate::lifecycle::LifecycleState;
use crate::records::SystemRecords;
use crate::risk::RiskLevel;
use crate::system::{Criticality, Delegate, DelegateRole, System};
use crate::values::{Prose, Violation, WebUrl};

string_enum! {
    /// A recurring duty of the owner.
    pub enum ObligationKind {
        /// Restore test of the backup.
        BackupTest => "backup_test",
        /// *Kontrol af brugeradgange*: review who has access.
        AccessReview => "access_review",
        /// *Logstikprøve*: check access logs for misuse.
        LogSample => "log_sample",
        /// Reassess the risks (done by approving a new risk assessment).
        RiskReassessment => "risk_reassessment",
        /// Review the DPIA (done by approving a new DPIA).
        DpiaReview => "dpia_review",
        /// *Tilsyn*: supervise a data processor.
        ProcessorSupervision => "processor_supervision",
        /// Test the contingency plan.
        ContingencyPlanTest => "contingency_plan_test",
        /// Delete what has passed its retention period.
        DeletionRun => "deletion_run",
        /// Review the procedures.
        ProcedureReview => "procedure_review",
        /// Decide on the contract before its notice date (once).
        ContractRenewal => "contract_renewal",
        /// *Opdatering af anvendt software*: check that the software in use is kept up to date
        /// and record the version in use and the day it was last updated.
        PatchReview => "patch_review",
        /// *Udløb af databehandleraftale*: a processing agreement expires; renew it or end the
        /// processing (once per expiry date, on a system in use).
        AgreementExpiry => "agreement_expiry",
        /// *Risikoforanstaltning*: a measure an approved risk assessment calls for, to be put in
        /// place by its day (once per measure, while it is planned).
        RiskMeasure => "risk_measure",
        /// *Overdragelse*: the owner left or no longer holds a management position; the system
        /// is to be handed over to a new owner. Due the day it appears, and reminded to the
        /// coordinator and the owner's manager until the handover is made.
        OwnerHandover => "owner_handover",
    }
}

string_enum! {
    /// Where an obligation stands on a day.
    pub enum ObligationStatus {
        /// Due in more than 30 days.
        Ok => "ok",
        /// Due within 30 days (or today).
        DueSoon => "due_soon",
        /// Past its due date.
        Overdue => "overdue",
    }
}

/// How often a duty falls due (the README's table of recurring duties): the one place the
/// intervals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// Every `usual` months, or every `stricter` months for the systems the duty's rule names
    /// (backup tests of `high` and `critical` systems, access reviews of high-risk ones).
    Months {
        /// The interval for most systems.
        usual: u32,
        /// The interval where the stricter rule applies.
        stricter: u32,
    },
    /// As often as each processing agreement says (6, 12 or 24 months, risk-based).
    PerAgreement,
    /// Once, on a date of the system's own (the contract's notice date).
    Once,
}

impl ObligationKind {
    /// How often the duty falls due.
    pub const fn recurrence(self) -> Recurrence {
        use ObligationKind::{
            AccessReview, AgreementExpiry, BackupTest, ContingencyPlanTest, ContractRenewal, DeletionRun, DpiaReview,
            LogSample, OwnerHandover, PatchReview, ProcedureReview, ProcessorSupervision, RiskMeasure,
            RiskReassessment,
        };
        const fn every(months: u32) -> Recurrence {
            Recurrence::Months { usual: months, stricter: months }
        }
        match self {
            BackupTest => Recurrence::Months { usual: 12, stricter: 6 },
            AccessReview | PatchReview => Recurrence::Months { usual: 6, stricter: 3 },
            LogSample => every(6),
            RiskReassessment | ContingencyPlanTest | DeletionRun | ProcedureReview => every(12),
            DpiaReview => every(24),
            ProcessorSupervision => Recurrence::PerAgreement,
            ContractRenewal | AgreementExpiry | RiskMeasure | OwnerHandover => Recurrence::Once,
        }
    }

    /// The interval in months for a system to which the stricter rule applies or not; `None`
    /// where the interval is not the duty's own (per agreement, or once).
    pub const fn interval_months(self, stricter: bool) -> Option<u32> {
        match self.recurrence() {
            Recurrence::Months { usual, stricter: strict } => Some(if stricter { strict } else { usual }),
            Recurrence::PerAgreement | Recurrence::Once => None,
        }
    }

    /// Whether the duty is done by the owner approving a record (a new risk assessment, a
    /// reviewed DPIA) rather than by a completion.
    pub const fn done_by_approval(self) -> bool {
        matches!(self, ObligationKind::RiskReassessment | ObligationKind::DpiaReview)
    }

    /// Whether the duty is done by changing what it is about rather than by a completion: an
    /// agreement renewed with a new expiry date or terminated; a measure implemented or rejected;
    /// a system handed over to a new owner.
    pub const fn done_by_update(self) -> bool {
        matches!(self, ObligationKind::AgreementExpiry | ObligationKind::RiskMeasure | ObligationKind::OwnerHandover)
    }

    /// The days before its due date that the duty is reminded of, where they are its own
    /// rather than the municipality's policy: an expiring agreement takes months to renew or
    /// replace, so it is told 90 and 30 days ahead (and on the day).
    pub const fn own_reminder_days(self) -> Option<&'static [u32]> {
        match self {
            ObligationKind::AgreementExpiry => Some(&[90, 30]),
            _ => None,
        }
    }

    /// Whether doing the duty can fail (a test): its completion reports passed or failed. The
    /// others are done or not, and a completion of them is recorded as passed.
    pub const fn reports_a_result(self) -> bool {
        matches!(self, ObligationKind::BackupTest | ObligationKind::ContingencyPlanTest)
    }

    /// The duty in plain words, in `lang`.
    pub const fn title(self, lang: crate::org::Language) -> &'static str {
        use crate::org::Language::{Da, En};
        use ObligationKind::{
            AccessReview, AgreementExpiry, BackupTest, ContingencyPlanTest, ContractRenewal, DeletionRun, DpiaReview,
            LogSample, OwnerHandover, PatchReview, ProcedureReview, ProcessorSupervision, RiskMeasure,
            RiskReassessment,
        };
        match (self, lang) {
            (BackupTest, Da) => "Test af gendannelse fra backup",
            (BackupTest, En) => "Restore test of the backup",
            (AccessReview, Da) => "Kontrol af brugeradgange",
            (AccessReview, En) => "Access review",
            (LogSample, Da) => "Logstikprøve",
            (LogSample, En) => "Log sample",
            (RiskReassessment, Da) => "Ny risikovurdering",
            (RiskReassessment, En) => "Risk reassessment",
            (DpiaReview, Da) => "Gennemgang af konsekvensanalyse (DPIA)",
            (DpiaReview, En) => "DPIA review",
            (ProcessorSupervision, Da) => "Tilsyn med databehandler",
            (ProcessorSupervision, En) => "Supervision of a data processor",
            (ContingencyPlanTest, Da) => "Test af beredskabsplan",
            (ContingencyPlanTest, En) => "Contingency plan test",
            (DeletionRun, Da) => "Sletning efter slettefrister",
            (DeletionRun, En) => "Deletion of data past its retention period",
            (ProcedureReview, Da) => "Gennemgang af procedurer",
            (ProcedureReview, En) => "Procedure review",
            (ContractRenewal, Da) => "Stillingtagen til kontrakten",
            (ContractRenewal, En) => "Decision on the contract",
            (PatchReview, Da) => "Opdatering af anvendt software",
            (PatchReview, En) => "Software update review",
            (AgreementExpiry, Da) => "Databehandleraftalen udløber",
            (AgreementExpiry, En) => "A data processing agreement expires",
            (RiskMeasure, Da) => "Risikoforanstaltning",
            (RiskMeasure, En) => "Risk measure",
            (OwnerHandover, Da) => "Overdragelse til ny systemejer",
            (OwnerHandover, En) => "Handover to a new owner",
        }
    }

    /// How the duty is done where it is not recorded as done (by a form, or `POST
    /// .../completions`), in `lang`: what the owner does in the register instead.
    pub const fn done_elsewhere(self, lang: crate::org::Language) -> Option<&'static str> {
        use crate::org::Language::{Da, En};
        Some(match (self, lang) {
            (ObligationKind::RiskReassessment | ObligationKind::DpiaReview, Da) => {
                "Denne opgave løses ved, at systemejeren godkender en ny vurdering i registret. Kontakt koordinatoren, \
                 hvis du har brug for hjælp."
            }
            (ObligationKind::RiskReassessment | ObligationKind::DpiaReview, En) => {
                "This duty is done by the system owner approving a new assessment in the register. Contact the \
                 coordinator if you need help."
            }
            (ObligationKind::AgreementExpiry, Da) => {
                "Denne opgave løses ved at forny aftalen (en ny udløbsdato) eller opsige den i registret. \
                 Databeskyttelsesrådgiveren får en kopi af påmindelsen."
            }
            (ObligationKind::AgreementExpiry, En) => {
                "This duty is done by renewing the agreement (a new expiry date) or terminating it in the register. \
                 The data protection officer gets a copy of the reminder."
            }
            (ObligationKind::OwnerHandover, Da) => {
                "Denne opgave løses ved, at en administrator overdrager systemet til en ny systemejer i registret \
                 (overdragelse med begrundelse)."
            }
            (ObligationKind::OwnerHandover, En) => {
                "This duty is done by an administrator handing the system over to a new owner in the register (a \
                 handover, with its reason)."
            }
            _ => return None,
        })
    }

    /// What "done" means, in `lang`.
    pub const fn done_means(self, lang: crate::org::Language) -> &'static str {
        use ObligationKind::{
            AccessReview, AgreementExpiry, BackupTest, ContingencyPlanTest, ContractRenewal, DeletionRun, DpiaReview,
            LogSample, OwnerHandover, PatchReview, ProcedureReview, ProcessorSupervision, RiskMeasure,
            RiskReassessment,
        };
        match lang {
            crate::org::Language::Da => self.done_means_da(),
            crate::org::Language::En => match self {
                BackupTest => "A restore from backup has been tested and the result recorded.",
                AccessReview => "Access has been reviewed and accounts no longer needed removed.",
                LogSample => "A sample of the access log has been checked for misuse.",
                RiskReassessment => "The owner has approved a new risk assessment.",
                DpiaReview => "The DPIA has been reviewed and approved again.",
                ProcessorSupervision => "The processor has been supervised and the conclusion recorded.",
                ContingencyPlanTest => "The contingency plan has been tested and the result recorded.",
                DeletionRun => "Data past its retention period has been deleted.",
                ProcedureReview => "The procedures have been reviewed and updated.",
                ContractRenewal => "A decision on the contract was made before the notice date.",
                PatchReview => "The software in use is up to date; its version and last update are recorded.",
                AgreementExpiry => "The agreement is renewed (a new expiry date is recorded) or terminated.",
                RiskMeasure => "The measure is in place (implemented), or rejected with a reason.",
                OwnerHandover => "The system is handed over to a new, eligible owner.",
            },
        }
    }

    /// What "done" means, for owners (Danish, as reminders show it).
    pub const fn done_means_da(self) -> &'static str {
        use ObligationKind::{
            AccessReview, AgreementExpiry, BackupTest, ContingencyPlanTest, ContractRenewal, DeletionRun, DpiaReview,
            LogSample, OwnerHandover, PatchReview, ProcedureReview, ProcessorSupervision, RiskMeasure,
            RiskReassessment,
        };
        match self {
            BackupTest => "En gendannelse fra backup er testet, og resultatet er noteret.",
            AccessReview => "Brugeradgangene er gennemgået, og overflødige adgange er fjernet.",
            LogSample => "En stikprøve af adgangsloggen er gennemgået for misbrug.",
            RiskReassessment => "En ny risikovurdering er godkendt af systemejeren.",
            DpiaReview => "Konsekvensanalysen (DPIA) er gennemgået og godkendt igen.",
            ProcessorSupervision => "Tilsynet med databehandleren er gennemført, og konklusionen er noteret.",
            ContingencyPlanTest => "Beredskabsplanen er testet, og resultatet er noteret.",
            DeletionRun => "Data, hvis slettefrist er udløbet, er slettet.",
            ProcedureReview => "Procedurerne er gennemgået og opdateret.",
            ContractRenewal => "Der er taget stilling til kontrakten før opsigelsesfristen.",
            PatchReview => "Den anvendte software er opdateret; versionen og datoen for seneste opdatering er noteret.",
            AgreementExpiry => "Aftalen er fornyet (en ny udløbsdato er registreret) eller opsagt.",
            RiskMeasure => "Foranstaltningen er gennemført, eller den er fravalgt med en begrundelse.",
            OwnerHandover => "Systemet er overdraget til en ny systemejer, der opfylder kravene til en systemejer.",
        }
    }
}

/// An obligation as the facts call for it, before dates are worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredObligation {
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement supervised; otherwise empty.
    pub subject: String,
    /// The interval in months after the stricter rules; `None` for the one-off duty.
    pub interval_months: Option<u32>,
    /// For the one-off duty: its date.
    pub fixed_due_on: Option<NaiveDate>,
    /// Dates on which the duty became due at once (a change began, an incident happened).
    pub due_at_once_since: Option<NaiveDate>,
    /// Dates on which it was done by approving a record (a risk assessment, a DPIA).
    pub done_by_approval_on: Option<NaiveDate>,
}

/// Whether a system counts as high-risk for its duties: it processes sensitive data, it is
/// critical, or its latest approved risk assessment found the risk high (of assessments
/// approved at the same moment, the one that found the highest risk counts, whatever order
/// they are read in).
pub fn is_high_risk(system: &System, records: &SystemRecords) -> bool {
    let latest_level = records
        .risk_assessments
        .iter()
        .filter(|r| r.is_approved())
        .max_by_key(|r| (r.approved_at, r.record.risk_level))
        .map(|r| r.record.risk_level);
    system.processes_sensitive_data == Some(true)
        || system.criticality == Some(Criticality::Critical)
        || latest_level == Some(RiskLevel::High)
}

/// The obligations `system` has, given what is recorded about it, the dates of incidents
/// recorded against it, its owner as the eligibility rule sees them, and its own state. A
/// system not (yet or any longer) in use has none.
/// The days of approvals and events are those of the municipality's time zone `tz`: an
/// approval at 00:30 in Copenhagen is that day's, not the day before's in UTC.
pub fn required(
    system: &System,
    records: &SystemRecords,
    incidents_recorded_at: &[DateTime<Utc>],
    owner: Option<crate::org::OwnerCandidate>,
    tz: chrono_tz::Tz,
) -> Vec<RequiredObligation> {
    use ObligationKind::{
        AccessReview, AgreementExpiry, BackupTest, ContingencyPlanTest, ContractRenewal, DeletionRun, DpiaReview,
        LogSample, OwnerHandover, PatchReview, ProcedureReview, ProcessorSupervision, RiskMeasure, RiskReassessment,
    };
    let live = matches!(
        system.lifecycle_state,
        LifecycleState::InUse | LifecycleState::Changing | LifecycleState::Decommissioning
    );
    if !live {
        return Vec::new();
    }
    let critical = matches!(system.criticality, Some(Criticality::High | Criticality::Critical));
    let high_risk = is_high_risk(system, records);
    let personal = system.processes_personal_data == Some(true);
    let change_began = records.open_change.as_ref().map(|c| c.started_at);
    let latest_incident = incidents_recorded_at.iter().max().copied();
    let latest = |times: Vec<Option<DateTime<Utc>>>| times.into_iter().flatten().max();
    // Due at once when the event came after the last approval that would have done it.
    let due_since = |event: Option<DateTime<Utc>>, approved: Option<DateTime<Utc>>| {
        event.filter(|e| approved.is_none_or(|a| a < *e)).map(|e| e.with_timezone(&tz).date_naive())
    };

    let mut out = Vec::new();
    let mut add = |kind: ObligationKind, interval: Option<u32>| {
        out.push(RequiredObligation {
            kind,
            subject: String::new(),
            interval_months: interval,
            fixed_due_on: None,
            due_at_once_since: None,
            done_by_approval_on: None,
        });
    };
    add(BackupTest, BackupTest.interval_months(critical));
    add(AccessReview, AccessReview.interval_months(high_risk));
    if personal {
        add(LogSample, LogSample.interval_months(false));
    }
    add(ProcedureReview, ProcedureReview.interval_months(false));
    add(PatchReview, PatchReview.interval_months(critical));
    if records.contingency_plan.is_some() {
        add(ContingencyPlanTest, ContingencyPlanTest.interval_months(false));
    }
    if !records.retention_rules.is_empty() {
        add(DeletionRun, DeletionRun.interval_months(false));
    }
    let risk_approved = latest(records.risk_assessments.iter().map(|r| r.approved_at).collect());
    let mut risk = RequiredObligation {
        kind: RiskReassessment,
        subject: String::new(),
        interval_months: RiskReassessment.interval_months(false),
        fixed_due_on: None,
        due_at_once_since: due_since(change_began.max(latest_incident), risk_approved),
        done_by_approval_on: risk_approved.map(|t| t.with_timezone(&tz).date_naive()),
    };
    out.push(risk.clone());
    if records.dpias.iter().any(super::records::Recorded::is_approved) {
        let dpia_approved = latest(records.dpias.iter().map(|d| d.approved_at).collect());
        risk.kind = DpiaReview;
        risk.interval_months = DpiaReview.interval_months(false);
        risk.due_at_once_since = due_since(change_began, dpia_approved);
        risk.done_by_approval_on = dpia_approved.map(|t| t.with_timezone(&tz).date_naive());
        out.push(risk);
    }
    // A terminated agreement is supervised no more, and does not expire: it has ended.
    for agreement in records.agreements.iter().filter(|a| !a.is_terminated()) {
        out.push(RequiredObligation {
            kind: ProcessorSupervision,
            subject: agreement.id.to_string(),
            interval_months: Some(u32::from(agreement.supervision_interval_months)),
            fixed_due_on: None,
            due_at_once_since: None,
            done_by_approval_on: None,
        });
        if let Some(expires) = agreement.expires_on.filter(|_| agreement.signed_on.is_some()) {
            out.push(RequiredObligation {
                kind: AgreementExpiry,
                subject: agreement.id.to_string(),
                interval_months: None,
                fixed_due_on: Some(expires),
                due_at_once_since: None,
                done_by_approval_on: None,
            });
        }
    }
    for measure in records.risk_measures.iter().filter(|m| m.is_open()) {
        out.push(RequiredObligation {
            kind: RiskMeasure,
            subject: measure.id.to_string(),
            interval_months: None,
            fixed_due_on: Some(measure.due_on),
            due_at_once_since: None,
            done_by_approval_on: None,
        });
    }
    if crate::lifecycle::owner_ineligible(system, owner).is_some() {
        // Due the day it appears: a system without an accountable owner waits for no one.
        out.push(RequiredObligation {
            kind: OwnerHandover,
            subject: String::new(),
            interval_months: None,
            fixed_due_on: None,
            due_at_once_since: None,
            done_by_approval_on: None,
        });
    }
    if let Some(notice) = system.contract_notice_on {
        out.push(RequiredObligation {
            kind: ContractRenewal,
            subject: String::new(),
            interval_months: None,
            fixed_due_on: Some(notice),
            due_at_once_since: None,
            done_by_approval_on: None,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    out
}

/// `date` plus `months` calendar months (the 31st becomes the month's last day).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The next due date of a recurring duty: one interval after it was last done, or after it
/// appeared when it was never done; at once (the day it became so) when something made it
/// due that has not been answered since (`due_at_once_since`, worked out by [`required`]).
/// A one-off duty is due on its own date, or the day it appeared where it has none; `None`
/// once it is done.
///
/// A date counted ahead (an interval's, a one-off duty's own) that is not a working day in
/// `calendar` moves to the working day before; a duty due at once is due the day it became
/// so, whatever day that was (it is not made overdue the day it appears).
pub fn next_due_on(
    interval_months: Option<u32>,
    fixed_due_on: Option<NaiveDate>,
    last_done_on: Option<NaiveDate>,
    appeared_on: NaiveDate,
    due_at_once_since: Option<NaiveDate>,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    let Some(interval) = interval_months else {
        return if last_done_on.is_some() {
            None
        } else {
            Some(fixed_due_on.map_or(appeared_on, |d| calendar.on_or_before(d)))
        };
    };
    let regular = regular_due_on(interval, last_done_on, appeared_on, calendar);
    Some(due_at_once_since.map_or(regular, |since| regular.min(since)))
}

/// The regular due date of a recurring duty: one interval after it was last done (or after it
/// appeared), on the working day on or before that.
pub fn regular_due_on(
    interval_months: u32,
    last_done_on: Option<NaiveDate>,
    appeared_on: NaiveDate,
    calendar: &Calendar,
) -> NaiveDate {
    calendar.on_or_before(add_months(last_done_on.unwrap_or(appeared_on), interval_months))
}

string_enum! {
    /// Why a duty falls due before its regular date.
    pub enum DueEarly {
        /// The test failed and must be passed.
        FailedTest => "failed_test",
        /// A change of the system began: the risks (and the DPIA) are to be looked at again.
        ChangeBegan => "change_began",
        /// An incident or a breach was recorded against the system.
        Incident => "incident",
    }
}

/// Why a duty of `kind` due on `next_due_on` falls due before its regular date (its interval
/// after it was last done, or after it appeared), if it does. `changing`: the system is in the
/// middle of a change.
pub fn due_early(
    kind: ObligationKind,
    interval_months: Option<u32>,
    last_done_on: Option<NaiveDate>,
    appeared_on: NaiveDate,
    next_due_on: NaiveDate,
    changing: bool,
    calendar: &Calendar,
) -> Option<DueEarly> {
    let regular = regular_due_on(interval_months?, last_done_on, appeared_on, calendar);
    if next_due_on >= regular {
        return None;
    }
    // Only these rules bring a duty forward: a failed test, and a change or an incident for the
    // risk assessment and the DPIA.
    match kind {
        k if k.reports_a_result() => Some(DueEarly::FailedTest),
        ObligationKind::RiskReassessment if !changing => Some(DueEarly::Incident),
        ObligationKind::RiskReassessment | ObligationKind::DpiaReview => Some(DueEarly::ChangeBegan),
        _ => None,
    }
}

/// Days within which a test that failed is due again unless configured otherwise: it must be
/// passed (the guidance's follow-up on a failed restore or contingency test).
pub const FOLLOW_UP_DAYS: u32 = 30;

/// When a duty was last done, by result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastDone {
    /// The latest day it was done and passed.
    pub passed: Option<NaiveDate>,
    /// The latest day it was tried and failed.
    pub failed: Option<NaiveDate>,
}

impl LastDone {
    /// Takes in a completion done on `day` with `result`.
    pub fn record(&mut self, result: CompletionResult, day: NaiveDate) {
        let slot = match result {
            CompletionResult::Passed => &mut self.passed,
            CompletionResult::Failed => &mut self.failed,
        };
        *slot = (*slot).max(Some(day));
    }

    /// The day of a failure not yet answered by a pass (or an approval on `approved`).
    pub fn unanswered_failure(&self, approved: Option<NaiveDate>) -> Option<NaiveDate> {
        let passed = self.passed.max(approved);
        self.failed.filter(|f| passed.is_none_or(|p| *f > p))
    }
}

/// Where a duty due on `due_on` stands on `today`.
pub fn status(due_on: Option<NaiveDate>, today: NaiveDate) -> ObligationStatus {
    match due_on {
        Some(due) if due < today => ObligationStatus::Overdue,
        Some(due) if (due - today).num_days() <= 30 => ObligationStatus::DueSoon,
        _ => ObligationStatus::Ok,
    }
}

/// An obligation with its dates worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement; otherwise empty.
    pub subject: String,
    /// The interval in use (an override, else the rule's), `None` for the one-off duty.
    pub interval_months: Option<u32>,
    /// The day it first appeared.
    pub appeared_on: NaiveDate,
    /// The day it was last done.
    pub last_done_on: Option<NaiveDate>,
    /// The day it is next due.
    pub next_due_on: Option<NaiveDate>,
}

/// What is known of an obligation from before: when it appeared, and its interval override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The day it first appeared.
    pub appeared_on: NaiveDate,
    /// The interval set for this system, if any.
    pub interval_override_months: Option<u32>,
}

/// Works out the dates of the `required` obligations: `last_passed` holds the day each
/// (kind, subject) was last done with a passed result; `known` what is known from before; a
/// duty not known before appears on `today`.
/// A failure not yet answered by a pass makes the duty due within `follow_up_days` of it
/// ([`FOLLOW_UP_DAYS`] by default). Dates counted ahead fall on `calendar`'s working days.
pub fn schedule(
    required: &[RequiredObligation],
    last_done: &std::collections::HashMap<(ObligationKind, String), LastDone>,
    known: &std::collections::HashMap<(ObligationKind, String), Known>,
    today: NaiveDate,
    follow_up_days: u32,
    calendar: &Calendar,
) -> Vec<Scheduled> {
    required
        .iter()
        .map(|duty| {
            let id = (duty.kind, duty.subject.clone());
            let before = known.get(&id);
            let appeared_on = before.map_or(today, |k| k.appeared_on);
            let interval = duty.interval_months.map(|i| before.and_then(|k| k.interval_override_months).unwrap_or(i));
            let done = last_done.get(&id).copied().unwrap_or_default();
            let last_done_on = done.passed.max(duty.done_by_approval_on);
            let follow_up = done
                .unanswered_failure(duty.done_by_approval_on)
                .map(|failed| calendar.on_or_before(failed + chrono::Duration::days(i64::from(follow_up_days))));
            Scheduled {
                kind: duty.kind,
                subject: duty.subject.clone(),
                interval_months: interval,
                appeared_on,
                last_done_on,
                next_due_on: next_due_on(
                    interval,
                    duty.fixed_due_on,
                    last_done_on,
                    appeared_on,
                    duty.due_at_once_since,
                    calendar,
                )
                .map(|next| follow_up.map_or(next, |f| next.min(f))),
            }
        })
        .collect()
}

/// Who is reminded of a system's duties by default: the first `systemforvalter` delegate, else
/// the first delegate, else the owner.
pub fn default_assignee(system: &System) -> Option<PersonId> {
    default_assignee_among(&system.delegates, system.owner_id)
}

/// Who a duty of `kind` is reminded to on the system: no one for a handover (the coordinator
/// and the owner's manager see to it); else the person it was assigned to (`assigned`); else,
/// for a risk measure, the person responsible for it; else the system's default assignee
/// (`default`, see [`default_assignee`]).
pub fn assignee_of(
    kind: ObligationKind,
    assigned: Option<PersonId>,
    responsible: Option<PersonId>,
    default: impl FnOnce() -> Option<PersonId>,
) -> Option<PersonId> {
    match kind {
        ObligationKind::OwnerHandover => None,
        ObligationKind::RiskMeasure => assigned.or(responsible).or_else(default),
        _ => assigned.or_else(default),
    }
}

/// [`default_assignee`] from a system's delegates (in the register's order) and owner alone.
pub fn default_assignee_among(delegates: &[Delegate], owner: Option<PersonId>) -> Option<PersonId> {
    delegates
        .iter()
        .find(|d| d.role == DelegateRole::Systemforvalter)
        .or(delegates.first())
        .map(|d| d.person_id)
        .or(owner)
}

/// The intervals, in months, that may be set for one system's duty.
pub const INTERVAL_OVERRIDE_MONTHS: std::ops::RangeInclusive<u32> = 1..=60;

/// An obligation of a system as the register shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Obligation {
    /// The system.
    pub system_id: SystemId,
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement's id; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The interval in use, in months (`null` for the one-off duty).
    pub interval_months: Option<u32>,
    /// The interval set for this system, overriding the default.
    pub interval_override_months: Option<u32>,
    /// Who is reminded.
    pub assignee_id: Option<PersonId>,
    /// When it was last done (a passed completion, or an approval).
    pub last_done_on: Option<NaiveDate>,
    /// When it is next due (`null`: a one-off duty that is done).
    pub next_due_on: Option<NaiveDate>,
    /// Where it stands today.
    pub status: ObligationStatus,
    /// What done means, in Danish.
    pub done_means: &'static str,
}

/// Changes to how an obligation is kept for one system.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ObligationChanges {
    /// A stricter or looser interval in months (1 to 60); `null` returns to the default.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, nullable, minimum = 1, maximum = 60))]
    pub interval_months: Option<Option<u32>>,
    /// Who is reminded; `null` returns to the default (a delegate, else the owner).
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PersonId>, nullable))]
    pub assignee_id: Option<Option<PersonId>>,
}

impl ObligationChanges {
    /// The rules the changes break.
    pub fn violations(&self) -> Vec<Violation> {
        match self.interval_months {
            Some(Some(n)) if !INTERVAL_OVERRIDE_MONTHS.contains(&n) => {
                vec![Violation::new("interval_months", "range", "must be from 1 to 60 months")]
            }
            _ => vec![],
        }
    }
}

string_enum! {
    /// The result of doing a duty.
    pub enum CompletionResult {
        /// It went as it should; the duty counts as done.
        Passed => "passed",
        /// It failed (a restore that did not work, ...): recorded, but the duty is still due.
        Failed => "failed",
    }
}

string_enum! {
    /// How a completion reached the register.
    pub enum Via {
        /// A call to the API (a script, another system, an admin).
        Api => "api",
        /// The page an emailed link opened, in the name of the person the link was sent to.
        Link => "link",
    }
}

/// Evidence of a completion, by kind of duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence {
    /// An access review.
    AccessReview {
        /// Accounts reviewed.
        accounts_reviewed: u32,
        /// Accounts removed.
        accounts_removed: u32,
    },
    /// A restore test.
    BackupTest {
        /// How long the restore took, in minutes.
        restore_minutes: u32,
        /// What was restored.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        restored: Prose,
    },
    /// A review of the software's updates (*opdatering af anvendt software*).
    PatchReview {
        /// The version in use.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        version_in_use: Prose,
        /// The day the software was last updated (not after the review).
        last_updated_on: NaiveDate,
    },
    /// A supervision of a processor.
    Supervision {
        /// The kind of report or inspection.
        report_kind: crate::gdpr::SupervisionMethod,
        /// Its conclusion.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        conclusion: Prose,
    },
}

/// A completion of a duty, as parsed from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCompletion {
    /// The day it was done (not in the future).
    pub done_on: NaiveDate,
    /// Passed or failed.
    pub result: CompletionResult,
    /// For `processor_supervision` and `agreement_expiry`: the agreement's id.
    #[serde(default)]
    pub subject: Option<RecordId>,
    /// Evidence fitting the duty.
    #[serde(default)]
    pub evidence: Option<Evidence>,
    /// Notes (findings, what was done).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub notes: Option<Prose>,
    /// Where the documentation is kept.
    #[serde(default)]
    pub document_url: Option<WebUrl>,
}

impl NewCompletion {
    /// The rules a completion of `kind` breaks on `today`.
    pub fn violations(&self, kind: ObligationKind, today: NaiveDate) -> Vec<Violation> {
        let mut out = Vec::new();
        out.extend(crate::values::past_day_violation("done_on", self.done_on, today));
        let fits = match (&self.evidence, kind) {
            (None, _) => true,
            (Some(Evidence::AccessReview { accounts_reviewed, accounts_removed }), ObligationKind::AccessReview) => {
                if accounts_removed > accounts_reviewed {
                    out.push(Violation::new(
                        "evidence.accounts_removed",
                        "at_most_reviewed",
                        "cannot exceed accounts_reviewed",
                    ));
                }
                true
            }
            (Some(Evidence::BackupTest { .. }), ObligationKind::BackupTest) => true,
            (Some(Evidence::Supervision { .. }), ObligationKind::ProcessorSupervision) => true,
            (Some(Evidence::PatchReview { last_updated_on, .. }), ObligationKind::PatchReview) => {
                use chrono::Datelike;
                if !crate::values::YEARS.contains(&last_updated_on.year()) {
                    out.push(Violation::new(
                        "evidence.last_updated_on",
                        "date_range",
                        format!(
                            "must fall in the years {} to {}",
                            crate::values::YEARS.start(),
                            crate::values::YEARS.end()
                        ),
                    ));
                } else if *last_updated_on > self.done_on {
                    out.push(Violation::new(
                        "evidence.last_updated_on",
                        "not_after_done_on",
                        "the last update cannot come after the review",
                    ));
                }
                true
            }
            _ => false,
        };
        if self.result == CompletionResult::Failed && !kind.reports_a_result() {
            out.push(Violation::new(
                "result",
                "passed_only",
                format!("a `{kind}` is done or not, not a test that can fail: record it as `passed` once it is done"),
            ));
        }
        if kind == ObligationKind::PatchReview && self.evidence.is_none() {
            out.push(Violation::new(
                "evidence",
                "required",
                "a `patch_review` records the version in use and the day of the last update",
            ));
        }
        if !fits {
            out.push(Violation::new(
                "evidence.type",
                "fits_duty",
                format!("this evidence does not fit a `{kind}` duty"),
            ));
        }
        if kind == ObligationKind::ProcessorSupervision && self.subject.is_none() {
            out.push(Violation::new("subject", "required", "name the processing agreement supervised"));
        }
        if matches!(kind, ObligationKind::RiskReassessment | ObligationKind::DpiaReview) {
            out.push(Violation::new(
                "kind",
                "done_by_approval",
                format!("`{kind}` is done by the owner approving a new assessment, not by a completion"),
            ));
        }
        if kind.done_by_update() {
            let how = match kind {
                ObligationKind::AgreementExpiry => "by renewing the agreement (a new expires_on) or terminating it",
                ObligationKind::RiskMeasure => "by recording the measure implemented, or rejected with a reason",
                _ => "by handing the system over to a new owner (POST /systems/{id}/owner-handover)",
            };
            out.push(Violation::new("kind", "done_by_update", format!("`{kind}` is done {how}, not by a completion")));
        }
        out
    }
}

/// A completion as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    /// Identifier.
    pub id: RecordId,
    /// The system.
    pub system_id: SystemId,
    /// The duty.
    pub kind: ObligationKind,
    /// For `processor_supervision` and `agreement_expiry`: the agreement's id.
    pub subject: Option<String>,
    /// The day it was done.
    pub done_on: NaiveDate,
    /// Passed or failed.
    pub result: CompletionResult,
    /// Evidence.
    pub evidence: Option<Evidence>,
    /// Notes.
    pub notes: Option<String>,
    /// Documentation.
    pub document_url: Option<WebUrl>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// How it was recorded: through the API, or from an emailed link.
    pub via: Via,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RecordId;
    use crate::lifecycle::fixtures::{at, day, ready_records, risk};
    use crate::lifecycle::{TransitionFacts, evaluate};
    use crate::records::SystemChange;
    use crate::risk::{RiskLevel, RiskPerspective};
    use crate::system::fixtures::complete_system;
    use proptest::prelude::*;

    const CPH: chrono_tz::Tz = chrono_tz::Europe::Copenhagen;

    fn cal() -> Calendar {
        Calendar::with_closed_days(crate::calendar::USUAL_CLOSED_DAYS)
    }

    fn kinds(list: &[RequiredObligation]) -> Vec<(&'static str, Option<u32>)> {
        list.iter().map(|o| (o.kind.as_str(), o.interval_months)).collect()
    }

    #[test]
    fn a_duty_due_before_its_regular_date_says_why() {
        use ObligationKind::{BackupTest, DpiaReview, RiskReassessment};
        let (appeared, done) = (day("2025-01-01"), Some(day("2026-06-01")));
        let early = |kind, due: &str, changing| due_early(kind, Some(12), done, appeared, day(due), changing, &cal());
        assert_eq!(early(BackupTest, "2027-06-01", false), None, "on its regular date");
        assert_eq!(early(BackupTest, "2026-12-20", false), Some(DueEarly::FailedTest));
        assert_eq!(early(RiskReassessment, "2026-11-03", true), Some(DueEarly::ChangeBegan));
        assert_eq!(early(RiskReassessment, "2026-11-03", false), Some(DueEarly::Incident));
        assert_eq!(early(DpiaReview, "2026-11-03", true), Some(DueEarly::ChangeBegan));
        assert_eq!(
            due_early(BackupTest, None, None, appeared, day("2026-01-01"), false, &cal()),
            None,
            "a one-off duty"
        );
        assert_eq!(
            due_early(ObligationKind::ProcedureReview, Some(12), done, appeared, day("2026-11-03"), true, &cal()),
            None,
            "no rule brings a procedure review forward"
        );
    }

    #[test]
    fn a_failed_test_is_due_again_within_thirty_days_until_one_passes() {
        let backup = RequiredObligation {
            kind: ObligationKind::BackupTest,
            subject: String::new(),
            interval_months: Some(12),
            fixed_due_on: None,
            due_at_once_since: None,
            done_by_approval_on: None,
        };
        let id = (ObligationKind::BackupTest, String::new());
        let known = std::collections::HashMap::from([(
            id.clone(),
            Known { appeared_on: day("2025-01-01"), interval_override_months: None },
        )]);
        let next = |done: LastDone| {
            let last = std::collections::HashMap::from([(id.clone(), done)]);
            schedule(std::slice::from_ref(&backup), &last, &known, day("2026-12-01"), FOLLOW_UP_DAYS, &cal())[0]
                .next_due_on
        };
        let passed = Some(day("2026-06-01"));
        assert_eq!(next(LastDone { passed, failed: None }), Some(day("2027-06-01")));
        // Failed after the last pass: due 30 days after the failure (20 December 2026 is a
        // Sunday: the Friday before).
        assert_eq!(next(LastDone { passed, failed: Some(day("2026-11-20")) }), Some(day("2026-12-18")));
        assert_eq!(next(LastDone { passed, failed: Some(day("2026-11-18")) }), Some(day("2026-12-18")));
        // A pass after the failure answers it (the same day too).
        assert_eq!(
            next(LastDone { passed: Some(day("2026-11-25")), failed: Some(day("2026-11-20")) }),
            Some(day("2027-11-25"))
        );
        assert_eq!(
            next(LastDone { passed: Some(day("2026-11-20")), failed: Some(day("2026-11-20")) }),
            Some(day("2027-11-19")),
            "a year on is a Saturday: the Friday before"
        );
        // A failure never makes a duty due later than it already was.
        assert_eq!(
            next(LastDone { passed: Some(day("2025-11-03")), failed: Some(day("2026-11-20")) }),
            Some(day("2026-11-03"))
        );
        let mut done = LastDone::default();
        done.record(CompletionResult::Failed, day("2026-11-20"));
        done.record(CompletionResult::Failed, day("2026-10-01"));
        assert_eq!(done.failed, Some(day("2026-11-20")), "the latest failure counts");
    }

    #[allow(clippy::unnecessary_wraps, reason = "what `required` takes")]
    fn eligible() -> Option<crate::org::OwnerCandidate> {
        Some(crate::org::OwnerCandidate {
            id: crate::ids::PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            position: crate::org::Position::Director,
            active: true,
            manager_position: None,
        })
    }

    /// What the agreements, the measures and the owner add: an expiry on its day, a measure
    /// still planned on its day, and a handover due at once when the owner is no longer
    /// eligible; none of them once renewed, terminated, done or handed over.
    #[test]
    fn expiries_measures_and_handovers_are_one_off_duties() {
        let mut system = complete_system();
        system.lifecycle_state = LifecycleState::InUse;
        let mut records = ready_records();
        records.agreements[0].expires_on = Some(day("2027-06-30"));
        let measure = |status: crate::risk::MeasureStatus| crate::risk::RiskMeasure {
            id: RecordId::from_uuid(uuid::Uuid::from_u128(77)),
            system_id: system.id,
            risk_assessment_id: RecordId::from_uuid(uuid::Uuid::from_u128(10)),
            measure: "Tofaktorlogin".into(),
            responsible_id: crate::ids::PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            due_on: day("2027-01-15"),
            status,
            implemented_on: None,
            rejection_reason: None,
            version: 1,
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
        };
        records.risk_measures = vec![measure(crate::risk::MeasureStatus::Planned)];
        let one_offs = |owner, records: &SystemRecords| -> Vec<(ObligationKind, Option<NaiveDate>)> {
            required(&system, records, &[], owner, CPH)
                .into_iter()
                .filter(|d| d.interval_months.is_none())
                .map(|d| (d.kind, d.fixed_due_on))
                .collect()
        };
        assert_eq!(
            one_offs(eligible(), &records),
            [
                (ObligationKind::AgreementExpiry, Some(day("2027-06-30"))),
                (ObligationKind::RiskMeasure, Some(day("2027-01-15")))
            ]
        );
        let left = eligible().map(|o| crate::org::OwnerCandidate { active: false, ..o });
        assert_eq!(
            one_offs(left, &records).last(),
            Some(&(ObligationKind::OwnerHandover, None)),
            "the owner left: a handover"
        );
        assert_eq!(
            next_due_on(None, None, None, day("2026-12-02"), None, &cal()),
            Some(day("2026-12-02")),
            "due the day it appears"
        );
        records.agreements[0].terminated_on = Some(day("2026-12-31"));
        records.risk_measures = vec![measure(crate::risk::MeasureStatus::Rejected)];
        assert!(one_offs(eligible(), &records).is_empty(), "terminated and rejected: no duties");
    }

    #[test]
    fn a_system_in_procurement_or_retired_has_no_duties() {
        let mut system = complete_system();
        for state in [LifecycleState::Procurement, LifecycleState::Retired] {
            system.lifecycle_state = state;
            assert!(required(&system, &ready_records(), &[], eligible(), CPH).is_empty());
        }
    }

    #[test]
    fn the_facts_call_for_the_duties_with_stricter_intervals() {
        let mut system = complete_system();
        system.lifecycle_state = LifecycleState::InUse;
        system.contract_notice_on = Some(day("2027-03-31"));
        // Critical (high) and sensitive data: backup every 6, access every 3 months.
        assert_eq!(
            kinds(&required(&system, &ready_records(), &[], eligible(), CPH)),
            vec![
                ("backup_test", Some(6)),
                ("access_review", Some(3)),
                ("log_sample", Some(6)),
                ("risk_reassessment", Some(12)),
                ("dpia_review", Some(24)),
                ("processor_supervision", Some(12)),
                ("contingency_plan_test", Some(12)),
                ("deletion_run", Some(12)),
                ("procedure_review", Some(12)),
                ("contract_renewal", None),
                ("patch_review", Some(3)),
            ]
        );
        // An ordinary system without personal data, plan, rules, DPIA or agreements.
        system.criticality = Some(Criticality::Low);
        system.processes_personal_data = Some(false);
        system.processes_sensitive_data = Some(false);
        system.contract_notice_on = None;
        let mut records = ready_records();
        records.risk_assessments = vec![risk(RiskPerspective::InformationSecurity, Some("2026-01-02T00:00:00Z"))];
        records.contingency_plan = None;
        records.retention_rules.clear();
        records.dpias.clear();
        records.agreements.clear();
        assert_eq!(
            kinds(&required(&system, &records, &[], eligible(), CPH)),
            vec![
                ("backup_test", Some(12)),
                ("access_review", Some(6)),
                ("risk_reassessment", Some(12)),
                ("procedure_review", Some(12)),
                ("patch_review", Some(6)),
            ]
        );
    }

    #[test]
    fn assessments_approved_at_the_same_moment_count_the_highest_risk_in_any_order() {
        let mut system = complete_system();
        system.criticality = Some(Criticality::Low);
        system.processes_sensitive_data = Some(false);
        let at = Some("2026-03-02T14:00:00Z");
        let mut high = risk(RiskPerspective::DataSubject, at);
        high.record.risk_level = RiskLevel::High;
        let mut low = risk(RiskPerspective::InformationSecurity, at);
        low.record.risk_level = RiskLevel::Low;
        let mut records = ready_records();
        records.risk_assessments = vec![high.clone(), low.clone()];
        assert!(is_high_risk(&system, &records));
        records.risk_assessments = vec![low, high];
        assert!(is_high_risk(&system, &records));
    }

    #[test]
    fn due_dates_count_from_the_day_it_was_done() {
        let appeared = day("2026-01-15");
        // Never done: one interval after it appeared.
        assert_eq!(next_due_on(Some(12), None, None, appeared, None, &cal()), Some(day("2027-01-15")));
        // Done late: counts from the day it was done, not from the old due date.
        assert_eq!(
            next_due_on(Some(6), None, Some(day("2026-09-30")), appeared, None, &cal()),
            Some(day("2027-03-30"))
        );
        // Done early: likewise.
        assert_eq!(
            next_due_on(Some(6), None, Some(day("2026-03-01")), appeared, None, &cal()),
            Some(day("2026-09-01"))
        );
        // Month ends are kept within the month, and a Saturday moves to the Friday before.
        assert_eq!(
            next_due_on(Some(1), None, Some(day("2026-01-31")), appeared, None, &cal()),
            Some(day("2026-02-27"))
        );
        assert_eq!(
            next_due_on(Some(1), None, Some(day("2026-02-28")), appeared, None, &cal()),
            Some(day("2026-03-27"))
        );
    }

    #[test]
    fn a_change_or_an_incident_makes_the_reassessment_due_at_once_until_answered() {
        let mut system = complete_system();
        system.lifecycle_state = LifecycleState::InUse;
        let mut records = ready_records();
        records.risk_assessments = vec![risk(RiskPerspective::InformationSecurity, Some("2026-05-01T10:00:00Z"))];
        let reassessment = |records: &SystemRecords, incidents: &[DateTime<Utc>]| {
            required(&system, records, incidents, eligible(), CPH)
                .into_iter()
                .find(|o| o.kind == ObligationKind::RiskReassessment)
                .unwrap()
        };
        let incident = crate::lifecycle::fixtures::at("2026-06-10T09:00:00Z");
        let due = reassessment(&records, &[incident]);
        assert_eq!(due.due_at_once_since, Some(day("2026-06-10")));
        let next =
            next_due_on(Some(12), None, due.done_by_approval_on, day("2026-01-15"), due.due_at_once_since, &cal());
        assert_eq!(next, Some(day("2026-06-10")));
        // An assessment approved after the incident (even the same day) answers it.
        records.risk_assessments.push(risk(RiskPerspective::InformationSecurity, Some("2026-06-10T15:00:00Z")));
        let answered = reassessment(&records, &[incident]);
        assert_eq!(answered.due_at_once_since, None);
        assert_eq!(answered.done_by_approval_on, Some(day("2026-06-10")));
    }

    /// An approval just after midnight in Copenhagen (still the day before in UTC) is that
    /// day's: the reassessment it does counts from the municipality's date.
    #[test]
    fn an_approval_is_dated_in_the_municipalitys_time_zone() {
        let mut system = complete_system();
        system.lifecycle_state = LifecycleState::InUse;
        let mut records = ready_records();
        records.risk_assessments = vec![risk(RiskPerspective::InformationSecurity, Some("2026-12-01T23:30:00Z"))];
        let risk = required(&system, &records, &[], eligible(), CPH)
            .into_iter()
            .find(|o| o.kind == ObligationKind::RiskReassessment)
            .unwrap();
        assert_eq!(risk.done_by_approval_on, Some(day("2026-12-02")));
        let utc = required(&system, &records, &[], eligible(), chrono_tz::UTC)
            .into_iter()
            .find(|o| o.kind == ObligationKind::RiskReassessment)
            .unwrap();
        assert_eq!(utc.done_by_approval_on, Some(day("2026-12-01")));
    }

    #[test]
    fn a_one_off_duty_is_due_on_its_date_until_done() {
        let appeared = day("2026-01-15");
        assert_eq!(next_due_on(None, Some(day("2027-03-31")), None, appeared, None, &cal()), Some(day("2027-03-31")));
        assert_eq!(next_due_on(None, Some(day("2027-03-31")), Some(day("2027-02-01")), appeared, None, &cal()), None);
    }

    #[test]
    fn status_by_days_left() {
        let today = day("2026-11-28");
        assert_eq!(status(Some(day("2026-11-27")), today), ObligationStatus::Overdue);
        assert_eq!(status(Some(day("2026-11-28")), today), ObligationStatus::DueSoon);
        assert_eq!(status(Some(day("2026-12-28")), today), ObligationStatus::DueSoon);
        assert_eq!(status(Some(day("2026-12-29")), today), ObligationStatus::Ok);
        assert_eq!(status(None, today), ObligationStatus::Ok);
    }

    #[test]
    fn evidence_must_fit_the_duty() {
        let c = NewCompletion {
            done_on: day("2026-11-01"),
            result: CompletionResult::Passed,
            subject: None,
            evidence: Some(Evidence::AccessReview { accounts_reviewed: 10, accounts_removed: 12 }),
            notes: None,
            document_url: None,
        };
        let rules: Vec<String> =
            c.violations(ObligationKind::BackupTest, day("2026-11-28")).into_iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["fits_duty"]);
        let rules: Vec<String> =
            c.violations(ObligationKind::AccessReview, day("2026-11-28")).into_iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["at_most_reviewed"]);
    }

    proptest! {
        /// A recurring duty is never due later than one interval after it was last done (or
        /// appeared), and never before the day it was last done.
        #[test]
        fn next_due_is_within_one_interval(
            interval in 1u32..=60,
            appeared_offset in 0i64..3650,
            done_offset in proptest::option::of(0i64..3650),
            at_once_offset in proptest::option::of(0i64..3650),
        ) {
            let base = day("2020-01-01");
            let appeared = base + chrono::Duration::days(appeared_offset);
            let done = done_offset.map(|d| base + chrono::Duration::days(d));
            let at_once = at_once_offset.map(|d| base + chrono::Duration::days(d));
            let due = next_due_on(Some(interval), None, done, appeared, at_once, &cal()).unwrap();
            let from = done.unwrap_or(appeared);
            prop_assert!(due <= add_months(from, interval));
            if at_once.is_none() {
                prop_assert!(due > from);
            }
        }
    }

    proptest! {
        /// The records as the rules read them (the last approved risk assessment of each
        /// perspective, the last approved DPIA) give every rule the same answer as the whole
        /// history: each gate of each move, the duties a system has, and whether it counts as
        /// high-risk. Approval times are drawn from a few instants, so that ties happen.
        #[test]
        fn the_rules_read_no_more_than_the_last_approvals(
            from in proptest::sample::select(LifecycleState::ALL),
            personal in any::<bool>(),
            criticality in proptest::option::of(proptest::sample::select(crate::system::Criticality::ALL)),
            risks in proptest::collection::vec(
                (
                    proptest::sample::select(RiskPerspective::ALL),
                    proptest::sample::select(RiskLevel::ALL),
                    proptest::option::of(0u32..5),
                ),
                0..8,
            ),
            dpias in proptest::collection::vec(proptest::option::of(0u32..5), 0..4),
            dpia_needed in any::<bool>(),
            change_began in proptest::option::of(0u32..5),
            change_dpia_needed in any::<bool>(),
            incidents in proptest::collection::vec(0u32..5, 0..3),
        ) {
            let instant = |n: u32| at("2026-03-01T00:00:00Z") + chrono::Duration::days(i64::from(n) * 30);
            let mut system = complete_system();
            system.lifecycle_state = from;
            system.processes_personal_data = Some(personal);
            system.criticality = criticality;
            let mut records = ready_records();
            records.risk_assessments = risks
                .iter()
                .enumerate()
                .map(|(n, (perspective, level, approved))| {
                    let mut r = risk(*perspective, None);
                    r.id = RecordId::from_uuid(uuid::Uuid::from_u128(100 + n as u128));
                    r.record.risk_level = *level;
                    r.approved_at = approved.map(instant);
                    r
                })
                .collect();
            let template = records.dpias[0].clone();
            records.dpias = dpias
                .iter()
                .enumerate()
                .map(|(n, approved)| {
                    let mut d = template.clone();
                    d.id = RecordId::from_uuid(uuid::Uuid::from_u128(200 + n as u128));
                    d.approved_at = approved.map(instant);
                    d
                })
                .collect();
            if let Some(decision) = records.dpia_decision.as_mut() {
                decision.record.needed = dpia_needed;
            }
            records.open_change = change_began.map(|n| SystemChange {
                id: RecordId::from_uuid(uuid::Uuid::from_u128(300)),
                system_id: system.id,
                description: "Ny version".into(),
                dpia_needed: change_dpia_needed,
                started_by: "test".into(),
                started_at: instant(n) + chrono::Duration::hours(1),
                ended_at: None,
            });
            let incidents: Vec<_> = incidents.into_iter().map(|n| instant(n) + chrono::Duration::hours(2)).collect();
            let read = records.clone().as_the_rules_read();
            prop_assert!(read.risk_assessments.len() <= records.risk_assessments.len());
            prop_assert_eq!(
                required(&system, &read, &incidents, eligible(), CPH),
                required(&system, &records, &incidents, eligible(), CPH)
            );
            prop_assert_eq!(
                is_high_risk(&system, &read),
                is_high_risk(&system, &records)
            );
            let owner = crate::OwnerCandidate {
                id: system.owner_id.unwrap(),
                position: crate::org::Position::Director,
                active: true,
                manager_position: None,
            };
            for to in LifecycleState::ALL {
                let whole = TransitionFacts {
                    system: &system,
                    owner: Some(owner),
                    records: &records,
                    reason: Some("r"),
                    change_description: Some("c"),
                    dpia_needed: Some(change_dpia_needed),
                    today: day("2026-11-28"),
                    by_owner: true,
                };
                let kept = TransitionFacts { records: &read, ..whole };
                prop_assert_eq!(evaluate(from, *to, &kept), evaluate(from, *to, &whole), "{} -> {}", from, to);
            }
        }
    }
}
