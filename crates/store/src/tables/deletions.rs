//! The `deletions` table: what was deleted, so that clients that copy the register learn it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use systemejer_domain::{Deletion, EntityType};

use crate::page::{Cursor, Page, PageRequest, keyset_page};
use crate::schema::deletions::dsl as d;
use crate::sql::parse;
use crate::{AnyConnection, StoreError};

pub(crate) fn insert(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    actor: &str,
    entity_type: EntityType,
    entity_id: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(d::deletions)
        .values((
            d::entity_type.eq(entity_type.as_str()),
            d::entity_id.eq(entity_id),
            d::deleted_at.eq(at.naive_utc()),
            d::actor.eq(actor),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletions since `since` (inclusive), oldest first, optionally of one kind of entity.
pub(crate) fn list(
    conn: &mut AnyConnection,
    since: Option<DateTime<Utc>>,
    entity_type: Option<EntityType>,
    page: &PageRequest,
) -> Result<Page<Deletion>, StoreError> {
    let filtered = || {
        let mut q = d::deletions.into_boxed();
        if let Some(since) = since {
            q = q.filter(d::deleted_at.ge(since.naive_utc()));
        }
        if let Some(t) = entity_type {
            q = q.filter(d::entity_type.eq(t.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<(String, String, NaiveDateTime)> = keyset_page!(filtered(), d::deleted_at, d::entity_id, page)
        .select((d::entity_type, d::entity_id, d::deleted_at))
        .load(conn)?;
    Page::from_rows(
        rows,
        page.limit,
        total,
        |r| Cursor::new(r.2, &r.1),
        |r| {
            Ok(Deletion {
                entity_type: parse("deletions.entity_type", &r.0)?,
                entity_id: r.1,
                deleted_at: r.2.and_utc(),
            })
        },
    )
}
