//! Incidents and personal data breaches, one at a time or as lists.

use systemejer_domain::RecordId;
use systemejer_domain::incidents::Incident;

use crate::tables::incidents::{self, IncidentFilter};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// One incident.
    pub fn get_incident(&self, id: RecordId) -> Result<Incident, StoreError> {
        self.read(|conn| incidents::get(conn, id))
    }

    /// Incidents matching `filter`, in sync order.
    pub fn list_incidents(&self, filter: &IncidentFilter, page: &PageRequest) -> Result<Page<Incident>, StoreError> {
        self.read(|conn| incidents::list(conn, filter, page))
    }
}
