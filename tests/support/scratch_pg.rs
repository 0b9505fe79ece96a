//! A PostgreSQL server of a test's own, on a free port, that the test may stop and start
//! (the shared one must stay up for the other tests). Needs root (to run the server as the
//! `postgres` user) and the PostgreSQL server binaries, which this kind of machine has.

use std::path::PathBuf;
use std::process::Command;

/// A scratch PostgreSQL cluster; stopped and removed when dropped.
pub struct ScratchPostgres {
    dir: PathBuf,
    bin: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

fn as_postgres(command: &str) -> bool {
    Command::new("su").args(["postgres", "-c", command]).output().is_ok_and(|o| o.status.success())
}

impl ScratchPostgres {
    /// Makes and starts a cluster; `None` when this machine cannot.
    pub fn start() -> Option<Self> {
        Self::make(false)
    }

    /// A cluster that takes connections over TLS only (a self-signed certificate, made with
    /// the `openssl` command; `hostnossl` connections are rejected).
    pub fn start_tls_only() -> Option<Self> {
        Self::make(true)
    }

    fn make(tls: bool) -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(std::result::Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("pg_ctl").is_file())?;
        let dir = std::env::temp_dir().join(format!("systemejer-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        if !Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().ok()?.success() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let pg = Self { dir, bin, port };
        let init = format!("{}/initdb -D {}/data -A trust -U postgres", pg.bin.display(), pg.dir.display());
        if !as_postgres(&format!("{init} > /dev/null")) {
            return None;
        }
        if tls {
            let data = pg.dir.join("data");
            let made = as_postgres(&format!(
                "cd {data} && openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt \
                 -days 1 -subj /CN=localhost > /dev/null 2>&1 && chmod 600 server.key \
                 && echo 'ssl = on' >> postgresql.conf \
                 && printf 'local all all trust\\nhostssl all all 127.0.0.1/32 trust\\nhostnossl all all 127.0.0.1/32 reject\\n' > pg_hba.conf",
                data = data.display()
            ));
            if !made {
                return None;
            }
        }
        pg.up().then_some(pg)
    }

    /// The admin URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&self) -> bool {
        as_postgres(&format!(
            "{}/pg_ctl -D {dir}/data -l {dir}/log -w -o \"-p {} -k {dir} -c listen_addresses=127.0.0.1\" start > /dev/null",
            self.bin.display(),
            self.port,
            dir = self.dir.display()
        ))
    }

    /// Stops the server at once (`-m fast`: open connections are cut).
    pub fn down(&self) -> bool {
        as_postgres(&format!(
            "{}/pg_ctl -D {}/data -m fast -w stop > /dev/null",
            self.bin.display(),
            self.dir.display()
        ))
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
