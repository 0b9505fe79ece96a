//! The REST/OpenAPI edge of the register: actix-web handlers that parse a request, check the
//! caller, call the store (which applies the domain's rules), and answer JSON or a problem.
//!
//! [`Application::build`] binds the server (port 0 picks a free port, for tests);
//! [`openapi`] gives the OpenAPI document the handlers describe.

pub mod access;
pub mod auth;
mod body_problems;
pub mod caller;
pub mod error;
pub mod extract;
pub mod language;
mod limits;
pub mod metrics;
pub mod openapi;
pub mod paging;
mod person_cache;
mod respond;
mod routes;
mod spreadsheets;
mod state;
mod strict;
mod wording;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::body::EitherBody;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpResponse, HttpServer, web};
use systemejer_store::Store;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{JwtSettings, Role, TokenSubject, mint_token};
use error::{ApiError, PROBLEM_JSON, Problem};
pub use state::{AppState, WebhookPolicy};

/// The slice of settings the API needs.
#[derive(Clone)]
pub struct ApiSettings {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Token checking.
    pub jwt: JwtSettings,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Requests per second allowed per client address, and the burst above it; `None`: no limit.
    pub rate_limit: Option<(u64, u32)>,
    /// How long the person a token's email matches is reused without reading it again (and
    /// only while this process writes nothing); zero reads it on every request.
    pub person_cache: Duration,
    /// Another edge served beside the API (the pages the mails link to), if any.
    pub mount: Option<Mount>,
    /// The controller and its DPO, as the record of processing names them.
    pub controller: systemejer_domain::reports::Controller,
    /// What receivers webhook subscriptions may name.
    pub webhooks: WebhookPolicy,
}

/// Another edge served on the API's server, under its rate limit, request ids and logging:
/// its routes, and a path prefix whose rest is a secret (a mail link's token). The rest of such
/// a path is taken out of the request before anything logs or counts it; the handler finds it
/// in the request's extensions as a [`SecretTail`].
#[derive(Clone)]
pub struct Mount {
    /// Adds the routes and their shared data.
    pub configure: std::sync::Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
    /// Paths under this prefix (e.g. `/l/`) carry a secret after it.
    pub secret_prefix: Option<&'static str>,
}

/// The secret rest of a path under a mount's secret prefix, which the path now shows as `-`.
#[derive(Debug, Clone)]
pub struct SecretTail(pub String);

/// Takes the secret out of a path under `prefix` before the request is logged, counted or
/// routed: `/l/<token>` becomes `/l/-`, and the token goes into the request's extensions.
async fn hide_secret_paths(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let mut req = req;
    let prefix = req.app_data::<web::Data<SecretPrefix>>().and_then(|p| p.0);
    // Also `/L/…` and `//l/…`: not links, but what a mistyped or mangled link would carry.
    let lowered = req.path().trim_start_matches('/').to_ascii_lowercase();
    let tail = prefix.and_then(|p| {
        let at = req.path().len() - lowered.len() + p.trim_start_matches('/').len();
        (lowered.starts_with(p.trim_start_matches('/')) && at <= req.path().len()).then(|| req.path()[at..].to_owned())
    });
    if let Some(prefix) = prefix
        && let Some(tail) = tail.filter(|t| !t.is_empty() && t != "-")
    {
        let hidden = format!("{prefix}-");
        if let Ok(uri) = hidden.parse::<actix_web::http::Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
            req.extensions_mut().insert(SecretTail(tail));
        }
    }
    next.call(req).await
}

/// The prefix [`hide_secret_paths`] looks for.
struct SecretPrefix(Option<&'static str>);

/// The OpenAPI document of the API, as the handlers describe it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(openapi::ApiDoc::openapi()).configure(routes::register).split_for_parts();
    openapi::complete(&mut api);
    api
}

/// A bound, not yet awaited, API server.
pub struct Application {
    server: Server,
    address: SocketAddr,
}

