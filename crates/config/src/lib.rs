//! Settings of the service: built-in defaults, then an optional TOML file, then environment
//! variables (`SYSTEMEJER_*`), each overriding the one before. Everything is validated at
//! start, and every problem is reported on its own line, so a bad deployment fails at once
//! and says why. This crate depends on nothing of ours; each part gets the slice it needs.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use systemejer_domain::calendar::{Calendar, ClosedDay, USUAL_CLOSED_DAYS};
use systemejer_domain::reports::Controller;

/// The default database: an SQLite file in `./data`, nothing to install.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/systemejer.db";
/// The default reminder schedule: 07:00 on weekdays (with a seconds field, as `cron` wants).
pub const DEFAULT_WORKER_SCHEDULE: &str = "0 0 7 * * Mon-Fri";
/// The default breach watch: every 15 minutes.
pub const DEFAULT_BREACH_SCHEDULE: &str = "0 */15 * * * *";
/// The default webhook delivery: every 10 seconds.
pub const DEFAULT_WEBHOOK_SCHEDULE: &str = "*/10 * * * * *";
/// The file, beside the SQLite database, that keeps the generated JWT secret.
pub const SECRET_FILE_NAME: &str = "jwt-secret";
/// The file, beside the SQLite database, that keeps the generated key of the mails' links.
pub const LINK_SECRET_FILE_NAME: &str = "link-secret";

/// The settings, validated.
#[derive(Clone)]
pub struct Config {
    /// Where the register is stored.
    pub database: DatabaseConfig,
    /// The HTTP API.
    pub http: HttpConfig,
    /// Bearer token checking.
    pub jwt: JwtConfig,
    /// Logging.
    pub log: LogConfig,
    /// The background worker.
    pub worker: WorkerConfig,
    /// Mail delivery.
    pub mail: MailConfig,
    /// The signed links in the mails.
    pub links: LinksConfig,
    /// Who the record of processing names as the controller and its DPO (art. 30(1)(a)):
    /// each part optional, the DPO's email the breach alerts' (`dpo_email`).
    pub controller: Controller,
    /// Webhooks: whom they may call, how long an attempt may take, when a failing
    /// subscription is turned off, and when deliveries run.
    pub webhooks: WebhookConfig,
}

/// Webhooks.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Whether a receiver may be on a private, loopback, link-local or other non-public address
    /// (off: refused when subscribed and at every delivery).
    pub allow_private: bool,
    /// Days a subscription may fail without a success before it is turned off (and the admin told).
    pub disable_after_days: u32,
    /// The longest one attempt may take.
    pub timeout: std::time::Duration,
    /// How long a delivery being sent is reserved for the worker sending it: twice the
    /// timeout, and at least a minute.
    pub lease: std::time::Duration,
    /// When deliveries run (cron with seconds); `None` turns them off.
    pub schedule: Option<cron::Schedule>,
}

/// The signed links in the mails, and the pages they open.
#[derive(Clone)]
pub struct LinksConfig {
    /// The key links are signed with (never the JWT secret).
    pub secret: Vec<u8>,
    /// Where it came from, for the start-up log (never the key itself).
    pub secret_source: String,
    /// The key links signed before a rotation are still accepted with, while it is set.
    pub previous_secret: Option<Vec<u8>>,
    /// How long a link holds at most, in days.
    pub max_days: u32,
}

impl fmt::Debug for LinksConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinksConfig")
            .field("secret", &"<redacted>")
            .field("secret_source", &self.secret_source)
            .field("previous_secret", &self.previous_secret.as_ref().map(|_| "<redacted>"))
            .field("max_days", &self.max_days)
            .finish()
    }
}

/// Mail delivery.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP server (`smtp://`, `smtps://`, `?tls=required` for STARTTLS, credentials in the
    /// URL); `None` writes `.eml` files into `outbox_dir`.
    pub smtp_url: Option<String>,
    /// The sender.
    pub from: String,
    /// Where `.eml` files go without an SMTP server.
    pub outbox_dir: PathBuf,
    /// The longest one delivery may take (connecting, sending, waiting for the answer) before it
    /// counts as failed and is tried again later.
    pub timeout: std::time::Duration,
    /// How long a message being sent is reserved for the worker sending it. A worker that dies
    /// leaves it reserved this long; then another worker sends it. At least twice `timeout`, so
    /// that no message still being sent is taken over.
    pub lease: std::time::Duration,
}

/// Where the register is stored.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://...`.
    pub url: String,
    /// Most pooled connections.
    pub max_connections: u32,
}

/// The HTTP API.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Base of links the service writes (docs, reminders), without a trailing slash.
    pub public_url: String,
    /// Requests per second per client address and the burst above it; `None`: no limit.
    pub rate_limit: Option<(u64, u32)>,
    /// How long the person a token names is reused without reading it again.
    pub person_cache: Duration,
}

