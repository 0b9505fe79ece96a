//! The routes: `/healthz`, `/readyz`, and the register under `/api/v1`.

mod advice;
mod agreements;
mod audit;
mod health;
mod imports;
mod incidents;
mod measures;
mod notifications;
mod obligations;
mod org_units;
mod people;
mod processors;
mod records;
mod reports;
mod systems;
mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route (and so every documented operation).
pub(crate) fn register(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz).service(scope("/api/v1").configure(|cfg| {
        org_units::register(cfg);
        people::register(cfg);
        systems::register(cfg);
        records::register(cfg);
        advice::register(cfg);
        agreements::register(cfg);
        measures::register(cfg);
        processors::register(cfg);
        obligations::register(cfg);
        incidents::register(cfg);
        reports::register(cfg);
        notifications::register(cfg);
        audit::register(cfg);
        imports::register(cfg);
        webhooks::register(cfg);
    }));
}
