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
        /// Run one pass now and exit.
        #[arg(long)]
        once: bool,
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
        /// A role to grant: admin, auditor, reader, dpo (repeatable).
        #[arg(long = "role", value_parser = parse_role)]
        roles: Vec<Role>,
        /// How long the token is valid: 90s, 30m, 12h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("{s:?} is not a role: use admin, auditor, reader or dpo"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("systemejer: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Ok(Config::load(cli.config.as_deref(), std::env::vars())?)
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.as_ref().unwrap_or(&Command::Run);
    match command {
        Command::Openapi => {
            let doc = systemejer_api::openapi().to_pretty_json().context("rendering the OpenAPI document")?;
            println!("{doc}");
            Ok(())
        }
        Command::Token { email, client_id, roles, ttl } => {
            let config = load_config(&cli)?;
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
        Command::Migrate => {
            let config = load_config(&cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("migrating the database")?;
            let names = systemejer_store::migrations::names(store.backend());
            println!("database is at the latest of {} migration(s)", names.len());
            Ok(())
        }
        Command::Worker { once } => {
            let config = load_config(&cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("opening the database")?;
            if *once {
                let outcome = systemejer_worker::run_once(&store, chrono::Utc::now())?;
                println!("pass done: {} system(s) watched", outcome.systems_watched);
                return Ok(());
            }
            runtime()?.block_on(async move {
                let (stop, stopped) = watch::channel(false);
                let worker = tokio::spawn(systemejer_worker::run(store, systemejer::worker_settings(&config), stopped));
                tokio::signal::ctrl_c().await.ok();
                stop.send(true).ok();
                worker.await.ok();
            });
            Ok(())
        }
        Command::Run | Command::Serve => {
            let with_worker = matches!(command, Command::Run);
            let config = load_config(&cli)?;
            systemejer::init_logging(&config);
            let store = systemejer::open_store(&config).context("opening the database")?;
            let app = systemejer_api::Application::build(&systemejer::api_settings(&config), store.clone())
                .with_context(|| format!("binding {}", config.http.listen))?;
            tracing::info!(
                backend = ?store.backend(),
                listen = %app.address(),
                jwt_secret = %config.jwt.secret_source,
                "systemejer is up; API docs at {}/docs/ ; get a token with: systemejer token --email you@kommune.dk --role admin",
                config.http.public_url
            );
            actix_web::rt::System::new().block_on(async move {
                let (stop, stopped) = watch::channel(false);
                let worker = with_worker.then(|| {
                    actix_web::rt::spawn(systemejer_worker::run(store, systemejer::worker_settings(&config), stopped))
                });
                let result = app.into_server().await;
                stop.send(true).ok();
                if let Some(w) = worker {
                    w.await.ok();
                }
                result
            })?;
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}
