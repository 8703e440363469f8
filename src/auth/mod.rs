//! Who is calling and what they may do. Keys carry a role (and, for staff, a store); every
//! handler names the action it performs and checks it here, once. Secrets are stored only as
//! SHA-256 hashes: they are long random strings, so a fast hash is enough to make a leaked
//! table useless.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::{self, keys::ApiKeyRow, Database, DbError};
use crate::fitting::StoreId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema, clap::ValueEnum)]
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

    pub fn parse(s: &str) -> Option<Self> {
        [Role::Staff, Role::Storefront, Role::Analyst, Role::Admin].into_iter().find(|r| r.as_str() == s)
    }
}

/// What a request does, for the permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadCatalogue,
    WriteCatalogue,
    ReadStock,
    WriteStock,
    CreateFitting,
    ReadFitting,
    Recommend,
    RecordOutcome,
    ReadOutcome,
    ImportOutcomes,
    ManageModels,
    EraseCustomer,
}

impl Action {
    fn allowed(self, role: Role) -> bool {
        use Action::*;
        use Role::*;
        match role {
            Admin => true,
            Staff => matches!(self, ReadCatalogue | ReadStock | CreateFitting | ReadFitting | Recommend | RecordOutcome | ReadOutcome),
            Storefront => matches!(self, ReadCatalogue | Recommend),
            Analyst => matches!(self, ReadCatalogue | ReadStock | ReadFitting | Recommend | ReadOutcome | ImportOutcomes | ManageModels),
        }
    }
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: String,
    pub role: Role,
    /// Staff keys are bound to one store.
    pub store: Option<StoreId>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send Authorization: Bearer <key>")]
    Missing,
    #[error("unknown or revoked API key")]
    Invalid,
    #[error("this {role} key may not {action}")]
    Forbidden { role: &'static str, action: String },
    #[error("this key belongs to another store")]
    OtherStore,
    #[error("rate limit exceeded; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Principal {
    /// Open mode (local trials): an administrator without a key.
    pub fn open() -> Self {
        Self { key_id: "open".into(), role: Role::Admin, store: None }
    }

    pub fn require(&self, action: Action) -> Result<(), AuthError> {
        if action.allowed(self.role) {
            Ok(())
        } else {
            Err(AuthError::Forbidden { role: self.role.as_str(), action: format!("{action:?}") })
        }
    }

    /// Whether this caller may see a record of `store` (staff see only their own store).
    pub fn can_see_store(&self, store: Option<&str>) -> bool {
        match (&self.store, self.role) {
            (Some(own), Role::Staff) => store == Some(own.as_str()),
            _ => true,
        }
    }

    /// The store a staff write belongs to: the key's own; another one is refused.
    pub fn store_for_write(&self, requested: Option<StoreId>) -> Result<Option<StoreId>, AuthError> {
        match (&self.store, self.role) {
            (Some(own), Role::Staff) => match requested {
                Some(s) if &s != own => Err(AuthError::OtherStore),
                _ => Ok(Some(own.clone())),
            },
            _ => Ok(requested),
        }
    }
}

pub fn hash_secret(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// A new secret: `sf_` and 64 hex digits (244 random bits from two v4 UUIDs).
fn new_secret() -> String {
    format!("sf_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub store_id: Option<String>,
    pub cors_origins: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<ApiKeyRow> for KeyInfo {
    fn from(r: ApiKeyRow) -> Self {
        Self {
            role: Role::parse(&r.role).unwrap_or(Role::Storefront),
            cors_origins: r.cors_origins.map(|o| o.split_whitespace().map(str::to_owned).collect()).unwrap_or_default(),
            id: r.id,
            name: r.name,
            store_id: r.store_id,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// Creates a key; returns its record and the secret (shown once, never stored).
pub fn create_key(
    db: &Database,
    name: &str,
    role: Role,
    store: Option<StoreId>,
    cors_origins: &[String],
) -> anyhow::Result<(KeyInfo, String)> {
    if role == Role::Staff && store.is_none() {
        anyhow::bail!("a staff key needs --store");
    }
    if name.trim().is_empty() || name.len() > 100 {
        anyhow::bail!("--name must be 1-100 characters");
    }
    for origin in cors_origins {
        if !(origin.starts_with("https://") || origin.starts_with("http://")) || origin.contains(char::is_whitespace) {
            anyhow::bail!("CORS origin '{origin}' must look like https://shop.example");
        }
    }
    let secret = new_secret();
    let row = ApiKeyRow {
        id: format!("k_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        name: name.trim().to_owned(),
        role: role.as_str().to_owned(),
        store_id: store.map(|s| s.to_string()),
        secret_hash: hash_secret(&secret),
        cors_origins: (!cors_origins.is_empty()).then(|| cors_origins.join(" ")),
        created_at: db::now_rfc3339(),
        revoked_at: None,
    };
    db.with_conn(|conn| db::keys::insert(conn, &row))?;
    Ok((row.into(), secret))
}

/// How long a looked-up key is trusted before the database is asked again: a revocation
/// takes effect on every replica within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Checks keys (with a short cache) and per-key rate limits.
pub struct Authenticator {
    db: Database,
    open: bool,
    cache: RwLock<HashMap<String, (Option<Principal>, Instant)>>,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// Browser origins of storefront keys, for CORS.
    origins: RwLock<HashSet<String>>,
}

impl Authenticator {
    /// `per_minute` = 0 turns rate limiting off.
    pub fn new(db: Database, open: bool, per_minute: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Self { db, open, cache: RwLock::default(), limiter, origins: RwLock::default() }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    fn lookup(&self, secret: &str) -> Result<Option<Principal>, AuthError> {
        let hash = hash_secret(secret);
        if let Some((principal, at)) = self.cache.read().ok().and_then(|c| c.get(&hash).cloned()) {
            if at.elapsed() < KEY_CACHE_TTL {
                return Ok(principal);
            }
        }
        let row = self.db.with_conn(|conn| db::keys::find_by_hash(conn, &hash))?;
        let principal = row.filter(|r| r.revoked_at.is_none()).and_then(|r| {
            Some(Principal {
                role: Role::parse(&r.role)?,
                store: r.store_id.as_deref().and_then(|s| StoreId::parse(s).ok()),
                key_id: r.id,
            })
        });
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() > 10_000 {
                cache.clear(); // bound memory against floods of random keys
            }
            cache.insert(hash, (principal.clone(), Instant::now()));
        }
        Ok(principal)
    }

    /// The secret of an `Authorization: Bearer` header; `Ok(None)` is "no header, open mode".
    fn bearer_secret<'a>(&self, authorization: Option<&'a str>) -> Result<Option<&'a str>, AuthError> {
        match authorization {
            None if self.open => Ok(None),
            None => Err(AuthError::Missing),
            Some(value) => value.strip_prefix("Bearer ").map(|s| Some(s.trim())).ok_or(AuthError::Invalid),
        }
    }

    /// Answers without the database when it can (open mode, a cached key), else `None`.
    pub fn authenticate_cached(&self, authorization: Option<&str>) -> Option<Result<Principal, AuthError>> {
        let principal = match self.bearer_secret(authorization) {
            Err(e) => return Some(Err(e)),
            Ok(None) => Principal::open(),
            Ok(Some(secret)) => {
                let (principal, at) = self.cache.read().ok()?.get(&hash_secret(secret)).cloned()?;
                if at.elapsed() >= KEY_CACHE_TTL {
                    return None;
                }
                match principal {
                    Some(p) => p,
                    None => return Some(Err(AuthError::Invalid)),
                }
            }
        };
        Some(self.rate_limit(principal))
    }

    /// Resolves the Authorization header to a caller, and applies the caller's rate limit.
    /// Blocking (may query the database): call from a blocking context.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let principal = match self.bearer_secret(authorization)? {
            None => Principal::open(),
            Some(secret) => self.lookup(secret)?.ok_or(AuthError::Invalid)?,
        };
        self.rate_limit(principal)
    }

    fn rate_limit(&self, principal: Principal) -> Result<Principal, AuthError> {
        if let Some(limiter) = &self.limiter {
            if let Err(not_until) = limiter.check_key(&principal.key_id) {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
                return Err(AuthError::RateLimited { retry_after_s: wait.as_secs().max(1) });
            }
        }
        Ok(principal)
    }

    /// Reloads the storefront origins allowed by CORS.
    pub fn refresh_origins(&self) -> Result<(), DbError> {
        let keys = self.db.with_conn(db::keys::list)?;
        let origins: HashSet<String> = keys
            .into_iter()
            .filter(|k| k.revoked_at.is_none() && k.role == Role::Storefront.as_str())
            .flat_map(|k| k.cors_origins.unwrap_or_default().split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        if let Ok(mut current) = self.origins.write() {
            *current = origins;
        }
        Ok(())
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.origins.read().map(|o| o.contains(origin)).unwrap_or(false)
    }
}

pub type SharedAuthenticator = Arc<Authenticator>;

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(store: &str) -> Principal {
        Principal { key_id: "k".into(), role: Role::Staff, store: Some(StoreId::parse(store).unwrap()) }
    }

    #[test]
    fn storefront_keys_may_only_recommend_and_read_the_catalogue() {
        let p = Principal { key_id: "k".into(), role: Role::Storefront, store: None };
        assert!(p.require(Action::Recommend).is_ok());
        assert!(p.require(Action::ReadCatalogue).is_ok());
        for a in [Action::CreateFitting, Action::RecordOutcome, Action::ImportOutcomes, Action::WriteCatalogue, Action::ReadFitting] {
            assert!(p.require(a).is_err(), "{a:?}");
        }
    }

    #[test]
    fn staff_keys_cannot_train_import_or_change_the_catalogue() {
        for a in [Action::ManageModels, Action::ImportOutcomes, Action::WriteCatalogue, Action::WriteStock, Action::EraseCustomer] {
            assert!(staff("S1").require(a).is_err(), "{a:?}");
        }
    }

    #[test]
    fn staff_see_and_write_only_their_own_store() {
        let p = staff("S1");
        assert!(p.can_see_store(Some("S1")));
        assert!(!p.can_see_store(Some("S2")));
        assert!(!p.can_see_store(None));
        assert_eq!(p.store_for_write(None).unwrap().unwrap().as_str(), "S1");
        assert!(p.store_for_write(Some(StoreId::parse("S2").unwrap())).is_err());
    }

    #[test]
    fn analysts_read_across_stores() {
        let p = Principal { key_id: "k".into(), role: Role::Analyst, store: None };
        assert!(p.can_see_store(Some("S7")));
        assert!(p.require(Action::ManageModels).is_ok());
        assert!(p.require(Action::RecordOutcome).is_err());
    }

    #[test]
    fn secrets_are_hashed_not_stored() {
        let s = new_secret();
        assert!(s.starts_with("sf_") && s.len() == 67);
        assert_eq!(hash_secret(&s).len(), 64);
        assert_ne!(hash_secret(&s), s);
    }
}
