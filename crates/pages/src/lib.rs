//! The pages the mails link to: a duty, and the recipient's list of open duties ("Mine
//! opgaver"), server-rendered in Danish (English for people who read English), usable with no
//! JavaScript and no account. A page is opened by a signed link ([`systemejer_links`]) that is
//! exchanged for a short session cookie; what a page records goes through the same store use
//! case as the API, in the name of the person the link was sent to, marked `via: link`.
//!
//! [`mount`] gives the routes to serve beside the API, on its server.

mod breach;
mod duty;
mod form;
mod home;
mod mine;
mod respond;
mod session;
mod state;
mod texts;
mod views;

use std::sync::Arc;

use actix_web::web;
use systemejer_api::Mount;
use systemejer_store::Store;

pub use session::{COOKIE, SESSION_MINUTES};
use state::Pages;
pub use state::PagesSettings;

/// The pages' routes and data, to serve beside the API. Paths under `/l/` carry a link's token,
/// which the API's server takes out of the path before anything logs it.
pub fn mount(settings: PagesSettings, store: Store) -> Mount {
    let secure = settings.public_url.starts_with("https://");
    let pages = web::Data::new(Pages { store, settings, secure });
    Mount {
        configure: Arc::new(move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(pages.clone())
                .route("/", web::get().to(home::index))
                .route("/side.css", web::get().to(home::stylesheet))
                .route("/l/{hidden}", web::get().to(duty::open_link))
                .service(
                    web::resource(["/opgave/{system}/{kind}", "/opgave/{system}/{kind}/{subject}"])
                        .route(web::get().to(duty::show))
                        .route(web::post().to(duty::record))
                        .default_service(web::to(home::not_here)),
                )
                .route("/brud/{incident}", web::get().to(breach::show))
                // A form's address opened by itself (a reload after a refused form) shows its page.
                .service(
                    web::resource("/brud/{incident}/{what}")
                        .route(web::post().to(breach::record))
                        .route(web::get().to(home::back_to_breach))
                        .default_service(web::to(home::not_here)),
                )
                .route("/mine-opgaver", web::get().to(mine::show))
                .route("/ejer/{owner}", web::get().to(mine::owner_list))
                .service(
                    web::resource([
                        "/mine-opgaver/opgave/{system}/{kind}",
                        "/mine-opgaver/opgave/{system}/{kind}/{subject}",
                    ])
                    .route(web::post().to(mine::record))
                    .route(web::get().to(home::back_to_my_duties)),
                )
                .service(
                    web::resource("/mine-opgaver/afvikling/{system}/{step}")
                        .route(web::post().to(mine::exit_step))
                        .route(web::get().to(home::back_to_my_duties))
                        .default_service(web::to(home::not_here)),
                )
                // Any other address under the pages' paths: a page that says so, not JSON.
                .route("/l/", web::get().to(duty::open_link))
                .route("/opgave/{tail:.*}", web::to(home::not_here))
                .route("/brud/{tail:.*}", web::to(home::not_here))
                .route("/mine-opgaver/{tail:.*}", web::to(home::not_here))
                .route("/ejer/{tail:.*}", web::to(home::not_here));
        }),
        secret_prefix: Some("/l/"),
    }
}
