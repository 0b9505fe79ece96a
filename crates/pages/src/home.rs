//! The front page, and the stylesheet every page loads (served from the binary).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use systemejer_domain::Language;

use crate::respond::page;
use crate::state::Pages;
use crate::views::Frame;

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    f: Frame,
}

/// The front page: what the service is, and where the API's documentation is.
pub async fn index(pages: web::Data<Pages>) -> HttpResponse {
    let body = IndexPage { f: Frame::new(&pages, Language::Da, None) }.render().unwrap_or_default();
    page(StatusCode::OK, body)
}

/// The pages' stylesheet.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("../static/side.css"))
}
