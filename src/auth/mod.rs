//! Who is calling and what they may do. Keys carry a role (and, for staff, a store); every
//! handler names the action it performs and checks it here, once. Secrets are stored only as
//! SHA-256 hashes: they are long random strings, so a fast hash is enough to make a leaked
//! table useless.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::{self, keys::ApiKeyRow, Database, DbError};
use crate::fitting::StoreId;

pub mod role;
pub use role::Role;

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
    /// In words, for a 403: "this staff key may not change the catalogue".
    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadCatalogue => "read the catalogue",
            Action::WriteCatalogue => "change the catalogue",
            Action::ReadStock => "read stock",
            Action::WriteStock => "change stock",
            Action::CreateFitting => "record fittings",
            Action::ReadFitting => "read fittings",
            Action::Recommend => "ask for recommendations",
            Action::RecordOutcome => "record sales",
            Action::ReadOutcome => "read sales",
            Action::ImportOutcomes => "import outcome files",
            Action::ManageModels => "train, evaluate or activate models",
            Action::EraseCustomer => "erase a customer's data",
        }
    }

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
    /// Staff keys are bound to one store (a storefront key may be, for in-stock filters).
    pub store: Option<StoreId>,
    /// This key's own rate limit (per minute, burst), when set at `keys create`.
    pub limit: Option<RateLimit>,
    /// The browser origins this key was made for (storefront keys; `keys create --cors-origin`).
    /// Shared, so the per-request clone of a cached caller does not copy them.
    pub origins: Arc<[String]>,
}

