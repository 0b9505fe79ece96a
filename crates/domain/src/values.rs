//! Values that are parsed once at the edge and trusted afterwards: an email address, a KLE
//! code, a piece of text with bounds. Each parse failure names the rule it broke.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused: a stable rule name (for programs) and a message (for people).
///
/// It displays as `message (rule: name)`: serde carries a `try_from` error only as text, and
/// the suffix is how the rule survives that trip (the API splits it off again, see
/// [`ParseError::split_display`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (rule: {rule})")]
pub struct ParseError {
    /// A stable, machine-readable name of the rule, e.g. `email` or `max_length`.
    pub rule: &'static str,
    /// What was wrong, in plain English.
    pub message: String,
}

impl ParseError {
    /// A refusal under `rule`, explained by `message`.
    pub fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Self { rule, message: message.into() }
    }

    /// Splits text that a `ParseError` displayed back into its message and rule; `None` for
    /// any other text.
    pub fn split_display(text: &str) -> Option<(&str, &str)> {
        let (message, rest) = text.rsplit_once(" (rule: ")?;
        let rule = rest.strip_suffix(')')?;
        let well_formed =
            !rule.is_empty() && rule.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        well_formed.then_some((message, rule))
    }
}

/// An email address, trimmed and lower-cased, so that it identifies one person.
///
/// The check is deliberately modest (one `@`, a dotted domain, no spaces, at most 254
/// characters): the mail server is the final judge of deliverability.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = "email", example = "jens.hansen@randers.dk"))]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address; refuses anything that cannot be one.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim().to_lowercase();
        let invalid = || ParseError::new("email", "must be an email address such as name@kommune.dk");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A code of KLE, the municipal subject classification: three two-digit groups, `NN.NN.NN`
/// (main group, group, subject), e.g. `27.24.00`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^\d{2}\.\d{2}\.\d{2}$", example = "27.24.00"))]
#[serde(try_from = "String", into = "String")]
pub struct KleCode(String);

impl KleCode {
    /// Parses `NN.NN.NN`; surrounding spaces are ignored.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let groups: Vec<&str> = s.split('.').collect();
        let ok = groups.len() == 3 && groups.iter().all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new("kle_code", "must be a KLE code of the form NN.NN.NN, e.g. 27.24.00"))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KleCode {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<KleCode> for String {
    fn from(value: KleCode) -> Self {
        value.0
    }
}

/// Text that is trimmed, not empty, free of control characters (but line breaks and tabs, which
/// a name does without), and at most `MAX` characters long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Parses text: trims it and refuses empty or overlong text.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ParseError::new("required", "must not be empty"));
        }
        // PostgreSQL cannot store NUL, and no register text needs a control character but a
        // line break or a tab.
        if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(ParseError::new(
                "no_control_characters",
                "must not contain control characters (but line breaks and tabs)",
            ));
        }
        // A name stands on one line: in a mail's subject, a list, a page's heading.
        if MAX == NAME_MAX && s.contains(['\n', '\r', '\t']) {
            return Err(ParseError::new("one_line", "must be one line: no line breaks or tabs"));
        }
        // The Trojan Source set: text that reads one way and shows another (U+202E turns
        // "Evil\u{202E}gnp.exe" into "Evilexe.png"). Names and prose reach mails and pages.
        if s.chars().any(is_bidi_control) {
            return Err(ParseError::new(
                "no_bidi_controls",
                "must not contain bidirectional embedding, override or isolate characters (U+202A-U+202E, U+2066-U+2069)",
            ));
        }
        if s.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(ParseError::new("visible", "must contain a visible character"));
        }
        let len = s.chars().count();
        if len > MAX {
            return Err(ParseError::new("max_length", format!("must be at most {MAX} characters (was {len})")));
        }
        Ok(Self(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(value: Text<MAX>) -> Self {
        value.0
    }
}

/// The characters that change the direction of the text after them until they are closed:
/// embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069). The marks (U+200E,
/// U+200F, U+061C) only steer their neighbours and stay allowed, as right-to-left text needs
/// them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing (Unicode's default-ignorable code points, and the blanks that
/// are not counted as white space): zero-width spaces and joiners, the soft hyphen, word
/// joiners, variation selectors, the byte-order mark, the Hangul and Braille blanks, tags.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The longest a name may be; text of this bound is a name, on one line.
const NAME_MAX: usize = 200;
/// The years a date or time of the register may fall in (a time's year in UTC). Older or
/// later dates are typing mistakes, and a year past 9999 does not sort as text where a store
/// compares times so.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// The rule a day that has passed (a record's, a completion's, a signature's) breaks, if any:
/// it falls outside [`YEARS`] (what the API holds dates to as it reads them, and an import's
/// are held to as they are mapped), or after `today`.
pub fn past_day_violation(field: &str, day: chrono::NaiveDate, today: chrono::NaiveDate) -> Option<Violation> {
    use chrono::Datelike;
    if !YEARS.contains(&day.year()) {
        Some(Violation::new(
            field,
            "date_range",
            format!("must fall in the years {} to {}, not {day}", YEARS.start(), YEARS.end()),
        ))
    } else if day > today {
        Some(Violation::new(field, "not_in_future", "cannot be in the future"))
    } else {
        None
    }
}

/// Whether `text` is a CVR number (*Det Centrale Virksomhedsregister*): eight digits, the
/// first not 0, whose modulus-11 check holds (weights 2, 7, 6, 5, 4, 3, 2, 1).
pub fn is_cvr(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().map_while(|c| c.to_digit(10)).collect();
    let sum: u32 = digits.iter().zip([2, 7, 6, 5, 4, 3, 2, 1]).map(|(d, w)| d * w).sum();
    text.len() == 8 && digits.len() == 8 && digits[0] != 0 && sum.is_multiple_of(11)
}

/// A day as the register takes it: `YYYY-MM-DD`, in [`YEARS`].
pub fn parse_day(raw: &str) -> Result<chrono::NaiveDate, ParseError> {
    use chrono::Datelike;
    let shown: String = raw.chars().take(40).collect();
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().filter(|_| raw.len() == 10).ok_or_else(|| {
        ParseError::new("date", format!("must be a date as YYYY-MM-DD, for example 2026-03-31, not {shown:?}"))
    })?;
    if YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(ParseError::new(
            "date_range",
            format!("must fall in the years {} to {}, not {shown:?}", YEARS.start(), YEARS.end()),
        ))
    }
}

