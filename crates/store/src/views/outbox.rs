//! The outbox as it is read: the notifications the API lists, and which reminder keys were
//! used before (what a pass leaves out).

use crate::tables::outbox::{self, NotificationFilter, StoredMessage};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// Which of `keys` have been used already.
    pub fn existing_reminder_keys(&self, keys: &[String]) -> Result<Vec<String>, StoreError> {
        self.read(|conn| outbox::used_keys(conn, keys))
    }

    /// Notifications matching `filter`, newest last.
    pub fn list_notifications(
        &self,
        filter: &NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredMessage>, StoreError> {
        self.read(|conn| outbox::list(conn, filter, page))
    }
}
