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

/// A form's address on Mine opgaver, opened by itself: the list.
pub async fn back_to_my_duties() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, "/mine-opgaver")).finish()
}

/// A form's address on a breach's page, opened by itself: the page.
pub async fn back_to_breach(req: actix_web::HttpRequest) -> HttpResponse {
    let incident = req.match_info().get("incident").unwrap_or_default();
    let to = format!(
        "/brud/{}",
        incident.parse::<systemejer_domain::RecordId>().map(|id| id.to_string()).unwrap_or_default()
    );
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, to)).finish()
}

/// An address under the pages' paths that is no page (or a method a page does not take).
pub async fn not_here(pages: web::Data<Pages>) -> HttpResponse {
    let body = crate::views::MessagePage {
        f: Frame::new(&pages, Language::Da, None),
        title: "Siden findes ikke".into(),
        text: "Adressen er ikke en side i systemejer-registret. Brug linket i mailen.".into(),
    }
    .render()
    .unwrap_or_default();
    page(StatusCode::NOT_FOUND, body)
}
