//! Data processing registrations: their processors become the register's processors, and each
//! (covered usage, processor) pair an agreement with its sub-processors, transfers and completed
//! oversights.
//!
//! Decisions where Kitos and the register differ:
//! - **Processors**: a CVR number that fails [`is_cvr`] is reported and the processor kept
//!   without one (the register allows that). Kitos keeps no country for an organization; the
//!   register needs one and defaults to Denmark, which the import takes too, and reports where
//!   the id Kitos gives is not a Danish CVR number.
//! - **Signed**: `signed_on` is `agreementConcludedAt` when `isAgreementConcluded` is `Yes`; any
//!   other answer leaves the agreement unsigned, except `Irrelevant`, which says no agreement is
//!   needed: then none is drafted (the register's counterpart is the system's documented
//!   `no_processor_reason`, which is the owner's to write) and that is reported.
//! - **Sub-processors**: one transferring to an insecure third country is placed in that country
//!   with its basis ([`crate::transfer`]); any other in Denmark (of a country the rules ask only
//!   whether it lies outside the EU/EEA, and Kitos has said it does not). A country Kitos's
//!   registration lists that no sub-processor is placed in is reported.
//! - **Supervision**: the method is the first oversight option the register knows; the interval
//!   as [`crate::oversight`] reads it; each completed oversight date becomes a `passed`
//!   completion of the `processor_supervision` duty, its remark the conclusion.

use std::collections::{HashMap, HashSet};

use chrono::NaiveTime;
use systemejer_domain::gdpr::{
    CountryCode, Cvr, NewProcessingAgreement, NewProcessor, SubProcessor, SupervisionMethod, TransferBasis,
};
use systemejer_domain::obligations::{CompletionResult, Evidence, NewCompletion, ObligationKind};
use systemejer_domain::values::is_cvr;
use systemejer_domain::{Name, ProcessorId, Prose, RecordId, SystemId, WebUrl};
use systemejer_kitos::{AgreementConcluded, Answered, Choice, DataProcessingRegistration, ExternalReference, Snapshot};
use uuid::Uuid;

use crate::drafts::{AgreementDraft, ProcessorDraft};
use crate::finding::{Finding, Place, Subject};
use crate::options::MapOptions;
use crate::oversight;
use crate::subjects;
use crate::transfer::{self, Basis};

/// The processors and agreements of a snapshot's registrations.
#[derive(Debug, Default)]
pub(crate) struct Registrations {
    pub(crate) processors: Vec<ProcessorDraft>,
    /// The agreements, by the Kitos uuid of the usage they belong to.
    pub(crate) agreements: HashMap<Uuid, Vec<AgreementDraft>>,
}

/// Maps every registration of `snapshot`.
pub(crate) fn map(snapshot: &Snapshot, options: &MapOptions, findings: &mut Vec<Finding>) -> Registrations {
    let mut out = Registrations::default();
    let mut pairs: HashSet<(Uuid, Uuid)> = HashSet::new();
    for (index, dpr) in snapshot.registrations.iter().enumerate() {
        let mut one = One { dpr, index, options, findings: &mut *findings, subject: subjects::registration(dpr) };
        let processors = one.processors(&mut out.processors);
        if processors.is_empty() {
            one.warn(
                "registration_without_processor",
                "general.dataProcessors",
                "the registration names no data processor the register can keep: no agreement is drafted from it",
            );
            continue;
        }
        let Some(signed_on) = one.signed_on() else { continue };
        let method = one.method();
        let interval = oversight::interval(
            dpr.oversight.oversight_interval.as_ref(),
            dpr.oversight.oversight_interval_remark.as_deref(),
        );
        if let Some(note) = &interval.note {
            one.warn("supervision_interval", "oversight.oversightInterval", note.clone());
        }
        let sub_processors = one.sub_processors();
        let supervisions = one.supervisions(method);
        let document_url = one.document_url();
        for (u, covered) in dpr.system_usages.iter().enumerate() {
            if snapshot.usage(covered.uuid).is_none() {
                one.warn(
                    "registration_usage_unknown",
                    &format!("systemUsages[{u}].uuid"),
                    format!(
                        "the registration covers the usage {} ({}), which was not read",
                        covered.name, covered.uuid
                    ),
                );
                continue;
            }
            for processor in &processors {
                if !pairs.insert((covered.uuid, processor.kitos_uuid)) {
                    one.warn(
                        "agreement_duplicate",
                        &format!("systemUsages[{u}].uuid"),
                        format!(
                            "another registration already ties {} to the processor {}: the register keeps one \
                             agreement per system and processor, so this one is left out",
                            covered.name,
                            processor.processor.name.as_str()
                        ),
                    );
                    continue;
                }
                let agreement = NewProcessingAgreement {
                    processor_id: ProcessorId::from_uuid(Uuid::nil()),
                    signed_on,
                    expires_on: None,
                    document_url: document_url.clone(),
                    supervision_method: method,
                    supervision_interval_months: interval.months,
                    transfer_basis: None,
                    sub_processors: sub_processors.clone(),
                };
                if !one.keeps_rules(&agreement) {
                    continue;
                }
                out.agreements.entry(covered.uuid).or_default().push(AgreementDraft {
                    registration: dpr.uuid,
                    processor: processor.kitos_uuid,
                    agreement,
                    kitos_interval_months: interval.kitos_months,
                    supervisions: supervisions.clone(),
                });
            }
        }
    }
    out
}

