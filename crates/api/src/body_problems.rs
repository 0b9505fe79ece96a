//! Every problem of a JSON body in one answer, as far as the body can be read.
//!
//! serde stops at the first field it cannot read. A client fixing a body one 422 at a time
//! learns its mistakes one round trip each, so the body is read again after each problem with
//! that field set aside: a field of the wrong type or value is taken out (or, where the type
//! needs it, given a stand-in value), a missing one is given a stand-in, an unknown one is
//! dropped, and the next problem is looked for. Stand-ins are tried in turn until the field
//! reads; where none does, the search stops with what it found. Only problems of reading the
//! body are collected: the rules that look at the whole thing run once it reads.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use systemejer_domain::Violation;

use crate::strict::Strict;

/// At most this many readings of one body (each a walk over a parsed value).
const MAX_READINGS: usize = 48;
/// At most this many problems in one answer.
const MAX_PROBLEMS: usize = 25;

/// The problems of reading `body` as `T`, each named by field and rule; `first` is the one
/// the first reading met (from the request's bytes). `violation` turns serde's message at a
/// path into a violation.
pub(crate) fn every_problem<T: DeserializeOwned>(
    mut body: Value,
    first: Violation,
    violation: impl Fn(&str, &str) -> Violation,
) -> Vec<Violation> {
    let mut found: Vec<Violation> = Vec::new();
    // What was put in each place so far.
    let mut tried: HashMap<String, Vec<Option<Value>>> = HashMap::new();
    for _ in 0..MAX_READINGS {
        let Err(error) = serde_path_to_error::deserialize::<_, T>(Strict(&body)) else { break };
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let v = violation(&path, &message);
        // The value to set aside: the field named, or for a missing field the key inside the
        // object the path names (an unknown field's path names the field itself).
        let missing = v.rule == "required";
        let target = if missing {
            let key = message.split('`').nth(1).unwrap_or_default();
            if path == "." { key.to_owned() } else { format!("{path}.{key}") }
        } else {
            v.field.clone()
        };
        if target.is_empty() {
            break; // the body as a whole: nothing to set aside
        }
        let under = |inner: &str, outer: &str| {
            inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        // A problem of an object around a stand-in (a tagged object's fields are read as one
        // value, and its problems named at the object) may be the stand-in's: stop there.
        if tried.keys().any(|t| under(t, &target)) {
            break;
        }
        // A problem inside a stand-in is the stand-in's, not the client's.
        let ours = tried.keys().any(|t| under(&target, t));
        let before = tried.entry(target.clone()).or_default();
        if before.is_empty() && !ours {
            found.push(v);
            if found.len() >= MAX_PROBLEMS {
                break;
            }
        }
        // A tagged object whose tag cannot be read cannot be read further: what it must hold
        // depends on the tag.
        if target.rsplit('.').next() == Some("type") {
            break;
        }
        let stand_in = if message.starts_with("unknown field") {
            Some(None)
        } else {
            // An item of a list keeps its place, so that the later items keep their numbers.
            let may_take_out = !missing && !target.ends_with(']');
            stand_ins(&message, may_take_out).into_iter().find(|c| !before.contains(c))
        };
        let Some(stand_in) = stand_in else { break };
        before.push(stand_in.clone());
        if !put(&mut body, &target, stand_in) {
            break;
        }
    }
    if found.is_empty() {
        found.push(first);
    }
    found
}

/// What to put where a field could not be read, in the order to try: what serde's message
/// says the field takes, then `None`, which takes the field out (enough where it may be left
/// out), then values of the common kinds.
fn stand_ins(message: &str, may_take_out: bool) -> Vec<Option<Value>> {
    let mut out = Vec::new();
    let expected = message.split("expected ").nth(1).unwrap_or_default();
    let hint = if message.starts_with("unknown variant") {
        // `expected one of `a`, `b`` or `expected `a` or `b``: the first of them.
        expected.split('`').nth(1).map(|v| json!(v))
    } else if message.starts_with("UUID parsing failed") || expected.starts_with("a UUID") {
        Some(json!("00000000-0000-0000-0000-000000000000"))
    } else if expected.starts_with("an object") || expected.starts_with("struct") || expected.starts_with("a map") {
        Some(json!({}))
    } else if expected.starts_with("a sequence") {
        Some(json!([]))
    } else if expected.starts_with("a boolean") {
        Some(json!(true))
    } else if expected.starts_with(['u', 'i', 'f']) && expected.len() <= 4 {
        Some(json!(1))
    } else if message.starts_with("must be a date as") {
        Some(json!("2000-01-01"))
    } else if message.starts_with("must be a date and time") {
        Some(json!("2000-01-01T00:00:00Z"))
    } else {
        None
    };
    out.extend(hint.map(Some));
    if may_take_out {
        out.push(None);
    }
    out.extend(
        [
            json!("x"),
            json!("00000000-0000-0000-0000-000000000000"),
            json!("2000-01-01"),
            json!("2000-01-01T00:00:00Z"),
            json!("x@example.dk"),
            json!("https://example.dk"),
            json!(1),
            json!(true),
            json!({}),
            json!([]),
        ]
        .map(Some),
    );
    out
}

/// One step of a path as `serde_path_to_error` writes it: `delegates[0].role`.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            out.push(Step::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
            if !after.is_empty() && !after.starts_with('[') {
                return None;
            }
        }
    }
    Some(out)
}