/// A rate: requests per minute and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl RateLimit {
    fn quota(self) -> Option<Quota> {
        let rate = NonZeroU32::new(self.per_minute)?;
        Some(Quota::per_minute(rate).allow_burst(NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send Authorization: Bearer <key>")]
    Missing,
    #[error("unknown or revoked API key")]
    Invalid,
    #[error("this {role} key may not {action}")]
    Forbidden { role: &'static str, action: &'static str },
    #[error("this key belongs to another store")]
    OtherStore,
    #[error("this storefront key is not allowed from the web page at {origin}: add the address with `keys create --cors-origin`")]
    OtherOrigin { origin: String },
    #[error("rate limit exceeded; retry in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Principal {
    /// Open mode (local trials): an administrator without a key.
    pub fn open() -> Self {
        Self { key_id: "open".into(), role: Role::Admin, store: None, limit: None, origins: Arc::from([]) }
    }

    /// A storefront key may be used from browser pages at its own origins only. The CORS
    /// preflight cannot tell keys apart (it carries no key), so it admits every storefront
    /// key's origins; this check, on the request itself, stops one shop's key from working
    /// on another shop's page. Requests without `Origin` (servers, the shop's back end) and
    /// the service's own pages (`same_origin`) pass.
    pub fn check_origin(&self, origin: Option<&str>, same_origin: impl FnOnce(&str) -> bool) -> Result<(), AuthError> {
        match origin {
            Some(origin) if self.role == Role::Storefront && !self.origins.iter().any(|o| o == origin) && !same_origin(origin) => {
                Err(AuthError::OtherOrigin { origin: origin.to_owned() })
            }
            _ => Ok(()),
        }
    }

    pub fn require(&self, action: Action) -> Result<(), AuthError> {
        if action.allowed(self.role) {
            Ok(())
        } else {
            Err(AuthError::Forbidden { role: self.role.as_str(), action: action.describe() })
        }
    }

    /// Whether this caller may see a record of `store` (staff see only their own store).
    pub fn can_see_store(&self, store: Option<&str>) -> bool {
        match (&self.store, self.role) {
            (Some(own), Role::Staff) => store == Some(own.as_str()),
            _ => true,
        }
    }

    /// Whether this caller may filter recommendations by a store's stock. Staff: their own
    /// store; storefront keys: only the store they were created for (`keys create --store`),
    /// so a web shop cannot read another shop's shelves through recommendations.
    pub fn may_filter_by_stock_of(&self, store: &str) -> bool {
        match self.role {
            Role::Staff | Role::Storefront => self.store.as_ref().is_some_and(|own| own.as_str() == store),
            Role::Analyst | Role::Admin => true,
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
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// RFC 3339, UTC.
    #[serde(with = "crate::time::millis_option")]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The key's own rate limit; absent = the service-wide setting.
    pub rate_limit: Option<RateLimit>,
}

/// A key's origins, stored space-separated.
fn split_origins(stored: Option<&str>) -> Vec<String> {
    stored.unwrap_or_default().split_whitespace().map(str::to_owned).collect()
}

fn row_limit(r: &ApiKeyRow) -> Option<RateLimit> {
    let per_minute = u32::try_from(r.rate_limit_per_minute?).ok()?;
    let burst = r.rate_limit_burst.and_then(|b| u32::try_from(b).ok()).unwrap_or(per_minute.div_ceil(10).max(1));
    Some(RateLimit { per_minute, burst })
}

impl From<ApiKeyRow> for KeyInfo {
    fn from(r: ApiKeyRow) -> Self {
        Self {
            rate_limit: row_limit(&r),
            role: r.role,
            cors_origins: split_origins(r.cors_origins.as_deref()),
            id: r.id,
            name: r.name,
            store_id: r.store_id,
            created_at: r.created_at.0,
            revoked_at: r.revoked_at.map(|t| t.0),
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
    create_key_with_limit(db, name, role, store, cors_origins, None)
}

/// `create_key` with the key's own rate limit (`None`: the service-wide setting applies).
pub fn create_key_with_limit(
    db: &Database,
    name: &str,
    role: Role,
    store: Option<StoreId>,
    cors_origins: &[String],
    limit: Option<RateLimit>,
) -> anyhow::Result<(KeyInfo, String)> {
    if let Some(l) = limit {
        if l.per_minute == 0 || l.per_minute > 1_000_000 || l.burst == 0 || l.burst > 1_000_000 {
            anyhow::bail!("--rate-limit-per-minute and --rate-limit-burst must be between 1 and 1000000");
        }
    }
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
        role,
        store_id: store.map(|s| s.to_string()),
        secret_hash: hash_secret(&secret),
        cors_origins: (!cors_origins.is_empty()).then(|| cors_origins.join(" ")),
        created_at: crate::time::now().into(),
        revoked_at: None,
        rate_limit_per_minute: limit.map(|l| l.per_minute as i32),
        rate_limit_burst: limit.map(|l| l.burst as i32),
    };
    db.with_conn(|conn| db::keys::insert(conn, &row))?;
    Ok((row.into(), secret))
}

/// How long a looked-up key is trusted before the database is asked again: a revocation
/// takes effect on every replica within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Most unknown keys remembered: past this the remembered ones are forgotten (valid keys are
/// kept apart, so a flood of random keys cannot push them out).
const MAX_UNKNOWN_KEYS: usize = 10_000;
/// Most client addresses remembered as over their unauthenticated limit.
const MAX_BLOCKED_ADDRESSES: usize = 100_000;

/// Checks keys (with a short cache) and rate limits: per key, and per client address for
/// requests that bring no valid key.
pub struct Authenticator {
    db: Database,
    open: bool,
    /// Hash of a valid secret -> its caller, and when it was looked up.
    known: RwLock<HashMap<String, (Principal, Instant)>>,
    /// Hashes of secrets that matched no active key, and when; bounded by `MAX_UNKNOWN_KEYS`.
    unknown: RwLock<HashMap<String, Instant>>,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// Keys with their own limit (set at `keys create`), one limiter each.
    own_limiters: RwLock<HashMap<String, (RateLimit, Arc<DefaultDirectRateLimiter>)>>,
    /// Requests without a valid key, per client address.
    anonymous: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses over their unauthenticated limit, until when: refused before any lookup.
    blocked: RwLock<HashMap<IpAddr, Instant>>,
    /// Browser origins of storefront keys, for CORS.
    origins: RwLock<HashSet<String>>,
    /// The limiters' clock, made once: making one reads the processor's features and
    /// calibrates, which under a hypervisor costs more than the rest of the key check.
    clock: governor::clock::DefaultClock,
}

impl Authenticator {
    /// `per_minute` = 0 turns rate limiting off.
    pub fn new(db: Database, open: bool, per_minute: u32, burst: u32) -> Self {
        let limiter = RateLimit { per_minute, burst }.quota().map(RateLimiter::keyed);
        Self {
            db,
            open,
            known: RwLock::default(),
            unknown: RwLock::default(),
            limiter,
            own_limiters: RwLock::default(),
            anonymous: None,
            blocked: RwLock::default(),
            clock: governor::clock::DefaultClock::default(),
            origins: RwLock::default(),
        }
    }

    /// Limits requests that bring no valid key (missing, malformed, unknown or revoked) per
    /// client address; `per_minute` = 0 leaves them unlimited.
    pub fn with_anonymous_limit(mut self, per_minute: u32, burst: u32) -> Self {
        self.anonymous = RateLimit { per_minute, burst }.quota().map(RateLimiter::keyed);
        self
    }

    fn lookup(&self, secret: &str) -> Result<Option<Principal>, AuthError> {
        let hash = hash_secret(secret);
        let row = self.db.with_conn(|conn| db::keys::find_by_hash(conn, &hash))?;
        let principal = row.filter(|r| r.revoked_at.is_none()).map(|r| Principal {
            role: r.role,
            store: r.store_id.as_deref().and_then(|s| StoreId::parse(s).ok()),
            limit: row_limit(&r),
            origins: split_origins(r.cors_origins.as_deref()).into(),
            key_id: r.id,
        });
        match &principal {
            Some(p) => {
                if let Ok(mut known) = self.known.write() {
                    known.insert(hash, (p.clone(), Instant::now()));
                }
            }
            None => {
                if let Ok(mut unknown) = self.unknown.write() {
                    if unknown.len() >= MAX_UNKNOWN_KEYS {
                        unknown.clear();
                    }
                    unknown.insert(hash, Instant::now());
                }
            }
        }
        Ok(principal)
    }

    /// The secret of an `Authorization: Bearer` header (the scheme is case-insensitive,
    /// RFC 9110 section 11.1); `Ok(None)` is "no header, open mode".
    fn bearer_secret<'a>(&self, authorization: Option<&'a str>) -> Result<Option<&'a str>, AuthError> {
        match authorization {
            None if self.open => Ok(None),
            None => Err(AuthError::Missing),
            Some(value) => {
                let value = value.trim();
                let (scheme, secret) = value.split_once([' ', '\t']).ok_or(AuthError::Invalid)?;
                let secret = secret.trim();
                if !scheme.eq_ignore_ascii_case("bearer") || secret.is_empty() {
                    return Err(AuthError::Invalid);
                }
                Ok(Some(secret))
            }
        }
    }

    /// An address over its unauthenticated limit is refused until its wait is over.
    fn check_blocked(&self, client: Option<IpAddr>) -> Result<(), AuthError> {
        let Some(ip) = client else { return Ok(()) };
        let until = self.blocked.read().ok().and_then(|b| b.get(&ip).copied());
        match until {
            Some(until) if until > Instant::now() => {
                Err(AuthError::RateLimited { retry_after_s: until.saturating_duration_since(Instant::now()).as_secs().max(1) })
            }
            _ => Ok(()),
        }
    }

    /// Counts a request without a valid key against its address: over the limit it becomes a
    /// 429 (and the address is blocked until it may retry), else the original error stands.
    fn refuse(&self, client: Option<IpAddr>, error: AuthError) -> AuthError {
        let (Some(limiter), Some(ip)) = (&self.anonymous, client) else { return error };
        match limiter.check_key(&ip) {
            Ok(()) => error,
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
                if let Ok(mut blocked) = self.blocked.write() {
                    if blocked.len() >= MAX_BLOCKED_ADDRESSES {
                        let now = Instant::now();
                        blocked.retain(|_, until| *until > now);
                    }
                    if blocked.len() < MAX_BLOCKED_ADDRESSES {
                        blocked.insert(ip, Instant::now() + wait);
                    }
                }
                AuthError::RateLimited { retry_after_s: wait.as_secs().max(1) }
            }
        }
    }

    /// Answers without the database when it can (open mode, a cached or refused key, an
    /// address over its limit), else `None`.
    pub fn authenticate_cached(&self, authorization: Option<&str>, client: Option<IpAddr>) -> Option<Result<Principal, AuthError>> {
        let principal = match self.bearer_secret(authorization) {
            Err(e) => return Some(Err(self.check_blocked(client).err().unwrap_or_else(|| self.refuse(client, e)))),
            Ok(None) => Principal::open(),
            Ok(Some(secret)) => {
                let hash = hash_secret(secret);
                let known = self.known.read().ok()?.get(&hash).cloned();
                match known {
                    Some((p, at)) if at.elapsed() < KEY_CACHE_TTL => p,
                    _ => {
                        if let Err(e) = self.check_blocked(client) {
                            return Some(Err(e));
                        }
                        let refused = self.unknown.read().ok()?.get(&hash).is_some_and(|at| at.elapsed() < KEY_CACHE_TTL);
                        if refused {
                            return Some(Err(self.refuse(client, AuthError::Invalid)));
                        }
                        return None;
                    }
                }
            }
        };
        Some(self.rate_limit(principal))
    }

    /// Resolves the Authorization header to a caller, and applies the caller's rate limit.
    /// Blocking (may query the database): call from a blocking context.
    pub fn authenticate(&self, authorization: Option<&str>, client: Option<IpAddr>) -> Result<Principal, AuthError> {
        let principal = match self.bearer_secret(authorization) {
            Ok(None) => Principal::open(),
            Ok(Some(secret)) => {
                self.check_blocked(client)?;
                match self.lookup(secret)? {
                    Some(p) => p,
                    None => return Err(self.refuse(client, AuthError::Invalid)),
                }
            }
            Err(e) => {
                self.check_blocked(client)?;
                return Err(self.refuse(client, e));
            }
        };
        self.rate_limit(principal)
    }

    fn rate_limit(&self, principal: Principal) -> Result<Principal, AuthError> {
        let outcome = match principal.limit {
            Some(limit) => match self.own_limiter(&principal.key_id, limit) {
                Some(limiter) => limiter.check(),
                None => Ok(()),
            },
            None => match &self.limiter {
                Some(limiter) => limiter.check_key(&principal.key_id),
                None => Ok(()),
            },
        };
        if let Err(not_until) = outcome {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
            return Err(AuthError::RateLimited { retry_after_s: wait.as_secs().max(1) });
        }
        Ok(principal)
    }

    /// The limiter of a key with its own limit (made on first use, remade if the limit changed).
    fn own_limiter(&self, key_id: &str, limit: RateLimit) -> Option<Arc<DefaultDirectRateLimiter>> {
        if let Some((l, limiter)) = self.own_limiters.read().ok()?.get(key_id) {
            if *l == limit {
                return Some(limiter.clone());
            }
        }
        let limiter = Arc::new(RateLimiter::direct(limit.quota()?));
        self.own_limiters.write().ok()?.insert(key_id.to_owned(), (limit, limiter.clone()));
        Some(limiter)
    }

    /// Forgets stale entries: expired cache lines, addresses whose wait is over, idle limiter
    /// state. Called periodically so memory stays bounded under floods.
    pub fn housekeeping(&self) {
        let now = Instant::now();
        if let Ok(mut known) = self.known.write() {
            known.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
        }
        if let Ok(mut unknown) = self.unknown.write() {
            unknown.retain(|_, at| at.elapsed() < KEY_CACHE_TTL);
        }
        if let Ok(mut blocked) = self.blocked.write() {
            blocked.retain(|_, until| *until > now);
        }
        if let Some(l) = &self.anonymous {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.limiter {
            l.retain_recent();
        }
    }

    /// Reloads the storefront origins allowed by CORS.
    pub fn refresh_origins(&self) -> Result<(), DbError> {
        let keys = self.db.with_conn(db::keys::list)?;
        let origins: HashSet<String> = keys
            .into_iter()
            .filter(|k| k.revoked_at.is_none() && k.role == Role::Storefront)
            .flat_map(|k| split_origins(k.cors_origins.as_deref()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(store: &str) -> Principal {
        Principal { key_id: "k".into(), role: Role::Staff, store: Some(StoreId::parse(store).unwrap()), limit: None, origins: Arc::from([]) }
    }

    #[test]
    fn storefront_keys_may_only_recommend_and_read_the_catalogue() {
        let p = Principal { key_id: "k".into(), role: Role::Storefront, store: None, limit: None, origins: Arc::from([]) };
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
        let p = Principal { key_id: "k".into(), role: Role::Analyst, store: None, limit: None, origins: Arc::from([]) };
        assert!(p.can_see_store(Some("S7")));
        assert!(p.require(Action::ManageModels).is_ok());
        assert!(p.require(Action::RecordOutcome).is_err());
    }

    #[test]
    fn storefront_keys_filter_by_stock_only_of_their_own_store() {
        let unbound = Principal { key_id: "k".into(), role: Role::Storefront, store: None, limit: None, origins: Arc::from([]) };
        assert!(!unbound.may_filter_by_stock_of("S1"));
        let bound = Principal { store: Some(StoreId::parse("S1").unwrap()), ..unbound };
        assert!(bound.may_filter_by_stock_of("S1"));
        assert!(!bound.may_filter_by_stock_of("S2"));
        assert!(staff("S1").may_filter_by_stock_of("S1") && !staff("S1").may_filter_by_stock_of("S2"));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(dir.path().join("a.db").to_str().unwrap(), 1).unwrap();
        let auth = Authenticator::new(db, false, 0, 0);
        for header in ["Bearer sf_x", "bearer sf_x", "BEARER  sf_x"] {
            assert_eq!(auth.bearer_secret(Some(header)).unwrap(), Some("sf_x"), "{header}");
        }
        for header in ["Basic sf_x", "Bearer", "Bearer   ", "sf_x"] {
            assert!(auth.bearer_secret(Some(header)).is_err(), "{header}");
        }
    }

    #[test]
    fn secrets_are_hashed_not_stored() {
        let s = new_secret();
        assert!(s.starts_with("sf_") && s.len() == 67);
        assert_eq!(hash_secret(&s).len(), 64);
        assert_ne!(hash_secret(&s), s);
    }
}
