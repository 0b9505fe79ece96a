//! Paging parameters and the page envelope of every list.

use serde::{Deserialize, Serialize};
use systemejer_domain::Violation;
use systemejer_store::PageRequest;
use systemejer_store::page::Cursor;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// The default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page size.
pub const MAX_LIMIT: i64 = 500;

/// Which page of a list to read. Lists are ordered by last change, then id, so that a client
/// syncing with `changed_since` and following `next_cursor` sees every change.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Items to skip (not with `cursor`).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// Continue after the previous page: its `next_cursor`.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The checked page request.
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let bad = |field: &str, rule: &str, message: &str| ApiError::BadRequest {
            detail: format!("bad query parameter `{field}`: {message}"),
            errors: vec![Violation::new(field, rule, message)],
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(bad("limit", "range", "must be from 1 to 500"));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(bad("offset", "range", "must not be negative"));
        }
        let cursor = match &self.cursor {
            None => None,
            Some(_) if self.offset.is_some() => {
                return Err(bad("cursor", "exclusive", "use either cursor or offset, not both"));
            }
            Some(c) => Some(
                Cursor::decode(c).ok_or_else(|| bad("cursor", "cursor", "is not a cursor this service gave out"))?,
            ),
        };
        Ok(PageRequest { limit, offset, cursor })
    }
}

/// One page of a list: the one shape every list of the API answers in. The lists under one
/// system (its duties, transitions, records, ...) are answered whole, as a single page whose
/// `next_cursor` is `null`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items match the filters in all.
    pub total: i64,
    /// Pass as `cursor` to read the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A list answered whole: every item on one page.
    pub fn whole(items: Vec<T>) -> Self {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        Self { items, total, next_cursor: None }
    }
}

impl<T> From<systemejer_store::Page<T>> for Page<T> {
    fn from(p: systemejer_store::Page<T>) -> Self {
        Self { items: p.items, total: p.total, next_cursor: p.next_cursor }
    }
}