/// Sets (or with `None` takes out) the value at `path`; false where the path does not lead
/// into the body.
fn put(body: &mut Value, path: &str, value: Option<Value>) -> bool {
    let Some(steps) = steps(path) else { return false };
    let Some((last, parents)) = steps.split_last() else { return false };
    let mut at = body;
    for step in parents {
        at = match (step, at) {
            (Step::Key(k), Value::Object(map)) => match map.get_mut(*k) {
                Some(v) => v,
                None => return false,
            },
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, at, value) {
        (Step::Key(k), Value::Object(map), Some(v)) => {
            map.insert((*k).to_owned(), v);
            true
        }
        (Step::Key(k), Value::Object(map), None) => {
            map.remove(*k);
            true
        }
        // An item of a list keeps its place (the later items keep their numbers).
        (Step::Index(i), Value::Array(items), Some(v)) => match items.get_mut(*i) {
            Some(slot) => {
                *slot = v;
                true
            }
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use systemejer_domain::system::NewSystem;

    use super::every_problem;

    fn problems(body: serde_json::Value) -> Vec<(String, String)> {
        let first = systemejer_domain::Violation::new("?", "?", "?");
        every_problem::<NewSystem>(body, first, crate::wording::violation)
            .into_iter()
            .map(|v| (v.field, v.rule))
            .collect()
    }

    #[test]
    fn every_problem_of_a_body_is_named_once() {
        let body = json!({
            "kind": "nonsense",
            "business_processes": "one",
            "delegates": [{"person_id": "nope", "role": "boss"}, ["x", "y"], {"person_id": "0190a0a0-0000-7000-8000-000000000001", "role": "contact"}, 5],
            "owner_id": 7,
            "extra": 1,
            "criticality": "hgh",
            "processes_personal_data": "ja",
        });
        let mut found = problems(body);
        found.sort();
        let wanted: Vec<(String, String)> = [
            ("business_processes", "type"),
            ("criticality", "one_of"),
            ("delegates[0].person_id", "uuid"),
            ("delegates[0].role", "one_of"),
            ("delegates[1]", "type"),
            ("delegates[3]", "type"),
            ("extra", "unknown_field"),
            ("kind", "one_of"),
            ("name", "required"),
            ("owner_id", "uuid"),
            ("processes_personal_data", "type"),
        ]
        .iter()
        .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
        .collect();
        assert_eq!(found, wanted);
    }

    #[test]
    fn a_tagged_object_is_named_for_what_was_sent_only() {
        use systemejer_domain::obligations::NewCompletion;
        let read = |body: serde_json::Value| -> Vec<(String, String)> {
            let first = systemejer_domain::Violation::new("?", "?", "?");
            every_problem::<NewCompletion>(body, first, crate::wording::violation)
                .into_iter()
                .map(|v| (v.field, v.message))
                .collect()
        };
        for evidence in [json!({"type": "backup_test"}), json!({}), json!({"type": "bogus"})] {
            let found = read(json!({"done_on": "2026-11-01", "result": "passed", "evidence": evidence}));
            assert!(!found.is_empty(), "{evidence}");
            for (field, message) in &found {
                assert!(
                    !message.contains("\"x\"") && !message.contains("accounts_reviewed"),
                    "{evidence}: {field}: {message}"
                );
            }
        }
    }

    #[test]
    fn a_body_with_one_problem_has_one() {
        assert_eq!(problems(json!({"kind": "app"})), [("name".to_owned(), "required".to_owned())]);
        assert_eq!(problems(json!({"name": "", "kind": "app"})).len(), 1);
    }

    #[test]
    fn a_body_of_many_problems_is_answered_with_the_first_few_and_quickly() {
        // Every field wrong, many times over: the search is bounded, not one reading each.
        let mut body = serde_json::Map::new();
        for i in 0..400 {
            body.insert(format!("unknown_{i:03}"), json!(i));
        }
        let found = problems(serde_json::Value::Object(body));
        assert!(!found.is_empty() && found.len() <= super::MAX_PROBLEMS, "{}", found.len());
    }
}
