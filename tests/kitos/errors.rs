//! A broken export gives an error naming the file (or upload part) and the JSON path.

use std::path::Path;

use serde_json::{Value, json};
use systemejer_e2e::kitos::fixtures;
use systemejer_kitos::{Error, Snapshot, read_dir};

/// A copy of the 2026 fixtures in a temporary directory.
fn copy_of_fixtures() -> tempfile::TempDir {
    let from = fixtures("2026");
    let to = tempfile::tempdir().unwrap();
    std::fs::create_dir(to.path().join("it-systems")).unwrap();
    for entry in walk(&from) {
        let relative = entry.strip_prefix(&from).unwrap();
        std::fs::copy(&entry, to.path().join(relative)).unwrap();
    }
    to
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    change(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

#[test]
fn a_bad_date_names_the_file_and_the_path() {
    let dir = copy_of_fixtures();
    edit(&dir.path().join("it-system-usages.json"), |usages| {
        usages[3]["general"]["validity"]["validFrom"] = json!("2026-13-01");
    });
    let error = read_dir(dir.path()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with(r#"it-system-usages.json: [3].general.validity.validFrom: invalid date "2026-13-01" (line "#),
        "{text}"
    );
    let Error::Json { document, path, line, .. } = error else { panic!("{error:?}") };
    assert_eq!((document.as_str(), path.as_str()), ("it-system-usages.json", "[3].general.validity.validFrom"));
    assert!(line > 1, "{text}");
}

#[test]
fn a_wrong_type_in_a_catalogue_system_names_its_file() {
    let dir = copy_of_fixtures();
    let file = "c82210b0-18dc-5f33-ba8a-255a3965781f.json";
    edit(&dir.path().join("it-systems").join(file), |system| system["kle"][1]["uuid"] = json!("not-a-uuid"));
    let text = read_dir(dir.path()).unwrap_err().to_string();
    assert!(text.starts_with(&format!("it-systems/{file}: kle[1].uuid: ")), "{text}");
}

#[test]
fn an_enum_of_the_wrong_type_is_an_error_but_an_unknown_string_is_not() {
    let dir = copy_of_fixtures();
    edit(&dir.path().join("data-processing-registrations.json"), |dprs| {
        dprs[1]["oversight"]["oversightInterval"] = json!("EveryFifthYear");
    });
    let snapshot = read_dir(dir.path()).unwrap();
    let unknown: Vec<String> = snapshot.unknown_values().iter().map(ToString::to_string).collect();
    assert!(
        unknown.contains(
            &r#"data-processing-registrations.json: [1].oversight.oversightInterval: unknown value "EveryFifthYear""#
                .to_owned()
        ),
        "{unknown:?}"
    );
    edit(&dir.path().join("data-processing-registrations.json"), |dprs| {
        dprs[1]["oversight"]["oversightInterval"] = json!({"value": "Yearly"});
    });
    let text = read_dir(dir.path()).unwrap_err().to_string();
    assert!(
        text.starts_with("data-processing-registrations.json: [1].oversight.oversightInterval: invalid type"),
        "{text}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let dir = copy_of_fixtures();
    std::fs::remove_file(dir.path().join("users.json")).unwrap();
    let error = read_dir(dir.path()).unwrap_err();
    assert!(matches!(&error, Error::MissingFile { path } if path.ends_with("users.json")), "{error:?}");
    assert!(error.to_string().contains("users.json: missing"), "{error}");

    // The optional files may be absent.
    let dir = copy_of_fixtures();
    std::fs::remove_file(dir.path().join("deleted-entities.json")).unwrap();
    std::fs::remove_file(dir.path().join("it-system-usage-role-types.json")).unwrap();
    let snapshot = read_dir(dir.path()).unwrap();
    assert_eq!((snapshot.deletions, snapshot.role_types), (None, None));
}

#[test]
fn an_upload_names_the_part_and_the_path() {
    let usages = json!([{"uuid": "ca3dc3b9-7cf7-5f3c-9413-814cd57f7ad8", "lastModified": "gisteraftes"}]);
    let bundle = json!({"itSystemUsages": usages, "dataProcessingRegistrations": [], "organizationUnits": [], "users": [], "itSystems": []});
    let text = Snapshot::from_bundle("upload.json", bundle.to_string().as_bytes()).unwrap_err().to_string();
    assert!(text.starts_with(r#"upload.json: itSystemUsages[0].lastModified: invalid date "gisteraftes""#), "{text}");

    let bundle = json!({"itSystemUsages": [], "dataProcessingRegistrations": [], "organizationUnits": [], "users": []});
    let text = Snapshot::from_bundle("upload.json", bundle.to_string().as_bytes()).unwrap_err().to_string();
    assert_eq!(text, "upload.json: itSystems is missing");

    let text = Snapshot::from_documents([("contracts.json", b"[]")]).unwrap_err().to_string();
    assert!(text.starts_with("contracts.json: not a Kitos export file"), "{text}");
    let text = Snapshot::from_documents([("users.json", b"[]")]).unwrap_err().to_string();
    assert_eq!(text, "the Kitos export: it-system-usages.json is missing");
    let text = Snapshot::from_documents([("users.json", b"[] x")]).unwrap_err().to_string();
    assert!(text.starts_with("users.json: .: trailing characters"), "{text}");
}
