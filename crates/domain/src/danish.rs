//! The register's refusals in Danish, for the people who read them (an owner reading why a
//! go-live was refused, a DPO reading the compliance report's open gates). Programs keep
//! reading the codes, which never change with the language; only the words do.
//!
//! Each gate code and each rule has its sentence here. A rule without one (there should be
//! none) keeps its English words rather than saying nothing.

use crate::exit::ExitStepKind;
use crate::lifecycle::Unmet;
use crate::operations::ProcedureKind;
use crate::org::Language;
use crate::values::Violation;

/// A key that orders names as a Danish reader expects: case aside, and Æ, Ø, Å (and Ä, Ö) after
/// Z in that order.
pub fn sort_key(name: &str) -> String {
    name.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => '\u{10FFF0}',
            'ø' | 'ö' => '\u{10FFF1}',
            'å' => '\u{10FFF2}',
            other => other,
        })
        .collect()
}

/// What a lifecycle gate found unmet, in Danish.
pub fn unmet(u: &Unmet) -> String {
    gate(u.code, u.field, u.subject.as_deref(), u.subject_name.as_deref()).unwrap_or_else(|| u.message.clone())
}

/// The Danish sentence of the gate `code` (on `field`, about `subject`, called `name`), where
/// it has one.
pub fn gate(code: &str, field: Option<&str>, subject: Option<&str>, name: Option<&str>) -> Option<String> {
    let field = field.unwrap_or_default();
    let subject = subject.unwrap_or_default();
    let named = name.unwrap_or(subject);
    Some(match code {
        "owner_missing" => {
            "Systemet har ingen systemejer; ethvert system i drift skal have en ansvarlig systemejer.".into()
        }
        "owner_inactive" | "owner_not_management" | "owner_leader_without_senior_manager" => {
            format!("{}.", capitalised(rule(code)?))
        }
        "owner_approval_missing" => "Kun systemejeren godkender idriftsættelsen (\"godkende anskaffelser og \
                                     installation\"): systemejeren sætter selv systemet i drift, i eget navn."
            .into(),
        "description_incomplete" => format!("Systembeskrivelsen mangler feltet {field}."),
        "archive_status_undecided" => "Beslut, om data skal bevares til arkivet eller må kasseres.".into(),
        "archive_body_missing" => "Data skal bevares: angiv det arkiv, der modtager dem.".into(),
        "archive_not_notified" => "Data skal bevares: underret arkivet, og registrér hvornår.".into(),
        "risk_assessment_information_security_missing" => "Systemejeren har ikke godkendt en risikovurdering af \
                                                            informationssikkerheden (fortrolighed, integritet og \
                                                            tilgængelighed)."
            .into(),
        "dpia_decision_missing" => "Registrér, om der skal laves en konsekvensanalyse (DPIA), efter at \
                                    databeskyttelsesrådgiveren er hørt."
            .into(),
        "dpia_missing" => "Der skal laves en konsekvensanalyse (DPIA): systemejeren har ikke godkendt en.".into(),
        "risk_assessment_data_subject_missing" => {
            "Systemejeren har ikke godkendt en risikovurdering set fra de registreredes side.".into()
        }
        "processing_agreement_not_in_force" => {
            format!("Databehandleraftalen med databehandleren {named} er ikke underskrevet eller ikke i kraft.")
        }
        "processing_agreement_missing" => "Systemet drives af andre: registrér databehandleren med en underskrevet \
                                           aftale, der er i kraft, eller begrund i systembeskrivelsen, hvorfor ingen \
                                           databehandler er involveret (no_processor_reason)."
            .into(),
        "transfer_basis_missing" => {
            let who = match subject.split_once('/') {
                Some((_, sub)) => format!("Underdatabehandleren {}", name.unwrap_or(sub)),
                None => format!("Databehandleren {named}"),
            };
            format!(
                "{who} behandler data i et land uden for EU/EØS: registrér overførselsgrundlaget \
                 (tilstrækkelighedsafgørelse, standardkontraktbestemmelser, ...) på aftalen."
            )
        }
        "retention_rule_missing" => "Dokumentér mindst én slettefrist.".into(),
        "processing_record_missing" => {
            "Skriv systemets del af fortegnelsen over behandlingsaktiviteter (art. 30).".into()
        }
        "data_subject_rights_missing" => "Angiv, hvilke af de registreredes rettigheder systemet understøtter.".into(),
        "procedure_missing" => format!("Der er ingen godkendt procedure for {}.", procedure(subject)),
        "contingency_plan_missing" => "Systemets kritikalitet er høj eller kritisk: systemejeren skal godkende en \
                                       beredskabsplan med manuelle procedurer."
            .into(),
        "change_description_missing" => "Beskriv ændringen (change_description).".into(),
        "dpia_answer_missing" => "Svar på, om ændringen kræver en ny konsekvensanalyse (DPIA) og risikovurdering \
                                  (dpia_needed)."
            .into(),
        "risk_reassessment_missing" => {
            "Systemejeren har ikke godkendt en risikovurdering, der er lavet efter at ændringen begyndte.".into()
        }
        "dpia_after_change_missing" => {
            "Ændringen kræver en ny konsekvensanalyse (DPIA): systemejeren har ikke godkendt en.".into()
        }
        "reason_missing" => "Skiftet kræver en begrundelse: angiv den i `reason`.".into(),
        "exit_step_open" => match subject.parse::<ExitStepKind>() {
            Ok(step) => format!("Afviklingstrinnet \"{}\" er ikke registreret.", step.title(Language::Da)),
            Err(_) => format!("Afviklingstrinnet `{subject}` er ikke registreret."),
        },
        _ => return None,
    })
}

