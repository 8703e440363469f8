//! A key's role: what a caller is, stored with its key. Kept apart from the rest of `auth`
//! so the key rows in the database layer can name it without importing the authenticator.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema, clap::ValueEnum)]
#[derive(diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A shop till: fittings, recommendations and outcomes for its own store.
    Staff,
    /// A web shop: recommendations only, from its own browser origins.
    Storefront,
    /// Outcome import, training, the model registry; reads across stores.
    Analyst,
    /// Catalogue, stock and everything else.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Storefront => "storefront",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        [Role::Staff, Role::Storefront, Role::Analyst, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not one of: staff, storefront, analyst, admin"))
    }
}