/// Bearer token checking.
#[derive(Clone)]
pub struct JwtConfig {
    /// The HS256 key.
    pub secret: Vec<u8>,
    /// Where the secret came from, for the start-up log (never the secret itself).
    pub secret_source: String,
    /// `iss` to require, if set.
    pub issuer: Option<String>,
    /// `aud` to require, if set.
    pub audience: Option<String>,
    /// The identity provider's JWKS: a file path or an https URL.
    pub jwks: Option<String>,
    /// The claim holding the roles (dotted path).
    pub roles_claim: String,
    /// The claim holding the email.
    pub email_claim: String,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("secret_source", &self.secret_source)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("jwks", &self.jwks)
            .field("roles_claim", &self.roles_claim)
            .field("email_claim", &self.email_claim)
            .finish()
    }
}

/// Log output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// Logging.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `systemejer=debug,info`.
    pub filter: String,
    /// Output format.
    pub format: LogFormat,
}

/// The background worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// When the reminder pass runs (cron with seconds); `None` turns it off.
    pub schedule: Option<cron::Schedule>,
    /// When the breach watch runs; `None` turns it off.
    pub breach_schedule: Option<cron::Schedule>,
    /// The time zone of the schedule and of dates owners read.
    pub timezone: chrono_tz::Tz,
    /// Days before a due date that reminders are sent.
    pub reminder_days_before: Vec<u32>,
    /// Days overdue after which the coordinator and the owner's manager are told.
    pub escalate_after_days: u32,
    /// The information security coordinator's address.
    pub security_coordinator_email: Option<String>,
    /// The data protection officer's address.
    pub dpo_email: Option<String>,
    /// Days within which a failed test is due again.
    pub failed_test_follow_up_days: u32,
    /// The working days: duties fall due on them and reminders go out on them.
    pub calendar: Calendar,
}

/// Every problem found in the settings, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:\n  {}", .0.join("\n  "))]
pub struct ConfigError(pub Vec<String>);

/// The settings as a file or the environment give them, before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// Whether a missing secret file beside an SQLite database is made (by `load`), or only
    /// read (by `load_existing`).
    #[serde(skip)]
    create_secrets: bool,
    /// Whether the command needs the secrets at all (a missing one is a problem); an import,
    /// which signs nothing, does not.
    #[serde(skip)]
    secrets_unused: bool,
    database_url: Option<String>,
    database_max_connections: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    rate_limit_per_second: Option<String>,
    rate_limit_burst: Option<String>,
    person_cache_seconds: Option<String>,
    jwt_secret: Option<String>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_jwks: Option<String>,
    jwt_roles_claim: Option<String>,
    jwt_email_claim: Option<String>,
    link_secret: Option<String>,
    link_previous_secret: Option<String>,
    link_ttl_days: Option<String>,
    failed_test_follow_up_days: Option<String>,
    closed_days: Option<String>,
    log: Option<String>,
    log_format: Option<String>,
    worker_schedule: Option<String>,
    breach_schedule: Option<String>,
    timezone: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    outbox_dir: Option<String>,
    smtp_timeout_seconds: Option<String>,
    worker_lease_seconds: Option<String>,
    reminder_days_before: Option<String>,
    escalate_after_days: Option<String>,
    security_coordinator_email: Option<String>,
    dpo_email: Option<String>,
    controller_name: Option<String>,
    controller_cvr: Option<String>,
    controller_address: Option<String>,
    dpo_name: Option<String>,
    dpo_phone: Option<String>,
    webhook_allow_private: Option<String>,
    webhook_disable_after_days: Option<String>,
    webhook_timeout_seconds: Option<String>,
    webhook_schedule: Option<String>,
}

/// The environment variables read, each `SYSTEMEJER_` + the upper-cased key.
pub const KEYS: &[&str] = &[
    "database_url",
    "database_max_connections",
    "listen",
    "public_url",
    "rate_limit_per_second",
    "rate_limit_burst",
    "person_cache_seconds",
    "jwt_secret",
    "jwt_issuer",
    "jwt_audience",
    "jwt_jwks",
    "jwt_roles_claim",
    "jwt_email_claim",
    "link_secret",
    "link_previous_secret",
    "link_ttl_days",
    "failed_test_follow_up_days",
    "closed_days",
    "log",
    "log_format",
    "worker_schedule",
    "breach_schedule",
    "timezone",
    "smtp_url",
    "mail_from",
    "outbox_dir",
    "smtp_timeout_seconds",
    "worker_lease_seconds",
    "reminder_days_before",
    "escalate_after_days",
    "security_coordinator_email",
    "dpo_email",
    "controller_name",
    "controller_cvr",
    "controller_address",
    "dpo_name",
    "dpo_phone",
    "webhook_allow_private",
    "webhook_disable_after_days",
    "webhook_timeout_seconds",
    "webhook_schedule",
];

