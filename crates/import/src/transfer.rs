//! Third-country transfers: Kitos's local option names for a transfer basis and for countries,
//! read as the register's [`TransferBasis`] and ISO country codes.
//!
//! Both are each organization's own option lists (API-V2.md §11), so they are read by the
//! labels Danish municipalities use, in Danish and English; what does not match is reported.

use systemejer_domain::gdpr::{CountryCode, TransferBasis};

/// What a basis-for-transfer option says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    /// A basis under GDPR chapter V.
    Chapter5(TransferBasis),
    /// The data stay inside the EU/EEA ("EU og EØS"): no basis is needed.
    InsideEea,
}

/// The basis the option `name` stands for, if it is one the register knows.
pub(crate) fn basis(name: &str) -> Option<Basis> {
    let name = name.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| name.contains(word));
    // The chapter V bases first: "outside the EU/EEA, on standard clauses" names both.
    if has(&["standardkontrakt", "standard contractual", "scc"]) {
        Some(Basis::Chapter5(TransferBasis::StandardContractualClauses))
    } else if has(&["tilstrækkelighed", "adequacy", "privacy framework", "dpf"]) {
        Some(Basis::Chapter5(TransferBasis::AdequacyDecision))
    } else if has(&["bindende virksomhedsregler", "binding corporate", "bcr"]) {
        Some(Basis::Chapter5(TransferBasis::BindingCorporateRules))
    } else if has(&["adfærdskodeks", "certificering", "code of conduct", "certification"]) {
        Some(Basis::Chapter5(TransferBasis::CodeOfConductOrCertification))
    } else if has(&["undtagelse", "art. 49", "artikel 49", "derogation"]) {
        Some(Basis::Chapter5(TransferBasis::Derogation))
    } else if has(&["eu og eøs", "eu/eøs", "eu-eøs", "eøs", "eu and eea", "eu/eea", "within the eu", "inden for eu"])
    {
        Some(Basis::InsideEea)
    } else {
        None
    }
}

/// The country the option `name` names: a two-letter code, or a name in Danish or English of
/// the third countries data most often go to.
pub(crate) fn country(name: &str) -> Option<CountryCode> {
    let trimmed = name.trim();
    if trimmed.len() == 2 {
        return CountryCode::parse(trimmed).ok();
    }
    let lower = trimmed.to_lowercase();
    let code = match lower.as_str() {
        "usa" | "us" | "u.s.a." | "amerika" | "de forenede stater" | "united states" | "united states of america" => {
            "US"
        }
        "storbritannien" | "england" | "uk" | "united kingdom" | "great britain" => "GB",
        "indien" | "india" => "IN",
        "kina" | "china" => "CN",
        "schweiz" | "switzerland" => "CH",
        "canada" => "CA",
        "japan" => "JP",
        "australien" | "australia" => "AU",
        "israel" => "IL",
        "filippinerne" | "philippines" => "PH",
        "ukraine" => "UA",
        "serbien" | "serbia" => "RS",
        "sydkorea" | "south korea" | "korea" => "KR",
        "singapore" => "SG",
        "new zealand" => "NZ",
        "brasilien" | "brazil" => "BR",
        "tyrkiet" | "turkey" | "türkiye" => "TR",
        "bosnien-hercegovina" | "bosnia and herzegovina" => "BA",
        "vietnam" => "VN",
        "pakistan" => "PK",
        "sydafrika" | "south africa" => "ZA",
        "danmark" | "denmark" => "DK",
        _ => return None,
    };
    CountryCode::parse(code).ok()
}

/// Denmark: where the register assumes an organization is established when Kitos does not say
/// otherwise. It is the register's own default for a processor; of a country only whether it
/// lies outside the EU/EEA matters to the rules, and Kitos says that (see [`crate::registrations`]).
pub(crate) fn denmark() -> Option<CountryCode> {
    CountryCode::parse("DK").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_read_by_their_labels() {
        assert_eq!(
            basis("Standardkontraktbestemmelser"),
            Some(Basis::Chapter5(TransferBasis::StandardContractualClauses))
        );
        assert_eq!(basis(" EU og EØS "), Some(Basis::InsideEea));
        assert_eq!(basis("EU-U.S. Data Privacy Framework"), Some(Basis::Chapter5(TransferBasis::AdequacyDecision)));
        assert_eq!(basis("BCR"), Some(Basis::Chapter5(TransferBasis::BindingCorporateRules)));
        assert_eq!(basis("Aftale med leverandøren"), None);
    }

    #[test]
    fn countries_are_read_by_code_or_name() {
        assert_eq!(country("USA").map(String::from), Some("US".to_owned()));
        assert_eq!(country("indien").map(String::from), Some("IN".to_owned()));
        assert_eq!(country("se").map(String::from), Some("SE".to_owned()));
        assert_eq!(country("Atlantis"), None);
    }
}
