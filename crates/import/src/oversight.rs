//! The supervision of a processor (*tilsyn*): Kitos's oversight methods (local option names such
//! as "ISAE 3000" or "Egenkontrol") and intervals, read as the register's.

use systemejer_domain::gdpr::{SUPERVISION_INTERVALS_MONTHS, SupervisionMethod};
use systemejer_kitos::{Choice, OversightInterval};

/// The method the oversight option `name` names, if the register knows it.
pub(crate) fn method(name: &str) -> Option<SupervisionMethod> {
    let name = name.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| name.contains(word));
    if has(&["3402"]) {
        Some(SupervisionMethod::Isae3402)
    } else if has(&["3000"]) {
        Some(SupervisionMethod::Isae3000)
    } else if has(&["soc 2", "soc2", "soc-2"]) {
        Some(SupervisionMethod::Soc2)
    } else if has(&["egenkontrol", "eget tilsyn", "fysisk tilsyn", "inspektion", "own inspection", "on-site"]) {
        Some(SupervisionMethod::OwnInspection)
    } else if has(&["skriftlig", "written"]) {
        Some(SupervisionMethod::WrittenStatement)
    } else {
        None
    }
}

/// How Kitos's oversight interval reads in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interval {
    /// The interval Kitos gives, in months, where it gives one.
    pub(crate) kitos_months: Option<u32>,
    /// The interval the agreement gets: one the register allows (6, 12 or 24 months).
    pub(crate) months: u8,
    /// Why it differs from Kitos's, or is assumed, if it does or is.
    pub(crate) note: Option<String>,
}

/// The register's interval for Kitos's `interval` (with its free-text `remark`).
///
/// `BiYearly` is every six months ("Halvårligt"), `Yearly` 12, `EveryOtherYear` 24. The
/// register allows 6, 12 or 24 months per agreement (the guidance's risk-based rhythm), so
/// `EveryThirdYear` (36) becomes 24, the nearest that does not supervise less often than the
/// guidance allows. `Other`, an unanswered interval and a value this importer does not know
/// become 12, the register's default; each of those says so.
pub(crate) fn interval(interval: Option<&Choice<OversightInterval>>, remark: Option<&str>) -> Interval {
    let remark = remark.map(str::trim).filter(|r| !r.is_empty());
    let kitos_months = match interval.and_then(Choice::known) {
        Some(OversightInterval::BiYearly) => Some(6),
        Some(OversightInterval::Yearly) => Some(12),
        Some(OversightInterval::EveryOtherYear) => Some(24),
        Some(OversightInterval::EveryThirdYear) => Some(36),
        Some(OversightInterval::Other | OversightInterval::Undecided) | None => None,
    };
    if let Some(months) =
        kitos_months.and_then(|m| u8::try_from(m).ok()).filter(|m| SUPERVISION_INTERVALS_MONTHS.contains(m))
    {
        return Interval { kitos_months, months, note: None };
    }
    let note = match (kitos_months, interval) {
        (Some(months), _) => format!(
            "Kitos supervises every {months} months, which the register does not allow (6, 12 or 24 months per \
             agreement): the agreement is supervised every 24 months, the nearest; an admin who accepts {months} may \
             set it on the system's processor_supervision duty"
        ),
        (None, Some(Choice::Known(OversightInterval::Other))) => format!(
            "Kitos's oversight interval is \"Other\"{}: the agreement is supervised every 12 months, the register's \
             default; correct it to 6 or 24 months where the remark asks for that",
            remark.map(|r| format!(" ({r:?})")).unwrap_or_default()
        ),
        (None, Some(Choice::Unknown(raw))) => format!(
            "Kitos's oversight interval {raw:?} is not one this importer knows: the agreement is supervised every 12 \
             months, the register's default"
        ),
        (None, _) => "Kitos gives no oversight interval: the agreement is supervised every 12 months, the register's \
                      default"
            .to_owned(),
    };
    let months = if kitos_months.is_some() { 24 } else { 12 };
    Interval { kitos_months, months, note: Some(note) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_become_the_nearest_the_register_allows() {
        let of = |i: OversightInterval| interval(Some(&Choice::Known(i)), None);
        assert_eq!((of(OversightInterval::BiYearly).months, of(OversightInterval::BiYearly).note), (6, None));
        assert_eq!(of(OversightInterval::Yearly).months, 12);
        assert_eq!(of(OversightInterval::EveryOtherYear).months, 24);
        let third = of(OversightInterval::EveryThirdYear);
        assert_eq!((third.kitos_months, third.months), (Some(36), 24));
        assert!(third.note.is_some());
        let other = interval(Some(&Choice::Known(OversightInterval::Other)), Some("Hvert tredje år"));
        assert_eq!((other.kitos_months, other.months), (None, 12));
        assert!(other.note.is_some_and(|n| n.contains("Hvert tredje år")));
    }

    #[test]
    fn methods_are_read_by_their_labels() {
        assert_eq!(method("ISAE 3000"), Some(SupervisionMethod::Isae3000));
        assert_eq!(method("ISAE 3402 type 2"), Some(SupervisionMethod::Isae3402));
        assert_eq!(method("Egenkontrol"), Some(SupervisionMethod::OwnInspection));
        assert_eq!(method("Skriftligt tilsyn"), Some(SupervisionMethod::WrittenStatement));
        assert_eq!(method("Revisorerklæring"), None);
    }
}
