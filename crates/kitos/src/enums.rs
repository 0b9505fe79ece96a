//! The Kitos API v2 enums, members spelled as Kitos writes them (API-V2.md §5–§7). Read them
//! through [`Choice`](crate::Choice), which keeps a value not listed here.

#![allow(clippy::upper_case_acronyms, reason = "the members are Kitos's own names (B, K, BK, …)")]

use crate::choice::{YesNo, kitos_enum};

kitos_enum! {
    /// `general.validity.lifeCycleStatus`: Ikke i drift / Under indfasning / I drift / Under
    /// udfasning / Under afprøvning. `Pilot` is 2026 only.
    LifeCycleStatus { Undecided, NotInUse, PhasingIn, Operational, PhasingOut, Pilot }
}

kitos_enum! {
    /// `general.validity.mainContractState` (2026 only).
    MainContractState { NoContract, Active, Inactive }
}

kitos_enum! {
    /// The yes/no/don't-know family (`isBusinessCritical`, `dpiaConducted`, …). `Undecided`
    /// means "reset / not answered".
    YesNoDontKnow { No, Yes, DontKnow, Undecided }
}

kitos_enum! {
    /// Yes/no/undecided (`containsAITechnology`, `hasSubDataProcessors`, `isOversightCompleted`,
    /// `transferToInsecureThirdCountries`, …).
    YesNoUndecided { No, Yes, Undecided }
}

kitos_enum! {
    /// `gdpr.riskAssessmentConducted`. `Irrelevant` is 2026 only.
    RiskAssessmentConducted { No, Yes, DontKnow, Undecided, Irrelevant }
}

kitos_enum! {
    /// `general.isAgreementConcluded` of a data processing registration.
    AgreementConcluded { No, Yes, Irrelevant, Undecided }
}

kitos_enum! {
    /// `general.webAccessibilityCompliance`.
    WebAccessibilityCompliance { No, Yes, Partially }
}

kitos_enum! {
    /// `hostedAt` (`general` in 2026, `gdpr` in 2025).
    HostedAt { Undecided, OnPremise, External, Hybrid }
}

kitos_enum! {
    /// `general.licensingAndCodeModels[]` (2026).
    LicensingAndCodeModel { OpenSource, Freeware, Proprietary }
}

kitos_enum! {
    /// `archiving.archiveDuty`: B = data and documents kept, K = discarded; the two-letter
    /// codes are 2026 only; `PreserveDataCanDiscardDocuments` = B+D.
    ArchiveDuty { Undecided, B, K, BK, KD, KB, DK, DD, Unknown, PreserveDataCanDiscardDocuments }
}

kitos_enum! {
    /// `recommendedArchiveDuty.id` of a catalogue IT system.
    RecommendedArchiveDuty { Undecided, B, K, BK, KD, KB, DK, DD, NoRecommendation, PreserveDataCanDiscardDocuments }
}

kitos_enum! {
    /// `gdpr.dataSensitivityLevels[]`: none / ordinary / sensitive personal data / criminal
    /// convictions and offences.
    DataSensitivityLevel { None, PersonData, SensitiveData, LegalData }
}

kitos_enum! {
    /// `gdpr.specificPersonalData[]`.
    SpecificPersonalData { CprNumber, SocialProblems, OtherPrivateMatters }
}

kitos_enum! {
    /// `gdpr.technicalPrecautionsApplied[]`.
    TechnicalPrecaution { Encryption, Pseudonymization, AccessControl, Logging }
}

kitos_enum! {
    /// `gdpr.riskAssessmentResult`.
    RiskLevel { Low, Medium, High, Undecided }
}

kitos_enum! {
    /// `gdpr.isDataProcessingAgreementRequired` (2026); `DecidedByLaw` = "Styret via lovgivning".
    DataProcessingAgreementRequired { No, Yes, DecidedByLaw }
}

kitos_enum! {
    /// `oversight.oversightInterval`. `BiYearly` is every six months ("Halvårligt");
    /// `EveryThirdYear` is 2026 only.
    OversightInterval { BiYearly, Yearly, EveryOtherYear, EveryThirdYear, Other, Undecided }
}

kitos_enum! {
    /// `general.validity.validationErrors[]` of a data processing registration (2026).
    DprValidationError { MainContractNotActive, EnforcedInvalidity }
}

kitos_enum! {
    /// Where an organization unit comes from.
    UnitOrigin { Kitos, STSOrganisation }
}

kitos_enum! {
    /// An organization user's rights in Kitos (`roles[]`).
    OrganizationUserRole { User, LocalAdmin, OrganizationModuleAdmin, SystemModuleAdmin, ContractModuleAdmin, RightsHolderAccess }
}

kitos_enum! {
    /// `scope` of a catalogue IT system.
    SystemScope { Local, Global }
}

impl YesNo for YesNoDontKnow {}
impl YesNo for YesNoUndecided {}
impl YesNo for RiskAssessmentConducted {}
impl YesNo for AgreementConcluded {}
impl YesNo for WebAccessibilityCompliance {}
impl YesNo for DataProcessingAgreementRequired {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choice::{Answered, Choice, KitosEnum};

    fn read<T: KitosEnum>(json: &str) -> Option<Choice<T>> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn known_unknown_and_unanswered() {
        assert_eq!(read::<LifeCycleStatus>(r#""PhasingOut""#), Some(Choice::Known(LifeCycleStatus::PhasingOut)));
        assert_eq!(read::<LifeCycleStatus>(r#""Retired""#), Some(Choice::Unknown("Retired".into())));
        // The integer form (X-KITOS-SERIALIZE-ENUM-AS-INTEGER) is kept raw, not guessed.
        assert_eq!(read::<ArchiveDuty>("5"), Some(Choice::Unknown("5".into())));
        assert_eq!(read::<ArchiveDuty>("null"), None);
        assert_eq!(read::<UnitOrigin>(r#""STSOrganisation""#).unwrap().raw(), "STSOrganisation");
        assert!(serde_json::from_str::<Choice<HostedAt>>(r#"{"a":1}"#).is_err());

        let undecided = read::<YesNoDontKnow>(r#""Undecided""#);
        assert!(undecided.as_ref().unwrap().is_undecided());
        assert_eq!(undecided.answered(), None);
        assert_eq!(undecided.as_ref().unwrap().as_bool(), None);
        let yes = read::<RiskAssessmentConducted>(r#""Yes""#);
        assert_eq!(yes.answered().and_then(Choice::as_bool), Some(true));
        assert_eq!(read::<AgreementConcluded>(r#""Irrelevant""#).unwrap().as_bool(), None);
        assert_eq!(serde_json::to_string(&Choice::<HostedAt>::Unknown("Cloud".into())).unwrap(), r#""Cloud""#);
        assert_eq!(Choice::Known(ArchiveDuty::BK).to_string(), "BK");
    }
}
