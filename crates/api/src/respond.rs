//! The steps every handler shares: a store call on the blocking pool (inside the request's
//! tracing span), the system a caller may change, and the answers that carry a `Location` or
//! an `ETag`.

use actix_web::web;
use systemejer_store::{Store, StoreError};

use crate::error::ApiError;
use crate::state::AppState;

/// Runs a store call on the blocking pool, inside the request's tracing span.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    let span = tracing::Span::current();
    Ok(web::block(move || span.in_scope(|| f(&store))).await??)
}

/// A 201 with the resource and its `Location`.
pub(crate) fn created<T: serde::Serialize>(location: String, body: &T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(body)
}

/// A 201 with a versioned resource, its `Location` and its `ETag`.
pub(crate) fn created_tagged<T: serde::Serialize>(location: String, version: i64, body: &T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((actix_web::http::header::ETAG, crate::extract::etag(version)))
        .json(body)
}

/// A 200 with a versioned resource and its `ETag`.
pub(crate) fn tagged<T: serde::Serialize>(version: i64, body: &T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, crate::extract::etag(version)))
        .json(body)
}

/// The system `id`, once the caller is known to be allowed to change it (an admin, or its
/// owner or a delegate).
pub(crate) async fn editable_system(
    state: &web::Data<AppState>,
    caller: &crate::caller::Caller,
    id: systemejer_domain::SystemId,
) -> Result<systemejer_domain::System, ApiError> {
    caller.require_reader()?;
    let system = blocking(state, move |s| s.get_system(id)).await?;
    caller.require_system_editor(&system)?;
    Ok(system)
}
