//! Danish for people, codes for machines: with `Accept-Language: da` (preferred over English),
//! problem bodies and the lifecycle's gate messages come in Danish; every `type`, `code`,
//! `rule` and `field` stays as it is. English stays the default, for scripts.

use std::future::{Ready, ready};

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{FromRequest, HttpRequest};
use serde_json::{Map, Value};
use systemejer_domain::{Language, Unmet, Violation, danish};

use crate::error::PROBLEM_JSON;

/// The language the caller reads, from `Accept-Language`: Danish where a `da` tag weighs more
/// than any `en` tag (and more than nothing), else English.
pub fn from_headers(headers: &HeaderMap) -> Language {
    let Some(raw) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
        return Language::En;
    };
    // Each tag with its weight (RFC 9110: q from 0 to 1, at most three decimals; a tag whose
    // weight is not one is ignored). `*` stands for any language, English the default among them.
    let weight = |wanted: &[&str]| {
        raw.split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let primary = tag.split('-').next().unwrap_or_default().to_owned();
                let q = match pieces.map(str::trim).find(|p| p.starts_with("q=")) {
                    None => 1.0,
                    Some(q) => {
                        let q = q.trim_start_matches("q=");
                        let valid = q.len() <= 5 && q.chars().all(|c| c.is_ascii_digit() || c == '.');
                        q.parse::<f32>().ok().filter(|q| valid && (0.0..=1.0).contains(q))?
                    }
                };
                wanted.contains(&primary.as_str()).then_some(q)
            })
            .fold(0.0_f32, f32::max)
    };
    let (da, en) = (weight(&["da"]), weight(&["en", "*"]));
    if da > 0.0 && da > en { Language::Da } else { Language::En }
}

/// The reader's language, as a handler's argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader(pub Language);

impl FromRequest for Reader {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Reader(from_headers(req.headers()))))
    }
}

impl Reader {
    /// The messages of `unmet` in the reader's language.
    pub fn unmet(self, unmet: &mut [Unmet]) {
        if self.0 == Language::Da {
            for u in unmet {
                u.message = danish::unmet(u);
            }
        }
    }

    /// The `Content-Language` of an answer in the reader's language.
    pub fn content_language(self) -> (header::HeaderName, HeaderValue) {
        (header::CONTENT_LANGUAGE, HeaderValue::from_static(self.0.as_str()))
    }
}

/// Puts a problem body in Danish when the caller reads Danish.
pub async fn problems_in_danish(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let danish = from_headers(req.headers()) == Language::Da;
    let res = next.call(req).await?;
    let (req, mut res) = res.into_parts();
    // The answer depends on the header, for caches.
    res.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language"));
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !danish || !problem {
        return Ok(ServiceResponse::new(req, res.map_into_boxed_body()));
    }
    res.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("da"));
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut fields)) => {
            in_danish(&mut fields);
            serde_json::to_vec(&fields).map_or(bytes, Into::into)
        }
        _ => bytes,
    };
    Ok(ServiceResponse::new(req, head.set_body(body).map_into_boxed_body()))
}

/// A problem's words in Danish: its title, its detail where the register wrote it, each
/// offending field's rule and each unmet requirement.
fn in_danish(p: &mut Map<String, Value>) {
    let text = |p: &Map<String, Value>, key: &str| p.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let slug = text(p, "type").trim_start_matches("urn:systemejer:problem:").to_owned();
    let status = p.get("status").and_then(Value::as_u64).unwrap_or_default();
    if let Some(title) = title(&slug, status) {
        p.insert("title".into(), title.into());
    }
    let mut listed = Vec::new();
    if let Some(Value::Array(errors)) = p.get_mut("errors") {
        for e in errors.iter_mut().filter_map(Value::as_object_mut) {
            let v = Violation::new(text(e, "field"), text(e, "rule"), text(e, "message"));
            let words = danish::violation(&v);
            listed.push(if v.field.is_empty() { words.clone() } else { format!("{}: {words}", v.field) });
            e.insert("message".into(), words.into());
        }
    }
    let mut unmet_count = 0;
    if let Some(Value::Array(unmet)) = p.get_mut("unmet") {
        unmet_count = unmet.len();
        for u in unmet.iter_mut().filter_map(Value::as_object_mut) {
            let (code, field, subject) = (text(u, "code"), u.get("field"), u.get("subject"));
            let name = u.get("subject_name").and_then(Value::as_str);
            if let Some(words) =
                danish::gate(&code, field.and_then(Value::as_str), subject.and_then(Value::as_str), name)
            {
                u.insert("message".into(), words.into());
            }
        }
    }
    let detail = text(p, "detail");
    let code = text(p, "code");
    let danish_detail = match slug.as_str() {
        "validation" | "bad_request" if !listed.is_empty() => Some(listed.join("; ")),
        "transition_refused" => Some(format!("{unmet_count} krav er ikke opfyldt; se `unmet`.")),
        "transition_not_allowed" | "conflict" | "stale" => danish::conflict(&code).map(str::to_owned),
        "precondition_required" => {
            Some("Læs ressourcen, og send dens ETag i If-Match, så ingen andres ændring går tabt.".to_owned())
        }
        "payload_too_large" => {
            let limit: String = detail.chars().filter(char::is_ascii_digit).collect();
            Some(format!("Indholdet må højst fylde {limit} byte."))
        }
        "unsupported_media_type" => Some("Send indholdet med Content-Type: application/json.".to_owned()),
        "unavailable" => Some("Databasen kan ikke nås lige nu; prøv igen om lidt.".to_owned()),
        "internal" => Some("Fejlen er logget; intet er ændret.".to_owned()),
        "unauthorized" => Some("Send et gyldigt adgangstoken i Authorization: Bearer …".to_owned()),
        "not_found" => Some(not_found(&detail)),
        "rate_limited" => {
            let wait: String = detail.chars().filter(char::is_ascii_digit).collect();
            Some(format!("Sæt farten ned: prøv igen om {wait} s."))
        }
        "forbidden" => forbidden(&detail).map(str::to_owned),
        _ => None,
    };
    if let Some(d) = danish_detail {
        p.insert("detail".into(), d.into());
    }
}

