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
}
