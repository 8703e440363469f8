//! Identifiers. Fitting ids are random UUIDs so a client cannot walk other stores' records;
//! store ids and customer references are short opaque strings checked on the way in.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FittingId(pub uuid::Uuid);

impl FittingId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl Default for FittingId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for FittingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! opaque_ref {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// 1-64 characters of letters, digits, `-`, `_` or `.`.
            pub fn parse(value: &str) -> Result<Self, String> {
                let ok = !value.is_empty()
                    && value.len() <= 64
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if ok {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(format!("{} must be 1-64 characters of letters, digits, '-', '_' or '.'", $what))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_ref!(/// A shop's store identifier, e.g. `S1`.
    StoreId, "a store id");
opaque_ref!(/// Pseudonymous customer reference; the service never stores names or contact details.
    CustomerRef, "a customer reference");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_ids_refuse_spaces_slashes_and_empty_strings() {
        assert!(StoreId::parse("S1").is_ok());
        assert!(StoreId::parse("").is_err());
        assert!(StoreId::parse("a b").is_err());
        assert!(StoreId::parse("../x").is_err());
        assert!(StoreId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn customer_refs_refuse_email_addresses() {
        assert!(CustomerRef::parse("jane@example.com").is_err());
    }
}
