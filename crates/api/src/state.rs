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
}
