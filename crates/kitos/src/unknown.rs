//! The enum values in a snapshot that this crate does not know, each with where it was found,
//! so that an importer can report "unknown value X at <path>" and carry on.

use std::fmt;

use uuid::Uuid;

use crate::choice::{Choice, KitosEnum};
use crate::documents::file_names::{REGISTRATIONS, SYSTEMS_DIR, UNITS, USAGES, USERS};
use crate::snapshot::Snapshot;

/// A value Kitos wrote that the enum at `path` does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The document, as a Kitos export names it (`it-system-usages.json`).
    pub document: String,
    /// The uuid of the item (usage, registration, …) it belongs to.
    pub item: Uuid,
    /// The JSON path within the document: `[5].general.validity.lifeCycleStatus`.
    pub path: String,
    /// The value as written.
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: unknown value {:?}", self.document, self.path, self.value)
    }
}

struct Collector<'a> {
    out: &'a mut Vec<UnknownValue>,
    document: String,
    prefix: String,
    item: Uuid,
}

impl Collector<'_> {
    fn push(&mut self, path: &str, value: &str) {
        let path = format!("{}{path}", self.prefix);
        let path = path.strip_prefix('.').map(str::to_owned).unwrap_or(path);
        self.out.push(UnknownValue { document: self.document.clone(), item: self.item, path, value: value.to_owned() });
    }

    fn one<T: KitosEnum>(&mut self, path: &str, choice: Option<&Choice<T>>) {
        if let Some(raw) = choice.and_then(Choice::unknown) {
            self.push(path, raw);
        }
    }

    fn many<T: KitosEnum>(&mut self, path: &str, choices: &[Choice<T>]) {
        for (index, choice) in choices.iter().enumerate() {
            if let Some(raw) = choice.unknown() {
                self.push(&format!("{path}[{index}]"), raw);
            }
        }
    }
}

impl Snapshot {
    /// Every enum value this crate does not know, in document order.
    pub fn unknown_values(&self) -> Vec<UnknownValue> {
        let mut out = Vec::new();
        for (index, usage) in self.usages.iter().enumerate() {
            let mut c =
                Collector { out: &mut out, document: USAGES.into(), prefix: format!("[{index}]"), item: usage.uuid };
            let (general, gdpr) = (&usage.general, &usage.gdpr);
            c.one(".general.validity.mainContractState", general.validity.main_contract_state.as_ref());
            c.one(".general.validity.lifeCycleStatus", general.validity.life_cycle_status.as_ref());
            c.one(".general.containsAITechnology", general.contains_ai_technology.as_ref());
            c.one(".general.webAccessibilityCompliance", general.web_accessibility_compliance.as_ref());
            c.one(".general.isSociallyCritical", general.is_socially_critical.as_ref());
            c.one(".general.isBusinessCritical", general.is_business_critical.as_ref());
            c.one(".general.hostedAt", general.hosted_at.as_ref());
            c.many(".general.licensingAndCodeModels", &general.licensing_and_code_models);
            c.one(".archiving.archiveDuty", usage.archiving.archive_duty.as_ref());
            c.one(".gdpr.businessCritical", gdpr.business_critical.as_ref());
            c.one(".gdpr.hostedAt", gdpr.hosted_at.as_ref());
            c.many(".gdpr.dataSensitivityLevels", &gdpr.data_sensitivity_levels);
            c.many(".gdpr.specificPersonalData", &gdpr.specific_personal_data);
            c.one(".gdpr.technicalPrecautionsInPlace", gdpr.technical_precautions_in_place.as_ref());
            c.many(".gdpr.technicalPrecautionsApplied", &gdpr.technical_precautions_applied);
            c.one(".gdpr.userSupervision", gdpr.user_supervision.as_ref());
            c.one(".gdpr.riskAssessmentConducted", gdpr.risk_assessment_conducted.as_ref());
            c.one(".gdpr.riskAssessmentResult", gdpr.risk_assessment_result.as_ref());
            c.one(".gdpr.dpiaConducted", gdpr.dpia_conducted.as_ref());
            c.one(".gdpr.retentionPeriodDefined", gdpr.retention_period_defined.as_ref());
            c.one(".gdpr.isDataProcessingAgreementRequired", gdpr.is_data_processing_agreement_required.as_ref());
        }
        for (index, dpr) in self.registrations.iter().enumerate() {
            let mut c = Collector {
                out: &mut out,
                document: REGISTRATIONS.into(),
                prefix: format!("[{index}]"),
                item: dpr.uuid,
            };
            let general = &dpr.general;
            c.one(".general.isAgreementConcluded", general.is_agreement_concluded.as_ref());
            c.one(".general.transferToInsecureThirdCountries", general.transfer_to_insecure_third_countries.as_ref());
            c.one(".general.hasSubDataProcessors", general.has_sub_data_processors.as_ref());
            for (sub, processor) in general.sub_data_processors.iter().enumerate() {
                let path = format!(".general.subDataProcessors[{sub}].transferToInsecureThirdCountry");
                c.one(&path, processor.transfer_to_insecure_third_country.as_ref());
            }
            if let Some(validity) = &general.validity {
                c.many(".general.validity.validationErrors", &validity.validation_errors);
            }
            c.one(".oversight.oversightInterval", dpr.oversight.oversight_interval.as_ref());
            c.one(".oversight.isOversightCompleted", dpr.oversight.is_oversight_completed.as_ref());
        }
        for (index, unit) in self.units.iter().enumerate() {
            let mut c =
                Collector { out: &mut out, document: UNITS.into(), prefix: format!("[{index}]"), item: unit.uuid };
            c.one(".origin", unit.origin.as_ref());
        }
        for (index, user) in self.users.iter().enumerate() {
            let mut c =
                Collector { out: &mut out, document: USERS.into(), prefix: format!("[{index}]"), item: user.uuid };
            c.many(".roles", &user.roles);
        }
        for (uuid, system) in &self.systems {
            let document = format!("{SYSTEMS_DIR}/{uuid}.json");
            let mut c = Collector { out: &mut out, document, prefix: String::new(), item: *uuid };
            c.one(".scope", system.scope.as_ref());
            c.one(".recommendedArchiveDuty.id", system.recommended_archive_duty.as_ref().and_then(|r| r.id.as_ref()));
        }
        out
    }
}
