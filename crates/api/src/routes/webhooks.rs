//! `/webhooks`: subscriptions to the register's events, for admins. The secret is shown when a
//! subscription is made and when it is rotated, never again; a receiver's address must be a
//! public one (checked here, and again by the worker at every delivery).

use std::net::IpAddr;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use systemejer_domain::webhooks::{
    DeliveryStatus, GENERATED_SECRET_BYTES, Host, NewWebhook, SecretRotation, Webhook, WebhookChanges, WebhookDelivery,
    WebhookSecret, WebhookUrl, WebhookWithSecret, check_addresses,
};
use systemejer_domain::{Violation, WebhookId};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Body, IfMatch, OptionalBody, Query, if_match};
use crate::paging::{Page, PageParams};
use crate::respond::{blocking, created_tagged, tagged};
use crate::state::AppState;

pub(super) fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(list_webhook_deliveries);
}

/// How long a receiver's host name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Refuses a receiver whose host is, or resolves to, an address the service must not call
/// (loopback, private, link-local, ...), unless the settings allow private addresses.
async fn check_destination(url: &WebhookUrl, allow_private: bool) -> Result<(), ApiError> {
    if allow_private {
        return Ok(());
    }
    let (host, port) = url.host_and_port();
    let (name, addresses): (String, Vec<IpAddr>) = match host {
        Host::Address(ip) => (ip.to_string(), vec![ip]),
        Host::Name(name) => {
            let unresolved = |why: String| {
                ApiError::Invalid(vec![Violation::new(
                    "url",
                    "resolvable",
                    format!("{name} could not be resolved ({why}): give a host name that resolves, or an address"),
                )])
            };
            let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name.as_str(), port)))
                .await
                .map_err(|_| unresolved("it took too long".into()))?
                .map_err(|e| unresolved(e.to_string()))?;
            let addresses: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            if addresses.is_empty() {
                return Err(unresolved("no address".into()));
            }
            (name, addresses)
        }
    };
    check_addresses(&name, &addresses).map_err(|v| ApiError::Invalid(vec![v]))
}

/// The secret given, or a new one of random bytes.
fn secret_or_new(given: Option<WebhookSecret>) -> Result<WebhookSecret, ApiError> {
    if let Some(secret) = given {
        return Ok(secret);
    }
    let mut key = [0u8; GENERATED_SECRET_BYTES];
    getrandom::fill(&mut key).map_err(|e| ApiError::internal("drawing a webhook secret", e.to_string()))?;
    WebhookSecret::from_key(&key).map_err(|e| ApiError::internal("making a webhook secret", e))
}

/// List webhook subscriptions
#[utoipa::path(
    tag = "webhooks",
    params(PageParams),
    responses((status = 200, description = "A page of subscriptions, in sync order (never their secrets)", body = Page<Webhook>)),
    security(("bearer" = []))
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    page: Query<PageParams>,
) -> Result<web::Json<Page<Webhook>>, ApiError> {
    caller.require_admin()?;
    let page = page.0.to_request()?;
    Ok(web::Json(blocking(&state, move |s| s.list_webhooks(&page)).await?.into()))
}

/// Subscribe to events
///
/// The answer shows the signing secret (`whsec_…`, made by the service unless given) this once.
/// The URL must be `http(s)` and its host a public address (`url`, rule `public_address`),
/// unless the service allows private ones (`SYSTEMEJER_WEBHOOK_ALLOW_PRIVATE`).
#[utoipa::path(
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Made; the only answer (with a rotation's) that shows the secret", body = WebhookWithSecret, headers(("Location" = String, description = "The subscription's URL"), ("ETag" = String, description = "The version of the subscription; send it back in `If-Match` to change it"))),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut new = body.0;
    check_destination(&new.url, state.webhooks.allow_private).await?;
    let secret = secret_or_new(new.secret.take())?;
    let actor = caller.actor;
    let made = blocking(&state, move |s| s.create_webhook(new, &secret, &actor)).await?;
    Ok(created_tagged(format!("/api/v1/webhooks/{}", made.id), made.version, &made))
}

/// Get a webhook subscription
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookId, Path, description = "The subscription's id")),
    responses((status = 200, description = "The subscription (never its secret)", body = Webhook), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let found = blocking(&state, move |s| s.get_webhook(id)).await?;
    Ok(tagged(found.version, &found))
}

/// Change a webhook subscription
///
/// Absent fields stay; `null` clears. `"active": true` turns a subscription the service
/// disabled on again, and forgets why it was off. A new URL is checked as when made.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookId, Path, description = "The subscription's id")),
    request_body = WebhookChanges,
    responses(
        (status = 200, description = "The changed subscription", body = Webhook),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<WebhookId>,
    body: Body<WebhookChanges>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    if let Some(url) = &body.0.url {
        check_destination(url, state.webhooks.allow_private).await?;
    }
    let (id, actor) = (id.into_inner(), caller.actor);
    let updated = blocking(&state, move |s| s.update_webhook(id, &body.0, expected, &actor)).await?;
    Ok(tagged(updated.version, &updated))
}

/// Delete a webhook subscription
///
/// Its deliveries and their attempts go with it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookId, Path, description = "The subscription's id")),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (_, IfMatch(expected)) = if_match(&req)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    blocking(&state, move |s| s.delete_webhook(id, expected, &actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook subscription's secret
///
/// The new secret (given, or made by the service when `secret` is absent) is shown this once.
/// For 24 hours the deliveries are signed with the old secret too (`webhook-signature` holds
/// both), so the receiver can change over without losing one.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookId, Path, description = "The subscription's id")),
    request_body(content = Option<SecretRotation>, description = "The new secret; no body (or `{}`): the service makes one"),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret, headers(("ETag" = String, description = "The version of the subscription; send it back in `If-Match` to change it"))),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/secret")]
async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<WebhookId>,
    body: OptionalBody<SecretRotation>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let secret = secret_or_new(body.0.secret)?;
    let (id, actor) = (id.into_inner(), caller.actor);
    let rotated = blocking(&state, move |s| s.rotate_webhook_secret(id, &secret, None, &actor)).await?;
    Ok(tagged(rotated.version, &rotated))
}

/// Filters for a subscription's deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only with this status.
    #[param(inline)]
    status: Option<DeliveryStatus>,
}

/// List a webhook subscription's deliveries
///
/// Each event queued for it, oldest first, with where its delivery stands and every attempt:
/// when, the receiver's HTTP status or the error, and how long it took.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookId, Path, description = "The subscription's id"), PageParams, DeliveryQuery),
    responses((status = 200, description = "A page of deliveries", body = Page<WebhookDelivery>), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<WebhookId>,
    page: Query<PageParams>,
    query: Query<DeliveryQuery>,
) -> Result<web::Json<Page<WebhookDelivery>>, ApiError> {
    caller.require_admin()?;
    let page = page.0.to_request()?;
    let (id, status) = (id.into_inner(), query.0.status);
    Ok(web::Json(blocking(&state, move |s| s.list_webhook_deliveries(id, status, &page)).await?.into()))
}
