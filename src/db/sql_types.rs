//! The shared SQL types the schema names beside diesel's: instants, JSON documents and UUID ids.
//!
//! The SQL type of stored instants, shared by both backends: `timestamptz` on PostgreSQL,
//! text in one fixed-width UTC form on SQLite (`2026-10-01 10:00:00.000000+00:00`, which
//! diesel's `TimestamptzSqlite` reads), and `DbTime` around a `chrono::DateTime<Utc>` in rows.
//! diesel's own `Timestamptz` has no SQLite side and the shared connection's `Timestamp` only
//! carries a zoneless `NaiveDateTime`, so the schema names this type (not `Timestamptz`:
//! `table!` treats columns of that name as date arithmetic); each backend delegates
//! to diesel's implementation. Rows hold the `DbTime` newtype because diesel's blanket
//! `AsExpression` impl leaves no room for one on `DateTime<Utc>` outside diesel.

use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::Sqlite;

use super::{MultiBackend, MultiRawValue};

/// The shared connection's side of a SQL type: it looks the type up on the connection's
/// backend and hands the row value to that backend's own `ToSql`/`FromSql` above.
macro_rules! on_both_backends {
    ($sql:ident => $row:ty) => {
        impl diesel::sql_types::HasSqlType<$sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql>(lookup)
            }
        }

        impl ToSql<$sql, MultiBackend> for $row {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($sql, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<$sql, MultiBackend> for $row {
            fn from_sql(bytes: MultiRawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $sql>()
            }
        }
    };
}

/// An instant in UTC (see the module comment).
#[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct TimestampUtc;

/// SQLite compares these as text, so every value is written in one fixed-width form
/// (microseconds, as PostgreSQL keeps them): text order is then time order.
const SQLITE_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f+00:00";

/// A stored instant as a row holds it; the domain takes the `DateTime<Utc>` inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = TimestampUtc)]
pub struct DbTime(pub DateTime<Utc>);

impl From<DateTime<Utc>> for DbTime {
    fn from(t: DateTime<Utc>) -> Self {
        DbTime(t)
    }
}

impl From<DbTime> for DateTime<Utc> {
    fn from(t: DbTime) -> Self {
        t.0
    }
}

impl ToSql<TimestampUtc, Pg> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<TimestampUtc, Pg> for DbTime {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(bytes).map(DbTime)
    }
}

impl ToSql<TimestampUtc, Sqlite> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_text(&self.0));
        Ok(IsNull::No)
    }
}

/// An instant in `SQLITE_FORMAT`, written digit by digit: chrono's formatter reads the format
/// string again for every value, which took a tenth of the writer's time in a 1 M-row import
/// (three instants or more per sale). Years outside 0..=9999 and leap seconds go to chrono.
fn sqlite_text(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (t.year(), t.nanosecond());
    let Ok(year @ 0..=9999) = u32::try_from(year) else { return t.format(SQLITE_FORMAT).to_string() };
    if nanos >= 1_000_000_000 {
        return t.format(SQLITE_FORMAT).to_string();
    }
    let mut text = *b"0000-00-00 00:00:00.000000+00:00";
    let fields = [(0..4, year), (5..7, t.month()), (8..10, t.day()), (11..13, t.hour()), (14..16, t.minute()), (17..19, t.second()), (20..26, nanos / 1000)];
    for (range, value) in fields {
        let mut rest = value;
        for digit in text[range].iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// An instant written in `SQLITE_FORMAT` (what the service writes), read digit by digit;
/// `None` for any other text, which diesel's parser reads instead. diesel tries chrono's
/// format strings one after the other: about a twentieth of loading a million stored
/// sales for training (five instants a sale).
fn sqlite_instant(text: &str) -> Option<DateTime<Utc>> {
    let b: &[u8; 32] = text.as_bytes().try_into().ok()?;
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':'), (19, b'.'), (26, b'+'), (29, b':')];
    if separators.iter().any(|&(i, c)| b[i] != c) || &b[27..] != b"00:00" {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let date = chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
    let time = date.and_hms_micro_opt(number(11..13)?, number(14..16)?, number(17..19)?, number(20..26)?)?;
    Some(time.and_utc())
}

impl FromSql<TimestampUtc, Sqlite> for DbTime {
    fn from_sql(mut bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if bytes.value_type() == Some(diesel::sqlite::SqliteType::Text) {
            if let Some(instant) = sqlite_instant(bytes.read_text()) {
                return Ok(DbTime(instant));
            }
        }
        <DateTime<Utc> as FromSql<diesel::sql_types::TimestamptzSqlite, Sqlite>>::from_sql(bytes).map(DbTime)
    }
}

on_both_backends!(TimestampUtc => DbTime);

/// A JSON document: `jsonb` on PostgreSQL, text on SQLite, `DbJson` (JSON text) in rows; the
/// callers parse it into their own types. PostgreSQL keeps it parsed, so what reads back is
/// the same document, not the same text (keys reordered, spaces dropped).
#[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Jsonb;

/// A stored JSON document as a row holds it.
#[derive(Debug, Clone, PartialEq, Eq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = Jsonb)]
pub struct DbJson(pub String);

impl From<String> for DbJson {
    fn from(text: String) -> Self {
        DbJson(text)
    }
}

impl std::ops::Deref for DbJson {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// The version byte that starts jsonb's binary form; the JSON text follows.
const JSONB_VERSION: u8 = 1;

impl ToSql<Jsonb, Pg> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(&[JSONB_VERSION])?;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<Jsonb, Pg> for DbJson {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes().split_first() {
            Some((&JSONB_VERSION, text)) => Ok(DbJson(std::str::from_utf8(text)?.to_owned())),
            _ => Err("unsupported jsonb version".into()),
        }
    }
}

impl ToSql<Jsonb, Sqlite> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <str as ToSql<diesel::sql_types::Text, Sqlite>>::to_sql(self.0.as_str(), out)
    }
}

