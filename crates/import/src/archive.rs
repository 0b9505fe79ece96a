//! The duty to archive (*arkivpligt*, bevaring og kassation): Kitos's archive duty read as the
//! register's archive status.
//!
//! | Kitos `archiving.archiveDuty` | register | |
//! |---|---|---|
//! | `B` (data and documents preserved) | `preserve` | |
//! | `K` (discarded) | `discard` | |
//! | `PreserveDataCanDiscardDocuments` | `preserve_data_discard_documents` | the same thing |
//! | `BK`, `KB` (2026: preserve and discard combined) | `preserve` | reported: something must reach the archive, which only a preserving status guarantees; an admin narrows it to `preserve_data_discard_documents` where that is what is meant |
//! | `KD`, `DK`, `DD` (2026) | `undecided` | reported: the register has no counterpart, and guessing a discard could lose material with a duty to archive |
//! | `Undecided`, `Unknown`, absent | `undecided` | not decided |
//! | a value this importer does not know | `undecided` | reported |
//!
//! The catalogue system's `recommendedArchiveDuty` is a recommendation, not the municipality's
//! decision, and is not read.

use systemejer_domain::ArchiveStatus;
use systemejer_kitos::{ArchiveDuty, Choice};

use crate::usage::Usage;

/// The archive status of the usage.
pub(crate) fn status(usage: &mut Usage<'_>) -> ArchiveStatus {
    let path = "archiving.archiveDuty";
    let this = usage.kitos;
    match this.archive_duty() {
        Some(Choice::Known(ArchiveDuty::B)) => ArchiveStatus::Preserve,
        Some(Choice::Known(ArchiveDuty::K)) => ArchiveStatus::Discard,
        Some(Choice::Known(ArchiveDuty::PreserveDataCanDiscardDocuments)) => {
            ArchiveStatus::PreserveDataDiscardDocuments
        }
        Some(Choice::Known(duty @ (ArchiveDuty::BK | ArchiveDuty::KB))) => {
            usage.warn(
                "archive_duty_combined",
                path,
                format!(
                    "the archive duty {duty} combines preserving and discarding, which the register cannot say: it is \
                     imported as preserve, so that nothing with a duty to archive is deleted first; narrow it to \
                     preserve_data_discard_documents where that is what is meant"
                ),
            );
            ArchiveStatus::Preserve
        }
        Some(Choice::Known(duty @ (ArchiveDuty::KD | ArchiveDuty::DK | ArchiveDuty::DD))) => {
            usage.warn(
                "archive_duty_unmapped",
                path,
                format!(
                    "the archive duty {duty} has no counterpart in the register (preserve, discard, or preserve the \
                     data and discard the documents): it is imported as undecided, for the owner to decide"
                ),
            );
            ArchiveStatus::Undecided
        }
        Some(Choice::Known(ArchiveDuty::Undecided | ArchiveDuty::Unknown)) | None => ArchiveStatus::Undecided,
        Some(Choice::Unknown(raw)) => {
            usage.warn(
                "archive_duty_unknown",
                path,
                format!("the archive duty {raw:?} is not one this importer knows: it is imported as undecided"),
            );
            ArchiveStatus::Undecided
        }
    }
}
