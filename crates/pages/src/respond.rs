//! How a page answers: its HTML with the pages' headers, or a redirect after a form; the
//! register's work on the blocking pool.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use systemejer_store::StoreError;

use crate::state::Pages;
use crate::views;

/// The policy of every page: its own stylesheet, forms that post to itself, nothing else.
pub(crate) const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                           frame-ancestors 'none'; base-uri 'none'";

/// What a handler answers, before it becomes a response.
pub(crate) enum Reply {
    /// A page.
    Page(StatusCode, String),
    /// See another page (after a form was recorded).
    SeeOther(String),
}

/// A page with the pages' headers.
pub(crate) fn page(status: StatusCode, body: String) -> HttpResponse {
    let mut res = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl Reply {
    pub(crate) fn into_response(self) -> HttpResponse {
        match self {
            Reply::Page(status, body) => page(status, body),
            Reply::SeeOther(to) => {
                let mut res = page(StatusCode::SEE_OTHER, String::new());
                if let Ok(v) = HeaderValue::from_str(&to) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                res
            }
        }
    }
}

/// Runs `work` (which reads and writes the register) on the blocking pool; a failure of the
/// store is logged with its cause and answered with a page that says so, never a token.
pub(crate) async fn blocking(
    req: &HttpRequest,
    pages: web::Data<Pages>,
    work: impl FnOnce(&Pages) -> Result<Reply, StoreError> + Send + 'static,
) -> HttpResponse {
    let lang_page = views::failure_page(&pages);
    match web::block(move || work(&pages)).await {
        Ok(Ok(reply)) => reply.into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %systemejer_store::ErrorChain(&e), path = %req.path(), "a page failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, lang_page)
        }
        Err(e) => {
            tracing::error!(error = %e, path = %req.path(), "a page's work did not finish");
            page(StatusCode::INTERNAL_SERVER_ERROR, lang_page)
        }
    }
}