/// What is wrong with a field, in Danish words as its English message has them (the field is
/// named beside it); a rule without Danish words keeps its English ones.
pub fn violation(v: &Violation) -> String {
    match (v.field.as_str(), v.rule.as_str()) {
        (field, "exclusive") if !field.starts_with("subjects_") => {
            "kan ikke bruges sammen med et andet felt i samme forespørgsel: brug kun ét af dem".to_owned()
        }
        ("evidence", "required") => "en gennemgang af softwareopdateringer registreres med versionen i drift og \
                                     datoen for seneste opdatering"
            .to_owned(),
        (_, code) => rule(code).map_or_else(|| v.message.clone(), str::to_owned),
    }
}

/// The Danish sentence of a conflict's code, where it has one.
pub fn conflict(code: &str) -> Option<&'static str> {
    Some(match code {
        "agreement_exists" => "Systemet har allerede en databehandleraftale med denne databehandler.",
        "agreement_terminated" => "Aftalen er opsagt og kan ikke ændres længere.",
        "has_measures" => {
            "Risikovurderingen har foranstaltninger, der dokumenterer, hvad der blev besluttet: den kan ikke slettes."
        }
        "not_approved" => {
            "Foranstaltninger knyttes til en risikovurdering, som systemejeren har godkendt: godkend den først."
        }
        "already_approved" => "Dokumentet er allerede godkendt.",
        "already_recorded" => "Opgaven er allerede registreret som udført for denne periode.",
        "cvr_taken" => "En anden databehandler har allerede dette CVR-nummer.",
        "email_taken" => "En anden person har allerede denne e-mailadresse.",
        "named_as_successor" => "Et andet system er registreret som afløst af dette system; fjern henvisningen først.",
        "no_exit_checklist" | "not_decommissioning" => "Systemet er ikke under afvikling.",
        "no_such_duty" => "Systemet har ikke denne opgave.",
        "use_owner_handover" => {
            "Systemet er i drift: systemejeren skiftes ved en overdragelse (POST /systems/{id}/owner-handover), der \
             registrerer hvorfor."
        }
        "org_unit_in_use" => "Enheden bruges stadig af systemer, personer eller underenheder.",
        "person_in_use" => {
            "Personen er stadig systemejer eller systemforvalter for et system, leder for andre eller ansvarlig for en \
             risikoforanstaltning."
        }
        "processor_in_use" => "Databehandleren indgår stadig i en databehandleraftale.",
        "transition_not_allowed" => "Livscyklussen har ikke dette skift.",
        "stale" => "Ressourcen er ændret, siden du læste den: læs den igen, og send dens nye ETag i If-Match.",
        _ => return None,
    })
}