impl Raw {
    fn set(&mut self, key: &str, value: String) {
        let slot = match key {
            "database_url" => &mut self.database_url,
            "database_max_connections" => &mut self.database_max_connections,
            "listen" => &mut self.listen,
            "public_url" => &mut self.public_url,
            "rate_limit_per_second" => &mut self.rate_limit_per_second,
            "rate_limit_burst" => &mut self.rate_limit_burst,
            "person_cache_seconds" => &mut self.person_cache_seconds,
            "jwt_secret" => &mut self.jwt_secret,
            "jwt_issuer" => &mut self.jwt_issuer,
            "jwt_audience" => &mut self.jwt_audience,
            "jwt_jwks" => &mut self.jwt_jwks,
            "jwt_roles_claim" => &mut self.jwt_roles_claim,
            "jwt_email_claim" => &mut self.jwt_email_claim,
            "link_secret" => &mut self.link_secret,
            "link_previous_secret" => &mut self.link_previous_secret,
            "link_ttl_days" => &mut self.link_ttl_days,
            "failed_test_follow_up_days" => &mut self.failed_test_follow_up_days,
            "closed_days" => &mut self.closed_days,
            "log" => &mut self.log,
            "log_format" => &mut self.log_format,
            "worker_schedule" => &mut self.worker_schedule,
            "breach_schedule" => &mut self.breach_schedule,
            "timezone" => &mut self.timezone,
            "smtp_url" => &mut self.smtp_url,
            "mail_from" => &mut self.mail_from,
            "outbox_dir" => &mut self.outbox_dir,
            "smtp_timeout_seconds" => &mut self.smtp_timeout_seconds,
            "worker_lease_seconds" => &mut self.worker_lease_seconds,
            "reminder_days_before" => &mut self.reminder_days_before,
            "escalate_after_days" => &mut self.escalate_after_days,
            "security_coordinator_email" => &mut self.security_coordinator_email,
            "dpo_email" => &mut self.dpo_email,
            "controller_name" => &mut self.controller_name,
            "controller_cvr" => &mut self.controller_cvr,
            "controller_address" => &mut self.controller_address,
            "dpo_name" => &mut self.dpo_name,
            "dpo_phone" => &mut self.dpo_phone,
            "webhook_allow_private" => &mut self.webhook_allow_private,
            "webhook_disable_after_days" => &mut self.webhook_disable_after_days,
            "webhook_timeout_seconds" => &mut self.webhook_timeout_seconds,
            "webhook_schedule" => &mut self.webhook_schedule,
            _ => return,
        };
        *slot = Some(value);
    }
}

/// Whether an optional value was given and not blank (an empty value means "unset").
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What a command does with the secrets beside an SQLite database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretUse {
    /// Makes them when missing (the service).
    Make,
    /// Reads them, and a missing one is a problem (minting a token).
    Existing,
    /// Neither (an import).
    Unused,
}

