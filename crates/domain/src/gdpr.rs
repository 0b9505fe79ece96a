//! Data protection (GDPR): data processors and the agreements with them, retention rules, the
//! record of processing activities (art. 30), and the data subjects' rights a system supports.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ProcessorId, RecordId, SystemId};
use crate::values::{Name, ParseError, Prose, Violation, WebUrl};

/// A Danish CVR number: eight digits with a valid modulus-11 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^\d{8}$", example = "29189668"))]
#[serde(try_from = "String", into = "String")]
pub struct Cvr(String);

impl Cvr {
    /// Parses a CVR number; spaces are ignored, the check digit is verified.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || ParseError::new("cvr", "must be a CVR number: eight digits with a valid check digit");
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let weights = [2u32, 7, 6, 5, 4, 3, 2, 1];
        let sum: u32 = digits.bytes().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum();
        if sum.is_multiple_of(11) { Ok(Self(digits)) } else { Err(bad()) }
    }
}

impl TryFrom<String> for Cvr {
    type Error = ParseError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<Cvr> for String {
    fn from(v: Cvr) -> Self {
        v.0
    }
}

/// A country as an ISO 3166-1 alpha-2 code, e.g. `DK`, `IE`, `US`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{2}$", example = "DK"))]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses a two-letter code (any case).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(ParseError::new("country", "must be a two-letter ISO 3166 country code such as DK"))
        }
    }

    /// Whether this is a country outside the EU/EEA (a third country under GDPR chapter V).
    pub fn is_third_country(&self) -> bool {
        const EEA: &[&str] = &[
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
            "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
        ];
        !EEA.contains(&self.0.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = ParseError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<CountryCode> for String {
    fn from(v: CountryCode) -> Self {
        v.0
    }
}

/// A retention period as an ISO 8601 duration of years, months, weeks and days, e.g. `P5Y`,
/// `P6M`, `P1Y6M`, `P30D`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "P5Y"))]
#[serde(try_from = "String", into = "String")]
pub struct IsoDuration(String);

impl IsoDuration {
    /// Parses `P` followed by one or more of `nY`, `nM`, `nW`, `nD`, in that order.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim().to_ascii_uppercase();
        let bad = || ParseError::new("iso_duration", "must be an ISO 8601 period such as P5Y, P6M, P1Y6M or P30D");
        let mut rest = s.strip_prefix('P').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let mut order = "YMWD";
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 4 {
                return Err(bad());
            }
            let unit = rest[digits..].chars().next().ok_or_else(bad)?;
            let at = order.find(unit).ok_or_else(bad)?;
            order = &order[at + 1..];
            rest = &rest[digits + 1..];
        }
        Ok(Self(s))
    }
}

impl IsoDuration {
    /// The period in Danish words: `P5Y` is "5 år", `P1Y6M` "1 år og 6 måneder", `P30D`
    /// "30 dage", `P1W` "1 uge".
    pub fn in_danish(&self) -> String {
        let mut parts = Vec::new();
        let mut digits = String::new();
        for c in self.0.chars().skip(1) {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let n: u32 = digits.parse().unwrap_or_default();
            let (one, many) = match c {
                'Y' => ("år", "år"),
                'M' => ("måned", "måneder"),
                'W' => ("uge", "uger"),
                _ => ("dag", "dage"),
            };
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            digits.clear();
        }
        match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} og {last}", rest.join(", ")),
            _ => parts.concat(),
        }
    }
}

