//! Typed identifiers: a person's id cannot be passed where a system's is expected. New ids are
//! made where records are stored (the domain reads no clock and no randomness).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an identifier read from storage or a request.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The identifier as a UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies an organisational unit (directorate, department, staff function, ...).
    OrgUnitId
);
id_type!(
    /// Identifies a person in the municipality's organisation.
    PersonId
);
id_type!(
    /// Identifies an IT system in the register.
    SystemId
);
id_type!(
    /// Identifies a record kept about a system (a risk assessment, a DPIA, an agreement, ...).
    RecordId
);
id_type!(
    /// Identifies a data processor (*databehandler*).
    ProcessorId
);
id_type!(
    /// Identifies a webhook subscription.
    WebhookId
);
