//! Which Kitos build wrote a document: the 2026 or the 2025 shape (API-V2.md §9), told by the
//! keys present (a key that is there with `null` counts), not by their values.

use serde_json::Value;

/// The shape of one or more documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The 2026 build (`Strongminds/kitos`): `general.purpose`, `general.validity` of a DPR, …
    Kitos2026,
    /// The 2025 build (`os2kitos/kitos`): `gdpr.purpose`, `general.valid` of a DPR, …
    Kitos2025,
    /// Items of both shapes.
    Mixed,
    #[default]
    /// Nothing to tell by (no usages and no registrations, or neither shape's keys).
    Undetermined,
}

impl Shape {
    /// The shape of both `self` and `other`.
    #[must_use]
    pub fn and(self, other: Shape) -> Shape {
        match (self, other) {
            (Shape::Undetermined, shape) | (shape, Shape::Undetermined) => shape,
            (a, b) if a == b => a,
            _ => Shape::Mixed,
        }
    }

    /// The shape of a list of usages, or of one usage object.
    pub fn of_usages(document: &Value) -> Shape {
        each(document, |usage| {
            let general = usage.get("general");
            let gdpr = usage.get("gdpr");
            let has = |object: Option<&Value>, key: &str| {
                object.and_then(Value::as_object).is_some_and(|o| o.contains_key(key))
            };
            let new = has(Some(usage), "createdAt")
                || ["purpose", "hostedAt", "isBusinessCritical", "isSociallyCritical"]
                    .iter()
                    .any(|key| has(general, key))
                || has(general.and_then(|g| g.get("validity")), "mainContractState");
            let old = ["purpose", "hostedAt", "businessCritical"].iter().any(|key| has(gdpr, key));
            vote(new, old)
        })
    }

    /// The shape of a list of data processing registrations, or of one.
    pub fn of_registrations(document: &Value) -> Shape {
        each(document, |registration| {
            let general = registration.get("general").and_then(Value::as_object);
            let new = general.is_some_and(|g| g.contains_key("validity"));
            let old = general.is_some_and(|g| g.contains_key("valid"));
            vote(new, old)
        })
    }
}

fn each(document: &Value, item: impl Fn(&Value) -> Shape) -> Shape {
    match document {
        Value::Array(items) => items.iter().map(item).fold(Shape::Undetermined, Shape::and),
        Value::Object(_) => item(document),
        _ => Shape::Undetermined,
    }
}

fn vote(new: bool, old: bool) -> Shape {
    match (new, old) {
        (true, false) => Shape::Kitos2026,
        (false, true) => Shape::Kitos2025,
        (true, true) => Shape::Mixed,
        (false, false) => Shape::Undetermined,
    }
}