/// The Danish title of a kind of problem.
fn title(slug: &str, status: u64) -> Option<&'static str> {
    Some(match slug {
        "bad_request" => "Forespørgslen kunne ikke læses",
        "unauthorized" => "Der kræves et gyldigt adgangstoken",
        "forbidden" => "Ikke tilladt for denne kalder",
        "not_found" => "Findes ikke",
        "method_not_allowed" => "Metoden er ikke tilladt her",
        "conflict" => "Registrets nuværende tilstand tillader det ikke",
        "transition_not_allowed" => "Livscyklussen har ikke dette skift",
        "transition_refused" => "Skiftet afvises, indtil kravene er opfyldt",
        "stale" => "Ressourcen er ændret, siden du læste den",
        "precondition_required" => "Send If-Match med ressourcens ETag",
        "payload_too_large" => "Forespørgslens indhold er for stort",
        "unsupported_media_type" => "Forespørgslens indhold skal være JSON",
        "validation" => "Forespørgslen bryder registrets regler",
        "unavailable" => "Registret er ikke tilgængeligt lige nu",
        "internal" => "Intern fejl",
        "http" | "rate_limited" if status == 429 => "For mange forespørgsler",
        _ => return None,
    })
}

/// "no system has the id …" and "no route for GET /x", in Danish.
fn not_found(detail: &str) -> String {
    if let Some(route) = detail.strip_prefix("no route for ") {
        return format!("Der er ingen adresse for {route}.");
    }
    if let Some((entity, id)) = detail.strip_prefix("no ").and_then(|d| d.split_once(" has the id ")) {
        let entity = match entity {
            "system" => "intet system",
            "person" => "ingen person",
            "org unit" | "org_unit" => "ingen enhed",
            "processor" => "ingen databehandler",
            "incident" => "ingen hændelse",
            "agreement" | "processing agreement" => "ingen databehandleraftale",
            _ => "intet",
        };
        return format!("Der er {entity} med id'et {id}.");
    }
    "Findes ikke i registret.".to_owned()
}

/// The register's refusals for a caller who may not, in Danish.
fn forbidden(detail: &str) -> Option<&'static str> {
    Some(match detail {
        "this needs the admin role" => "Det kræver rollen admin.",
        "only an admin or the system's owner or delegates may change it" => {
            "Kun en administrator, systemets systemejer eller dets systemforvaltere må ændre det."
        }
        "only an admin may change a system's owner" => "Kun en administrator må skifte et systems systemejer.",
        "only an admin or the owner may change a system's delegates" => {
            "Kun en administrator eller systemejeren må ændre systemets systemforvaltere."
        }
        "only the system's owner may approve it"
        | "only the system's owner may approve, with a token for their own email" => {
            "Kun systemets systemejer må godkende, med et token til sin egen e-mailadresse."
        }
        "an inactive owner cannot approve" => "En systemejer, der ikke længere er aktiv, kan ikke godkende.",
        "a person sees only the notifications sent to them" => {
            "En person ser kun de meddelelser, der er sendt til dem."
        }
        "give `system_id` of a system you own or are a delegate for" => {
            "Angiv `system_id` for et system, du er systemejer eller systemforvalter for."
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn language(accept: &str) -> Language {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("")));
        from_headers(&headers)
    }

    #[test]
    fn danish_only_where_it_weighs_more_than_english() {
        assert_eq!(from_headers(&HeaderMap::new()), Language::En, "scripts get English");
        assert_eq!(language("da"), Language::Da);
        assert_eq!(language("da-DK,da;q=0.9,en-US;q=0.8,en;q=0.7"), Language::Da);
        assert_eq!(language("en-GB,en;q=0.9,da;q=0.8"), Language::En);
        assert_eq!(language("en;q=0.5, da;q=0.8"), Language::Da);
        assert_eq!(language("de"), Language::En);
        assert_eq!(language("da;q=0"), Language::En);
        assert_eq!(language("*"), Language::En);
        assert_eq!(language("da;q=0.5,*;q=0.9"), Language::En, "any language weighs more: the default");
        for odd in ["da;q=abc", "da;q=1.5", "da;q=inf", "da;q=NaN", "da;q=-1"] {
            assert_eq!(language(odd), Language::En, "{odd}: not a weight");
        }
    }

    #[test]
    fn a_refusal_in_danish_keeps_its_codes() {
        let mut p = serde_json::json!({
            "type": "urn:systemejer:problem:validation", "title": "x", "status": 422, "detail": "x",
            "errors": [{"field": "done_on", "rule": "not_in_future", "message": "cannot be in the future"}]
        });
        in_danish(p.as_object_mut().unwrap_or(&mut Map::new()));
        assert_eq!(p["title"], "Forespørgslen bryder registrets regler");
        assert_eq!(p["errors"][0]["rule"], "not_in_future");
        assert_eq!(p["errors"][0]["message"], "kan ikke ligge i fremtiden");
        assert_eq!(p["detail"], "done_on: kan ikke ligge i fremtiden");
    }
}
