//! One usage being mapped: what it is, where it sits in `it-system-usages.json`, and the
//! findings about it, gathered apart so that an error can keep the whole usage out.

use systemejer_kitos::{ItSystemUsage, Shape, Snapshot};

use crate::finding::{Finding, Place, Subject};
use crate::subjects;

/// A usage and its findings so far.
pub(crate) struct Usage<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) kitos: &'a ItSystemUsage,
    pub(crate) index: usize,
    pub(crate) subject: Subject,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Usage<'a> {
    /// The usage at `index` of `snapshot`.
    pub(crate) fn new(snapshot: &'a Snapshot, index: usize, usage: &'a ItSystemUsage) -> Self {
        Self { snapshot, kitos: usage, index, subject: subjects::usage(snapshot, usage), findings: Vec::new() }
    }

    /// `path` within this usage.
    pub(crate) fn place(&self, path: &str) -> Place {
        Place::usage(self.index, path)
    }

    /// Reports something left out, or read with an assumption, at `path`.
    pub(crate) fn warn(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let finding = Finding::warning(code, message).about(&self.subject).at(self.place(path));
        self.findings.push(finding);
    }

    /// Reports what keeps the usage out of the import, at `path`.
    pub(crate) fn error(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let finding = Finding::error(code, message).about(&self.subject).at(self.place(path));
        self.findings.push(finding);
    }

    /// Reports a finding found elsewhere (in a catalogue system's document, say).
    pub(crate) fn warn_at(&mut self, code: &'static str, place: Place, message: impl Into<String>) {
        self.findings.push(Finding::warning(code, message).about(&self.subject).at(place));
    }

    /// Whether an error keeps the usage out.
    pub(crate) fn has_error(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    /// The path of a field that moved between the builds (API-V2.md §9): the 2026 one where the
    /// usage has a value there, the 2025 one where it has one there, else the snapshot's shape's.
    pub(crate) fn moved(
        &self,
        path_2026: &'static str,
        in_2026: bool,
        path_2025: &'static str,
        in_2025: bool,
    ) -> &'static str {
        match (in_2026, in_2025, self.snapshot.shape) {
            (true, _, _) => path_2026,
            (false, true, _) | (false, false, Shape::Kitos2025) => path_2025,
            _ => path_2026,
        }
    }
}
