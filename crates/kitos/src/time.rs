//! Kitos's datetimes: ISO-8601 with `Z` and 0–7 fractional digits; date-only fields are
//! timestamps too, usually at midnight, which [`Timestamp::date`] reads in Danish time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Europe::Copenhagen;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An instant as Kitos writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// A datetime that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {0:?}")]
pub struct InvalidDate(pub String);

impl Timestamp {
    /// The instant.
    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }

    /// The calendar date this stands for, read in Europe/Copenhagen.
    ///
    /// Kitos keeps date-only fields (validFrom, dpiaDate, …) as timestamps. Most are UTC
    /// midnight (`2019-02-01T00:00:00Z`, 01:00 or 02:00 in Copenhagen: 1 February). A client
    /// that stored local midnight sends the evening before in UTC (`2019-01-31T23:00:00Z` in
    /// winter, `2024-05-31T22:00:00Z` in summer), which is midnight of the next day in
    /// Copenhagen: 1 February, 1 June. Reading every timestamp in Copenhagen time gives the
    /// intended date in both cases.
    pub fn date(self) -> NaiveDate {
        self.0.with_timezone(&Copenhagen).date_naive()
    }

    /// The date part in UTC, exactly as written.
    pub fn date_utc(self) -> NaiveDate {
        self.0.date_naive()
    }

    /// Written as Kitos writes it and reads it back: `Z`, at most 7 fractional digits, trailing
    /// zeros dropped (`2026-06-18T09:14:52.6134567Z`, `2019-02-01T00:00:00Z`). Digits beyond
    /// the 7th (100 ns, .NET's tick) are cut, so the value written is never later than this one.
    pub fn to_kitos_string(self) -> String {
        let mut out = self.0.format("%Y-%m-%dT%H:%M:%S").to_string();
        let ticks = self.0.nanosecond() % 1_000_000_000 / 100;
        if ticks > 0 {
            let digits = format!("{ticks:07}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
        out.push('Z');
        out
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Timestamp(instant)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl FromStr for Timestamp {
    type Err = InvalidDate;

    /// Reads RFC 3339 (`Z` or an offset, any number of fractional digits); also, leniently, a
    /// datetime without offset (taken as UTC) and a bare date (UTC midnight).
    fn from_str(text: &str) -> Result<Self, InvalidDate> {
        let text = text.trim();
        if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
            return Ok(Timestamp(instant.with_timezone(&Utc)));
        }
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
            return Ok(Timestamp(naive.and_utc()));
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Timestamp(date.and_time(chrono::NaiveTime::MIN).and_utc()));
        }
        Err(InvalidDate(text.to_owned()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_kitos_string())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_kitos_string())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl de::Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 datetime such as \"2026-06-18T09:14:52.613Z\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn reads_zero_to_seven_fractional_digits() {
        assert_eq!(ts("2026-06-18T09:14:52Z").instant().nanosecond(), 0);
        assert_eq!(ts("2026-06-18T09:14:52.6Z").instant().nanosecond(), 600_000_000);
        assert_eq!(ts("2026-06-18T09:14:52.6134567Z").instant().nanosecond(), 613_456_700);
        assert_eq!(ts("2026-06-18T09:14:52.6134567Z").to_kitos_string(), "2026-06-18T09:14:52.6134567Z");
        assert_eq!(ts("2026-06-18T09:14:52.613Z").to_kitos_string(), "2026-06-18T09:14:52.613Z");
        assert_eq!(ts("2019-02-01T00:00:00Z").to_kitos_string(), "2019-02-01T00:00:00Z");
    }

    #[test]
    fn dates_are_read_in_copenhagen() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(ts("2019-02-01T00:00:00Z").date(), d(2019, 2, 1));
        assert_eq!(ts("2019-01-31T23:00:00Z").date(), d(2019, 2, 1));
        assert_eq!(ts("2019-01-31T23:00:00Z").date_utc(), d(2019, 1, 31));
        assert_eq!(ts("2024-05-31T22:00:00Z").date(), d(2024, 6, 1));
        assert_eq!(ts("2024-06-01T21:59:59Z").date(), d(2024, 6, 1));
    }

    #[test]
    fn lenient_forms_and_errors() {
        assert_eq!(ts("2026-01-05"), ts("2026-01-05T00:00:00Z"));
        assert_eq!(ts("2026-01-05T10:00:00"), ts("2026-01-05T10:00:00Z"));
        assert_eq!(ts("2026-01-05T12:00:00+02:00"), ts("2026-01-05T10:00:00Z"));
        assert_eq!("2026-13-01".parse::<Timestamp>().unwrap_err().to_string(), "invalid date \"2026-13-01\"");
    }
}
