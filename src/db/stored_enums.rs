//! Domain enums stored as their text names (catalogue classes, key roles): diesel reads and
//! writes them straight into the Rust enum, so rows hold no strings for closed sets and an
//! unknown stored name is an error, never a silent default. PostgreSQL's `CHECK` constraints
//! (migration 000052) keep the same sets. Each type derives `AsExpression`/`FromSqlRow` with
//! the `Text` SQL type where it is declared; its `as_str` and `parse` are the stored form.

use crate::auth::role::Role;
use crate::outcomes::ReturnReason;
use crate::catalogue::{ArchSupport, Category, Cushioning, InsoleCushioning, Rigidity, ShoeStatus, Support, Terrain, Volume};

/// `ToSql`/`FromSql` on `Text` through a type's `as_str` and `parse` (its stored form), for
/// any backend. Used for the domain enums below and by `text_enum!` for the database's own.
macro_rules! stored_as_text {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $t
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $t
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok(<$t>::parse(&text)?)
            }
        }
    )+};
}
pub(crate) use stored_as_text;

/// Enums the database layer itself declares (job status and kind, activation kind and
/// channel): TEXT in the database, a closed set in Rust (an unknown value is an error).
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("unknown {} '{other}'", stringify!($name))),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::db::stored_enums::stored_as_text!($name);
    };
}
pub(crate) use text_enum;

stored_as_text!(Category, Support, Cushioning, Terrain, ShoeStatus, ArchSupport, Volume, InsoleCushioning, Rigidity, Role, ReturnReason);

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;

    use crate::auth::role::Role;
    use crate::db::{catalogue, keys, Database, DbConnection};

    fn sqlite() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(dir.path().join("e.db").to_str().unwrap(), 1).unwrap();
        db.migrate().unwrap();
        (dir, db)
    }

    #[test]
    fn every_stored_class_reads_back_as_the_variant_written() {
        let (_dir, db) = sqlite();
        let shoes = crate::catalogue::csv::parse_shoes(crate::catalogue::csv::BUNDLED_SHOES_CSV).unwrap();
        let insoles = crate::catalogue::csv::parse_insoles(crate::catalogue::csv::BUNDLED_INSOLES_CSV).unwrap();
        db.with_conn(|conn| {
            for s in &shoes {
                catalogue::insert_shoe(conn, s)?;
            }
            for i in &insoles {
                catalogue::insert_insole(conn, i)?;
            }
            // Whole records compared: every class column, and the shoes' status where set.
            let by_id = |mut v: Vec<crate::catalogue::Shoe>| {
                v.sort_by(|a, b| a.id.cmp(&b.id));
                v
            };
            assert_eq!(by_id(catalogue::all_shoes(conn)?), by_id(shoes.clone()));
            let mut read = catalogue::all_insoles(conn)?;
            let mut written = insoles.clone();
            read.sort_by(|a, b| a.id.cmp(&b.id));
            written.sort_by(|a, b| a.id.cmp(&b.id));
            assert_eq!(read, written);
            assert!(shoes.iter().any(|s| s.status.is_some()), "the bundled catalogue sets some statuses");
            Ok(())
        })
        .unwrap();
    }

    /// SQLite has no CHECK on these columns: a name written by hand (or by a newer build) must
    /// fail the read, not turn into some other role.
    #[test]
    fn an_unknown_stored_name_fails_the_read_instead_of_becoming_a_default() {
        let (_dir, db) = sqlite();
        let result = db.with_conn(|conn: &mut DbConnection| {
            let DbConnection::Sqlite(c) = conn else { unreachable!() };
            diesel::sql_query(
                "INSERT INTO api_keys (id, name, role, secret_hash, created_at) \
                 VALUES ('k_1', 'till', 'superuser', 'h', '2026-10-01 10:00:00.000000+00:00')",
            )
            .execute(c)?;
            keys::list(conn)
        });
        let message = result.expect_err("an unknown role must not read").to_string();
        assert!(message.contains("role"), "the error names the column: {message}");
        assert_eq!(Role::parse("staff"), Ok(Role::Staff));
    }
}
