//! Pages of a list: a limit, an offset or a keyset cursor, and the total.
//!
//! Lists are ordered by `(updated_at, id)`: a client that syncs with `changed_since` and
//! follows `next_cursor` sees every change exactly once, even while others write.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::StoreError;

/// What part of a list to read.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// How many items at most.
    pub limit: i64,
    /// Skip this many (ignored with a cursor).
    pub offset: i64,
    /// Continue after this position (from a previous page's `next_cursor`).
    pub cursor: Option<Cursor>,
}

/// A position in a list ordered by `(updated_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub(crate) at: NaiveDateTime,
    pub(crate) id: String,
}

impl Cursor {
    pub(crate) fn new(at: NaiveDateTime, id: &str) -> Self {
        Self { at, id: id.to_owned() }
    }

    /// Reads a cursor as written by [`Cursor::encode`]; `None` when it is not one.
    pub fn decode(raw: &str) -> Option<Self> {
        let (micros, id) = raw.split_once('_')?;
        let micros: i64 = micros.parse().ok()?;
        uuid::Uuid::parse_str(id).ok()?;
        let at = DateTime::<Utc>::from_timestamp_micros(micros)?.naive_utc();
        Some(Self { at, id: id.to_owned() })
    }

    /// The cursor as an opaque string for clients.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.and_utc().timestamp_micros(), self.id)
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items match the filters in all.
    pub total: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows read with one extra row (to know whether more follow).
    pub(crate) fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        total: i64,
        position: impl Fn(&R) -> Cursor,
        convert: impl Fn(R) -> Result<T, StoreError>,
    ) -> Result<Self, StoreError> {
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if more { rows.last().map(|r| position(r).encode()) } else { None };
        let items = rows.into_iter().map(convert).collect::<Result<_, _>>()?;
        Ok(Self { items, total, next_cursor })
    }

    /// Maps the items, keeping the paging.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, next_cursor: self.next_cursor }
    }
}

/// Applies a page to a boxed query ordered by `(time, id)`: after the cursor, or from the
/// offset; one row more than the limit, so [`Page::from_rows`] knows whether more follow.
macro_rules! keyset_page {
    ($query:expr, $time:expr, $id:expr, $page:expr) => {{
        let page: &$crate::page::PageRequest = $page;
        let mut q = $query;
        if let Some(c) = &page.cursor {
            q = q.filter($time.gt(c.at).or($time.eq(c.at).and($id.gt(c.id.clone()))));
        } else {
            q = q.offset(page.offset);
        }
        q.order(($time.asc(), $id.asc())).limit(page.limit + 1)
    }};
}
pub(crate) use keyset_page;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let at = DateTime::<Utc>::from_timestamp_micros(1_764_000_000_123_456).unwrap().naive_utc();
        let c = Cursor::new(at, "0193a5b2-0000-7000-8000-000000000001");
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "abc", "12_notauuid", "x_0193a5b2-0000-7000-8000-000000000001"] {
            assert_eq!(Cursor::decode(bad), None, "{bad:?}");
        }
    }
}
