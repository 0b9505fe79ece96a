//! `systemejer`: the register service, its worker, and the admin commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use systemejer_api::{Role, TokenSubject};
use systemejer_config::Config;
use systemejer_domain::EmailAddress;
use tokio::sync::watch;

/// The register of a municipality's IT systems and of the duties of their owners.
#[derive(Debug, Parser)]
#[command(name = "systemejer", version, about)]
struct Cli {
    /// A TOML file of settings (environment variables override it).
    #[arg(long, global = true, env = "SYSTEMEJER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The API and the worker in one process (the default).
    Run,
    /// The API only.
    Serve,
    /// The worker only.
    Worker {
        /// Run every pass once now (the reminders, the breach watch, the notices of failed tests,
        /// of incidents recorded, of handovers and to the DPO, the weekly exit-step and
        /// open-incident reminders), deliver what they wrote, and exit.
        #[arg(long)]
        once: bool,
        /// With --once: print the reminders that would be sent (not the breach alerts), and
        /// send and record nothing.
        #[arg(long, requires = "once")]
        dry_run: bool,
        /// With --dry-run: as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, requires = "dry_run", value_parser = parse_day)]
        as_of: Option<chrono::NaiveDate>,
        /// With --dry-run: print JSON.
        #[arg(long, requires = "dry_run")]
        json: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Mint a bearer token signed with this service's secret, for scripts and integrations.
    Token {
        /// The person the token is for.
        #[arg(long, conflicts_with = "client_id", required_unless_present = "client_id")]
        email: Option<String>,
        /// The integration the token is for (instead of a person).
        #[arg(long)]
        client_id: Option<String>,
        /// A role to grant: admin, auditor, reader, dpo, metrics (repeatable).
        #[arg(long = "role", value_parser = parse_role)]
        roles: Vec<Role>,
        /// How long the token is valid: 90s, 30m, 12h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Write a consistent copy of the SQLite database while the service runs (PostgreSQL: use
    /// pg_dump).
    Backup {
        /// Where the copy goes (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Fill an empty register with a fictional municipality (Demo Kommune): org units,
    /// people, systems in every state with their records, duties and a breach or two.
    Demo {
        /// How many systems (about 300 is a municipality; 100000 a national shared register).
        #[arg(long, default_value_t = 300)]
        systems: usize,
        /// The same seed gives the same municipality.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Import what the municipality keeps elsewhere into the register.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Ask the service on this machine whether it is ready (`/readyz` on the listen port):
    /// exit 0 if so, 1 if not. For container health checks, without curl in the image.
    Probe,
    /// Print the OpenAPI document.
    Openapi,
}

/// Where an import reads from.
#[derive(Debug, Subcommand)]
enum ImportSource {
    /// OS2 Kitos (API v2): its IT system usages, data processing registrations, units and
    /// users. Idempotent by the Kitos uuid; a later run updates what changed in Kitos and
    /// reports what was edited here since as a conflict.
    Kitos(KitosArgs),
}

#[derive(Debug, clap::Args)]
struct KitosArgs {
    /// A folder of saved responses: it-system-usages.json, data-processing-registrations.json,
    /// organization-units.json, users.json, it-systems/*.json (and optionally
    /// it-system-usage-role-types.json, deleted-entities.json).
    #[arg(long, conflicts_with = "url", required_unless_present = "url")]
    from_dir: Option<PathBuf>,
    /// Kitos's address, e.g. https://kitos.dk (with --organization; the API user's
    /// KITOS_EMAIL and KITOS_PASSWORD, or --token).
    #[arg(long, requires = "organization")]
    url: Option<String>,
    /// The municipality's organization uuid in Kitos.
    #[arg(long)]
    organization: Option<uuid::Uuid>,
    /// A Kitos token fetched elsewhere (instead of KITOS_EMAIL/KITOS_PASSWORD).
    #[arg(long, env = "KITOS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The usage role whose holder is the system owner.
    #[arg(long, default_value = "Systemejer")]
    owner_role: String,
    /// Only what changed in Kitos since this time (YYYY-MM-DD or RFC 3339), and the usages
    /// deleted since, from the delta feed.
    #[arg(long, requires = "url", value_parser = parse_instant)]
    changed_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Print what would be done, per system, and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the plan (or the result) as JSON.
    #[arg(long)]
    json: bool,
}

/// A point in time as `--changed-since` takes it: a date (midnight UTC) or RFC 3339.
fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(at.with_timezone(&chrono::Utc));
    }
    parse_day(s).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Reads the Kitos snapshot `args` name: from the folder, or over HTTP.
fn kitos_snapshot(args: &KitosArgs) -> anyhow::Result<systemejer_kitos::Snapshot> {
    if let Some(dir) = &args.from_dir {
        return Ok(systemejer_kitos::read_dir(dir)?);
    }
    let (Some(url), Some(organization)) = (&args.url, args.organization) else {
        anyhow::bail!("give --from-dir DIR, or --url URL with --organization UUID");
    };
    let credentials = match (&args.token, std::env::var("KITOS_EMAIL"), std::env::var("KITOS_PASSWORD")) {
        (Some(token), _, _) => systemejer_kitos::Credentials::Token(token.clone()),
        (None, Ok(email), Ok(password)) => systemejer_kitos::Credentials::Password { email, password },
        _ => anyhow::bail!("Kitos needs KITOS_EMAIL and KITOS_PASSWORD (an API user's), or --token"),
    };
    let client = systemejer_kitos::KitosClient::new(systemejer_kitos::ClientSettings::new(url.clone(), credentials))?;
    let options = systemejer_kitos::FetchOptions {
        changed_since: args.changed_since,
        deleted_since: args.changed_since,
        role_types: true,
    };
    Ok(runtime()?.block_on(client.snapshot(organization, &options))?)
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("{s:?} is not a role: use admin, auditor, reader, dpo or metrics"))
}

/// A day as the flags take it: the register's rule, in its words (not chrono's "premature end
/// of input").
fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    systemejer_domain::values::parse_day(s).map_err(|e| e.message)
}

/// A reminder's stage (`before_30`, `due`, `overdue_2`) in words.
fn stage_words(stage: &str) -> String {
    if stage == "due" {
        return "the due day's reminder".to_owned();
    }
    if let Some(days) = stage.strip_prefix("before_") {
        return format!("the reminder {days} days before");
    }
    match stage.strip_prefix("overdue_") {
        Some("1") => "the reminder 1 week overdue".to_owned(),
        Some(weeks) => format!("the reminder {weeks} weeks overdue"),
        None => stage.to_owned(),
    }
}

/// Why a recipient is told, in words.
fn because_words(because: &str) -> &str {
    match because {
        "assigned" => "the duty is theirs",
        "owner_of_overdue" => "they own the system and the duty is overdue",
        "assignee_inactive" => "the person it is assigned to no longer works here, so the owner is told",
        "owner_inactive" => "the system's owner no longer works here, so the coordinator is told",
        "escalated" => "long overdue, so it is escalated",
        other => other,
    }
}

/// How to run this program again, as the person reading the hint started it: `cargo run --`
/// (`--release`) when cargo started it, else its name.
fn invocation() -> String {
    // cargo sets CARGO_PKG_NAME for the programs it runs; an installed binary has no such thing.
    if std::env::var("CARGO_PKG_NAME").is_ok_and(|p| p == "systemejer") {
        if cfg!(debug_assertions) { "cargo run --".to_owned() } else { "cargo run --release --".to_owned() }
    } else {
        "systemejer".to_owned()
    }
}

/// What to do next, said when the service is up: load the demo into an empty register, or
/// read the docs with a token.
fn next_step(store: &systemejer_store::Store, public_url: &str) -> String {
    let me = invocation();
    let first = systemejer_store::PageRequest { limit: 1, offset: 0, cursor: None };
    match store.list_systems(&systemejer_store::SystemFilter::default(), &first) {
        Ok(page) if page.total == 0 => format!(
            "the register is empty: load Demo Kommune with `{me} demo` (in another terminal), or register \
             systems through the API (docs at {public_url}/docs/)"
        ),
        _ => {
            format!("API docs at {public_url}/docs/ ; get a token with: {me} token --email you@kommune.dk --role admin")
        }
    }
}

/// An import that left things out for errors in the data (its findings say which): the rest
/// was imported (or, in a dry run, would be). Exit status 3, so that a script can tell it from
/// a run that failed (1).
#[derive(Debug)]
struct NotAllImported(usize);

impl std::fmt::Display for NotAllImported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} error(s) in the Kitos data: what they concern was not imported (see the findings)", self.0)
    }
}