impl TryFrom<String> for IsoDuration {
    type Error = ParseError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<IsoDuration> for String {
    fn from(v: IsoDuration) -> Self {
        v.0
    }
}

/// A data processor (*databehandler*): a company that processes personal data for the
/// municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Processor {
    /// Identifier.
    pub id: ProcessorId,
    /// Company name.
    pub name: String,
    /// CVR number, for Danish companies.
    pub cvr: Option<Cvr>,
    /// Where it is established.
    pub country: CountryCode,
    /// Who to contact there.
    pub contact: Option<String>,
    /// Increases with every change.
    pub version: i64,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new processor, or (as a whole) the new state of one.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProcessor {
    /// Company name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "KMD A/S"))]
    pub name: Name,
    /// CVR number, for Danish companies.
    #[serde(default)]
    pub cvr: Option<Cvr>,
    /// Where it is established (default `DK`).
    #[serde(default = "denmark")]
    pub country: CountryCode,
    /// Who to contact there.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub contact: Option<Name>,
}

fn denmark() -> CountryCode {
    CountryCode("DK".into())
}

string_enum! {
    /// How the municipality supervises a processor (*tilsynsform*).
    pub enum SupervisionMethod {
        /// An ISAE 3000 assurance report.
        Isae3000 => "isae_3000",
        /// An ISAE 3402 assurance report.
        Isae3402 => "isae_3402",
        /// A SOC 2 report.
        Soc2 => "soc2",
        /// The municipality's own inspection.
        OwnInspection => "own_inspection",
        /// A written statement from the processor.
        WrittenStatement => "written_statement",
        /// Something else.
        Other => "other",
    }
}

string_enum! {
    /// The basis under GDPR chapter V for transferring personal data to a country outside the
    /// EU/EEA (*overførselsgrundlag*).
    pub enum TransferBasis {
        /// The Commission found the country's protection adequate (art. 45).
        AdequacyDecision => "adequacy_decision",
        /// The Commission's standard contractual clauses (art. 46(2)(c)).
        StandardContractualClauses => "standard_contractual_clauses",
        /// Binding corporate rules approved by a supervisory authority (art. 47).
        BindingCorporateRules => "binding_corporate_rules",
        /// An approved code of conduct or certification (art. 46(2)(e) and (f)).
        CodeOfConductOrCertification => "code_of_conduct_or_certification",
        /// A derogation for a specific situation (art. 49).
        Derogation => "derogation",
    }
}

impl TransferBasis {
    /// The basis in Danish, as the record of processing names it.
    pub const fn title_da(self) -> &'static str {
        match self {
            TransferBasis::AdequacyDecision => "tilstrækkelighedsafgørelse",
            TransferBasis::StandardContractualClauses => "standardkontraktbestemmelser",
            TransferBasis::BindingCorporateRules => "bindende virksomhedsregler",
            TransferBasis::CodeOfConductOrCertification => "adfærdskodeks eller certificering",
            TransferBasis::Derogation => "undtagelse efter art. 49",
        }
    }
}

/// A sub-processor (*underdatabehandler*): a company the processor uses for the processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubProcessor {
    /// Company name.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200, example = "Microsoft Ireland Operations Ltd"))]
    pub name: Name,
    /// Where it processes the data.
    pub country: CountryCode,
    /// The transfer basis, where `country` is outside the EU/EEA.
    #[serde(default)]
    pub transfer_basis: Option<TransferBasis>,
}

/// The most sub-processors one agreement lists.
pub const MAX_SUB_PROCESSORS: usize = 100;

/// A data processing agreement (*databehandleraftale*, GDPR art. 28) for one system with one
/// processor. Registered when the processor is known; it counts once signed, until it expires
/// or is terminated (*opsagt*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessingAgreement {
    /// Identifier.
    pub id: RecordId,
    /// The system.
    pub system_id: SystemId,
    /// The processor.
    pub processor_id: ProcessorId,
    /// When it was signed; `null` while it is not.
    pub signed_on: Option<NaiveDate>,
    /// When it expires; `null` when it runs until terminated. On a system in use, an expiry
    /// date is a duty (`agreement_expiry`), reminded 90 and 30 days before and on the day.
    pub expires_on: Option<NaiveDate>,
    /// Where it is kept.
    pub document_url: Option<WebUrl>,
    /// How the processor is supervised.
    pub supervision_method: SupervisionMethod,
    /// How often, in months: 6, 12 or 24, by risk.
    pub supervision_interval_months: u8,
    /// The transfer basis for the processor itself, where it is established outside the EU/EEA.
    #[serde(default)]
    pub transfer_basis: Option<TransferBasis>,
    /// The sub-processors the processor uses.
    #[serde(default)]
    pub sub_processors: Vec<SubProcessor>,
    /// The last day it applies, once terminated; `null` while it is not.
    #[serde(default)]
    pub terminated_on: Option<NaiveDate>,
    /// Why it was terminated.
    #[serde(default)]
    pub termination_reason: Option<String>,
    /// Increases with every change; the basis of optimistic concurrency (`ETag`, `If-Match`).
    #[serde(default = "first_version")]
    pub version: i64,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

const fn first_version() -> i64 {
    1
}

/// A transfer to a country outside the EU/EEA through one agreement: by the processor, or by
/// one of its sub-processors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Who receives the data: `processor` for the processor, else the sub-processor's name.
    pub recipient: Option<String>,
    /// Where.
    pub country: CountryCode,
    /// On what basis; `None` is a transfer without one.
    pub basis: Option<TransferBasis>,
}

