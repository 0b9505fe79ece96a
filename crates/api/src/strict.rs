//! A JSON array read only where a list belongs.
//!
//! serde's derived `Deserialize` for a struct accepts a sequence as its fields in order, so
//! `["IT", "department"]` would read as `{"name": "IT", "kind": "department"}` and
//! `{"evidence": ["access_review", 3, 1]}` as a tagged object. A client that sends a list where
//! an object belongs has made a mistake; taking a guess at what it meant writes something
//! nobody asked for. [`Strict`] wraps a deserializer and refuses a sequence wherever the type
//! being read is a struct (or a struct variant, or an internally tagged enum, which serde reads
//! with `deserialize_any`), at every depth: each nested value is read through the wrapper too.
//! Lists (`Vec`, tuples) are read as before.
//!
//! The one limit: inside a value read with `deserialize_any` (today only the tagged
//! `Evidence`, whose variants hold no lists) every nested sequence is refused, since serde
//! does not say what it will make of it.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};

/// A deserializer that refuses a sequence where an object belongs.
pub struct Strict<D>(pub D);

/// What a refused sequence is told it should have been.
const OBJECT: &str = "an object with named fields, not a list";

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Wrap { inner: visitor, objects_only: false })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_map deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(Wrap { inner: visitor, objects_only: true })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap { inner: visitor, objects_only: false })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap { inner: visitor, objects_only: false })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap { inner: visitor, objects_only: false })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Wrap { inner: visitor, objects_only: false })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Wrap { inner: visitor, objects_only: true })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap { inner: visitor, objects_only: false })
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose nested values are read through [`Strict`]; with `objects_only`, one that
/// refuses a sequence.
struct Wrap<V> {
    inner: V,
    objects_only: bool,
}

