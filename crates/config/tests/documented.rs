//! docs/operations.md's configuration table lists exactly the variables the service reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

#[test]
fn the_operations_guide_documents_every_variable_and_no_other() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations.md");
    let guide = std::fs::read_to_string(&path).unwrap();
    let section = guide.split("## Configuration").nth(1).unwrap().split("\n## ").next().unwrap();
    let documented: BTreeSet<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect();
    let mut read: BTreeSet<String> =
        systemejer_config::KEYS.iter().map(|key| format!("SYSTEMEJER_{}", key.to_uppercase())).collect();
    read.insert("SYSTEMEJER_CONFIG".to_owned());
    let missing: Vec<_> = read.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&read).collect();
    assert!(missing.is_empty(), "docs/operations.md does not document {missing:?}");
    assert!(unknown.is_empty(), "docs/operations.md documents {unknown:?}, which the service does not read");
}