impl ProcessingAgreement {
    /// Whether it is signed, not expired and not terminated on `today`.
    pub fn is_in_force(&self, today: NaiveDate) -> bool {
        self.signed_on.is_some_and(|s| s <= today)
            && self.expires_on.is_none_or(|e| e >= today)
            && self.terminated_on.is_none_or(|t| t >= today)
    }

    /// Whether it has been terminated (the day may still lie ahead).
    pub const fn is_terminated(&self) -> bool {
        self.terminated_on.is_some()
    }

    /// The transfers to third countries it makes, given the processor's country: the
    /// processor's own (recipient `None`), then each sub-processor's.
    pub fn third_country_transfers(&self, processor_country: Option<&CountryCode>) -> Vec<Transfer> {
        let own = processor_country.filter(|c| c.is_third_country()).map(|c| Transfer {
            recipient: None,
            country: c.clone(),
            basis: self.transfer_basis,
        });
        let subs = self.sub_processors.iter().filter(|s| s.country.is_third_country()).map(|s| Transfer {
            recipient: Some(s.name.as_str().to_owned()),
            country: s.country.clone(),
            basis: s.transfer_basis,
        });
        own.into_iter().chain(subs).collect()
    }
}

/// A new agreement, as parsed from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProcessingAgreement {
    /// The processor.
    pub processor_id: ProcessorId,
    /// When it was signed.
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    /// When it expires.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Where it is kept.
    #[serde(default)]
    pub document_url: Option<WebUrl>,
    /// How the processor is supervised.
    pub supervision_method: SupervisionMethod,
    /// 6, 12 (default) or 24 months.
    #[serde(default = "twelve")]
    pub supervision_interval_months: u8,
    /// The transfer basis, where the processor is established outside the EU/EEA.
    #[serde(default)]
    pub transfer_basis: Option<TransferBasis>,
    /// The sub-processors the processor uses (at most 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub sub_processors: Vec<SubProcessor>,
}

/// How often a processor may be supervised, in months (risk-based; 12 unless set).
pub const SUPERVISION_INTERVALS_MONTHS: [u8; 3] = [6, 12, 24];

fn twelve() -> u8 {
    12
}

impl NewProcessingAgreement {
    /// The agreement as registered.
    pub fn into_agreement(self, id: RecordId, system_id: SystemId, now: DateTime<Utc>) -> ProcessingAgreement {
        ProcessingAgreement {
            id,
            system_id,
            processor_id: self.processor_id,
            signed_on: self.signed_on,
            expires_on: self.expires_on,
            document_url: self.document_url,
            supervision_method: self.supervision_method,
            supervision_interval_months: self.supervision_interval_months,
            transfer_basis: self.transfer_basis,
            sub_processors: self.sub_processors,
            terminated_on: None,
            termination_reason: None,
            version: 1,
            created_at: now,
        }
    }
}

impl ProcessingAgreement {
    /// The rules the agreement as it stands breaks on `today`.
    pub fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        let mut out = Vec::new();
        if !SUPERVISION_INTERVALS_MONTHS.contains(&self.supervision_interval_months) {
            out.push(Violation::new("supervision_interval_months", "one_of", "must be 6, 12 or 24 (months)"));
        }
        out.extend(self.signed_on.and_then(|s| crate::values::past_day_violation("signed_on", s, today)));
        if let (Some(s), Some(e)) = (self.signed_on, self.expires_on)
            && e < s
        {
            out.push(Violation::new("expires_on", "after_signed_on", "cannot be before signed_on"));
        }
        if self.sub_processors.len() > MAX_SUB_PROCESSORS {
            out.push(Violation::new("sub_processors", "max_items", "at most 100 sub-processors"));
        }
        for (i, sub) in self.sub_processors.iter().enumerate() {
            let twin = |o: &SubProcessor| o.name.as_str().to_lowercase() == sub.name.as_str().to_lowercase();
            if self.sub_processors[..i].iter().any(twin) {
                out.push(Violation::new(format!("sub_processors[{i}].name"), "no_duplicates", "is listed twice"));
            }
            if sub.transfer_basis.is_some() && !sub.country.is_third_country() {
                out.push(Violation::new(
                    format!("sub_processors[{i}].transfer_basis"),
                    "third_country_only",
                    "a transfer basis is for a country outside the EU/EEA",
                ));
            }
        }
        out
    }
}

