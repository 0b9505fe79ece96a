//! Which answer a report's caller asked for: `?format=` where it is given, else the `Accept`
//! header; JSON by default.

use actix_web::http::header::{self, HeaderMap};
use serde::Deserialize;

use super::XLSX;

/// How a report is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum ReportFormat {
    /// JSON (the default).
    #[serde(rename = "json")]
    Json,
    /// An Excel workbook (.xlsx), as a download.
    #[serde(rename = "xlsx")]
    Xlsx,
}

impl ReportFormat {
    /// The format `query` names; without one, the workbook where `Accept` weighs its media
    /// type at least as much as JSON's (a browser's `*/*` asks for nothing in particular),
    /// else JSON.
    pub fn chosen(query: Option<ReportFormat>, headers: &HeaderMap) -> ReportFormat {
        if let Some(format) = query {
            return format;
        }
        let accept = headers.get_all(header::ACCEPT).filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
        let (xlsx, json) = (weight(&accept, XLSX), weight(&accept, "application/json"));
        if xlsx > 0.0 && xlsx >= json { ReportFormat::Xlsx } else { ReportFormat::Json }
    }
}

/// The weight `accept` gives `media_type` by name (0 where it is not named; RFC 9110's `q`,
/// 1 where none is given; a weight that does not parse counts as none).
fn weight(accept: &str, media_type: &str) -> f32 {
    accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let name = pieces.next()?.trim();
            if !name.eq_ignore_ascii_case(media_type) {
                return None;
            }
            let q = pieces.map(str::trim).find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")));
            Some(match q {
                None => 1.0,
                Some(q) => q.parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q))?,
            })
        })
        .fold(0.0_f32, f32::max)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderMap, HeaderValue};

    use super::*;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_query_wins_over_the_header() {
        assert_eq!(ReportFormat::chosen(Some(ReportFormat::Json), &accepting(XLSX)), ReportFormat::Json);
        assert_eq!(ReportFormat::chosen(Some(ReportFormat::Xlsx), &HeaderMap::new()), ReportFormat::Xlsx);
    }

    #[test]
    fn the_header_chooses_by_weight() {
        let chosen = |accept| ReportFormat::chosen(None, &accepting(accept));
        assert_eq!(ReportFormat::chosen(None, &HeaderMap::new()), ReportFormat::Json);
        assert_eq!(chosen("*/*"), ReportFormat::Json);
        assert_eq!(chosen("application/json"), ReportFormat::Json);
        assert_eq!(chosen(XLSX), ReportFormat::Xlsx);
        assert_eq!(
            chosen("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/json;q=0.5"),
            ReportFormat::Xlsx
        );
        assert_eq!(
            chosen("application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.5"),
            ReportFormat::Json
        );
        assert_eq!(chosen("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0"), ReportFormat::Json);
    }
}
