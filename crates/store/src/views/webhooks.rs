//! Webhook subscriptions as the API reads them (never their secrets), the deliveries of each
//! with their attempts, and whether any subscription wants what the worker is about to look for.

use systemejer_domain::WebhookId;
use systemejer_domain::webhooks::{DeliveryStatus, EventType, Webhook, WebhookDelivery};

use crate::tables::{webhook_deliveries, webhooks};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// One subscription.
    pub fn get_webhook(&self, id: WebhookId) -> Result<Webhook, StoreError> {
        self.read(|conn| webhooks::get(conn, id))
    }

    /// Subscriptions, in sync order.
    pub fn list_webhooks(&self, page: &PageRequest) -> Result<Page<Webhook>, StoreError> {
        self.read(|conn| webhooks::list(conn, page))
    }

    /// The deliveries to a subscription (of one status, if given), oldest first, each with
    /// every attempt.
    pub fn list_webhook_deliveries(
        &self,
        id: WebhookId,
        status: Option<DeliveryStatus>,
        page: &PageRequest,
    ) -> Result<Page<WebhookDelivery>, StoreError> {
        self.read(|conn| {
            webhooks::get(conn, id)?;
            webhook_deliveries::list_of(conn, &id.to_string(), status, page)
        })
    }

    /// Whether an active subscription wants any of `types`: the worker looks for what only
    /// subscribers want (the duties' stages) only then.
    pub fn webhooks_want(&self, types: &[EventType]) -> Result<bool, StoreError> {
        self.read(|conn| webhooks::any_wants(conn, types))
    }
}