/// Changes to an agreement (`PATCH`): a renewal (a new expiry date), a new document, a new
/// supervision rhythm, the sub-processors or a transfer basis. Fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProcessingAgreementChanges {
    /// When it was signed; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>, nullable))]
    pub signed_on: Option<Option<NaiveDate>>,
    /// When it expires; `null`: it runs until terminated.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>, nullable))]
    pub expires_on: Option<Option<NaiveDate>>,
    /// Where it is kept; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub document_url: Option<Option<WebUrl>>,
    /// How the processor is supervised.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = SupervisionMethod))]
    pub supervision_method: Option<SupervisionMethod>,
    /// 6, 12 or 24 months.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = u8))]
    pub supervision_interval_months: Option<u8>,
    /// The processor's transfer basis; `null` clears.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<TransferBasis>, nullable))]
    pub transfer_basis: Option<Option<TransferBasis>>,
    /// Replaces the sub-processors.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<SubProcessor>, max_items = 100))]
    pub sub_processors: Option<Vec<SubProcessor>>,
}

impl ProcessingAgreementChanges {
    /// The agreement with these changes made.
    pub fn apply(&self, mut a: ProcessingAgreement) -> ProcessingAgreement {
        if let Some(v) = self.signed_on {
            a.signed_on = v;
        }
        if let Some(v) = self.expires_on {
            a.expires_on = v;
        }
        if let Some(v) = &self.document_url {
            a.document_url.clone_from(v);
        }
        if let Some(v) = self.supervision_method {
            a.supervision_method = v;
        }
        if let Some(v) = self.supervision_interval_months {
            a.supervision_interval_months = v;
        }
        if let Some(v) = self.transfer_basis {
            a.transfer_basis = v;
        }
        if let Some(v) = &self.sub_processors {
            a.sub_processors.clone_from(v);
        }
        a
    }
}

/// The termination of an agreement (*opsigelse*): its last day and why. Terminating a
/// terminated agreement again corrects the day or the reason.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgreementTermination {
    /// The last day the agreement applies (may lie ahead: notice given).
    pub terminated_on: NaiveDate,
    /// Why, e.g. the processor was replaced, or the system no longer uses it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub reason: Prose,
}

impl AgreementTermination {
    /// The rules the termination of `agreement` breaks.
    pub fn violations(&self, agreement: &ProcessingAgreement) -> Vec<Violation> {
        let mut out = Vec::new();
        if agreement.signed_on.is_some_and(|s| self.terminated_on < s) {
            out.push(Violation::new("terminated_on", "after_signed_on", "cannot be before the agreement was signed"));
        }
        if agreement.expires_on.is_some_and(|e| self.terminated_on > e) {
            out.push(Violation::new(
                "terminated_on",
                "not_after_expiry",
                "cannot be after the agreement expires: it ends then anyway",
            ));
        }
        out
    }

    /// The agreement, terminated.
    pub fn apply(&self, mut a: ProcessingAgreement) -> ProcessingAgreement {
        a.terminated_on = Some(self.terminated_on);
        a.termination_reason = Some(self.reason.as_str().to_owned());
        a
    }
}

/// How long data of one category is kept, and on what legal basis (*slettefrist*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// Which data, e.g. "Sagsakter i børnesager".
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200))]
    pub data_category: Name,
    /// How long, as an ISO 8601 period.
    pub retention_period: IsoDuration,
    /// Why that long: the law or decision it rests on.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub legal_basis: Prose,
}

string_enum! {
    /// A right of the data subjects (GDPR art. 15-21) that a system may support.
    pub enum DataSubjectRight {
        /// Access (art. 15).
        Access => "access",
        /// Rectification (art. 16).
        Rectification => "rectification",
        /// Erasure (art. 17).
        Erasure => "erasure",
        /// Restriction of processing (art. 18).
        Restriction => "restriction",
        /// Data portability (art. 20).
        Portability => "portability",
        /// Objection (art. 21).
        Objection => "objection",
    }
}

/// The system's part of the record of processing activities (*fortegnelse*, GDPR art. 30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProcessingRecord {
    /// The purposes of the processing.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub purposes: Vec<Name>,
    /// Categories of data subjects (citizens, employees, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub data_subject_categories: Vec<Name>,
    /// Categories of personal data.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub personal_data_categories: Vec<Name>,
    /// Categories of recipients.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub recipients: Vec<Name>,
    /// Transfers to third countries, and the safeguards for them; empty when there are none.
    #[serde(default)]
    pub third_country_transfers: Vec<ThirdCountryTransfer>,
    /// The retention periods, in short.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub retention_summary: Prose,
    /// The technical and organisational security measures, in short.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub security_measures: Prose,
}

