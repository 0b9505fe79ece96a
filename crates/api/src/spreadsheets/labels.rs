//! The Danish words a workbook shows where the JSON has codes: lifecycle states, statuses,
//! yes and no, and days as a Danish reader writes them. (A duty's title and a gate's message
//! have their Danish words in the domain; these are the ones it has only as codes.)

use chrono::NaiveDate;
use systemejer_domain::LifecycleState;
use systemejer_domain::incidents::IncidentStatus;
use systemejer_domain::obligations::ObligationStatus;

/// A lifecycle state, as the guidance names it.
pub(crate) const fn state(state: LifecycleState) -> &'static str {
    match state {
        LifecycleState::Procurement => "Anskaffelse",
        LifecycleState::InUse => "Drift",
        LifecycleState::Changing => "Videreudvikling/ændring",
        LifecycleState::Decommissioning => "Afvikling",
        LifecycleState::Retired => "Afviklet",
    }
}

/// Where a duty stands.
pub(crate) const fn status(status: ObligationStatus) -> &'static str {
    match status {
        ObligationStatus::Ok => "I orden",
        ObligationStatus::DueSoon => "Frist nærmer sig",
        ObligationStatus::Overdue => "Overskredet",
    }
}

/// Where an incident stands.
pub(crate) const fn incident(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Open => "Åben",
        IncidentStatus::Reported => "Anmeldt",
        IncidentStatus::NotReported => "Ikke anmeldt",
        IncidentStatus::Closed => "Lukket",
    }
}

/// Yes or no.
pub(crate) const fn yes_no(value: bool) -> &'static str {
    if value { "ja" } else { "nej" }
}

/// A day as the workbooks' date cells show it: `24-12-2026`.
pub(crate) fn day(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_danish_word() {
        assert!(LifecycleState::ALL.iter().all(|s| !state(*s).is_empty()));
        assert!(ObligationStatus::ALL.iter().all(|s| !status(*s).is_empty()));
        assert!(IncidentStatus::ALL.iter().all(|s| !incident(*s).is_empty()));
        assert_eq!((yes_no(true), yes_no(false)), ("ja", "nej"));
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap_or_default()), "09-03-2026");
    }
}