impl FromSql<Jsonb, Sqlite> for DbJson {
    fn from_sql(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(bytes).map(DbJson)
    }
}

on_both_backends!(Jsonb => DbJson);

/// A UUID id (fittings, sales, try-ons' fittings, jobs, evaluations, activations): `uuid` on
/// PostgreSQL, on SQLite the hyphenated lower-case text every release has written, and
/// `DbUuid` in rows. A malformed id never reaches the database: callers parse it first (a
/// client's bad id is a 404, not a failed cast).
#[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Uuid;

/// A stored UUID id as a row holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = Uuid)]
pub struct DbUuid(pub uuid::Uuid);

impl DbUuid {
    /// A fresh random (v4) id.
    pub fn new_v4() -> Self {
        DbUuid(uuid::Uuid::new_v4())
    }
}

/// Ids for the many rows one bulk write creates, each greater than the one before: UUIDv7
/// (RFC 9562) with the writer's start time, a counter, then 48 random bits. Rows written in
/// id order land at the right edge of every index keyed by the id (primary keys, the try-ons'
/// key, the foreign-key checks' lookups) instead of on a random page each, which is what
/// made a million-row import slow once those indexes outgrew the cache. The 48 random bits
/// keep ids unguessable from one another and two writers starting in the same millisecond
/// apart.
pub struct AscendingIds {
    millis: u64,
    counter: u32,
}

impl AscendingIds {
    /// The counter's width: 12 bits of `rand_a` and 14 of `rand_b` (RFC 9562's method 1).
    const COUNTER_BITS: u32 = 26;

    pub fn new() -> Self {
        let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        Self { millis, counter: 0 }
    }

    pub fn next_id(&mut self) -> DbUuid {
        if self.counter >> Self::COUNTER_BITS != 0 {
            // 67 M ids used up this millisecond's counter: move to the next millisecond.
            self.millis += 1;
            self.counter = 0;
        }
        let c = self.counter;
        self.counter += 1;
        let random: [u8; 6] = rand::random();
        // Bytes 6..16 of the UUID; the builder overwrites the version and variant bits.
        let tail = [
            (c >> 22) as u8,
            (c >> 14) as u8,
            (c >> 8) as u8 & 0x3f,
            c as u8,
            random[0],
            random[1],
            random[2],
            random[3],
            random[4],
            random[5],
        ];
        DbUuid(uuid::Builder::from_unix_timestamp_millis(self.millis, &tail).into_uuid())
    }
}

impl Default for AscendingIds {
    fn default() -> Self {
        Self::new()
    }
}

impl From<uuid::Uuid> for DbUuid {
    fn from(id: uuid::Uuid) -> Self {
        DbUuid(id)
    }
}

impl From<DbUuid> for uuid::Uuid {
    fn from(id: DbUuid) -> Self {
        id.0
    }
}

