//! Reading requests: JSON bodies and query strings that name the offending field when they
//! do not parse, and path parameters that answer a problem instead of plain text.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use systemejer_domain::Violation;

use crate::error::ApiError;
use crate::wording::violation;

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON request body, parsed into `T` (domain types parse themselves while it is read).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        });
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                } else {
                    ApiError::BadRequest { detail: format!("the body could not be read: {e}"), errors: vec![] }
                }
            })?;
            parse_json(&bytes).map(Body)
        })
    }
}

/// A JSON request body that may be left out: no body at all (with or without a JSON
/// `Content-Type`), or `null`, is `T::default()`; a body that is there is read as [`Body`]
/// reads it.
#[derive(Debug)]
pub struct OptionalBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok());
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        if declared.unwrap_or(0) == 0 && !chunked {
            return Box::pin(async { Ok(OptionalBody(T::default())) });
        }
        // `null` is no body too, as the document (`oneOf: [null, T]`) says.
        let body = Body::<Option<T>>::from_request(req, payload);
        Box::pin(async move { body.await.map(|Body(t)| OptionalBody(t.unwrap_or_default())) })
    }
}

/// The most items a list in a request may hold.
pub const MAX_ARRAY_ITEMS: usize = 500;
/// The deepest a request's JSON may nest.
pub const MAX_DEPTH: usize = 16;

/// Finds the first list longer than [`MAX_ARRAY_ITEMS`] or nesting deeper than [`MAX_DEPTH`].
fn oversized(value: &serde_json::Value, path: &mut Vec<String>) -> Option<Violation> {
    let here = |path: &Vec<String>| path.concat().trim_start_matches('.').to_owned();
    if path.len() > MAX_DEPTH {
        return Some(Violation::new(here(path), "max_depth", format!("must not nest deeper than {MAX_DEPTH} levels")));
    }
    match value {
        serde_json::Value::Array(items) => {
            if items.len() > MAX_ARRAY_ITEMS {
                return Some(Violation::new(
                    here(path),
                    "max_items",
                    format!("must have at most {MAX_ARRAY_ITEMS} items (has {})", items.len()),
                ));
            }
            items.iter().enumerate().find_map(|(i, v)| {
                path.push(format!("[{i}]"));
                let found = oversized(v, path);
                path.pop();
                found
            })
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            path.push(format!(".{k}"));
            let found = oversized(v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

/// Parses JSON: a syntax error is a 400; well-formed JSON of the wrong shape, or with a list
/// longer than allowed, is a 422 that names the field (as a path such as
/// `delegates[0].role`) and the rule.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // A byte order mark before the JSON is ignored, as RFC 8259 lets a reader do (Windows tools
    // write one); an empty body is said to be one, not "EOF while parsing a value".
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            detail: "the body is empty: send a JSON object".into(),
            errors: vec![Violation::new("", "required", "the body is empty: send a JSON object")],
        });
    }
    let parsed = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    if let Some(value) = &parsed {
        if let Some(violation) = oversized(value, &mut Vec::new()) {
            return Err(ApiError::Invalid(vec![violation]));
        }
        // Every body of this API is an object. serde would read a list as a struct's fields in
        // order (`["IT", "section"]` as a unit named IT), so a list is refused here by name.
        if !value.is_object() {
            return Err(ApiError::Invalid(vec![Violation::new(
                "",
                "object",
                format!("the body must be a JSON object with named fields, not {}", json_kind(value)),
            )]));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    // A list never stands in for an object, at any depth (see `strict`).
    match serde_path_to_error::deserialize::<_, T>(crate::strict::Strict(&mut *de)) {
        // One value, then nothing but white space: `{"name":"A"} {"oops":1}` is not a body.
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => {
                let at = e.to_string().split_once(" at ").map_or_else(String::new, |(_, at)| format!(" (at {at})"));
                Err(ApiError::BadRequest {
                    detail: format!("trailing data after the JSON body{at}: the body must be exactly one JSON value"),
                    errors: vec![Violation::new("", "trailing_data", "must be exactly one JSON value")],
                })
            }
        },
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let first = violation(&path, &inner.to_string());
                    Err(ApiError::Invalid(match parsed {
                        // Every problem of the body, not only the first serde met.
                        Some(value) => crate::body_problems::every_problem::<T>(value, first, violation),
                        None => vec![first],
                    }))
                }
                // The bytes are JSON, yet the reader stopped as if they were not: an enum given a
                // `null` or a number. Read as a value, that is a field of the wrong type.
                _ if parsed.is_some() => {
                    let value = parsed.unwrap_or_default();
                    let first = match serde_path_to_error::deserialize::<_, T>(crate::strict::Strict(&value)) {
                        Err(e) => violation(&e.path().to_string(), &e.into_inner().to_string()),
                        Ok(_) => violation(&path, &inner.to_string()),
                    };
                    Err(ApiError::Invalid(crate::body_problems::every_problem::<T>(value, first, violation)))
                }
                _ => Err(ApiError::BadRequest { detail: format!("malformed JSON: {inner}"), errors: vec![] }),
            }
        }
    }
}

