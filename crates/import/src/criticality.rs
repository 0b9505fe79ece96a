//! How much the work depends on a system, from Kitos's criticality answers: the most critical
//! reading of those given, since a duty made stricter by mistake costs less than one missed.
//!
//! - `isSociallyCritical` (*samfundskritisk*, 2026) `Yes`: `critical` (life, health or legal
//!   rights depend on it).
//! - `isBusinessCritical` (*forretningskritisk*; 2025 `gdpr.businessCritical`) `Yes`: `high`
//!   (important work stops without it); `No`: `medium`, the careful reading of "not business
//!   critical", which says its loss does not stop important work but not that work goes on
//!   unhampered.
//! - `systemUsageCriticalityLevel` (2026), the organization's own option, by its label: *lav*
//!   `low`, *middel*/*mellem* `medium`, *høj* `high`, *kritisk*/*meget høj* `critical`; another
//!   label is reported.
//!
//! `DontKnow`, `Undecided` and absent answers say nothing; with none said, it stays undecided.

use systemejer_domain::Criticality;
use systemejer_kitos::{Answered, Choice};

use crate::usage::Usage;

/// The usage's criticality.
pub(crate) fn read(usage: &mut Usage<'_>) -> Option<Criticality> {
    let this = usage.kitos;
    let socially = this.general.is_socially_critical.answered().and_then(Choice::as_bool);
    let business = this.business_critical().filter(|c| !c.is_undecided()).and_then(Choice::as_bool);
    let level =
        this.general.system_usage_criticality_level.as_ref().map(|level| level.name.trim()).filter(|n| !n.is_empty());
    let by_level = level.and_then(|label| {
        let found = label_level(label);
        if found.is_none() {
            usage.warn(
                "criticality_level_unknown",
                "general.systemUsageCriticalityLevel",
                format!("the criticality level {label:?} is not a label this importer knows (lav, middel, høj, kritisk): left out"),
            );
        }
        found
    });
    let readings = [
        (socially == Some(true)).then_some(Criticality::Critical),
        business.map(|yes| if yes { Criticality::High } else { Criticality::Medium }),
        by_level,
    ];
    readings.into_iter().flatten().max()
}

fn label_level(label: &str) -> Option<Criticality> {
    let label = label.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| label.contains(word));
    if has(&["ikke", "not ", "non-"]) {
        // "Ikke kritisk", "not critical": whatever follows, it is the lowest.
        Some(Criticality::Low)
    } else if has(&["kritisk", "critical", "meget høj", "very high"]) {
        Some(Criticality::Critical)
    } else if has(&["høj", "high"]) {
        Some(Criticality::High)
    } else if has(&["middel", "mellem", "medium", "moderat", "moderate"]) {
        Some(Criticality::Medium)
    } else if has(&["lav", "low"]) {
        Some(Criticality::Low)
    } else {
        None
    }
}
