//! The three-way merge of one entity's fields: as last imported, as the register has them now,
//! and as Kitos has them now.

use serde::Serialize;
use serde_json::{Map, Value};

/// The fields of a system an import keeps in step with Kitos: those a usage maps to (see
/// `crate::systems`), under the names the register's API gives them.
pub const SYSTEM_FIELDS: &[&str] = &[
    "name",
    "purpose",
    "description",
    "vendor",
    "hosted_at",
    "processes_personal_data",
    "processes_sensitive_data",
    "processes_cpr_numbers",
    "kle_codes",
    "criticality",
    "archive_status",
    "org_unit_id",
    "owner_id",
    "delegates",
];

/// A field to change: from the register's value to Kitos's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportFieldChange))]
pub struct FieldChange {
    /// The field, as the API names it.
    pub field: String,
    /// The value now.
    pub old: Value,
    /// The value Kitos has.
    pub new: Value,
}

/// A field changed both here (since the last import) and in Kitos, to different values: kept
/// as it is here, and reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportFieldConflict))]
pub struct FieldConflict {
    /// The field, as the API names it.
    pub field: String,
    /// The value as last imported.
    pub imported: Value,
    /// The value here, edited since.
    pub here: Value,
    /// The value Kitos has now.
    pub kitos: Value,
}

/// What merging one entity comes to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    /// The fields to write.
    pub changes: Vec<FieldChange>,
    /// The fields edited on both sides.
    pub conflicts: Vec<FieldConflict>,
    /// The values to keep as imported after the changes are written: Kitos's, except for a
    /// conflicting field, which keeps the value imported before (so it is reported again until
    /// the two sides agree).
    pub imported: Map<String, Value>,
}

/// The `fields` of `value` (a JSON object), a missing one as `null`.
pub fn project(value: &Value, fields: &[&str]) -> Map<String, Value> {
    fields.iter().map(|f| ((*f).to_owned(), value.get(*f).cloned().unwrap_or(Value::Null))).collect()
}

/// Merges `fields` three ways: `imported` (as last imported), `here` (the register now),
/// `kitos` (Kitos now). A list compares as a set where its order carries no meaning to the
/// register (KLE codes, delegates are compared as given: both come sorted from their sources).
pub fn merge(
    fields: &[&str],
    imported: &Map<String, Value>,
    here: &Map<String, Value>,
    kitos: &Map<String, Value>,
) -> Merged {
    let mut out = Merged::default();
    for field in fields {
        let key = (*field).to_owned();
        let get = |m: &Map<String, Value>| m.get(*field).cloned().unwrap_or(Value::Null);
        let (was, now, theirs) = (get(imported), get(here), get(kitos));
        if theirs == was || theirs == now {
            // Kitos did not change it, or the two sides agree already.
            out.imported.insert(key, theirs);
        } else if now == was {
            out.changes.push(FieldChange { field: key.clone(), old: now, new: theirs.clone() });
            out.imported.insert(key, theirs);
        } else {
            out.conflicts.push(FieldConflict { field: key.clone(), imported: was.clone(), here: now, kitos: theirs });
            out.imported.insert(key, was);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn kitos_wins_where_nobody_edited_here_and_a_double_edit_is_a_conflict() {
        let fields = ["name", "purpose", "vendor", "criticality"];
        let imported = map(json!({"name": "Nexus", "purpose": "Omsorg", "vendor": "KMD", "criticality": "high"}));
        let here =
            map(json!({"name": "Nexus", "purpose": "Pleje og omsorg", "vendor": "KMD", "criticality": "critical"}));
        let kitos =
            map(json!({"name": "KMD Nexus", "purpose": "Omsorg", "vendor": "Netcompany", "criticality": "critical"}));
        let merged = merge(&fields, &imported, &here, &kitos);
        assert_eq!(
            merged.changes,
            vec![
                FieldChange { field: "name".into(), old: json!("Nexus"), new: json!("KMD Nexus") },
                FieldChange { field: "vendor".into(), old: json!("KMD"), new: json!("Netcompany") },
            ]
        );
        assert!(merged.conflicts.is_empty(), "the purpose was edited here only; both sides made it critical");
        assert_eq!(merged.imported["purpose"], json!("Omsorg"));
        assert_eq!(merged.imported["criticality"], json!("critical"));

        let kitos = map(json!({"name": "Nexus", "purpose": "Hjemmepleje", "vendor": "KMD", "criticality": "high"}));
        let merged = merge(&fields, &imported, &here, &kitos);
        assert_eq!(
            merged.conflicts,
            vec![FieldConflict {
                field: "purpose".into(),
                imported: json!("Omsorg"),
                here: json!("Pleje og omsorg"),
                kitos: json!("Hjemmepleje"),
            }]
        );
        assert!(merged.changes.is_empty());
        assert_eq!(merged.imported["purpose"], json!("Omsorg"), "reported again until the sides agree");
    }

    #[test]
    fn nothing_changed_anywhere_is_nothing_to_do() {
        let fields = ["name", "kle_codes"];
        let same = map(json!({"name": "Nexus", "kle_codes": ["27.12.00"]}));
        let merged = merge(&fields, &same, &same, &same);
        assert_eq!((merged.changes.len(), merged.conflicts.len()), (0, 0));
        assert_eq!(merged.imported, same);
    }
}
