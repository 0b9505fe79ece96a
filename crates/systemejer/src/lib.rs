//! The composition root: turns settings into the parts (store, API, worker) and wires them.
//! `main.rs` reads the command line; the end-to-end tests call these same functions.

use systemejer_api::{ApiSettings, JwtSettings};
use systemejer_config::{Config, LogFormat};
use systemejer_domain::reminders::ReminderPolicy;
use systemejer_links::LinkKeys;
use systemejer_mail::{Mailer, MailerSettings};
use systemejer_pages::PagesSettings;
use systemejer_store::{PoolOptions, Store, StoreError};
use systemejer_worker::{WebhookSettings, Worker, WorkerSettings};

/// The API's slice of the settings, with the pages the mails link to served beside it.
pub fn api_settings(config: &Config, store: &Store) -> Result<ApiSettings, systemejer_links::KeyTooShort> {
    let pages = PagesSettings {
        public_url: config.http.public_url.clone(),
        keys: link_keys(config)?,
        coordinator_email: config.worker.security_coordinator_email.clone(),
        dpo_email: config.worker.dpo_email.clone(),
    };
    Ok(ApiSettings {
        listen: config.http.listen,
        jwt: jwt_settings(config),
        workers: None,
        rate_limit: config.http.rate_limit,
        person_cache: config.http.person_cache,
        mount: Some(systemejer_pages::mount(pages, store.clone())),
        controller: config.controller.clone(),
        webhooks: systemejer_api::WebhookPolicy { allow_private: config.webhooks.allow_private },
    })
}

/// The token slice of the settings.
pub fn jwt_settings(config: &Config) -> JwtSettings {
    JwtSettings {
        secret: config.jwt.secret.clone(),
        issuer: config.jwt.issuer.clone(),
        audience: config.jwt.audience.clone(),
        jwks: config.jwt.jwks.clone(),
        roles_claim: config.jwt.roles_claim.clone(),
        email_claim: config.jwt.email_claim.clone(),
    }
}

/// The keys of the links in the mails. The settings were validated when loaded: the keys are
/// long enough.
pub fn link_keys(config: &Config) -> Result<LinkKeys, systemejer_links::KeyTooShort> {
    LinkKeys::new(config.links.secret.clone(), config.links.previous_secret.clone())
}

/// The worker's slice of the settings.
pub fn worker_settings(config: &Config) -> Result<WorkerSettings, systemejer_links::KeyTooShort> {
    Ok(WorkerSettings {
        schedule: config.worker.schedule.clone(),
        breach_schedule: config.worker.breach_schedule.clone(),
        timezone: config.worker.timezone,
        policy: ReminderPolicy {
            days_before: config.worker.reminder_days_before.clone(),
            escalate_after_days: config.worker.escalate_after_days,
        },
        coordinator_email: config.worker.security_coordinator_email.clone(),
        dpo_email: config.worker.dpo_email.clone(),
        mail_from: config.mail.from.clone(),
        public_url: config.http.public_url.clone(),
        link_keys: link_keys(config)?,
        link_max_days: config.links.max_days,
        send_timeout: config.mail.timeout,
        lease: chrono::Duration::from_std(config.mail.lease).unwrap_or_else(|_| chrono::Duration::minutes(2)),
        calendar: config.worker.calendar,
        webhooks: WebhookSettings {
            schedule: config.webhooks.schedule.clone(),
            allow_private: config.webhooks.allow_private,
            disable_after_days: config.webhooks.disable_after_days,
            timeout: config.webhooks.timeout,
            lease: chrono::Duration::from_std(config.webhooks.lease).unwrap_or_else(|_| chrono::Duration::minutes(1)),
            ..WebhookSettings::default()
        },
        ..WorkerSettings::default()
    })
}

/// The worker, with its mailer: SMTP when configured, else `.eml` files in the outbox folder.
pub fn worker(config: &Config, store: Store) -> anyhow::Result<Worker> {
    let settings = worker_settings(config)?;
    let mailer = Mailer::new(&MailerSettings {
        smtp_url: config.mail.smtp_url.clone(),
        outbox_dir: config.mail.outbox_dir.clone(),
        timeout: config.mail.timeout,
    })?;
    Ok(Worker::new(store, mailer, settings))
}