impl Config {
    /// Reads the settings: the TOML file (if `file` is given), then `env` (pass
    /// `std::env::vars()`), then validates them. With SQLite and no `SYSTEMEJER_JWT_SECRET`, a
    /// secret is generated once into the database's folder and reused from then on.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        Self::load_with(file, env, SecretUse::Make)
    }

    /// As [`Config::load`], for a command that signs nothing (an import): it neither makes a
    /// secret file nor asks for the secrets, so it runs on a machine that has only the database.
    pub fn load_without_secrets(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::load_with(file, env, SecretUse::Unused)
    }

    /// As [`Config::load`], but makes no secret file: for commands that must use the secret
    /// the service uses (minting a token), not a new one made wherever they happen to run. A
    /// missing JWT secret is a problem that says where it was looked for; a missing link key
    /// is left empty (`links.secret`), as such a command does not sign links.
    pub fn load_existing(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::load_with(file, env, SecretUse::Existing)
    }

    fn load_with(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        secrets: SecretUse,
    ) -> Result<Self, ConfigError> {
        let mut raw = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(vec![format!("cannot read the config file {}: {e}", path.display())]))?;
                toml::from_str::<Raw>(&text)
                    .map_err(|e| ConfigError(vec![format!("config file {}: {}", path.display(), e.message())]))?
            }
            None => Raw::default(),
        };
        raw.create_secrets = secrets == SecretUse::Make;
        raw.secrets_unused = secrets == SecretUse::Unused;
        let env: HashMap<String, String> = env.into_iter().collect();
        for key in KEYS {
            if let Some(value) = env.get(&format!("SYSTEMEJER_{}", key.to_uppercase())) {
                raw.set(key, value.clone());
            }
        }
        Self::validate(&raw)
    }

    fn validate(raw: &Raw) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();

        let url = given(&raw.database_url).unwrap_or(DEFAULT_DATABASE_URL).to_owned();
        let sqlite_path = sqlite_path(&url);
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if sqlite_path.is_none() && !postgres {
            problems.push(format!(
                "SYSTEMEJER_DATABASE_URL: must start with sqlite:// or postgres:// (got scheme {:?})",
                url.split("://").next().unwrap_or_default()
            ));
        }
        let max_connections = match given(&raw.database_max_connections).map(u32::from_str) {
            None => 10,
            Some(Ok(n)) if (1..=1000).contains(&n) => n,
            Some(_) => {
                problems.push("SYSTEMEJER_DATABASE_MAX_CONNECTIONS: must be a whole number from 1 to 1000".into());
                10
            }
        };

        let listen_text = given(&raw.listen).unwrap_or("127.0.0.1:8080");
        let listen = listen_text.parse::<SocketAddr>().unwrap_or_else(|_| {
            problems.push(format!("SYSTEMEJER_LISTEN: {listen_text:?} is not an address such as 127.0.0.1:8080"));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let public_url = given(&raw.public_url)
            .map_or_else(|| format!("http://{listen}"), str::to_owned)
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            problems.push("SYSTEMEJER_PUBLIC_URL: must be an http:// or https:// URL".into());
        }

        let (secret, secret_source) = match (given(&raw.jwt_secret), &sqlite_path) {
            (Some(s), _) => (Some(s.as_bytes().to_vec()), "SYSTEMEJER_JWT_SECRET".to_owned()),
            (None, Some(db)) => {
                let dir = db.parent().map(Path::to_path_buf).unwrap_or_default();
                match ensure_secret_file(&dir, SECRET_FILE_NAME, raw.create_secrets) {
                    Ok(Some((secret, path))) => {
                        (Some(secret), format!("file {} (made on first start, kept since)", path.display()))
                    }
                    Ok(None) if raw.secrets_unused => (None, String::new()),
                    Ok(None) => {
                        problems.push(format!(
                            "SYSTEMEJER_JWT_SECRET: not set, and there is no secret beside the database ({} does not \
                             exist): use the service's SYSTEMEJER_DATABASE_URL (with the default \
                             sqlite://data/systemejer.db, run this from the folder that holds data/), after \
                             `systemejer run`, `serve`, `migrate` or `demo` has made the secret; or set SYSTEMEJER_JWT_SECRET",
                            dir.join(SECRET_FILE_NAME).display()
                        ));
                        (None, String::new())
                    }
                    Err(e) => {
                        problems.push(format!(
                            "SYSTEMEJER_JWT_SECRET: not set, and no secret could be kept beside the database: {e}"
                        ));
                        (None, String::new())
                    }
                }
            }
            (None, None) => {
                // Said only of PostgreSQL: a URL of neither kind is refused above, on its own.
                if postgres && !raw.secrets_unused {
                    problems.push(
                        "SYSTEMEJER_JWT_SECRET: required with PostgreSQL (at least 32 bytes, e.g. `openssl rand -hex 32`)"
                            .into(),
                    );
                }
                (None, String::new())
            }
        };
        if let Some(s) = secret.as_ref().filter(|s| s.len() < 32) {
            problems.push(format!("SYSTEMEJER_JWT_SECRET: must be at least 32 bytes (is {})", s.len()));
        }

        let links = links(raw, sqlite_path.as_deref(), postgres, secret.as_deref(), &mut problems);

        let format = match given(&raw.log_format).unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                problems.push(format!("SYSTEMEJER_LOG_FORMAT: must be text or json (got {other:?})"));
                LogFormat::Text
            }
        };

        // An explicitly empty schedule turns the job off; an absent one takes the default.
        let mut schedule_of = |var: &str, value: &Option<String>, default: &str| match value.as_deref().map(str::trim) {
            Some("") => None,
            other => {
                let text = other.unwrap_or(default);
                match cron::Schedule::from_str(text) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        problems.push(format!(
                            "SYSTEMEJER_{var}: {text:?} is not a cron expression with seconds, e.g. \"{default}\" ({e})"
                        ));
                        None
                    }
                }
            }
        };
        let schedule = schedule_of("WORKER_SCHEDULE", &raw.worker_schedule, DEFAULT_WORKER_SCHEDULE);
        let breach_schedule = schedule_of("BREACH_SCHEDULE", &raw.breach_schedule, DEFAULT_BREACH_SCHEDULE);
        let webhook_schedule = schedule_of("WEBHOOK_SCHEDULE", &raw.webhook_schedule, DEFAULT_WEBHOOK_SCHEDULE);
        let tz_text = given(&raw.timezone).unwrap_or("Europe/Copenhagen");
        let timezone = tz_text.parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            problems
                .push(format!("SYSTEMEJER_TIMEZONE: {tz_text:?} is not an IANA time zone such as Europe/Copenhagen"));
            chrono_tz::Europe::Copenhagen
        });

        let smtp_url = given(&raw.smtp_url).map(str::to_owned);
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            problems.push("SYSTEMEJER_SMTP_URL: must start with smtp:// or smtps://".into());
        }
        let from = given(&raw.mail_from).unwrap_or("systemejer <systemejer@localhost>").to_owned();
        if !from.contains('@') {
            problems.push(format!(
                "SYSTEMEJER_MAIL_FROM: {from:?} is not an address such as \"systemejer <noreply@kommune.dk>\""
            ));
        }
        let outbox_dir = given(&raw.outbox_dir).map_or_else(
            || {
                sqlite_path
                    .as_ref()
                    .and_then(|p| p.parent())
                    .map_or_else(|| PathBuf::from("data"), Path::to_path_buf)
                    .join("outbox")
            },
            PathBuf::from,
        );
        let smtp_timeout = match given(&raw.smtp_timeout_seconds).map(u64::from_str) {
            None => 60,
            Some(Ok(n)) if (1..=600).contains(&n) => n,
            Some(_) => {
                problems
                    .push("SYSTEMEJER_SMTP_TIMEOUT_SECONDS: must be a whole number of seconds from 1 to 600".into());
                60
            }
        };
        let webhook_timeout = match given(&raw.webhook_timeout_seconds).map(u64::from_str) {
            None => 10,
            Some(Ok(n)) if (1..=60).contains(&n) => n,
            Some(_) => {
                problems
                    .push("SYSTEMEJER_WEBHOOK_TIMEOUT_SECONDS: must be a whole number of seconds from 1 to 60".into());
                10
            }
        };
        let lease = match given(&raw.worker_lease_seconds).map(u64::from_str) {
            None => (2 * smtp_timeout).max(120),
            Some(Ok(n)) if n >= 2 * smtp_timeout && n <= 86_400 => n,
            Some(_) => {
                problems.push(format!(
                    "SYSTEMEJER_WORKER_LEASE_SECONDS: must be a whole number of seconds from twice \
                     SYSTEMEJER_SMTP_TIMEOUT_SECONDS ({}) to 86400, so that a message still being sent is never sent \
                     again by another worker",
                    2 * smtp_timeout
                ));
                120
            }
        };
        let webhook_allow_private = match given(&raw.webhook_allow_private).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                problems.push(format!("SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE: must be true or false (got {other:?})"));
                false
            }
        };
        let webhook_disable_after_days = match given(&raw.webhook_disable_after_days).map(u32::from_str) {
            None => 3,
            Some(Ok(n)) if (1..=365).contains(&n) => n,
            Some(_) => {
                problems
                    .push("SYSTEMEJER_WEBHOOK_DISABLE_AFTER_DAYS: must be a whole number of days from 1 to 365".into());
                3
            }
        };
        let reminder_days_before = match given(&raw.reminder_days_before) {
            None => vec![30, 7],
            Some(text) => {
                let parsed: Result<Vec<u32>, _> = text.split(',').map(|d| d.trim().parse::<u32>()).collect();
                match parsed {
                    Ok(days) if !days.is_empty() && days.iter().all(|d| (1..=365).contains(d)) => days,
                    _ => {
                        problems.push(format!(
                            "SYSTEMEJER_REMINDER_DAYS_BEFORE: {text:?} is not a list of days from 1 to 365 such as \"30,7\""
                        ));
                        vec![30, 7]
                    }
                }
            }
        };
        let escalate_after_days = match given(&raw.escalate_after_days).map(u32::from_str) {
            None => 30,
            Some(Ok(n)) if (1..=365).contains(&n) => n,
            Some(_) => {
                problems.push("SYSTEMEJER_ESCALATE_AFTER_DAYS: must be a whole number of days from 1 to 365".into());
                30
            }
        };
        let failed_test_follow_up_days = match given(&raw.failed_test_follow_up_days).map(u32::from_str) {
            None => 30,
            Some(Ok(n)) if (1..=365).contains(&n) => n,
            Some(_) => {
                problems
                    .push("SYSTEMEJER_FAILED_TEST_FOLLOW_UP_DAYS: must be a whole number of days from 1 to 365".into());
                30
            }
        };
        let calendar = match given(&raw.closed_days) {
            None => Calendar::with_closed_days(USUAL_CLOSED_DAYS),
            Some(text) if text.trim().eq_ignore_ascii_case("none") => Calendar::new(),
            Some(text) => {
                let days: Vec<Option<ClosedDay>> = text.split(',').map(ClosedDay::parse).collect();
                if days.iter().all(Option::is_some) {
                    Calendar::with_closed_days(days.into_iter().flatten())
                } else {
                    problems.push(format!(
                        "SYSTEMEJER_CLOSED_DAYS: {text:?} is not a list of days as MM-DD such as \"06-05,12-24,12-31\" (or \"none\")"
                    ));
                    Calendar::with_closed_days(USUAL_CLOSED_DAYS)
                }
            }
        };
        let mut address = |var: &str, value: &Option<String>| {
            let v = given(value).map(str::to_owned);
            if v.as_ref().is_some_and(|a| !a.contains('@') || a.contains(' ')) {
                problems.push(format!("SYSTEMEJER_{var}: must be an email address"));
            }
            v
        };
        let security_coordinator_email = address("SECURITY_COORDINATOR_EMAIL", &raw.security_coordinator_email);
        let dpo_email = address("DPO_EMAIL", &raw.dpo_email);
        let text = |v: &Option<String>| given(v).map(str::to_owned);
        let controller = Controller {
            name: text(&raw.controller_name),
            cvr: text(&raw.controller_cvr).map(|c| c.replace(' ', "")),
            address: text(&raw.controller_address),
            dpo_name: text(&raw.dpo_name),
            dpo_email: dpo_email.clone(),
            dpo_phone: text(&raw.dpo_phone),
        };
        if controller.cvr.as_deref().is_some_and(|c| !systemejer_domain::values::is_cvr(c)) {
            problems.push(
                "SYSTEMEJER_CONTROLLER_CVR: must be a CVR number: eight digits whose check digit holds (Randers Kommune's is 29189684)"
                    .into(),
            );
        }

        let mut number = |var: &str, value: &Option<String>, default: u32| match given(value).map(u32::from_str) {
            None => default,
            Some(Ok(n)) if n <= 1_000_000 => n,
            Some(_) => {
                problems.push(format!(
                    "SYSTEMEJER_{var}: must be a whole number from 0 to 1000000 (0 turns the limit off)"
                ));
                default
            }
        };
        let per_second = number("RATE_LIMIT_PER_SECOND", &raw.rate_limit_per_second, 50);
        let burst = number("RATE_LIMIT_BURST", &raw.rate_limit_burst, 200);
        let rate_limit = (per_second > 0).then_some((u64::from(per_second), burst.max(1)));
        let person_cache = match given(&raw.person_cache_seconds).map(u8::from_str) {
            None => Duration::from_secs(5),
            Some(Ok(n)) if n <= 60 => Duration::from_secs(n.into()),
            Some(_) => {
                problems.push("SYSTEMEJER_PERSON_CACHE_SECONDS: must be a whole number from 0 to 60".into());
                Duration::ZERO
            }
        };

        let jwks = given(&raw.jwt_jwks).map(str::to_owned);
        if let Some(source) = &jwks {
            let url = source.contains("://");
            let loopback = source.starts_with("http://127.0.0.1") || source.starts_with("http://localhost");
            if url && !(source.starts_with("https://") || loopback) {
                problems.push("SYSTEMEJER_JWT_JWKS: a URL must be https://".into());
            } else if !url && !Path::new(source).is_file() {
                problems.push(format!("SYSTEMEJER_JWT_JWKS: no file at {source}"));
            }
        }

        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Config {
            database: DatabaseConfig { url, max_connections },
            http: HttpConfig { listen, public_url, rate_limit, person_cache },
            jwt: JwtConfig {
                secret: secret.unwrap_or_default(),
                secret_source,
                issuer: given(&raw.jwt_issuer).map(str::to_owned),
                audience: given(&raw.jwt_audience).map(str::to_owned),
                jwks,
                roles_claim: given(&raw.jwt_roles_claim).unwrap_or("roles").to_owned(),
                email_claim: given(&raw.jwt_email_claim).unwrap_or("email").to_owned(),
            },
            log: LogConfig { filter: given(&raw.log).unwrap_or("info").to_owned(), format },
            worker: WorkerConfig {
                schedule,
                breach_schedule,
                timezone,
                reminder_days_before,
                escalate_after_days,
                security_coordinator_email,
                dpo_email,
                failed_test_follow_up_days,
                calendar,
            },
            mail: MailConfig {
                smtp_url,
                from,
                outbox_dir,
                timeout: std::time::Duration::from_secs(smtp_timeout),
                lease: std::time::Duration::from_secs(lease),
            },
            links,
            controller,
            webhooks: WebhookConfig {
                allow_private: webhook_allow_private,
                disable_after_days: webhook_disable_after_days,
                timeout: std::time::Duration::from_secs(webhook_timeout),
                lease: std::time::Duration::from_secs((2 * webhook_timeout).max(60)),
                schedule: webhook_schedule,
            },
        })
    }
}