impl Application {
    /// Binds the API on `settings.listen`. The returned server runs when awaited.
    pub fn build(settings: &ApiSettings, store: Store) -> std::io::Result<Self> {
        let state = web::Data::new(AppState {
            store,
            auth: auth::Authenticator::new(&settings.jwt)?,
            people: person_cache::PersonCache::new(settings.person_cache),
            controller: settings.controller.clone(),
            webhooks: settings.webhooks,
        });
        let limiter = web::Data::new(limits::Limiter::new(settings.rate_limit));
        let metrics = web::Data::new(metrics::Metrics::new());
        let mount = settings.mount.clone();
        let secret_prefix = web::Data::new(SecretPrefix(mount.as_ref().and_then(|m| m.secret_prefix)));
        let server = HttpServer::new(move || {
            let mount = mount.clone();
            let (app, mut api) = App::new()
                .into_utoipa_app()
                .openapi(openapi::ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(limiter.clone())
                .app_data(metrics.clone())
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|err, req| ApiError::NotFound(extract::path_problem(&err, req)).into()),
                )
                .configure(routes::register)
                .split_for_parts();
            openapi::complete(&mut api);
            let routes = web::Data::new(KnownRoutes::from_openapi(&api));
            let app = match mount {
                Some(m) => app.configure(|cfg| (m.configure)(cfg)),
                None => app,
            };
            app.app_data(routes)
                .app_data(secret_prefix.clone())
                // Swagger UI's page, with this service's title (its own says "Swagger UI").
                .route("/docs/", web::get().to(docs_page))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
                .route("/metrics", web::get().to(metrics::scrape))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
                    }),
                )
                .default_service(web::to(unmatched))
                .wrap(actix_web::middleware::from_fn(refuse_unknown_parameters))
                .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
                .wrap(actix_web::middleware::from_fn(limits::limit))
                .wrap(actix_web::middleware::from_fn(language::problems_in_danish))
                .wrap(actix_web::middleware::from_fn(security_headers))
                .wrap(actix_web::middleware::from_fn(metrics::count_requests))
                .wrap(actix_web::middleware::from_fn(request_ids))
                .wrap(TracingLogger::default())
                .wrap(actix_web::middleware::from_fn(hide_secret_paths))
        });
        let server = match settings.workers {
            Some(n) => server.workers(n.max(1)),
            None => server,
        };
        let server = server.bind(settings.listen)?;
        let address = server.addrs().first().copied().unwrap_or(settings.listen);
        Ok(Self { server: server.run(), address })
    }

    /// The address the server is bound to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The server, to await or to spawn.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Gives any error response that is not already a problem (actix's 405, a panic's 500) a
/// problem body, so that no client ever sees a plain-text error.
#[allow(clippy::unnecessary_wraps, reason = "the signature actix's ErrorHandlers asks for")]
fn problem_for_plain_errors<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // A problem already, or a page meant for people (the pages answer their errors in HTML).
    if content_type == PROBLEM_JSON || content_type.starts_with("text/html") {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, original) = res.into_parts();
    let mut problem = Problem::for_status(status).response();
    for name in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(value) = original.headers().get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    let response: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

/// The routes the OpenAPI document lists, with their methods: to answer 405 (with `Allow`)
/// rather than 404 when a known path is called with a method it does not have.
struct KnownRoutes(Vec<KnownRoute>);

/// A path of the document: its methods, and each method's query parameters.
type KnownRoute = (actix_web::dev::ResourceDef, Vec<&'static str>, Vec<(&'static str, Vec<String>)>);

impl KnownRoutes {
    fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.as_ref()),
                    ("PUT", item.put.as_ref()),
                    ("POST", item.post.as_ref()),
                    ("DELETE", item.delete.as_ref()),
                    ("PATCH", item.patch.as_ref()),
                ];
                let allowed = methods.iter().filter(|(_, op)| op.is_some()).map(|(m, _)| *m).collect();
                let queries = methods
                    .iter()
                    .filter_map(|(m, op)| op.map(|op| (*m, op)))
                    .map(|(m, op)| {
                        let names = op
                            .parameters
                            .iter()
                            .flatten()
                            .filter(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                            .map(|p| p.name.clone())
                            .collect();
                        (m, names)
                    })
                    .collect();
                (actix_web::dev::ResourceDef::new(path.as_str()), allowed, queries)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[&'static str]> {
        self.0.iter().find(|(def, _, _)| def.is_match(path)).map(|(_, methods, _)| methods.as_slice())
    }

    /// The query parameters the document gives `method` on `path`, if it is an operation.
    fn query_parameters(&self, method: &str, path: &str) -> Option<&[String]> {
        let (_, _, queries) = self.0.iter().find(|(def, _, _)| def.is_match(path))?;
        queries.iter().find(|(m, _)| *m == method).map(|(_, names)| names.as_slice())
    }
}

