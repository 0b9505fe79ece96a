//! PostgreSQL over TLS: the binary links its own libpq and OpenSSL (built from their sources),
//! and `sslmode=require` in the database URL gives an encrypted connection to a server that
//! takes nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use systemejer_e2e::raw_sql;
use systemejer_e2e::scratch_pg::ScratchPostgres;

fn systemejer(database: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_systemejer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SYSTEMEJER_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("SYSTEMEJER_DATABASE_URL", database)
        .env("SYSTEMEJER_JWT_SECRET", "a-test-secret-of-at-least-32-bytes-for-jwt")
        .env("SYSTEMEJER_LINK_SECRET", "another-secret-32-bytes-or-more-for-links");
    cmd
}

#[test]
fn sslmode_require_reaches_a_server_that_takes_only_tls() {
    let Some(pg) = ScratchPostgres::start_tls_only() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to run a scratch PostgreSQL (root, the server binaries and openssl)"
        );
        eprintln!("\n*** SKIPPING the TLS test: no scratch PostgreSQL here (needs root and the server binaries) ***\n");
        return;
    };
    let secure = format!("{}?sslmode=require", pg.url());
    let migrated = systemejer(&secure).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("latest"));
    let demo = systemejer(&secure).args(["demo", "--systems", "5"]).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));

    // The connection is encrypted, and the register went over it.
    let encrypted =
        raw_sql::count(&secure, "SELECT COUNT(*) AS n FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl");
    assert_eq!(encrypted, 1, "the session runs over TLS");
    assert_eq!(raw_sql::count(&secure, "SELECT COUNT(*) AS n FROM systems"), 5);

    // Without TLS the server refuses, and the command says why.
    let plain = systemejer(&format!("{}?sslmode=disable", pg.url())).arg("migrate").output().unwrap();
    assert!(!plain.status.success());
    let said = String::from_utf8_lossy(&plain.stderr);
    assert!(said.contains("no encryption") || said.contains("pg_hba.conf"), "{said}");
}