impl From<crate::ids::FittingId> for DbUuid {
    fn from(id: crate::ids::FittingId) -> Self {
        DbUuid(id.0)
    }
}

impl std::str::FromStr for DbUuid {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(DbUuid)
    }
}

impl std::fmt::Display for DbUuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl ToSql<Uuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<Uuid, Pg> for DbUuid {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(DbUuid(uuid::Uuid::from_slice(bytes.as_bytes())?))
    }
}

impl ToSql<Uuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Uuid, Sqlite> for DbUuid {
    fn from_sql(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(bytes)?;
        Ok(DbUuid(uuid::Uuid::parse_str(&text)?))
    }
}

on_both_backends!(Uuid => DbUuid);

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written form is chrono's, character for character, so stored text (and its
    /// order) does not change: every field's extremes, random instants, and what goes to chrono.
    #[test]
    fn instants_are_written_for_sqlite_exactly_as_the_format_string_writes_them() {
        use chrono::TimeZone;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut instants: Vec<DateTime<Utc>> = (0..20_000)
            .map(|_| {
                let seconds = rng.gen_range(-62_167_219_200_i64..253_402_300_800);
                DateTime::from_timestamp(seconds, rng.gen_range(0..1_000_000_000)).unwrap()
            })
            .collect();
        instants.extend([
            DateTime::UNIX_EPOCH,
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(999_999_999),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 30, 12, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap() + chrono::Duration::microseconds(1),
            // A leap second.
            Utc.from_utc_datetime(&chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap().and_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap()),
        ]);
        for t in instants {
            assert_eq!(sqlite_text(&t), t.format(SQLITE_FORMAT).to_string(), "{t:?}");
        }
    }

    /// The hand-written reader gives what diesel's first format (`%F %T%.f%:z`) gives for
    /// every instant the service writes, and leaves any other text to diesel.
    #[test]
    fn instants_written_for_sqlite_read_back_as_diesels_parser_reads_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut checked = 0;
        for _ in 0..20_000 {
            let seconds = rng.gen_range(-62_167_219_200_i64..253_402_300_800);
            let Some(t) = DateTime::from_timestamp(seconds, rng.gen_range(0..1_000_000) * 1000) else { continue };
            let text = sqlite_text(&t);
            let diesel = DateTime::parse_from_str(&text, "%F %T%.f%:z").unwrap().with_timezone(&Utc);
            assert_eq!(sqlite_instant(&text), Some(diesel), "{text}");
            assert_eq!(diesel, t);
            checked += 1;
        }
        assert!(checked > 19_000);
        for other in [
            "2026-10-01 10:00:00",
            "2026-10-01T10:00:00.000000+00:00",
            "2026-10-01 10:00:00.000000+01:00",
            "2026-10-01 10:00:00.000000Z00:00",
            "2026-02-30 10:00:00.000000+00:00",
            "2026-10-01 24:00:00.000000+00:00",
            "2026-10-01 10:00:60.000000+00:00",
            "2026-1a-01 10:00:00.000000+00:00",
            "2026-10-01 10:00:00.000000+00:000",
            "2460000.5",
        ] {
            assert_eq!(sqlite_instant(other), None, "{other}");
        }
    }

    #[test]
    fn ascending_ids_grow_as_bytes_and_as_stored_text_across_a_full_counter() {
        let mut ids = AscendingIds::new();
        // Start just short of the counter's end, so the step into the next millisecond is crossed.
        ids.counter = (1 << AscendingIds::COUNTER_BITS) - 3;
        let made: Vec<DbUuid> = (0..6).map(|_| ids.next_id()).collect();
        for pair in made.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
            assert!(pair[0].to_string() < pair[1].to_string(), "SQLite's text order: {} then {}", pair[0], pair[1]);
        }
        for id in &made {
            assert_eq!(id.0.get_version(), Some(uuid::Version::SortRand));
            assert_eq!(id.0.get_variant(), uuid::Variant::RFC4122);
        }
    }

    #[test]
    fn two_writers_starting_together_make_different_ids() {
        let (mut a, mut b) = (AscendingIds::new(), AscendingIds::new());
        b.millis = a.millis;
        let from_a: std::collections::HashSet<DbUuid> = (0..1000).map(|_| a.next_id()).collect();
        assert!((0..1000).map(|_| b.next_id()).all(|id| !from_a.contains(&id)));
    }
}