impl std::error::Error for NotAllImported {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<NotAllImported>().is_some() => {
            eprintln!("systemejer: {e:#}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("systemejer: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Ok(Config::load(cli.config.as_deref(), std::env::vars())?)
}

fn execute(cli: &Cli) -> anyhow::Result<()> {
    let command = cli.command.as_ref().unwrap_or(&Command::Run);
    match command {
        Command::Openapi => {
            let doc = systemejer_api::openapi().to_pretty_json().context("rendering the OpenAPI document")?;
            println!("{doc}");
            Ok(())
        }
        Command::Token { email, client_id, roles, ttl } => {
            // The service's secret, never a new one made in whatever folder this runs in.
            let config = Config::load_existing(cli.config.as_deref(), std::env::vars())?;
            let subject = match (email, client_id) {
                (Some(e), _) => {
                    TokenSubject::Person(EmailAddress::parse(e).map_err(|e| anyhow::anyhow!("--email: {e}"))?)
                }
                (None, Some(c)) if !c.trim().is_empty() => TokenSubject::Client(c.trim().to_owned()),
                _ => anyhow::bail!("give --email or --client-id"),
            };
            let ttl = systemejer::parse_duration(ttl).map_err(|e| anyhow::anyhow!("--ttl: {e}"))?;
            let token = systemejer_api::mint_token(
                &systemejer::jwt_settings(&config),
                &subject,
                roles,
                ttl,
                chrono::Utc::now(),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Backup { to } => {
            let config = load_config(cli)?;
            let store = systemejer::open_store(&config).context("opening the database")?;
            // `--to backups/today.db` makes `backups/`, as `mkdir -p` would.
            if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("making the folder {} for the backup", folder.display()))?;
            }
            store.backup_sqlite(to).with_context(|| format!("backing up to {}", to.display()))?;
            println!("backed up to {}", to.display());
            Ok(())
        }
        Command::Import { source: ImportSource::Kitos(args) } => {
            // An import signs nothing: it needs no secret, and makes none.
            let config = Config::load_without_secrets(cli.config.as_deref(), std::env::vars())?;
            systemejer::init_logging(&config);
            let snapshot = kitos_snapshot(args).context("reading Kitos")?;
            // A dry run makes nothing, not even the database it would have written to: with an
            // SQLite file that is not there yet, it plans against an empty scratch register.
            let mut config = config;
            let scratch = match systemejer::sqlite_file(&config.database.url) {
                Some(file) if args.dry_run && !file.exists() => {
                    let scratch = std::env::temp_dir().join(format!("systemejer-dry-run-{}.db", std::process::id()));
                    eprintln!(
                        "{} does not exist yet: planned against an empty register, and nothing made",
                        file.display()
                    );
                    config.database.url = format!("sqlite://{}", scratch.display());
                    Some(scratch)
                }
                _ => None,
            };
            let store = if args.dry_run && scratch.is_none() {
                systemejer::open_store_as_it_is(&config)
            } else {
                systemejer::open_store(&config)
            }
            .context("opening the database")?;
            let mut options = systemejer_import::MapOptions::new(store.today());
            options.owner_role.clone_from(&args.owner_role);
            let who = std::env::var("USER").unwrap_or_else(|_| "the command line".to_owned());
            let actor = systemejer_import::apply::actor(&who);
            let plan = systemejer_import::apply::import(&store, &snapshot, &options, args.dry_run, &actor)
                .context("importing from Kitos")?;
            if args.json {
                serde_json::to_writer_pretty(std::io::stdout().lock(), &plan)?;
                println!();
            } else {
                print!("{}", systemejer_import::apply::render(&plan));
            }
            drop(store);
            if let Some(scratch) = scratch {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
                }
            }
            if plan.summary.failed > 0 {
                anyhow::bail!("{} item(s) failed; the rest was imported", plan.summary.failed);
            }
            let errors = plan.findings.iter().filter(|f| f.severity == systemejer_import::Severity::Error).count();
            if errors > 0 {
                return Err(NotAllImported(errors).into());
            }
            Ok(())
        }
        Command::Demo { systems, seed } => {
            let config = load_config(cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("opening the database")?;
            let started = std::time::Instant::now();
            let options = systemejer_demo::Options { systems: *systems, seed: *seed, today: store.today() };
            let summary = systemejer_demo::load(&store, options).context("loading the demo municipality")?;
            let c = summary.counts;
            println!(
                "loaded Demo Kommune in {:.1} s: {} systems, {} people, {} org units, {} processors, {} records, {} completed duties, {} incidents",
                started.elapsed().as_secs_f64(),
                c.systems,
                c.people,
                c.org_units,
                c.processors,
                c.records,
                c.completions,
                summary.incidents
            );
            println!(
                "next: start the service with `{me} run` (it sends the reminders due as it starts; if it is \
                 running already, `{me} worker --once` sends them now), then get a token with `{me} token \
                 --email it-admin@demo-kommune.dk --role admin` and open the docs at {}/docs/",
                config.http.public_url,
                me = invocation()
            );
            Ok(())
        }
        Command::Probe => {
            let config = load_config(cli)?;
            let mut address = config.http.listen;
            if address.ip().is_unspecified() {
                address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            probe(address).with_context(|| format!("probing http://{address}/readyz"))
        }
        Command::Migrate => {
            let config = load_config(cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("migrating the database")?;
            let names = systemejer_store::migrations::names(store.backend());
            println!("database is at the latest of {} migration(s)", names.len());
            Ok(())
        }
        Command::Worker { once, dry_run, as_of, json } => {
            let config = load_config(cli)?;
            systemejer::init_logging(&config);
            let store =
                if *dry_run { systemejer::open_store_as_it_is(&config) } else { systemejer::open_store(&config) }
                    .context("opening the database")?;
            let mut config = config;
            if *once {
                // An order to run now: the reminders go out whatever the day (the scheduled
                // worker sends on working days only). Due dates keep the working-day rule.
                let today = as_of.unwrap_or_else(|| store.today());
                if !config.worker.calendar.is_working_day(today) {
                    eprintln!(
                        "{today} is not a working day: the scheduled worker would wait for the next one; \
                         --once runs the reminder pass anyway"
                    );
                }
                config.worker.calendar = systemejer_domain::calendar::Calendar::open_every_day();
            }
            // The mailer's connection pool lives on the runtime: make it there.
            runtime()?.block_on(async move {
                let worker = systemejer::worker(&config, store).context("setting up mail delivery")?;
                if *dry_run {
                    let today = as_of.unwrap_or_else(|| worker.today());
                    let dry = worker.plan_pass(today).await?;
                    print_plans(&dry.plans, today, dry.duties_due, *json)?;
                    // On stderr, so that it does not mix with the plan: how long each step
                    // took, apart from printing (bench/run.sh reads it).
                    eprintln!(
                        "dry run: {} due duties found in {} ms; {} item(s) to {} recipient(s) planned in {} ms; \
                         checking which were already sent took {} ms",
                        dry.duties_due,
                        dry.found.as_millis(),
                        dry.plans.iter().map(|p| p.items.len()).sum::<usize>(),
                        dry.plans.len(),
                        dry.planned.as_millis(),
                        dry.checked.as_millis()
                    );
                    return Ok(());
                }
                if *once {
                    let o = worker.run_once(worker.today(), chrono::Utc::now()).await?;
                    println!(
                        "pass done: {} duties due, {} messages queued, {} sent, {} to retry, {} failed; {:.2} s delivering",
                        o.duties_due,
                        o.queued,
                        o.sent,
                        o.retried,
                        o.failed,
                        std::time::Duration::from_millis(o.delivery_ms).as_secs_f64()
                    );
                    let said = |pass: &str, found: &str, what: &str, o: &systemejer_worker::Outcome| {
                        println!(
                            "{pass} done: {} {found}, {} {what} queued, {} delivered, {} to retry, {} failed",
                            o.duties_due, o.queued, o.sent, o.retried, o.failed
                        );
                    };
                    let now = chrono::Utc::now;
                    let breaches = worker.breach_pass(now()).await?;
                    said("breach watch", "breaches awaiting their report", "alerts", &breaches);
                    let failures = worker.failed_results_pass(now()).await?;
                    said("failed results", "failed tests this week", "notices", &failures);
                    let steps = worker.exit_steps_pass(worker.today(), now()).await?;
                    said("exit steps", "systems with open exit steps", "reminders", &steps);
                    let recorded = worker.incident_notices_pass(now()).await?;
                    said("incident notices", "incidents recorded this week", "notices", &recorded);
                    let open = worker.incident_follow_up_pass(worker.today(), now()).await?;
                    said("incident follow-up", "incidents open for a week or more", "reminders", &open);
                    let dpo = worker.dpo_notices_pass(now()).await?;
                    said("DPO notices", "events this week in systems with personal data", "notices", &dpo);
                    let handed = worker.handovers_pass(now()).await?;
                    said("handovers", "handovers this week", "mails", &handed);
                    let hooks = worker.webhook_pass(now()).await?;
                    println!(
                        "webhook delivery done: {} delivered, {} to retry, {} failed",
                        hooks.sent, hooks.retried, hooks.failed
                    );
                    return Ok(());
                }
                let (stop, stopped) = watch::channel(false);
                let running = tokio::spawn(systemejer_worker::run(worker, stopped));
                stop_requested().await;
                tracing::info!("worker: stopping after the message being sent; the rest waits in the outbox");
                stop.send(true).ok();
                running.await.ok();
                Ok::<(), anyhow::Error>(())
            })
        }
        Command::Run | Command::Serve => {
            let with_worker = matches!(command, Command::Run);
            let config = load_config(cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("opening the database")?;
            let app = systemejer_api::Application::build(&systemejer::api_settings(&config, &store)?, store.clone())
                .with_context(|| format!("binding {}", config.http.listen))?;
            tracing::info!(
                backend = ?store.backend(),
                listen = %app.address(),
                jwt_secret = %config.jwt.secret_source,
                "systemejer is up; {}",
                next_step(&store, &config.http.public_url)
            );
            let missing = config.controller.missing();
            if !missing.is_empty() {
                let settings: Vec<String> =
                    missing.iter().map(|m| format!("SYSTEMEJER_{}", controller_setting(m).to_uppercase())).collect();
                tracing::warn!(
                    "the record of processing (art. 30) does not name the controller and its DPO in full: set {}",
                    settings.join(", ")
                );
            }
            actix_web::rt::System::new().block_on(async move {
                let (stop, stopped) = watch::channel(false);
                // The mailer's connection pool lives on the runtime: make it there.
                let worker = if with_worker {
                    Some(systemejer::worker(&config, store).context("setting up mail delivery")?)
                } else {
                    None
                };
                let worker = worker.map(|w| actix_web::rt::spawn(systemejer_worker::run(w, stopped)));
                // actix stops on SIGTERM and SIGINT by itself: it stops accepting, lets requests in
                // flight finish (up to 30 s), then returns here; the worker then finishes its pass.
                let result = app.into_server().await;
                tracing::info!("systemejer: the API has stopped; stopping the worker");
                stop.send(true).ok();
                if let Some(w) = worker {
                    w.await.ok();
                }
                result.map_err(anyhow::Error::from)
            })?;
            Ok(())
        }
    }
}

/// The setting that gives a field of the record's controller.
fn controller_setting(field: &str) -> String {
    match field {
        "dpo_name" | "dpo_email" | "dpo_phone" => field.to_owned(),
        other => format!("controller_{other}"),
    }
}

/// `GET /readyz` over plain TCP with a 3-second timeout: ready means a 200.
fn probe(address: std::net::SocketAddr) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default();
    anyhow::ensure!(status.split_whitespace().nth(1) == Some("200"), "not ready: {status}");
    Ok(())
}

/// Resolves on SIGTERM (what systemd, Docker and Kubernetes send) or SIGINT (Ctrl-C).
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                tokio::signal::ctrl_c().await.ok();
            }
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.ok();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// Prints a dry run: who would be told what.
fn print_plans(
    plans: &[systemejer_worker::Plan],
    today: chrono::NaiveDate,
    duties_due: usize,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        // Written straight to stdout: a pass over a national register plans a hundred thousand
        // items, and a JSON tree of them first would cost more than finding them.
        #[derive(serde::Serialize)]
        struct DryRun<'a> {
            as_of: chrono::NaiveDate,
            messages: &'a [systemejer_worker::Plan],
        }
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &DryRun { as_of: today, messages: plans })?;
        std::io::Write::write_all(&mut out, b"\n")?;
        return Ok(());
    }
    if plans.is_empty() {
        if duties_due == 0 {
            println!("as of {today}: nothing to send: no duty is due");
        } else {
            println!(
                "as of {today}: nothing to send: each of the {duties_due} due duties has had its reminder for \
                 this stage already (or has none until a later stage)"
            );
        }
        return Ok(());
    }
    println!("as of {today}, these reminders would be sent (nothing is sent or recorded):");
    for plan in plans {
        println!("to {} ({} item(s)):", plan.addressee.email, plan.items.len());
        for item in &plan.items {
            let subject = item.subject_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            let owner = item.owner.as_deref().map(|o| format!(" (owner: {o})")).unwrap_or_default();
            println!(
                "  {}: {}{subject}, due {}; {}; told as {}{owner}: {}",
                item.system,
                item.kind,
                item.due_on,
                stage_words(&item.stage),
                item.role,
                because_words(&item.because)
            );
        }
    }
    Ok(())
}
