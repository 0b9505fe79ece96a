//! What every handler shares.

use systemejer_store::Store;

use crate::auth::Authenticator;
use crate::person_cache::PersonCache;

/// What every handler shares.
pub struct AppState {
    /// The register.
    pub store: Store,
    /// Token verification.
    pub auth: Authenticator,
    /// The people tokens named a moment ago.
    pub(crate) people: PersonCache,
    /// The controller and its DPO, as the record of processing names them.
    pub controller: systemejer_domain::reports::Controller,
    /// What receivers webhooks may have.
    pub webhooks: WebhookPolicy,
}

/// What receivers a webhook subscription may name.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookPolicy {
    /// Whether a receiver may be on a private, loopback or other non-public address (tests, a
    /// closed network); off by default.
    pub allow_private: bool,
}
