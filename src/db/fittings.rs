//! Stored fitting sessions: the validated document as JSON plus the columns we look up by.

use diesel::prelude::*;

use super::schema::fittings;
use super::sql_types::{DbJson, DbTime, DbUuid};
use crate::ids::FittingId;
use super::{DbConnection, DbError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fittings, treat_none_as_default_value = false)]
pub struct FittingRow {
    pub id: DbUuid,
    pub store_id: Option<String>,
    pub customer_ref: Option<String>,
    pub document: DbJson,
    pub created_at: DbTime,
    /// Set for imported fittings (see `content_hash`), so one document is stored once.
    pub content_hash: Option<String>,
}

/// The content hash of an imported fitting: SHA-256 over the store, the customer reference,
/// the canonical (serialised, validated) document and the session's try-ons. The store and
/// customer are hashed too, so two customers' identical documents stay two fittings and
/// erasing one customer never removes the other's; the try-ons too, so two anonymous runners
/// whose web fittings read alike but who tried other shoes stay two sessions, and neither
/// set of try-ons replaces the other.
pub fn content_hash(store_id: Option<&str>, customer_ref: Option<&str>, document: &str, try_ons: Option<&str>) -> String {
    hex(&content_digest(store_id, customer_ref, document, try_ons))
}

/// The SHA-256 digest whose hex form is `content_hash` (kept in memory during an import).
pub fn content_digest(store_id: Option<&str>, customer_ref: Option<&str>, document: &str, try_ons: Option<&str>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // Length-prefixed parts: no two (store, customer, document, try-ons) tuples hash the same input.
    for part in [store_id.unwrap_or_default(), customer_ref.unwrap_or_default(), document, try_ons.unwrap_or_default()] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update([store_id.is_some() as u8, customer_ref.is_some() as u8, try_ons.is_some() as u8]);
    h.finalize().into()
}

/// Lower-case hex, as `content_hash` is stored.
pub fn hex(digest: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    digest.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

/// Whether any imported fitting (one with a content hash) is stored.
pub fn any_with_content_hash(conn: &mut DbConnection) -> Result<bool, DbError> {
    Ok(fittings::table.filter(fittings::content_hash.is_not_null()).select(fittings::id).first::<DbUuid>(conn).optional()?.is_some())
}

/// The stored fittings with one of these content hashes, as (hash, id).
pub fn by_content_hash(conn: &mut DbConnection, hashes: &[&str]) -> Result<Vec<(String, DbUuid)>, DbError> {
    let mut found = Vec::new();
    for chunk in hashes.chunks(900) {
        found.extend(
            fittings::table
                .filter(fittings::content_hash.eq_any(chunk))
                .select((fittings::content_hash.assume_not_null(), fittings::id))
                .load::<(String, DbUuid)>(conn)?,
        );
    }
    Ok(found)
}

pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(fittings::table.count().get_result(conn)?)
}

pub fn insert(conn: &mut DbConnection, row: &FittingRow) -> Result<(), DbError> {
    diesel::insert_into(fittings::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: FittingId) -> Result<FittingRow, DbError> {
    Ok(fittings::table.find(DbUuid::from(id)).select(FittingRow::as_select()).first(conn)?)
}

/// Inserts many rows in statements under SQLite's bound-parameter limit (2000 rows of
/// 6 values); on SQLite each statement is prepared once per connection and reused.
pub fn insert_many(conn: &mut DbConnection, rows: &[FittingRow]) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => super::insert_sqlite_reusing_statements!(c, fittings::table, rows, 2000)?,
        DbConnection::Postgres(c) => {
            for chunk in rows.chunks(2000) {
                diesel::insert_into(fittings::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Which of these ids exist.
pub fn existing_ids(conn: &mut DbConnection, ids: &[DbUuid]) -> Result<Vec<DbUuid>, DbError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(900) {
        found.extend(fittings::table.filter(fittings::id.eq_any(chunk)).select(fittings::id).load::<DbUuid>(conn)?);
    }
    Ok(found)
}

pub fn by_customer(conn: &mut DbConnection, customer_ref: &str) -> Result<Vec<FittingRow>, DbError> {
    Ok(fittings::table.filter(fittings::customer_ref.eq(customer_ref)).select(FittingRow::as_select()).load(conn)?)
}

pub fn delete_many(conn: &mut DbConnection, ids: &[DbUuid]) -> Result<usize, DbError> {
    Ok(diesel::delete(fittings::table.filter(fittings::id.eq_any(ids))).execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Imports find the fittings earlier releases stored by this hash: its form must not change.
    #[test]
    fn the_content_hash_is_the_lower_case_hex_of_sha256_over_the_length_prefixed_parts() {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in ["S1", "", "{\"a\":1}", "[]"] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update([1, 0, 1]);
        assert_eq!(content_hash(Some("S1"), None, "{\"a\":1}", Some("[]")), format!("{:x}", h.finalize()));
    }
}
