//! `systemejer import kitos` as an admin runs it: from a folder of saved Kitos responses, a
//! dry run that prints the plan and writes nothing, the import, and a second run that says
//! nothing changes; the plan as JSON; and a clear error for a folder that is not an export.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kitos/2026")
}

fn import(url: &str, extra: &[&str]) -> Output {
    import_from(url, &fixtures(), extra)
}

fn import_from(url: &str, folder: &std::path::Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") || key.starts_with("KITOS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SYSTEMEJER_DATABASE_URL", url).args(["import", "kitos", "--from-dir"]).arg(folder).args(extra);
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_admin_imports_kitos_from_a_folder_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/reg.db", dir.path().display());

    let dry = stdout(&import(&url, &["--dry-run"]));
    assert!(dry.starts_with("Import from Kitos (dry run: nothing written)"), "{dry}");
    assert!(dry.contains("+ create system \"ESDH\" (kitos ca3dc3b9-7cf7-5f3c-9413-814cd57f7ad8)"), "{dry}");
    assert!(dry.contains("24 to create, 0 to link"), "{dry}");
    assert!(!dir.path().join("reg.db").exists(), "a dry run makes no database");
    let nested = dir.path().join("not/yet");
    stdout(&import(&format!("sqlite://{}/reg.db", nested.display()), &["--dry-run"]));
    assert!(!dir.path().join("not").exists(), "nor its folder");
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(made.is_empty(), "nor a secret: {made:?}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&import(&url, &["--dry-run", "--json"]))).unwrap();
    assert_eq!((json["dry_run"].as_bool(), json["summary"]["create"].as_u64()), (Some(true), Some(24)));

    let done = stdout(&import(&url, &[]));
    assert!(done.contains("24 created, 0 linked, 0 updated"), "{done}");
    let again = stdout(&import(&url, &[]));
    assert!(
        again.contains("24 unchanged") && again.contains("Nothing changes: the register is in step with Kitos."),
        "{again}"
    );

    // A folder that is not a Kitos export: which file is missing, and nothing else.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_systemejer"))
        .env("SYSTEMEJER_DATABASE_URL", &url)
        .args(["import", "kitos", "--from-dir"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("reading Kitos") && said.contains("it-system-usages.json"), "{said}");
}

/// Data Kitos holds that cannot be imported (a unit without a name) leaves that out, imports
/// the rest, and ends with exit status 3: a script tells it from success and from failure.
#[test]
fn an_import_that_leaves_something_out_says_so_in_its_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("kitos");
    std::fs::create_dir_all(folder.join("it-systems")).unwrap();
    for entry in walk(&fixtures()) {
        let to = folder.join(entry.strip_prefix(fixtures()).unwrap());
        std::fs::copy(&entry, to).unwrap();
    }
    let units_file = folder.join("organization-units.json");
    let mut units: serde_json::Value = serde_json::from_slice(&std::fs::read(&units_file).unwrap()).unwrap();
    let last = units.as_array().unwrap().len() - 1;
    units[last]["name"] = serde_json::json!("   ");
    std::fs::write(&units_file, serde_json::to_vec(&units).unwrap()).unwrap();

    let url = format!("sqlite://{}/reg.db", dir.path().display());
    let out = import_from(&url, &folder, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("1 error(s) in the Kitos data"), "{said}");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("error unit_name_invalid") && printed.contains("created"), "{printed}");
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

/// An owner role that names no role of Kitos (a typo) would take the owner off every system:
/// the import is refused whole, dry run or not, and says which option is wrong.
#[test]
fn an_owner_role_kitos_does_not_have_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/reg.db", dir.path().display());
    for extra in [&["--owner-role", "Systemejr"][..], &["--owner-role", "Systemejr", "--dry-run"][..]] {
        let out = import(&url, extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("owner_role") && said.contains("\"Systemejr\""), "{said}");
    }
    let done = stdout(&import(&url, &["--owner-role", "systemejer"]));
    assert!(done.contains("24 created"), "the role's name in any case: {done}");
}

/// A dry run writes nothing: not the duties' dates under other closed days, not a migration.
#[test]
fn a_dry_run_changes_nothing_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/reg.db", dir.path().display());
    stdout(&import(&url, &[]));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    cmd.env("SYSTEMEJER_DATABASE_URL", &url).env("SYSTEMEJER_CLOSED_DAYS", "12-23").env("SYSTEMEJER_LOG", "info");
    let out = cmd.args(["import", "kitos", "--dry-run", "--from-dir"]).arg(fixtures()).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("brought in step") && !said.contains("migrated"), "{said}");

    // A database this version has not migrated: a dry run says so, and migrates nothing.
    let bare = dir.path().join("bare.db");
    std::fs::write(&bare, b"").unwrap();
    let out = import(&format!("sqlite://{}", bare.display()), &["--dry-run"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("systemejer migrate"), "{said}");
}
