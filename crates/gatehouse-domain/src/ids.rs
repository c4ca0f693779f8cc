//! Typed row ids, so that an admin id can never be passed where a consumer id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }
    };
}

typed_id!(
    /// `oauth_consumer.entity_id`.
    ConsumerId
);
typed_id!(
    /// `oauth_token.entity_id`.
    TokenId
);
typed_id!(
    /// `integration.integration_id`.
    IntegrationId
);
typed_id!(
    /// An admin user's id.
    AdminId
);
typed_id!(
    /// A customer's id.
    CustomerId
);
typed_id!(
    /// `authorization_role.role_id`.
    RoleId
);
