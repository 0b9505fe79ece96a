//! `GET /metrics` in the OpenMetrics text format that Prometheus scrapes.
//!
//! HTTP requests (by method, route pattern and status) and their latency are counted by this
//! process. The rest is read from the database at each scrape, so every API instance reports
//! the same deployment-wide figures however many workers run: the outbox by status (mails
//! waiting, sent, given up), personal data breaches awaiting their report (within or past the
//! 72 hours), and the latest reminder pass and breach watch (when, how long, what they found,
//! whether they succeeded). The connection pool is this process's own.
//!
//! Access: a bearer token with the `metrics` role (or `admin`). Not an address allow-list:
//! behind a load balancer or in Kubernetes the peer address is the proxy's, so such a list
//! either lets everyone through or no one, while Prometheus sends a bearer token from a file
//! (`authorization.credentials_file`) and the `metrics` role reads nothing of the register.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::auth::Role;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::respond::blocking;
use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeadlineLabel {
    deadline: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PassLabel {
    pass: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Buckets from 1 ms to about 16 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The registry and the metrics this process keeps.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool: Family<StateLabel, Gauge>,
    pool_max: Gauge,
    outbox: Family<StatusLabel, Gauge>,
    breaches: Family<DeadlineLabel, Gauge>,
    pass_time: Family<PassLabel, FloatGauge>,
    pass_duration: Family<PassLabel, FloatGauge>,
    pass_found: Family<PassLabel, Gauge>,
    pass_succeeded: Family<PassLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric, none observed yet.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("systemejer");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by method, route and status", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram);
        registry.register("http_request_duration_seconds", "Time to answer a request", latency.clone());
        let pool = Family::<StateLabel, Gauge>::default();
        registry.register("db_pool_connections", "Database connections of this process, by state", pool.clone());
        let pool_max = Gauge::default();
        registry.register("db_pool_max_connections", "The most connections this process opens", pool_max.clone());
        let outbox = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "outbox_messages",
            "Messages in the outbox by status: queued (waiting or retrying), sent, failed (given up)",
            outbox.clone(),
        );
        let breaches = Family::<DeadlineLabel, Gauge>::default();
        registry.register(
            "breaches_awaiting_report",
            "Personal data breaches with neither a report to the authority nor a decision not to report, within or past their 72 hours",
            breaches.clone(),
        );
        let pass_time = Family::<PassLabel, FloatGauge>::default();
        registry.register(
            "worker_last_pass_timestamp_seconds",
            "When the latest pass began (Unix time)",
            pass_time.clone(),
        );
        let pass_duration = Family::<PassLabel, FloatGauge>::default();
        registry.register("worker_last_pass_duration_seconds", "How long the latest pass took", pass_duration.clone());
        let pass_found = Family::<PassLabel, Gauge>::default();
        registry.register(
            "worker_last_pass_found",
            "What the latest pass found: duties (reminder pass), breaches (breach watch), incidents, events or handovers (the notices)",
            pass_found.clone(),
        );
        let pass_succeeded = Family::<PassLabel, Gauge>::default();
        registry.register(
            "worker_last_pass_succeeded",
            "1 if the latest pass ran to the end, 0 if it failed",
            pass_succeeded.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool,
            pool_max,
            outbox,
            breaches,
            pass_time,
            pass_duration,
            pass_found,
            pass_succeeded,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.latency.get_or_create(&RouteLabels { method: method.clone(), route: route.clone() }).observe(seconds);
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// Reads the deployment-wide figures from the database, then writes every metric.
    async fn scrape(&self, state: &web::Data<AppState>) -> Result<String, ApiError> {
        let now = chrono::Utc::now();
        let (outbox, breaches, passes) =
            blocking(state, move |s| Ok((s.outbox_counts()?, s.breach_deadlines(now)?, s.latest_passes()?))).await?;
        let pool = state.store.pool_use();
        self.pool.get_or_create(&StateLabel { state: "idle" }).set(i64::from(pool.idle));
        self.pool.get_or_create(&StateLabel { state: "in_use" }).set(i64::from(pool.open.saturating_sub(pool.idle)));
        self.pool_max.set(i64::from(pool.max));
        for status in systemejer_store::MessageStatus::ALL.map(systemejer_store::MessageStatus::as_str) {
            let n = outbox.get(status).copied().unwrap_or(0);
            self.outbox.get_or_create(&StatusLabel { status: status.to_owned() }).set(n);
        }
        self.breaches.get_or_create(&DeadlineLabel { deadline: "running" }).set(i64::from(breaches.running));
        self.breaches.get_or_create(&DeadlineLabel { deadline: "passed" }).set(i64::from(breaches.passed));
        for pass in passes {
            let label = PassLabel { pass: pass.pass.as_str() };
            #[allow(clippy::cast_precision_loss, reason = "Unix seconds and milliseconds fit an f64 exactly")]
            let started = pass.started_at.timestamp_millis() as f64 / 1000.0;
            self.pass_time.get_or_create(&label).set(started);
            self.pass_duration.get_or_create(&label).set(pass.duration.as_secs_f64());
            self.pass_found.get_or_create(&label).set(i64::from(pass.found));
            self.pass_succeeded.get_or_create(&label).set(i64::from(pass.succeeded));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| ApiError::internal("encoding the metrics", e))?;
        Ok(text)
    }
}

/// Counts each request and its latency, by the route pattern it matched (`/api/v1/systems/{id}`,
/// not the id: a bounded set of series), or `unmatched`.
pub(crate) async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        metrics.observe(&method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(res)
}

/// `GET /metrics`.
pub(crate) async fn scrape(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if !caller.has(Role::Metrics) && !caller.has(Role::Admin) {
        return Err(ApiError::Forbidden("the metrics are for a token with the `metrics` (or `admin`) role".into()));
    }
    let text = metrics.scrape(&state).await?;
    Ok(HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(text))
}