/// The file of an SQLite database URL (`sqlite://path` or `sqlite:path`), or `None` for
/// another backend.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|p| !p.is_empty() && !p.starts_with(':'))
        .map(std::path::PathBuf::from)
}

/// Connects to the database with the settings' rules (time zone, follow-up days, calendar).
fn connect(config: &Config) -> Result<Store, StoreError> {
    let options = PoolOptions { max_connections: config.database.max_connections, ..PoolOptions::default() };
    Ok(Store::connect(&config.database.url, &options)?
        .with_timezone(config.worker.timezone)
        .with_follow_up_days(config.worker.failed_test_follow_up_days)
        .with_calendar(config.worker.calendar))
}

/// Connects to the database for a dry run: nothing is migrated or brought in step (a dry run
/// writes nothing); a database that a migration of this version has not reached is refused.
pub fn open_store_as_it_is(config: &Config) -> Result<Store, StoreError> {
    let store = connect(config)?;
    let pending = store.pending_migrations()?;
    if !pending.is_empty() {
        return Err(StoreError::Conflict {
            code: "not_migrated",
            message: format!(
                "the database is not migrated to this version ({} migration(s) to apply): a dry run changes nothing, \
                 so run `systemejer migrate` first",
                pending.len()
            ),
        });
    }
    Ok(store)
}

/// Connects to the database and applies pending migrations.
pub fn open_store(config: &Config) -> Result<Store, StoreError> {
    let store = connect(config)?;
    let applied = store.migrate()?;
    if !applied.is_empty() {
        tracing::info!(?applied, "database migrated");
    }
    // A new version may call for duties (a new kind, another interval) that the stored rows do
    // not hold yet; other closed days or follow-up days move the stored dates.
    if let Some(systems) = store.keep_duties_in_step(!applied.is_empty())? {
        tracing::info!(systems, "duties brought in step with the rules and the calendar");
    }
    Ok(store)
}

/// Targets quieter than the filter's level unless `SYSTEMEJER_LOG` names them itself: what
/// anyone on the network can make the service write must not drown what the operator reads.
const QUIET_TARGETS: &[(&str, &str)] = &[
    // A malformed request (a NUL in a header, a garbage request line) is answered 400 by the
    // HTTP server and was an ERROR line each: a log flood for anyone without a token.
    ("actix_http::h1::dispatcher", "off"),
    // A WARN for every 4xx (a 412 on a lost race, a 404), beside the service's own "answered
    // with a problem" at info; its ERROR for a 5xx stays.
    ("tracing_actix_web::middleware", "error"),
];

/// The tracing filter: `filter` with the quiet targets it does not name.
pub fn log_filter(filter: &str) -> String {
    let mut out = filter.to_owned();
    for (target, level) in QUIET_TARGETS {
        if !filter.contains(target) {
            out.push_str(&format!(",{target}={level}"));
        }
    }
    out
}

/// Sets up logging to standard error (standard output stays for command output); colours only
/// when standard error is a terminal.
pub fn init_logging(config: &Config) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(log_filter(&config.log.filter)).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let result = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    drop(result);
}

/// Reads a duration such as `90s`, `30m`, `12h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 30m, 12h or 7d"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if seconds <= 0 || seconds > 366 * 86_400 {
        return Err(format!("{text:?}: must be more than 0 and at most 366 days"));
    }
    Ok(chrono::Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90"), Ok(chrono::Duration::seconds(90)));
        assert_eq!(parse_duration("30m"), Ok(chrono::Duration::minutes(30)));
        assert_eq!(parse_duration("12h"), Ok(chrono::Duration::hours(12)));
        assert_eq!(parse_duration("7d"), Ok(chrono::Duration::days(7)));
        for bad in ["", "h", "0", "10y", "400d", "-5m"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