/// A query parameter the operation does not know is refused (400, naming it and the ones it
/// knows), as an unknown body field is: `?ownerid=` silently ignored would answer the whole
/// list as if filtered. Only for operations of the document; anything else is routed as usual.
async fn refuse_unknown_parameters(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::ResponseError;
    if let Err(error) = extract::refuse_control_characters(req.query_string()) {
        return Ok(req.into_response(error.error_response()));
    }
    let unknown = req.app_data::<web::Data<KnownRoutes>>().and_then(|routes| {
        let known = routes.query_parameters(req.method().as_str(), req.path())?;
        let name = form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(name, _)| name.into_owned())
            .find(|name| !known.iter().any(|k| k == name))?;
        Some((name, known.to_vec()))
    });
    if let Some((name, known)) = unknown {
        let listed = if known.is_empty() {
            "this operation takes no query parameters".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        };
        let v = systemejer_domain::Violation::new(name.clone(), "unknown_parameter", listed.clone());
        let error =
            ApiError::BadRequest { detail: format!("unknown query parameter `{name}`; {listed}"), errors: vec![v] };
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Requests that match no route: 405 for a known path with another method, else 404.
async fn unmatched(req: actix_web::HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    use actix_web::ResponseError;
    match routes.allowed(req.path()) {
        Some(methods) => {
            let mut problem = Problem::for_status(actix_web::http::StatusCode::METHOD_NOT_ALLOWED);
            problem.detail = Some(format!("{} is not allowed here; use {}", req.method(), methods.join(", ")));
            let mut response = problem.response();
            if let Ok(allow) = header::HeaderValue::from_str(&methods.join(", ")) {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            response
        }
        None => ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())).error_response(),
    }
}

/// Headers every response carries: no content sniffing, no framing, no referrer; API answers
/// are never cached and may load nothing; the docs page may load only its own scripts and styles.
/// Tells the client the id the request's log lines carry (made by `TracingLogger`, which runs
/// outside this): in `X-Request-Id` on every response, and as `request_id` in every problem
/// body, so that a problem reported by a user can be found in the logs.
async fn request_ids(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let id = req.extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string);
    let res = next.call(req).await?;
    let Some(id) = id else { return Ok(res.map_into_boxed_body()) };
    let (req, mut res) = res.into_parts();
    let status = res.status().as_u16();
    if status >= 400 {
        tracing::info!(status, method = %req.method(), path = %req.path(), "answered with a problem");
    } else {
        tracing::debug!(status, method = %req.method(), path = %req.path(), "answered");
    }
    if let Ok(value) = header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(header::HeaderName::from_static("x-request-id"), value);
    }
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(error::PROBLEM_JSON));
    if !problem {
        return Ok(ServiceResponse::new(req, res.map_into_boxed_body()));
    }
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.insert("request_id".into(), serde_json::Value::String(id));
            serde_json::to_vec(&fields).map_or(bytes, Into::into)
        }
        _ => bytes,
    };
    Ok(ServiceResponse::new(req, head.set_body(body).map_into_boxed_body()))
}

async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    // A page sets its own policy (it loads its stylesheet and posts its forms).
    let own_policy = headers.contains_key(header::CONTENT_SECURITY_POLICY);
    let set = |h: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(header::HeaderName::from_static(name), header::HeaderValue::from_static(value));
    };
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "no-referrer");
    if own_policy {
        set(headers, "cache-control", "no-store");
    } else if docs {
        set(
            headers,
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
        );
    } else {
        set(headers, "content-security-policy", "default-src 'none'; frame-ancestors 'none'");
        set(headers, "cache-control", "no-store");
    }
    Ok(res)
}

/// The API documentation's page: Swagger UI's own files, under this service's title.
async fn docs_page() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>systemejer API</title>\n\
         <link rel=\"stylesheet\" type=\"text/css\" href=\"./swagger-ui.css\">\n\
         <link rel=\"stylesheet\" type=\"text/css\" href=\"index.css\">\n\
         <link rel=\"icon\" type=\"image/png\" href=\"./favicon-32x32.png\" sizes=\"32x32\">\n\
         </head>\n<body>\n<div id=\"swagger-ui\"></div>\n\
         <noscript><p>The documentation needs JavaScript. The document itself: \
         <a href=\"/openapi.json\">/openapi.json</a>.</p></noscript>\n\
         <script src=\"./swagger-ui-bundle.js\" charset=\"UTF-8\"></script>\n\
         <script src=\"./swagger-ui-standalone-preset.js\" charset=\"UTF-8\"></script>\n\
         <script src=\"./swagger-initializer.js\" charset=\"UTF-8\"></script>\n\
         </body>\n</html>\n",
    )
}
