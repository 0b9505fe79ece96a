//! The delta feed of deletions (`GET api/v2/delta-feed/deleted-entities`, API-V2.md §3).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::de::null_default;
use crate::time::Timestamp;

/// An entity deleted in Kitos. Deletions never show up in `changedSinceGtEq` results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeletedEntity {
    pub occurred_at_utc: Option<Timestamp>,
    #[serde(deserialize_with = "null_default")]
    pub entity_uuid: Uuid,
    /// E.g. `"ItSystemUsage"`.
    pub entity_type: Option<String>,
}