/// The Danish words of a rule, where it has them.
fn rule(code: &str) -> Option<&'static str> {
    Some(match code {
        "required" => "skal udfyldes",
        "not_in_future" => "kan ikke ligge i fremtiden",
        "exists" => "findes ikke i registret",
        "unique" => "findes allerede og skal være entydig",
        "one_of" => "er ikke en af de tilladte værdier",
        "range" => "ligger uden for det tilladte interval",
        "type" => "har en forkert type",
        "length" => "har en forkert længde",
        "invalid" => "er ugyldig",
        "integer" => "skal være et helt tal",
        "boolean" => "skal være true eller false",
        "uuid" => "skal være et UUID, fx 0190a0a0-0000-7000-8000-000000000001",
        "unknown_field" => "er ikke et kendt felt",
        "unknown_parameter" => "er ikke en kendt forespørgselsparameter",
        "duplicate_field" => "er angivet to gange: angiv det én gang",
        "trailing_data" => "der står noget efter JSON-dokumentet",
        "object" => "indholdet skal være et JSON-objekt",
        "max_depth" => "er indlejret for dybt",
        "max_items" => "har for mange elementer",
        "max_length" => "er for lang",
        "one_line" => "skal stå på én linje",
        "visible" => "skal indeholde synlige tegn",
        "no_control_characters" => "må ikke indeholde kontroltegn",
        "no_bidi_controls" => "må ikke indeholde tegn, der vender skriveretningen",
        "email" => "skal være en gyldig e-mailadresse",
        "url" => "skal være en fuld adresse, der begynder med https:// eller http://",
        "date" => "skal være en dato som år-måned-dag, fx 2026-12-01",
        "date_range" => "ligger uden for de år, registret tager imod",
        "country" => "skal være en landekode på to bogstaver, fx DK",
        "cvr" => "skal være et gyldigt CVR-nummer (8 cifre med korrekt kontrolciffer)",
        "kle_code" => "skal være en KLE-kode, fx 05.01.00",
        "iso_duration" => "skal være en varighed på ISO 8601-form, fx P10Y",
        "not_self" => "kan ikke pege på systemet selv",
        "changed" => "er allerede systemejer: angiv den person, der overtager",
        "no_loop" => "må ikke føre i ring",
        "not_owner" => "må ikke være systemets egen systemejer",
        "consistent_personal_data" => "hænger ikke sammen med, om systemet behandler personoplysninger",
        "after_signed_on" => "kan ikke ligge før aftalen blev underskrevet",
        "after_discovery" => "kan ikke ligge før hændelsen blev opdaget",
        "at_most_reviewed" => "kan ikke være større end antallet af gennemgåede konti",
        "fits_duty" => "dokumentationen passer ikke til opgaven",
        "done_by_approval" => {
            "opgaven udføres ved, at systemejeren godkender en ny vurdering, ikke ved at registrere den som udført"
        }
        "done_by_update" => {
            "opgaven udføres ved at opdatere det, den handler om (forny eller opsig aftalen, registrér \
             foranstaltningen som gennemført eller fravalgt, eller overdrag systemet til en ny systemejer), ikke ved \
             at registrere den som udført"
        }
        "no_duplicates" => "står der to gange",
        "scheme" => "skal være en adresse, der begynder med https:// eller http://",
        "no_credentials" => "må ikke indeholde brugernavn eller adgangskode: signaturen viser, hvem der sender",
        "no_fragment" => "må ikke have en del efter # (den sendes aldrig)",
        "public_address" => {
            "peger på en adresse i et internt eller særligt netværk (fx 127.0.0.1, 10.x, 169.254.x): tjenesten kalder \
             kun offentlige adresser"
        }
        "resolvable" => "værtsnavnet kan ikke slås op",
        "secret_format" => "skal være whsec_ efterfulgt af nøglen i base64 (Standard Webhooks)",
        "secret_length" => "nøglen skal være 24 til 64 bytes; udelad den, så laver tjenesten en",
        "recurring_only" => "kun en tilbagevendende opgave har et interval",
        "not_after_expiry" => "kan ikke ligge efter aftalens udløb: den ophører alligevel da",
        "implemented_only" => "kun en gennemført foranstaltning har en dato for gennemførelse",
        "rejected_only" => "kun en fravalgt foranstaltning har en begrundelse for fravalget",
        "active" => "personen er ikke længere aktiv",
        "third_country_only" => "et overførselsgrundlag angives kun for lande uden for EU/EØS",
        "not_after_done_on" => "den seneste opdatering kan ikke ligge efter datoen for udførelse",
        "archive_required" => "systemets data skal bevares: aflevering til arkivet er altid relevant",
        "archive_before_deletion" => "data skal afleveres til arkivet, før leverandøren sletter dem",
        "breach_only" => "gælder kun brud på persondatasikkerheden",
        "already_reported" => "bruddet er allerede anmeldt",
        "decided_not_to_report" => "beslutningen om ikke at anmelde er registreret; fjern den, før bruddet anmeldes",
        "required_when_late" => {
            "anmeldelsen kommer efter 72-timersfristen: angiv årsagen til forsinkelsen (art. 33, stk. 1)"
        }
        "breach_undecided" => {
            "et brud kan ikke lukkes, før det er anmeldt, eller beslutningen om ikke at anmelde er registreret"
        }
        "breach_risk_undecided" => "vurdér risikoen for de registrerede, før bruddet lukkes",
        "data_subjects_undecided" => {
            "bruddet indebærer en høj risiko for de registrerede (art. 34): registrér, hvornår og hvordan de blev \
             underrettet, eller grundlaget efter art. 34, stk. 3, og begrundelsen for ikke at underrette dem, før \
             bruddet lukkes"
        }
        "exclusive" => {
            "de registrerede er enten underrettet, eller der er en begrundelse for ikke at underrette dem: ikke begge dele"
        }
        "required_to_close" => "skal registreres, før hændelsen lukkes",
        "passed_only" => {
            "opgaven er udført eller ej, ikke en test, der kan fejle: registrér den som `passed`, når den er udført"
        }
        "owner_inactive" => "personen er ikke længere aktiv og kan ikke være systemejer",
        "owner_not_management" => {
            "systemejerskab er en ledelsesopgave: systemejeren skal være direktør, fagchef, stabschef eller en leder, \
             der refererer direkte til en af dem"
        }
        "owner_leader_without_senior_manager" => {
            "en leder kan kun være systemejer, når vedkommende refererer direkte til en direktør, fagchef eller \
             stabschef"
        }
        _ => return None,
    })
}