/// A transfer of personal data to a country outside the EU/EEA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ThirdCountryTransfer {
    /// The country.
    pub country: CountryCode,
    /// The safeguard (adequacy decision, standard contractual clauses, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 200))]
    pub safeguard: Name,
}

from_str_by_parse!(Cvr, CountryCode, IsoDuration);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvr_numbers_carry_a_check_digit() {
        assert!(Cvr::parse("29189668").is_ok(), "Randers Kommune");
        assert!(Cvr::parse("2918 9668").is_ok());
        assert!(Cvr::parse("29189669").is_err(), "wrong check digit");
        assert!(Cvr::parse("2918966").is_err());
        assert!(Cvr::parse("2918966a").is_err());
    }

    #[test]
    fn retention_periods_read_in_danish() {
        let words = |p: &str| IsoDuration::parse(p).unwrap().in_danish();
        assert_eq!(words("P5Y"), "5 år");
        assert_eq!(words("P1Y6M"), "1 år og 6 måneder");
        assert_eq!(words("P1M"), "1 måned");
        assert_eq!(words("P2W"), "2 uger");
        assert_eq!(words("P1D"), "1 dag");
        assert_eq!(words("P1Y2M3W4D"), "1 år, 2 måneder, 3 uger og 4 dage");
    }

    #[test]
    fn retention_periods_are_iso_8601() {
        for ok in ["P5Y", "p6m", "P1Y6M", "P30D", "P2W", "P1Y2M3W4D"] {
            assert!(IsoDuration::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "P", "5Y", "P5", "PY", "P6M1Y", "PT5H", "P5Y5Y", "P12345Y"] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn countries_know_the_eea() {
        assert!(!CountryCode::parse("dk").unwrap().is_third_country());
        assert!(!CountryCode::parse("NO").unwrap().is_third_country());
        assert!(CountryCode::parse("US").unwrap().is_third_country());
        assert!(CountryCode::parse("DNK").is_err());
    }

    /// An agreement with processor 3 on system 2, not yet signed.
    fn unsigned() -> ProcessingAgreement {
        ProcessingAgreement {
            id: RecordId::from_uuid(uuid::Uuid::from_u128(1)),
            system_id: SystemId::from_uuid(uuid::Uuid::from_u128(2)),
            processor_id: ProcessorId::from_uuid(uuid::Uuid::from_u128(3)),
            signed_on: None,
            expires_on: None,
            document_url: None,
            supervision_method: SupervisionMethod::Isae3402,
            supervision_interval_months: 12,
            transfer_basis: None,
            sub_processors: vec![],
            terminated_on: None,
            termination_reason: None,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_agreement_is_in_force_between_signing_and_expiry() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut a = unsigned();
        assert!(!a.is_in_force(day("2026-11-28")), "unsigned");
        a.signed_on = Some(day("2025-01-01"));
        assert!(a.is_in_force(day("2026-11-28")));
        a.expires_on = Some(day("2026-11-28"));
        assert!(a.is_in_force(day("2026-11-28")), "in force on its last day");
        assert!(!a.is_in_force(day("2026-11-29")));
        a.expires_on = None;
        a.terminated_on = Some(day("2026-12-31"));
        assert!(a.is_in_force(day("2026-12-31")), "notice given: in force to its last day");
        assert!(!a.is_in_force(day("2027-01-01")));
    }

    #[test]
    fn transfers_outside_the_eea_are_the_processors_and_its_sub_processors() {
        let mut a = unsigned();
        let country = |c: &str| CountryCode::parse(c).unwrap();
        assert!(a.third_country_transfers(Some(&country("DK"))).is_empty());
        a.sub_processors = vec![
            SubProcessor { name: Name::parse("Hosting ApS").unwrap(), country: country("SE"), transfer_basis: None },
            SubProcessor {
                name: Name::parse("Support Inc").unwrap(),
                country: country("US"),
                transfer_basis: Some(TransferBasis::StandardContractualClauses),
            },
        ];
        let t = a.third_country_transfers(Some(&country("IN")));
        assert_eq!(t.len(), 2, "the processor in India and the American sub-processor; not the Swede");
        assert_eq!((t[0].recipient.as_deref(), t[0].basis), (None, None));
        assert_eq!(
            (t[1].recipient.as_deref(), t[1].basis),
            (Some("Support Inc"), Some(TransferBasis::StandardContractualClauses))
        );
    }
}
