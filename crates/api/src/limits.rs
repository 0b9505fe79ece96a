//! The per-client rate limit: requests per second with a burst, per client address, answered
//! with a 429 problem and `Retry-After` when exceeded. Behind a reverse proxy every client
//! shares the proxy's address: let the proxy limit per client instead, or raise the limit.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{PROBLEM_JSON, Problem};

/// The limiter, shared by every worker thread.
#[derive(Clone)]
pub struct Limiter(Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>);

impl Limiter {
    /// `per_second` requests a second per address, `burst` at once; `None`: no limit.
    pub fn new(limit: Option<(u64, u32)>) -> Self {
        Self(limit.and_then(|(per_second, burst)| {
            let rate = NonZeroU32::new(u32::try_from(per_second).unwrap_or(u32::MAX))?;
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Some(Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))))
        }))
    }
}

/// Refuses a request over the client's limit with a 429 problem and `Retry-After`.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<Limiter>>().and_then(|l| l.0.clone());
    if let (Some(limiter), Some(peer)) = (limiter, req.peer_addr())
        && let Err(not_until) = limiter.check_key(&peer.ip())
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
        // A person's browser on the pages the mails link to gets a page, in Danish.
        let browser = !req.path().starts_with("/api/")
            && req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|a| a.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
        if browser {
            let page = format!(
                "<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>For mange forespørgsler</title></head><body><main><h1>For mange forespørgsler</h1><p>Vent {wait} sekunder, og prøv igen. Intet er gået tabt.</p></main></body></html>"
            );
            let response = HttpResponse::TooManyRequests()
                .insert_header(("retry-after", wait.to_string()))
                .content_type("text/html; charset=utf-8")
                .body(page);
            return Ok(req.into_response(response).map_into_right_body());
        }
        let mut problem = Problem::for_status(StatusCode::TOO_MANY_REQUESTS);
        problem.kind = "urn:systemejer:problem:rate_limited".into();
        problem.title = "Too many requests".into();
        problem.detail = Some(format!("slow down: try again in {wait} s"));
        let response = HttpResponse::TooManyRequests()
            .insert_header(("retry-after", wait.to_string()))
            .content_type(PROBLEM_JSON)
            .body(serde_json::to_string(&problem).unwrap_or_default());
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
