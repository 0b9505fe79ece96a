//! What happened: the audit log, and the deletions that clients copying the register read.

use chrono::{DateTime, Utc};
use systemejer_domain::{AuditEvent, Deletion, EntityType};

use crate::tables::audit_events::{self, AuditFilter};
use crate::tables::deletions;
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// Audit events matching `filter`, oldest first.
    pub fn list_audit_events(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEvent>, StoreError> {
        self.read(|conn| audit_events::list(conn, filter, page))
    }

    /// Deletions since `since` (inclusive), oldest first, optionally of one kind of entity.
    pub fn list_deletions(
        &self,
        since: Option<DateTime<Utc>>,
        entity_type: Option<EntityType>,
        page: &PageRequest,
    ) -> Result<Page<Deletion>, StoreError> {
        self.read(|conn| deletions::list(conn, since, entity_type, page))
    }
}