/// What kind of JSON value `value` is, as a sentence says it.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Null => "null",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A query string, parsed into `T`; failures are 400s naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// PostgreSQL cannot compare with a NUL, and no filter needs a control character: refused for
/// every parameter, name or value, as in bodies.
pub(crate) fn refuse_control_characters(query: &str) -> Result<(), ApiError> {
    if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    {
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        let v = Violation::new(name, "no_control_characters", "its name and value must not contain control characters");
        return Err(ApiError::BadRequest {
            detail: format!("bad query parameter `{}`: {}", v.field, v.message),
            errors: vec![v],
        });
    }
    Ok(())
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    refuse_control_characters(query)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(crate::strict::Strict(de)).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let mut v = violation(&path, &message);
        if v.rule == "date_time" {
            v.message.push_str(" (in a query string, send + as %2B)");
        }
        ApiError::BadRequest { detail: format!("bad query parameter `{}`: {}", v.field, v.message), errors: vec![v] }
    })
}

/// Why a path's parameters name no resource, in words that name the parameter: "`id` must
/// be a UUID", not the parser's "Path deserialize error: UUID parsing failed".
pub(crate) fn path_problem(err: &actix_web::error::PathError, req: &HttpRequest) -> String {
    let text = err.to_string();
    let inner = text.strip_prefix("Path deserialize error: ").unwrap_or(&text);
    let params: Vec<(&str, &str)> = req.match_info().iter().collect();
    if inner.contains("UUID")
        && let Some((name, value)) = params.iter().find(|(_, v)| uuid::Uuid::parse_str(v).is_err())
    {
        return format!("`{name}` must be a UUID, such as 0190a0a0-0000-7000-8000-000000000001, not {value:?}");
    }
    if inner.starts_with("unknown variant") {
        let given = inner.split('`').nth(1).unwrap_or_default();
        let expected = inner.split_once("expected ").map_or("", |(_, e)| e).replace('`', "");
        if let Some((name, _)) = params.iter().find(|(_, v)| *v == given) {
            return format!("`{name}` must be {expected}, not {given:?}");
        }
    }
    format!("the path does not name a resource: {inner}")
}

/// The version named by `If-Match` (`"v7"` or `W/"v7"`, as the `ETag` header gave it), if any;
/// `*` names no particular version.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// The version, or a 428 when the header is missing.
    pub fn required(self, present: bool) -> Result<Option<i64>, ApiError> {
        if present { Ok(self.0) } else { Err(ApiError::PreconditionRequired) }
    }
}

/// Whether the request carries `If-Match`, and the version it names.
pub fn if_match(req: &HttpRequest) -> Result<(bool, IfMatch), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok((false, IfMatch(None))) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok((true, IfMatch(None)));
    }
    // A weak tag is taken as its strong one, against RFC 9110's strong comparison, on purpose:
    // a proxy that compresses answers (nginx's gzip) weakens the ETags it passes on, and a
    // client that echoes one must not be refused forever. The version it names is still
    // checked under the row's lock, so nothing is lost by it.
    let tag = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    let version = tag
        .strip_prefix('v')
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| ApiError::PreconditionFailed(format!("If-Match {text} is not an ETag this service gave out")))?;
    Ok((true, IfMatch(Some(version))))
}

/// The `ETag` of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}