/// The links' settings: the key (given, or on SQLite generated beside the database like the
/// JWT secret), never equal to the JWT secret; the previous key; the longest lifetime.
fn links(
    raw: &Raw,
    sqlite: Option<&Path>,
    postgres: bool,
    jwt_secret: Option<&[u8]>,
    problems: &mut Vec<String>,
) -> LinksConfig {
    let (secret, secret_source) = match (given(&raw.link_secret), sqlite) {
        (Some(s), _) => (s.as_bytes().to_vec(), "SYSTEMEJER_LINK_SECRET".to_owned()),
        (None, Some(db)) => {
            let dir = db.parent().map(Path::to_path_buf).unwrap_or_default();
            match ensure_secret_file(&dir, LINK_SECRET_FILE_NAME, raw.create_secrets) {
                Ok(Some((secret, path))) => {
                    (secret, format!("file {} (made on first start, kept since)", path.display()))
                }
                Ok(None) => (Vec::new(), String::new()),
                Err(e) => {
                    problems.push(format!(
                        "SYSTEMEJER_LINK_SECRET: not set, and no key could be kept beside the database: {e}"
                    ));
                    (Vec::new(), String::new())
                }
            }
        }
        (None, None) => {
            if postgres && !raw.secrets_unused {
                problems.push(
                    "SYSTEMEJER_LINK_SECRET: required with PostgreSQL (at least 32 bytes, not the JWT secret, e.g. `openssl rand -hex 32`)"
                        .into(),
                );
            }
            (Vec::new(), String::new())
        }
    };
    let previous_secret = given(&raw.link_previous_secret).map(|s| s.as_bytes().to_vec());
    for (var, key) in [("LINK_SECRET", Some(&secret)), ("LINK_PREVIOUS_SECRET", previous_secret.as_ref())] {
        let Some(key) = key.filter(|k| !k.is_empty()) else { continue };
        if key.len() < 32 {
            problems.push(format!("SYSTEMEJER_{var}: must be at least 32 bytes (is {})", key.len()));
        }
        if jwt_secret == Some(key.as_slice()) {
            problems.push(format!(
                "SYSTEMEJER_{var}: must differ from the JWT secret (a link must never be usable as a token, nor the other way)"
            ));
        }
    }
    if previous_secret.as_ref().is_some_and(|p| *p == secret) {
        problems.push("SYSTEMEJER_LINK_PREVIOUS_SECRET: is the current key; set it to the key being retired".into());
    }
    let max_days = match given(&raw.link_ttl_days).map(u32::from_str) {
        None => 60,
        Some(Ok(n)) if (1..=365).contains(&n) => n,
        Some(_) => {
            problems.push("SYSTEMEJER_LINK_TTL_DAYS: must be a whole number of days from 1 to 365".into());
            60
        }
    };
    LinksConfig { secret, secret_source, previous_secret, max_days }
}

