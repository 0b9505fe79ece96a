//! Whether a system processes personal data, sensitive (art. 9) data and CPR numbers, from
//! Kitos's `gdpr.dataSensitivityLevels` and `gdpr.specificPersonalData`.
//!
//! The sensitivity levels are a multiple choice: once any is ticked the question is answered,
//! and a level not ticked reads as "no". So `["PersonData"]` is personal data, not sensitive,
//! and CPR numbers only where `specificPersonalData` ticks `CprNumber`; `["None"]` is no personal
//! data at all; no level ticked leaves the answers undecided, but for what
//! `specificPersonalData` alone says. `None` ticked beside a personal data level contradicts
//! itself: all three are left undecided and reported. `LegalData` (criminal convictions and
//! offences, GDPR art. 10) is personal data, but not art. 9 data, and the register keeps no
//! field of its own for it: reported.

use systemejer_kitos::{Choice, DataSensitivityLevel, SpecificPersonalData};

use crate::usage::Usage;

/// The three answers of the register.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PersonalData {
    pub(crate) personal: Option<bool>,
    pub(crate) sensitive: Option<bool>,
    pub(crate) cpr: Option<bool>,
}

/// The usage's answers.
pub(crate) fn read(usage: &mut Usage<'_>) -> PersonalData {
    let this = usage.kitos;
    let gdpr = &this.gdpr;
    let levels: Vec<DataSensitivityLevel> = gdpr.data_sensitivity_levels.iter().filter_map(Choice::known).collect();
    let specific: Vec<SpecificPersonalData> = gdpr.specific_personal_data.iter().filter_map(Choice::known).collect();
    let ticked = |level: DataSensitivityLevel| levels.contains(&level);
    let none = ticked(DataSensitivityLevel::None);
    let personal_level = levels.iter().any(|level| *level != DataSensitivityLevel::None);
    if none && (personal_level || !specific.is_empty()) {
        usage.warn(
            "personal_data_contradicts",
            "gdpr.dataSensitivityLevels",
            "Kitos says both that the system holds no personal data and that it holds some: whether it processes \
             personal, sensitive data or CPR numbers is left undecided",
        );
        return PersonalData::default();
    }
    if ticked(DataSensitivityLevel::LegalData) {
        usage.warn(
            "criminal_offence_data",
            "gdpr.dataSensitivityLevels",
            "the system holds data on criminal convictions and offences (GDPR art. 10), for which the register keeps \
             no field of its own: it counts as personal data; note it in the description",
        );
    }
    let answered = none || personal_level;
    let answer = |yes: bool| if yes { Some(true) } else { answered.then_some(false) };
    PersonalData {
        personal: answer(personal_level || !specific.is_empty()),
        sensitive: answer(ticked(DataSensitivityLevel::SensitiveData)),
        cpr: answer(specific.contains(&SpecificPersonalData::CprNumber)),
    }
}
