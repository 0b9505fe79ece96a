//! serde's messages in the register's words: each becomes a violation that names the field
//! (a path such as `delegates[0].role`) and a rule, for bodies and query strings alike.

use systemejer_domain::Violation;

/// Turns a serde message into a violation with a rule name and the field it concerns.
pub(crate) fn violation(path: &str, message: &str) -> Violation {
    // serde appends " at line 1 column 17" to JSON errors; the field path says more.
    let message = message.split(" at line ").next().unwrap_or(message);
    // A domain value refused by its own parser: it names its rule itself.
    if let Some((text, rule)) = systemejer_domain::ParseError::split_display(message) {
        let field = if path == "." { String::new() } else { path.to_owned() };
        return Violation::new(field, rule, text);
    }
    // The uuid crate's words ("UUID parsing failed: invalid character: found `n` at 0") say
    // what went wrong inside its parser.
    if message.starts_with("UUID parsing failed") || message.ends_with("expected a formatted UUID string") {
        let field = if path == "." { String::new() } else { path.to_owned() };
        return Violation::new(field, "uuid", "must be a UUID, such as 0190a0a0-0000-7000-8000-000000000001");
    }
    // The standard library's words for a number or a flag that does not parse.
    let plain = |rule: &str, words: &str| {
        let field = if path == "." { String::new() } else { path.to_owned() };
        Violation::new(field, rule, words)
    };
    match message {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            return plain("integer", "must be a whole number");
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            return plain("integer", "is out of range: give a smaller whole number");
        }
        "provided string was not `true` or `false`" => return plain("boolean", "must be true or false"),
        _ => {}
    }
    let quoted = message.split('`').nth(1).unwrap_or_default();
    if message.starts_with("duplicate field") {
        let field = if path == "." { quoted.to_owned() } else { format!("{path}.{quoted}") };
        return Violation::new(field, "duplicate_field", format!("`{quoted}` is given twice: give it once"));
    }
    let rule = if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("unknown variant") {
        "one_of"
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        "type"
    } else if message.starts_with("invalid length") {
        "length"
    } else {
        "invalid"
    };
    // For a missing field the path names the object that lacks it; otherwise the path names
    // the offending field itself.
    let field = match (rule, path) {
        ("required" | "unknown_field", ".") => quoted.to_owned(),
        ("required", p) => format!("{p}.{quoted}"),
        (_, ".") => String::new(),
        (_, p) => p.to_owned(),
    };
    Violation::new(field, rule, message)
}