/// The file path of an SQLite URL, or `None` for other schemes.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// Reads the secret kept in `dir`, or generates one (32 random bytes, hex) readable only by
/// this user.
fn ensure_secret_file(dir: &Path, name: &str, create: bool) -> Result<Option<(Vec<u8>, PathBuf)>, String> {
    let path = dir.join(name);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(Some((text.trim().as_bytes().to_vec(), path)));
    }
    if !create {
        return Ok(None);
    }
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &hex).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some((hex.into_bytes(), path)))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_run_on_sqlite_and_keep_a_generated_secret() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/reg.db", dir.path().display());
        let first = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", &url)])).unwrap();
        assert_eq!(first.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(first.http.public_url, "http://127.0.0.1:8080");
        assert_eq!(first.jwt.secret.len(), 64);
        assert!(first.worker.schedule.is_some());
        let again = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", &url)])).unwrap();
        assert_eq!(first.jwt.secret, again.jwt.secret, "the generated secret is kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE_NAME)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn the_controller_is_read_and_its_cvr_checked() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/reg.db", dir.path().display());
        let settings = |cvr: &str| {
            Config::load(
                None,
                env(&[
                    ("SYSTEMEJER_DATABASE_URL", &url),
                    ("SYSTEMEJER_CONTROLLER_NAME", "Randers Kommune"),
                    ("SYSTEMEJER_CONTROLLER_CVR", cvr),
                    ("SYSTEMEJER_DPO_NAME", " Databeskyttelsesrådgiveren "),
                ]),
            )
        };
        let config = settings("2918 9684").unwrap();
        assert_eq!(config.controller.name.as_deref(), Some("Randers Kommune"));
        assert_eq!(config.controller.cvr.as_deref(), Some("29189684"), "spaces as people write it are dropped");
        assert_eq!(config.controller.dpo_name.as_deref(), Some("Databeskyttelsesrådgiveren"));
        assert_eq!(config.controller.address, None);
        let wrong = settings("29189685").err().unwrap().to_string();
        assert!(wrong.contains("SYSTEMEJER_CONTROLLER_CVR") && wrong.contains("check digit"), "{wrong}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Config::load(
            None,
            env(&[
                ("SYSTEMEJER_DATABASE_URL", "postgres://x@localhost/db"),
                ("SYSTEMEJER_LISTEN", "nowhere"),
                ("SYSTEMEJER_WORKER_SCHEDULE", "0 7 * * *"),
                ("SYSTEMEJER_TIMEZONE", "Mars/Olympus"),
                ("SYSTEMEJER_LOG_FORMAT", "xml"),
            ]),
        )
        .err()
        .unwrap();
        let text = err.to_string();
        for var in ["JWT_SECRET", "LINK_SECRET", "LISTEN", "WORKER_SCHEDULE", "TIMEZONE", "LOG_FORMAT"] {
            assert!(text.contains(var), "{var} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 6);
    }

    #[test]
    fn the_environment_overrides_the_file_and_an_empty_schedule_turns_the_worker_off() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("systemejer.toml");
        std::fs::write(
            &file,
            "database_url = \"postgres://app@db/reg\"\njwt_secret = \"0123456789abcdef0123456789abcdef\"\nlink_secret = \"fedcba9876543210fedcba9876543210\"\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            env(&[("SYSTEMEJER_LISTEN", "127.0.0.1:9001"), ("SYSTEMEJER_WORKER_SCHEDULE", "")]),
        )
        .unwrap();
        assert_eq!(c.database.url, "postgres://app@db/reg");
        assert_eq!(c.http.listen.to_string(), "127.0.0.1:9001");
        assert!(c.worker.schedule.is_none());
    }

    #[test]
    fn the_closed_days_are_the_usual_ones_unless_set() {
        use systemejer_domain::calendar::ClosedDay;
        let day = |month, day| ClosedDay { month, day };
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/reg.db", dir.path().display());
        let with = |closed: Option<&str>| {
            let mut vars = vec![("SYSTEMEJER_DATABASE_URL", url.as_str())];
            vars.extend(closed.map(|c| ("SYSTEMEJER_CLOSED_DAYS", c)));
            Config::load(None, env(&vars)).map(|c| c.worker.calendar)
        };
        assert_eq!(with(None).unwrap().closed_days(), vec![day(6, 5), day(12, 24), day(12, 31)]);
        assert_eq!(with(Some("12-24, 05-01")).unwrap().closed_days(), vec![day(5, 1), day(12, 24)]);
        assert!(with(Some("none")).unwrap().closed_days().is_empty());
        let bad = with(Some("06-05,31-12")).err().unwrap();
        assert!(bad.0.iter().any(|p| p.starts_with("SYSTEMEJER_CLOSED_DAYS: \"06-05,31-12\"")), "{bad}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "databse_url = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), env(&[])).err().unwrap();
        assert!(err.to_string().contains("databse_url"), "{err}");
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = Config::load(
            None,
            env(&[("SYSTEMEJER_DATABASE_URL", "postgres://a@b/c"), ("SYSTEMEJER_JWT_SECRET", "short")]),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn the_link_key_is_generated_on_sqlite_apart_from_the_jwt_secret() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/reg.db", dir.path().display());
        let first = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", &url)])).unwrap();
        assert_eq!(first.links.secret.len(), 64);
        assert_ne!(first.links.secret, first.jwt.secret);
        assert_eq!(first.links.max_days, 60);
        assert!(first.links.previous_secret.is_none());
        let again = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", &url)])).unwrap();
        assert_eq!(first.links.secret, again.links.secret, "the generated key is kept");
        assert!(dir.path().join(LINK_SECRET_FILE_NAME).is_file());
        assert!(!format!("{:?}", first.links).contains(&String::from_utf8_lossy(&first.links.secret).to_string()));
    }

    #[test]
    fn a_url_of_neither_backend_is_the_one_problem_named() {
        let err = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", "mysql://x")])).err().unwrap();
        assert_eq!(err.0.len(), 1, "no word of PostgreSQL's secrets for a URL that is not PostgreSQL: {err}");
        assert!(err.0[0].starts_with("SYSTEMEJER_DATABASE_URL: must start with sqlite:// or postgres://"), "{err}");
    }

    #[test]
    fn the_link_key_is_required_on_postgres_and_never_the_jwt_secret() {
        let jwt = "0123456789abcdef0123456789abcdef";
        let base = [("SYSTEMEJER_DATABASE_URL", "postgres://a@b/c"), ("SYSTEMEJER_JWT_SECRET", jwt)];
        let err = Config::load(None, env(&base)).err().unwrap();
        assert_eq!(err.0.len(), 1, "{err}");
        assert!(err.0[0].starts_with("SYSTEMEJER_LINK_SECRET: required with PostgreSQL"), "{err}");
        let same = [base[0], base[1], ("SYSTEMEJER_LINK_SECRET", jwt)];
        let err = Config::load(None, env(&same)).err().unwrap();
        assert!(err.0[0].contains("must differ from the JWT secret"), "{err}");
        let key = "k".repeat(32);
        let old = "o".repeat(40);
        let rotating = [
            base[0],
            base[1],
            ("SYSTEMEJER_LINK_SECRET", key.as_str()),
            ("SYSTEMEJER_LINK_PREVIOUS_SECRET", old.as_str()),
            ("SYSTEMEJER_LINK_TTL_DAYS", "30"),
        ];
        let c = Config::load(None, env(&rotating)).unwrap();
        assert_eq!(c.links.secret, key.as_bytes());
        assert_eq!(c.links.previous_secret.as_deref(), Some(old.as_bytes()));
        assert_eq!(c.links.max_days, 30);
        let bad = [
            base[0],
            base[1],
            ("SYSTEMEJER_LINK_SECRET", key.as_str()),
            ("SYSTEMEJER_LINK_PREVIOUS_SECRET", "short"),
            ("SYSTEMEJER_LINK_TTL_DAYS", "0"),
        ];
        let err = Config::load(None, env(&bad)).err().unwrap();
        assert!(err.to_string().contains("SYSTEMEJER_LINK_PREVIOUS_SECRET: must be at least 32 bytes"), "{err}");
        assert!(err.to_string().contains("SYSTEMEJER_LINK_TTL_DAYS"), "{err}");
    }

    /// A lease shorter than two delivery timeouts would let a second worker take over a message
    /// that is still being sent, and send it twice.
    #[test]
    fn the_lease_outlasts_two_delivery_timeouts() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/r.db", dir.path().display());
        let c = Config::load(None, env(&[("SYSTEMEJER_DATABASE_URL", &url)])).unwrap();
        assert_eq!((c.mail.timeout.as_secs(), c.mail.lease.as_secs()), (60, 120));
        let short = [("SYSTEMEJER_DATABASE_URL", url.as_str()), ("SYSTEMEJER_SMTP_TIMEOUT_SECONDS", "2")];
        let c = Config::load(None, env(&short)).unwrap();
        assert_eq!((c.mail.timeout.as_secs(), c.mail.lease.as_secs()), (2, 120));
        let shortest = [short[0], short[1], ("SYSTEMEJER_WORKER_LEASE_SECONDS", "4")];
        assert_eq!(Config::load(None, env(&shortest)).unwrap().mail.lease.as_secs(), 4);
        let too_short = [short[0], short[1], ("SYSTEMEJER_WORKER_LEASE_SECONDS", "3")];
        let err = Config::load(None, env(&too_short)).err().unwrap();
        assert!(
            err.0[0].starts_with("SYSTEMEJER_WORKER_LEASE_SECONDS: must be a whole number of seconds from twice"),
            "{err}"
        );
        let long = [("SYSTEMEJER_DATABASE_URL", url.as_str()), ("SYSTEMEJER_SMTP_TIMEOUT_SECONDS", "90")];
        assert_eq!(Config::load(None, env(&long)).unwrap().mail.lease.as_secs(), 180);
        let zero = [("SYSTEMEJER_DATABASE_URL", url.as_str()), ("SYSTEMEJER_SMTP_TIMEOUT_SECONDS", "0")];
        assert!(Config::load(None, env(&zero)).is_err());
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    #[test]
    fn the_example_in_deploy_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/systemejer.example.toml");
        let config = Config::load(Some(&path), Vec::new()).unwrap();
        assert!(config.database.url.starts_with("postgres://"));
        assert_eq!(config.log.format, LogFormat::Json);
    }
}
