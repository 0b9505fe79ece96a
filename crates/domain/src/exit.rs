//! The exit checklist (*exitstrategi, afvikling*): what must be done before a system that is
//! being shut down may be retired.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::system::ArchiveStatus;
use crate::values::{Prose, Violation};

string_enum! {
    /// A step of shutting a system down.
    pub enum ExitStepKind {
        /// The contract with the vendor is terminated.
        ContractTerminated => "contract_terminated",
        /// Data still needed is migrated to where it will live on.
        DataMigrated => "data_migrated",
        /// The vendor has deleted the data, and confirmed it.
        VendorDataDeleted => "vendor_data_deleted",
        /// Material with a duty to archive is delivered to the archive, before anything is deleted.
        Archived => "archived",
        /// IT og Digitalisering is told.
        ItDepartmentNotified => "it_department_notified",
        /// Self-service links are removed (the municipal site, borger.dk, virk.dk).
        SelfServiceLinksRemoved => "self_service_links_removed",
        /// The record of processing is closed for the system.
        ProcessingRecordClosed => "processing_record_closed",
        /// Every user's access is revoked.
        AccessRevoked => "access_revoked",
    }
}

string_enum! {
    /// Where a step stands.
    pub enum ExitStepStatus {
        /// Not done yet.
        Open => "open",
        /// Done.
        Done => "done",
        /// Does not apply to this system (with a reason).
        NotApplicable => "not_applicable",
    }
}

impl ExitStepKind {
    /// The step in plain words, in `lang`.
    pub const fn title(self, lang: crate::org::Language) -> &'static str {
        use crate::org::Language::{Da, En};
        use ExitStepKind::{
            AccessRevoked, Archived, ContractTerminated, DataMigrated, ItDepartmentNotified, ProcessingRecordClosed,
            SelfServiceLinksRemoved, VendorDataDeleted,
        };
        match (self, lang) {
            (ContractTerminated, Da) => "Kontrakten er opsagt",
            (ContractTerminated, En) => "The contract is terminated",
            (DataMigrated, Da) => "Data er flyttet til det nye system",
            (DataMigrated, En) => "The data is migrated",
            (VendorDataDeleted, Da) => "Leverandøren har slettet data",
            (VendorDataDeleted, En) => "The vendor has deleted the data",
            (Archived, Da) => "Data er afleveret til arkiv",
            (Archived, En) => "The data is archived",
            (ItDepartmentNotified, Da) => "IT-afdelingen er orienteret",
            (ItDepartmentNotified, En) => "The IT department is told",
            (SelfServiceLinksRemoved, Da) => "Selvbetjeningslinks er fjernet",
            (SelfServiceLinksRemoved, En) => "Self-service links are removed",
            (ProcessingRecordClosed, Da) => "Fortegnelsen over behandlinger er lukket",
            (ProcessingRecordClosed, En) => "The record of processing is closed",
            (AccessRevoked, Da) => "Adgange er lukket",
            (AccessRevoked, En) => "Access is revoked",
        }
    }
}

/// One step of the exit checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExitStep {
    /// Which step.
    pub step: ExitStepKind,
    /// Where it stands.
    pub status: ExitStepStatus,
    /// When it was done.
    pub done_on: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// A note (what was done, the vendor's confirmation, ...).
    pub note: Option<String>,
    /// Why it does not apply.
    pub reason: Option<String>,
    /// For `self_service_links_removed`: the links to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<crate::system::SelfServiceLink>,
}

impl ExitStep {
    /// A step not yet done.
    pub fn open(step: ExitStepKind) -> Self {
        Self {
            step,
            status: ExitStepStatus::Open,
            done_on: None,
            recorded_by: None,
            note: None,
            reason: None,
            links: Vec::new(),
        }
    }

    /// Whether the step no longer holds up retirement.
    pub fn is_settled(&self) -> bool {
        self.status != ExitStepStatus::Open
    }
}

/// An update of one step, as parsed from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExitStepUpdate {
    /// The new status.
    pub status: ExitStepStatus,
    /// When it was done (required with `done`; not in the future).
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
    /// A note.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub note: Option<Prose>,
    /// Why it does not apply (required with `not_applicable`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 10000))]
    pub reason: Option<Prose>,
}

impl ExitStepUpdate {
    /// Checks the update of `step` against the rest of the checklist and the archive status;
    /// answers the step as it will be, or every rule it breaks.
    pub fn apply(
        &self,
        step: ExitStepKind,
        checklist: &[ExitStep],
        archive: ArchiveStatus,
        today: NaiveDate,
        actor: &str,
    ) -> Result<ExitStep, Vec<Violation>> {
        let mut out = Vec::new();
        match self.status {
            ExitStepStatus::Done => match self.done_on {
                None => out.push(Violation::new("done_on", "required", "say when the step was done")),
                Some(d) if d > today => out.push(Violation::new("done_on", "not_in_future", "cannot be in the future")),
                Some(_) => {}
            },
            ExitStepStatus::NotApplicable if self.reason.is_none() => {
                out.push(Violation::new("reason", "required", "say why the step does not apply"));
            }
            _ => {}
        }
        let must_archive = archive.must_preserve();
        if step == ExitStepKind::Archived && must_archive && self.status == ExitStepStatus::NotApplicable {
            out.push(Violation::new(
                "status",
                "archive_required",
                "the archive status says the data must be preserved: delivering it to the archive always applies",
            ));
        }
        let archived = checklist.iter().any(|s| s.step == ExitStepKind::Archived && s.status == ExitStepStatus::Done);
        if step == ExitStepKind::VendorDataDeleted && must_archive && self.status == ExitStepStatus::Done && !archived {
            out.push(Violation::new(
                "status",
                "archive_before_deletion",
                "material with a duty to archive must be delivered to the archive before the data is deleted",
            ));
        }
        if !out.is_empty() {
            return Err(out);
        }
        let open = self.status == ExitStepStatus::Open;
        Ok(ExitStep {
            step,
            status: self.status,
            done_on: if self.status == ExitStepStatus::Done { self.done_on } else { None },
            recorded_by: (!open).then(|| actor.to_owned()),
            note: self.note.as_ref().map(|n| n.as_str().to_owned()),
            reason: if self.status == ExitStepStatus::NotApplicable {
                self.reason.as_ref().map(|r| r.as_str().to_owned())
            } else {
                None
            },
            links: Vec::new(),
        })
    }
}
