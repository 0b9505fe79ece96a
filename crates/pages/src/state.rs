//! What every page handler shares: the register, the link keys, whom to contact.

use systemejer_links::LinkKeys;
use systemejer_store::Store;

/// The slice of settings the pages need.
#[derive(Clone)]
pub struct PagesSettings {
    /// The base of the service's links (`https://` makes the session cookie `Secure`).
    pub public_url: String,
    /// The keys links are checked with (and sessions signed with).
    pub keys: LinkKeys,
    /// Whom a refused reader is told to write to (the information security coordinator).
    pub coordinator_email: Option<String>,
    /// The data protection officer's address: its person may open every breach's page.
    pub dpo_email: Option<String>,
}

/// What every page handler shares.
pub struct Pages {
    /// The register.
    pub store: Store,
    /// The settings.
    pub settings: PagesSettings,
    /// Whether the session cookie is `Secure` (the public URL is https).
    pub secure: bool,
}