macro_rules! pass {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.objects_only { f.write_str(OBJECT) } else { self.inner.expecting(f) }
    }

    pass! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128)
        visit_f32(f32) visit_f64(f64) visit_char(char)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let format = TimeFormat::of(&self.inner);
        format.check(v)?;
        self.inner.visit_str(v).map_err(|e| format.explain(e, v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        let format = TimeFormat::of(&self.inner);
        format.check(v)?;
        self.inner.visit_borrowed_str(v).map_err(|e| format.explain(e, v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        let format = TimeFormat::of(&self.inner);
        format.check(&v)?;
        let given = format.is_some().then(|| v.clone());
        self.inner.visit_string(v).map_err(|e| format.explain(e, given.as_deref().unwrap_or_default()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Strict(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Strict(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if self.objects_only {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        self.inner.visit_seq(Access(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Access(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(Access(data))
    }
}

/// A day or a moment, as chrono's visitors describe what they expect: chrono's own errors
/// ("premature end of input", "trailing input") say what went wrong inside the parser, not
/// what to send.
#[derive(Clone, Copy)]
enum TimeFormat {
    Day,
    Moment,
}

impl TimeFormat {
    /// The format `visitor` reads, if it is one of chrono's.
    fn of<'de, V: Visitor<'de>>(visitor: &V) -> Option<Self> {
        struct Expecting<'a, V>(&'a V);
        impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.expecting(f)
            }
        }
        match Expecting(visitor).to_string().as_str() {
            "a formatted date string" => Some(Self::Day),
            "an RFC 3339 formatted date and time string" | "a formatted date and time string" => Some(Self::Moment),
            _ => None,
        }
    }
}

trait Explain {
    /// The error, said as what the field takes and what was given.
    fn explain<E: de::Error>(self, error: E, given: &str) -> E;

    /// What chrono would take but the register does not: a year outside 1900 to 9999 (in UTC:
    /// a store compares times as text, and `+10000-…` sorts before `2026-…`), a day not
    /// written as YYYY-MM-DD (`+12026-01-01`), a leap second (23:59:60, which no client's
    /// date type reads back).
    fn check<E: de::Error>(self, given: &str) -> Result<(), E>;
}

impl Explain for Option<TimeFormat> {
    fn check<E: de::Error>(self, given: &str) -> Result<(), E> {
        use chrono::{Datelike, Timelike};
        use systemejer_domain::values::YEARS;
        let shown: String = given.chars().take(40).collect();
        match self {
            None => Ok(()),
            Some(TimeFormat::Day) => {
                systemejer_domain::values::parse_day(given).map(|_| ()).map_err(|e| E::custom(e.to_string()))
            }
            Some(TimeFormat::Moment) => {
                let Ok(moment) = chrono::DateTime::parse_from_rfc3339(given) else {
                    return Err(self.explain(E::custom("unreadable"), given));
                };
                if moment.nanosecond() >= 1_000_000_000 {
                    return Err(E::custom(format!(
                        "must not be a leap second (:60): a minute has seconds 00 to 59, not {shown:?} (rule: date_time)"
                    )));
                }
                if YEARS.contains(&moment.to_utc().year()) {
                    Ok(())
                } else {
                    Err(E::custom(format!(
                        "must fall in the years {} to {} (in UTC), not {shown:?} (rule: date_range)",
                        YEARS.start(),
                        YEARS.end()
                    )))
                }
            }
        }
    }

    fn explain<E: de::Error>(self, error: E, given: &str) -> E {
        let given: String = given.chars().take(40).collect();
        match self {
            None => error,
            Some(TimeFormat::Day) => {
                E::custom(format!("must be a date as YYYY-MM-DD, for example 2026-03-31, not {given:?} (rule: date)"))
            }
            Some(TimeFormat::Moment) => E::custom(format!(
                "must be a date and time in RFC 3339 with a time zone, for example 2026-03-31T07:30:00Z or \
                 2026-03-31T09:30:00+02:00, not {given:?} (rule: date_time)"
            )),
        }
    }
}

/// A sequence, map, enum or variant whose values are read through [`Strict`].
struct Access<A>(A);

/// A seed whose deserializer is wrapped in [`Strict`].
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(Strict(deserializer))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Access<A> {
    type Error = A::Error;
    type Variant = Access<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0.variant_seed(Seed(seed)).map(|(value, variant)| (value, Access(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Access<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap { inner: visitor, objects_only: false })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap { inner: visitor, objects_only: true })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::Strict;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Unit {
        name: String,
        kind: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        unit: Option<Unit>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        units: Vec<Unit>,
        evidence: Option<Evidence>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Evidence {
        Review { accounts: u32 },
    }

    fn read<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        T::deserialize(Strict(&mut serde_json::Deserializer::from_str(json))).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_and_lists_read_as_before() {
        let body: Body = read(
            r#"{"unit": {"name": "IT", "kind": "department"}, "tags": ["a", "b"],
                "units": [{"name": "Løn", "kind": "team"}], "evidence": {"type": "review", "accounts": 3}}"#,
        )
        .unwrap();
        assert_eq!(body.unit, Some(Unit { name: "IT".into(), kind: "department".into() }));
        assert_eq!(body.tags, ["a", "b"]);
        assert_eq!(body.units[0].name, "Løn");
        assert_eq!(body.evidence, Some(Evidence::Review { accounts: 3 }));
    }

    #[test]
    fn dates_and_times_name_their_format() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Dated {
            day: Option<chrono::NaiveDate>,
            at: Option<chrono::DateTime<chrono::Utc>>,
        }
        for (json, wanted) in [
            (
                r#"{"day": "2026-02-30"}"#,
                r#"must be a date as YYYY-MM-DD, for example 2026-03-31, not "2026-02-30" (rule: date)"#,
            ),
            (
                r#"{"day": "2026-1-5x"}"#,
                r#"must be a date as YYYY-MM-DD, for example 2026-03-31, not "2026-1-5x" (rule: date)"#,
            ),
            (r#"{"day": "2026"}"#, r#"must be a date as YYYY-MM-DD, for example 2026-03-31, not "2026" (rule: date)"#),
            (r#"{"at": "2026-03-31T09:30:00"}"#, "must be a date and time in RFC 3339 with a time zone"),
        ] {
            let error = read::<Dated>(json).unwrap_err();
            assert!(error.starts_with(wanted), "{json}: {error}");
            assert!(!error.contains("premature") && !error.contains("trailing input"), "{error}");
        }
        assert!(read::<Dated>(r#"{"day": "2026-03-31", "at": "2026-03-31T07:30:00Z"}"#).is_ok());
        // What chrono reads but a register must not keep.
        for (json, wanted) in [
            (r#"{"at": "9999-12-31T23:00:00-01:00"}"#, "must fall in the years 1900 to 9999 (in UTC)"),
            (r#"{"day": "-0001-01-01"}"#, "must be a date as YYYY-MM-DD"),
            (r#"{"day": "+12026-01-01"}"#, "must be a date as YYYY-MM-DD"),
            (r#"{"day": "0001-01-01"}"#, "must fall in the years 1900 to 9999"),
            (r#"{"at": "0001-01-01T00:00:00Z"}"#, "must fall in the years 1900 to 9999"),
            (r#"{"at": "2026-11-30T23:59:60Z"}"#, "must not be a leap second"),
        ] {
            let error = read::<Dated>(json).unwrap_err();
            assert!(error.starts_with(wanted), "{json}: {error}");
        }
        assert!(read::<Dated>(r#"{"day": "1900-01-01", "at": "9999-12-31T23:59:59Z"}"#).is_ok());
    }

    #[test]
    fn a_list_never_stands_in_for_an_object() {
        // Each of these, read by serde_json alone, is accepted as the fields in order.
        for json in [
            r#"["IT", "department"]"#,
            r#"{"unit": ["IT", "department"]}"#,
            r#"{"units": [["IT", "department"]]}"#,
            r#"{"evidence": ["review", 3]}"#,
        ] {
            let plain = if json.starts_with('[') {
                serde_json::from_str::<Unit>(json).is_ok()
            } else {
                serde_json::from_str::<Body>(json).is_ok()
            };
            assert!(plain, "serde_json alone reads {json}");
            let strict =
                if json.starts_with('[') { read::<Unit>(json).map(|_| ()) } else { read::<Body>(json).map(|_| ()) };
            let error = strict.expect_err(json);
            assert!(error.contains("an object with named fields, not a list"), "{json}: {error}");
        }
    }
}