/// A name or title: one line of at most 200 characters.
pub type Name = Text<NAME_MAX>;
/// A paragraph of prose (a purpose, a description, a reason): at most 10 000 characters.
pub type Prose = Text<10_000>;

/// An absolute `http` or `https` URL, checked for its scheme and a host.
pub fn parse_web_url(raw: &str) -> Result<String, ParseError> {
    let s = raw.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| ParseError::new("url", "must be an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || s.len() > 2000 || s.chars().any(char::is_whitespace) {
        return Err(ParseError::new("url", "must be an http:// or https:// URL with a host"));
    }
    // A control character (NUL above all, which PostgreSQL cannot keep in text) is no part of
    // a URL: one that needs it writes it percent-encoded.
    if s.chars().any(char::is_control) {
        return Err(ParseError::new("url", "must not contain control characters (percent-encode them)"));
    }
    Ok(s.to_owned())
}

from_str_by_parse!(EmailAddress, KleCode, WebUrl);

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_holds_no_control_character() {
        assert!(super::parse_web_url("https://intranet.randers.dk/ra%00").is_ok());
        for bad in ["https://intranet.randers.dk/ra\u{0}", "https://x.dk/a\u{7f}b", "https://x.dk/a\u{85}b"] {
            assert_eq!(super::parse_web_url(bad).unwrap_err().rule, "url", "{bad:?}");
        }
    }

    #[test]
    fn a_cvr_number_keeps_its_check_digit() {
        // Randers, Aarhus and Copenhagen municipalities.
        for good in ["29189684", "55133018", "64942212"] {
            assert!(super::is_cvr(good), "{good}");
        }
        for bad in ["29189685", "2918968", "291896840", "09189684", "2918968x", "", "２９１８９６８４"] {
            assert!(!super::is_cvr(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(EmailAddress::parse("  Jens.Hansen@Randers.DK ").map(|e| e.0), Ok("jens.hansen@randers.dk".into()));
        for bad in ["", "jens", "jens@", "@randers.dk", "jens@randers", "je ns@randers.dk", "a@b@c.dk", "x@-a.dk"] {
            assert_eq!(EmailAddress::parse(bad).map_err(|e| e.rule), Err("email"), "{bad:?}");
        }
    }

    #[test]
    fn kle_code_has_three_two_digit_groups() {
        assert!(KleCode::parse("00.01.00").is_ok());
        assert!(KleCode::parse(" 27.24.00 ").is_ok());
        for bad in ["27.24", "27.24.0", "2a.24.00", "27-24-00", "27.24.00.01", ""] {
            assert_eq!(KleCode::parse(bad).map_err(|e| e.rule), Err("kle_code"), "{bad:?}");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(Text::<5>::parse(" abc ").map(Text::into_string), Ok("abc".into()));
        assert_eq!(Text::<5>::parse("   ").map_err(|e| e.rule), Err("required"));
        assert_eq!(Text::<5>::parse("æøåæøå").map_err(|e| e.rule), Err("max_length"));
        assert_eq!(Text::<5>::parse("a\u{0}b").map_err(|e| e.rule), Err("no_control_characters"));
        // Trojan Source: an override or isolate anywhere, in a name or in prose.
        for bidi in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            let name = format!("Evil{bidi}gnp.exe");
            assert_eq!(Name::parse(&name).map_err(|e| e.rule), Err("no_bidi_controls"), "{bidi:?}");
            assert_eq!(Prose::parse(&name).map_err(|e| e.rule), Err("no_bidi_controls"), "{bidi:?}");
        }
        // Right-to-left text with its marks is a name like any other.
        assert!(Name::parse("\u{5E9}\u{5DC}\u{5D5}\u{5DD}\u{200F} 2").is_ok());
        // Nothing to see: refused, however it is made.
        for blank in [
            "\u{200B}",
            " \u{200B} \u{200C}\u{200D} ",
            "\u{FEFF}",
            "\u{2060}\u{00AD}",
            "\u{3164}",
            "\u{2800}",
            "\u{00A0}\u{200B}",
        ] {
            assert_eq!(Name::parse(blank).map_err(|e| e.rule), Err("visible"), "{blank:?}");
        }
        // Invisible characters beside visible ones are the text's business (a soft hyphen, a
        // joiner in an emoji).
        assert!(Name::parse("Løn\u{00AD}system").is_ok());
        for broken in ["Line\nbreak", "Tab\there", "Ret\rurn"] {
            assert_eq!(Name::parse(broken).map_err(|e| e.rule), Err("one_line"), "{broken:?}");
            assert!(Prose::parse(broken).is_ok(), "prose keeps its lines: {broken:?}");
        }
        assert!(Name::parse("Team \u{1F469}\u{200D}\u{1F4BB}").is_ok());
        assert_eq!(Text::<9>::parse("a\tb\r\nc").map(Text::into_string), Ok("a\tb\r\nc".to_owned()));
        let shown = Text::<5>::parse("  ").unwrap_err().to_string();
        assert_eq!(ParseError::split_display(&shown), Some(("must not be empty", "required")));
        assert_eq!(ParseError::split_display("invalid type: integer `3`, expected a string"), None);
        assert_eq!(ParseError::split_display("x (rule: Not A Rule)"), None);
        assert!(Text::<6>::parse("æøåæøå").is_ok(), "length counts characters, not bytes");
    }

    #[test]
    fn urls_need_a_web_scheme_and_host() {
        assert!(parse_web_url("https://www.borger.dk/sag").is_ok());
        for bad in ["ftp://x.dk", "https://", "borger.dk", "https://a b.dk"] {
            assert!(parse_web_url(bad).is_err(), "{bad:?}");
        }
    }
}

/// One rule broken by one field of a request: what a 422 problem body lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Violation {
    /// The field, as a JSON path into the request (e.g. `owner_id`, `kle_codes[1]`).
    pub field: String,
    /// A stable name of the rule, e.g. `required`, `email`, `owner_not_management`.
    pub rule: String,
    /// What was wrong, in plain English.
    pub message: String,
}

impl Violation {
    /// `field` broke `rule`, as `message` explains.
    pub fn new(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), rule: rule.into(), message: message.into() }
    }
}

/// For PATCH bodies: tells an absent field (`None`, leave alone) from `null` (`Some(None)`,
/// clear it). Use with `#[serde(default, deserialize_with = "patch_field")]`.
pub fn patch_field<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// For PATCH bodies: a field that may be absent (`None`, leave alone) but not `null`, since it
/// cannot be cleared. Use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// An absolute `http` or `https` URL (a link to a document, a self-service page, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = "uri", example = "https://intranet.randers.dk/doc/123"))]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl WebUrl {
    /// Parses an http(s) URL.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        parse_web_url(raw).map(Self)
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebUrl {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<WebUrl> for String {
    fn from(value: WebUrl) -> Self {
        value.0
    }
}
