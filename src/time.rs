//! Instants: `DateTime<Utc>` through the service and the database, RFC 3339 in UTC on the
//! wire. Each field keeps the form clients have always seen: service-made times with three
//! fractional digits (`2026-10-01T10:00:00.000Z`), sale times in whole seconds.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

/// The current instant to microseconds: both databases keep that exactly, so a stored time
/// reads back equal to the one written, and two requests a millisecond apart (the precision
/// the API shows) still sort in the order they came.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `2026-10-01T10:00:00.000Z`.
pub fn rfc3339_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `2026-10-01T10:00:00Z`.
pub fn rfc3339_secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `2026-10-01T10:00:00+00:00` (fractions only when there are any): the form the held-out
/// span in training's stored figures has always had.
pub fn rfc3339_offset(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Parses any RFC 3339 time (any offset) into UTC.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

macro_rules! serde_form {
    ($(#[$doc:meta])* $name:ident, $option:ident, $format:path) => {
        $(#[$doc])*
        pub mod $name {
            use chrono::{DateTime, Utc};
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&$format(*t))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
                let text = String::deserialize(d)?;
                super::parse_rfc3339(&text).ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not an RFC 3339 time")))
            }
        }

        $(#[$doc])*
        pub mod $option {
            use chrono::{DateTime, Utc};
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
                match t {
                    Some(t) => s.serialize_some(&$format(*t)),
                    None => s.serialize_none(),
                }
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
                Option::<String>::deserialize(d)?
                    .map(|text| {
                        super::parse_rfc3339(&text)
                            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not an RFC 3339 time")))
                    })
                    .transpose()
            }
        }
    };
}

serde_form!(
    /// Serde for a service-made time: `2026-10-01T10:00:00.000Z`.
    millis,
    millis_option,
    super::rfc3339_millis
);
serde_form!(
    /// Serde for the held-out span in training's figures: `2026-10-01T10:00:00+00:00`.
    offset,
    offset_option,
    super::rfc3339_offset
);
serde_form!(
    /// Serde for a sale's time: `2026-10-01T10:00:00Z`.
    secs,
    secs_option,
    super::rfc3339_secs
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_writes_what_clients_have_always_read() {
        let t = parse_rfc3339("2026-10-01T12:00:00.5+02:00").unwrap();
        assert_eq!(rfc3339_millis(t), "2026-10-01T10:00:00.500Z");
        assert_eq!(rfc3339_secs(t), "2026-10-01T10:00:00Z");
        assert_eq!(rfc3339_offset(t), "2026-10-01T10:00:00.500+00:00");
        assert_eq!(now().timestamp_subsec_nanos() % 1_000, 0);
        assert!(parse_rfc3339("2026-10-01 10:00").is_none());
    }
}