/// A procedure kind in Danish, as a gate names it.
fn procedure(kind: &str) -> &str {
    match kind.parse::<ProcedureKind>() {
        Ok(ProcedureKind::UserAdministration) => "brugerstyring",
        Ok(ProcedureKind::AccessReview) => "kontrol af brugeradgange",
        Ok(ProcedureKind::Backup) => "backup og genetablering",
        Ok(ProcedureKind::Logging) => "logning",
        Ok(ProcedureKind::Other) | Err(_) => kind,
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_in_danish_order() {
        let mut names = vec!["Østjysk Data", "Åbent Arkiv", "esdh", "Zebra", "Ærø System", "Vagtplan Syd", "Aarhus"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["Aarhus", "esdh", "Vagtplan Syd", "Zebra", "Ærø System", "Østjysk Data", "Åbent Arkiv"]);
    }
    use crate::lifecycle::fixtures::day;
    use crate::lifecycle::{LifecycleState, Refusal, TransitionFacts, evaluate};
    use crate::records::SystemRecords;
    use crate::system::fixtures::complete_system;

    /// Every gate a bare system meets has its Danish sentence (none falls back to English).
    #[test]
    fn every_gate_speaks_danish() {
        let mut system = complete_system();
        system.purpose = None;
        system.archive_status = crate::system::ArchiveStatus::Preserve;
        system.archive_body = None;
        system.data_subject_rights.clear();
        let processor = crate::ids::ProcessorId::from_uuid(uuid::Uuid::from_u128(3));
        let unsigned_abroad = crate::gdpr::ProcessingAgreement {
            id: crate::ids::RecordId::from_uuid(uuid::Uuid::from_u128(9)),
            system_id: system.id,
            processor_id: processor,
            signed_on: None,
            expires_on: None,
            document_url: None,
            supervision_method: crate::gdpr::SupervisionMethod::Soc2,
            supervision_interval_months: 12,
            transfer_basis: None,
            sub_processors: vec![crate::gdpr::SubProcessor {
                name: crate::values::Name::parse("Support Inc").unwrap(),
                country: crate::gdpr::CountryCode::parse("US").unwrap(),
                transfer_basis: None,
            }],
            terminated_on: None,
            termination_reason: None,
            version: 1,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        let bare = SystemRecords {
            exit_steps: ExitStepKind::ALL.iter().map(|k| crate::exit::ExitStep::open(*k)).collect(),
            agreements: vec![unsigned_abroad],
            processor_countries: [(processor, crate::gdpr::CountryCode::parse("IN").unwrap())].into(),
            ..SystemRecords::default()
        };
        let employee = crate::org::OwnerCandidate {
            id: crate::ids::PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            position: crate::org::Position::Employee,
            active: true,
            manager_position: None,
        };
        let mut found = Vec::new();
        for owner in [None, Some(employee)] {
            let facts = TransitionFacts {
                system: &system,
                owner,
                records: &bare,
                reason: None,
                change_description: None,
                dpia_needed: None,
                today: day("2026-11-28"),
                by_owner: false,
            };
            for (from, to) in [
                (LifecycleState::Procurement, LifecycleState::InUse),
                (LifecycleState::InUse, LifecycleState::Changing),
                (LifecycleState::InUse, LifecycleState::Decommissioning),
                (LifecycleState::Decommissioning, LifecycleState::Retired),
            ] {
                if let Err(Refusal::Unmet(unmet)) = evaluate(from, to, &facts) {
                    found.extend(unmet);
                }
            }
        }
        assert!(found.len() > 15, "{found:?}");
        for code in ["processing_agreement_missing", "processing_agreement_not_in_force", "transfer_basis_missing"] {
            assert!(found.iter().any(|u| u.code == code), "{code} is among those checked");
        }
        for u in &found {
            let da = unmet(u);
            assert_ne!(da, u.message, "{} has no Danish words", u.code);
            assert!(!da.is_empty() && da.ends_with('.'), "{}: {da}", u.code);
        }
    }

    #[test]
    fn a_rule_reads_as_danish_with_its_field() {
        let v = Violation::new("done_on", "not_in_future", "cannot be in the future");
        assert_eq!(violation(&v), "kan ikke ligge i fremtiden");
        let unknown = Violation::new("x", "some_new_rule", "in English");
        assert_eq!(violation(&unknown), "in English", "never nothing");
        let step = Unmet {
            code: "exit_step_open",
            field: None,
            subject: Some("contract_terminated".into()),
            subject_name: None,
            message: String::new(),
        };
        assert!(unmet(&step).contains("Kontrakten er opsagt"), "{}", unmet(&step));
    }
}