/// One registration being mapped.
struct One<'a> {
    dpr: &'a DataProcessingRegistration,
    index: usize,
    options: &'a MapOptions,
    findings: &'a mut Vec<Finding>,
    subject: Subject,
}

impl One<'_> {
    fn place(&self, path: &str) -> Place {
        Place::registration(self.index, path)
    }

    fn warn(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let finding = Finding::warning(code, message).about(&self.subject).at(self.place(path));
        self.findings.push(finding);
    }

    /// The registration's processors, drafted once each across registrations.
    fn processors(&mut self, drafted: &mut Vec<ProcessorDraft>) -> Vec<ProcessorDraft> {
        let mut out: Vec<ProcessorDraft> = Vec::new();
        for (j, org) in self.dpr.general.data_processors.iter().enumerate() {
            if let Some(known) = drafted.iter().find(|d| d.kitos_uuid == org.uuid) {
                out.push(known.clone());
                continue;
            }
            let subject = subjects::organization(org);
            let place = self.place(&format!("general.dataProcessors[{j}]"));
            let Ok(name) = Name::parse(&org.name) else {
                self.findings.push(
                    Finding::warning(
                        "processor_name_invalid",
                        format!("the processor's name {:?} is not one the register can keep: it is left out", org.name),
                    )
                    .about(&subject)
                    .at(place),
                );
                continue;
            };
            let raw = org.cvr.as_deref().map(str::trim).filter(|cvr| !cvr.is_empty());
            let cvr = raw.filter(|cvr| is_cvr(cvr)).and_then(|cvr| Cvr::parse(cvr).ok());
            if let Some(raw) = raw.filter(|_| cvr.is_none()) {
                let danish = raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit());
                let message = if danish {
                    format!(
                        "the CVR number {raw} of {} fails the modulus-11 check: the processor is kept without a CVR \
                         number",
                        org.name
                    )
                } else {
                    format!(
                        "{raw:?}, the id Kitos gives {}, is not a Danish CVR number: the processor is kept without one, \
                         and in Denmark, the register's default country, which Kitos does not say; correct it",
                        org.name
                    )
                };
                let path = format!("general.dataProcessors[{j}].cvr");
                self.findings
                    .push(Finding::warning("processor_cvr_invalid", message).about(&subject).at(self.place(&path)));
            }
            let Some(country) = transfer::denmark() else { continue };
            let draft =
                ProcessorDraft { kitos_uuid: org.uuid, processor: NewProcessor { name, cvr, country, contact: None } };
            drafted.push(draft.clone());
            out.push(draft);
        }
        out
    }

    /// The day the agreement was signed (`Some(None)`: unsigned), or `None` where no agreement
    /// is to be drafted.
    fn signed_on(&mut self) -> Option<Option<chrono::NaiveDate>> {
        let general = &self.dpr.general;
        match general.is_agreement_concluded.answered().and_then(Choice::known) {
            Some(AgreementConcluded::Irrelevant) => {
                self.warn(
                    "agreement_irrelevant",
                    "general.isAgreementConcluded",
                    "Kitos says a data processing agreement is irrelevant: none is drafted; where the system is run \
                     by others, the register wants either a signed agreement or the owner's documented reason why no \
                     processor is involved (no_processor_reason)",
                );
                None
            }
            Some(AgreementConcluded::Yes) => {
                match general.agreement_concluded_at.map(systemejer_kitos::Timestamp::date) {
                    Some(day) if !systemejer_domain::values::YEARS.contains(&chrono::Datelike::year(&day)) => {
                        self.warn(
                            "agreement_date_invalid",
                            "general.agreementConcludedAt",
                            format!(
                                "the agreement is concluded on {day}, which cannot be right: it is drafted unsigned"
                            ),
                        );
                        Some(None)
                    }
                    Some(day) if day <= self.options.today => Some(Some(day)),
                    Some(day) => {
                        self.warn(
                            "agreement_signed_in_future",
                            "general.agreementConcludedAt",
                            format!("the agreement is concluded on {day}, after today: it is drafted unsigned"),
                        );
                        Some(None)
                    }
                    None => {
                        self.warn(
                            "agreement_date_missing",
                            "general.agreementConcludedAt",
                            "the agreement is concluded, but Kitos gives no date, and the register counts an agreement \
                         from the day it was signed: it is drafted unsigned",
                        );
                        Some(None)
                    }
                }
            }
            _ => Some(None),
        }
    }

    /// The supervision method: the first oversight option the register knows.
    fn method(&mut self) -> SupervisionMethod {
        let options = &self.dpr.oversight.oversight_options;
        let known: Vec<SupervisionMethod> = options.iter().filter_map(|o| oversight::method(&o.name)).collect();
        let names = options.iter().map(|o| format!("{:?}", o.name)).collect::<Vec<_>>().join(", ");
        match known.first() {
            None => {
                let given = if names.is_empty() { "none".to_owned() } else { names };
                self.warn(
                    "supervision_method_unknown",
                    "oversight.oversightOptions",
                    format!(
                        "no oversight method the register knows (given: {given}): the agreement is supervised by \
                         \"other\"; correct it"
                    ),
                );
                SupervisionMethod::Other
            }
            Some(first) => {
                if known.iter().any(|m| m != first) {
                    self.warn(
                        "supervision_methods_several",
                        "oversight.oversightOptions",
                        format!(
                            "Kitos lists several oversight methods ({names}), the register one per agreement: the \
                             first, {first}, is kept"
                        ),
                    );
                }
                *first
            }
        }
    }

    /// The sub-processors, each placed in a country.
    fn sub_processors(&mut self) -> Vec<SubProcessor> {
        let mut out: Vec<SubProcessor> = Vec::new();
        let general = &self.dpr.general;
        for (k, sub) in general.sub_data_processors.iter().enumerate() {
            let at = |field: &str| format!("general.subDataProcessors[{k}].{field}");
            let Some(org) = &sub.data_processor_organization else { continue };
            let Ok(name) = Name::parse(&org.name) else {
                self.warn(
                    "sub_processor_name_invalid",
                    &at("dataProcessorOrganization.name"),
                    format!("the sub-processor's name {:?} is not one the register can keep: it is left out", org.name),
                );
                continue;
            };
            if out.iter().any(|s| s.name.as_str().eq_ignore_ascii_case(name.as_str())) {
                continue;
            }
            let basis_name = sub.basis_for_transfer.as_ref().map(|b| b.name.trim()).filter(|b| !b.is_empty());
            let transfers = sub.transfer_to_insecure_third_country.answered().and_then(Choice::as_bool) == Some(true);
            if !transfers {
                let Some(country) = transfer::denmark() else { continue };
                out.push(SubProcessor { name, country, transfer_basis: None });
                continue;
            }
            let place = sub.insecure_third_country_subject_to_data_processing.as_ref().map(|c| c.name.trim());
            let Some(country) = place.and_then(transfer::country) else {
                self.warn(
                    "sub_processor_country_unknown",
                    &at("insecureThirdCountrySubjectToDataProcessing"),
                    format!(
                        "{} processes data in a third country Kitos names {:?}, which this importer cannot read as a \
                         country: the sub-processor is left out; add it with its country and basis",
                        org.name,
                        place.unwrap_or("(none)")
                    ),
                );
                continue;
            };
            let transfer_basis = self.basis(basis_name, &org.name, &at("basisForTransfer"));
            out.push(SubProcessor { name, country, transfer_basis });
        }
        self.unplaced_countries(&out);
        out
    }

    /// The chapter V basis named `label` for a transfer by `who`, or `None` with a finding.
    fn basis(&mut self, label: Option<&str>, who: &str, path: &str) -> Option<TransferBasis> {
        match label.map(|l| (l, transfer::basis(l))) {
            Some((_, Some(Basis::Chapter5(basis)))) => Some(basis),
            Some((label, Some(Basis::InsideEea))) => {
                self.warn(
                    "transfer_basis_contradicts",
                    path,
                    format!(
                        "{who} transfers data to a third country, on the basis {label:?}, which says the data stay in \
                         the EU/EEA: the transfer is kept without a basis, which the register reports until one is set"
                    ),
                );
                None
            }
            Some((label, None)) => {
                self.warn(
                    "transfer_basis_unknown",
                    path,
                    format!(
                        "the transfer basis {label:?} of {who} is not one the register knows (adequacy decision, \
                         standard contractual clauses, binding corporate rules, code of conduct or certification, \
                         art. 49 derogation): the transfer is kept without a basis, which the register reports until \
                         one is set"
                    ),
                );
                None
            }
            None => {
                self.warn(
                    "transfer_basis_missing",
                    path,
                    format!("{who} transfers data to a third country without a basis in Kitos"),
                );
                None
            }
        }
    }

    /// Reports each third country the registration lists in which no sub-processor is placed.
    fn unplaced_countries(&mut self, placed: &[SubProcessor]) {
        let general = &self.dpr.general;
        if general.transfer_to_insecure_third_countries.answered().and_then(Choice::as_bool) != Some(true) {
            return;
        }
        let listed: Vec<(usize, String, Option<CountryCode>)> = general
            .insecure_countries_subject_to_data_transfer
            .iter()
            .enumerate()
            .map(|(c, country)| (c, country.name.clone(), transfer::country(&country.name)))
            .collect();
        for (c, name, code) in listed {
            if code.is_some_and(|code| placed.iter().any(|s| s.country == code)) {
                continue;
            }
            self.warn(
                "transfer_not_placed",
                &format!("general.insecureCountriesSubjectToDataTransfer[{c}]"),
                format!(
                    "Kitos says data go to {name}, but no sub-processor is placed there; the register records a \
                     third-country transfer by the processor or a sub-processor established there: record who \
                     processes the data in {name}, with the basis"
                ),
            );
        }
    }

    /// The completed oversights, as `passed` completions (their subject set once the agreement
    /// exists). Kitos records an oversight as done, not as failed.
    fn supervisions(&mut self, method: SupervisionMethod) -> Vec<NewCompletion> {
        let mut out = Vec::new();
        let dates = &self.dpr.oversight.oversight_dates;
        for (d, date) in dates.iter().enumerate() {
            let at = |field: &str| format!("oversight.oversightDates[{d}].{field}");
            let Some(done_on) = date.completed_at.map(systemejer_kitos::Timestamp::date) else {
                self.warn("oversight_date_missing", &at("completedAt"), "an oversight without a date is left out");
                continue;
            };
            let report_kind =
                date.oversight_option.as_ref().and_then(|option| oversight::method(&option.name)).unwrap_or(method);
            let conclusion = date.remark.as_deref().and_then(|remark| Prose::parse(remark).ok());
            let link = date.oversight_report_link.as_ref().and_then(|link| link.url());
            let document_url = link.and_then(|url| WebUrl::parse(url).ok());
            if let Some(url) = link.filter(|_| document_url.is_none()) {
                self.warn(
                    "link_invalid",
                    &at("oversightReportLink.url"),
                    format!(
                        "the oversight report link {url:?} is not an http(s) URL: the completion is kept without it"
                    ),
                );
            }
            let completion = NewCompletion {
                done_on,
                result: CompletionResult::Passed,
                subject: None,
                evidence: conclusion.map(|conclusion| Evidence::Supervision { report_kind, conclusion }),
                // Kitos has no outcome to carry over: say so where the completion is read.
                notes: Prose::parse(
                    "Imported from Kitos, which records that the supervision was done, not what it found: the \
                     conclusion (Kitos's remark), if any, and the report say that.",
                )
                .ok(),
                document_url,
            };
            let probe = NewCompletion { subject: Some(RecordId::from_uuid(Uuid::nil())), ..completion.clone() };
            let violations = probe.violations(ObligationKind::ProcessorSupervision, self.options.today);
            if let Some(v) = violations.first() {
                self.warn(
                    "oversight_refused",
                    &at("completedAt"),
                    format!("the oversight of {done_on} is left out: its `{}` {}", v.field, v.message),
                );
                continue;
            }
            out.push(completion);
        }
        out
    }

    /// Where the agreement is kept: the master reference's URL, else the first with one.
    fn document_url(&mut self) -> Option<WebUrl> {
        let refs = &self.dpr.external_references;
        let master = refs.iter().position(|r| r.master_reference == Some(true) && url_of(r).is_some());
        let chosen = master.or_else(|| refs.iter().position(|r| url_of(r).is_some()))?;
        let url = url_of(&refs[chosen])?;
        let parsed = WebUrl::parse(url).ok();
        if parsed.is_none() {
            self.warn(
                "link_invalid",
                &format!("externalReferences[{chosen}].url"),
                format!("the agreement's link {url:?} is not an http(s) URL: the agreement is kept without it"),
            );
        }
        parsed
    }

    /// Whether the agreement keeps the domain's rules on `today`; reports each it breaks.
    fn keeps_rules(&mut self, agreement: &NewProcessingAgreement) -> bool {
        let now = self.options.today.and_time(NaiveTime::MIN).and_utc();
        let nil = Uuid::nil();
        let violations = agreement
            .clone()
            .into_agreement(RecordId::from_uuid(nil), SystemId::from_uuid(nil), now)
            .violations(self.options.today);
        for v in &violations {
            self.warn(
                "agreement_refused",
                "general",
                format!("the agreement is left out: its `{}` {}", v.field, v.message),
            );
        }
        violations.is_empty()
    }
}

/// The URL of an external reference, unless absent or blank.
fn url_of(reference: &ExternalReference) -> Option<&str> {
    reference.url.as_deref().map(str::trim).filter(|url| !url.is_empty())
}
