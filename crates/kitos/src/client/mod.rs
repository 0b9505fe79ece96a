//! An async HTTP client for Kitos API v2: logs in, pages every list until a short page, and
//! reads one organization's [`Snapshot`].

mod auth;
mod http;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;
use uuid::Uuid;

pub use auth::Credentials;
use auth::TokenCache;
use http::{excerpt, shown, transport};

use crate::error::Error;
use crate::parse::{parse_document, parse_value};
use crate::shape::Shape;
use crate::shapes::{
    DataProcessingRegistration, DeletedEntity, ItSystem, ItSystemUsage, OrganizationUnit, OrganizationUser, RoleType,
};
use crate::snapshot::Snapshot;
use crate::time::Timestamp;

/// The largest page Kitos serves (`BoundedPaginationQuery`).
pub const MAX_PAGE_SIZE: u16 = 250;

/// More pages than this means the server ignores paging: the client stops with an error.
const MAX_PAGES: usize = 10_000;

/// How to reach Kitos.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// E.g. `https://kitos.dk` (a path prefix is kept).
    pub base_url: String,
    pub credentials: Credentials,
    /// Items per page, 1…250 (default 250).
    pub page_size: u16,
    /// How long before its `expires` a token is renewed (default 5 minutes; at most half its life).
    pub renewal_margin: Duration,
    /// The time limit of each request (default 60 s).
    pub timeout: Duration,
    /// How many catalogue systems are fetched at once (default 4).
    pub concurrency: usize,
    /// The waits before the request is sent again after Kitos answered 500, 502, 503 or 504,
    /// or could not be reached (default 1, 4 and 15 seconds: three more tries).
    pub retry_waits: Vec<Duration>,
}

impl ClientSettings {
    /// The defaults for `base_url` and `credentials`.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        ClientSettings {
            base_url: base_url.into(),
            credentials,
            page_size: MAX_PAGE_SIZE,
            renewal_margin: Duration::from_secs(300),
            timeout: Duration::from_secs(60),
            concurrency: 4,
            retry_waits: vec![Duration::from_secs(1), Duration::from_secs(4), Duration::from_secs(15)],
        }
    }
}

/// What [`KitosClient::snapshot`] reads besides the full lists.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Only usages and registrations changed at or after this (`changedSinceGtEq`); units and
    /// users are read whole, catalogue systems for the usages read.
    pub changed_since: Option<DateTime<Utc>>,
    /// Read usage deletions from the delta feed since this (`deletedSinceUTC`).
    pub deleted_since: Option<DateTime<Utc>>,
    /// Read the usage role types (default yes).
    pub role_types: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions { changed_since: None, deleted_since: None, role_types: true }
    }
}

/// A Kitos API v2 client for one API user. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct KitosClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    page_size: u16,
    concurrency: usize,
    tokens: TokenCache,
    retry_waits: Vec<Duration>,
}

impl std::fmt::Debug for KitosClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KitosClient").field("base", &shown(&self.inner.base)).finish_non_exhaustive()
    }
}

/// A `changedSinceGtEq` or `deletedSinceUTC` value as Kitos reads it.
fn since(instant: DateTime<Utc>) -> String {
    Timestamp::from(instant).to_kitos_string()
}

impl KitosClient {
    /// A client for `settings`; nothing is sent until the first request.
    pub fn new(settings: ClientSettings) -> Result<Self, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&settings.page_size) {
            return Err(Error::Settings(format!("page size {} is outside 1…{MAX_PAGE_SIZE}", settings.page_size)));
        }
        let mut base = Url::parse(settings.base_url.trim())
            .map_err(|e| Error::Settings(format!("base URL {:?}: {e}", settings.base_url)))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("systemejer-kitos/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Settings(format!("HTTP client: {e}")))?;
        let margin = chrono::Duration::from_std(settings.renewal_margin)
            .map_err(|e| Error::Settings(format!("renewal margin: {e}")))?;
        let tokens = TokenCache::new(settings.credentials, margin);
        let inner = Inner {
            http,
            base,
            page_size: settings.page_size,
            concurrency: settings.concurrency.max(1),
            tokens,
            retry_waits: settings.retry_waits.clone(),
        };
        Ok(KitosClient { inner: Arc::new(inner) })
    }

    /// The usages of `organization` (`GET api/v2/it-system-usages`), all or changed since.
    pub async fn usages(
        &self,
        organization: Uuid,
        changed_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ItSystemUsage>, Error> {
        Ok(self.usages_and_shape(organization, changed_since).await?.0)
    }

    async fn usages_and_shape(
        &self,
        organization: Uuid,
        changed_since: Option<DateTime<Utc>>,
    ) -> Result<(Vec<ItSystemUsage>, Shape), Error> {
        let mut query = vec![("organizationUuid", organization.to_string())];
        query.extend(changed_since.map(|at| ("changedSinceGtEq", since(at))));
        self.pages("api/v2/it-system-usages", &query, Some(Shape::of_usages)).await
    }

    /// The data processing registrations of `organization`, all or changed since.
    pub async fn registrations(
        &self,
        organization: Uuid,
        changed_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DataProcessingRegistration>, Error> {
        Ok(self.registrations_and_shape(organization, changed_since).await?.0)
    }

    async fn registrations_and_shape(
        &self,
        organization: Uuid,
        changed_since: Option<DateTime<Utc>>,
    ) -> Result<(Vec<DataProcessingRegistration>, Shape), Error> {
        let mut query = vec![("organizationUuid", organization.to_string())];
        query.extend(changed_since.map(|at| ("changedSinceGtEq", since(at))));
        self.pages("api/v2/data-processing-registrations", &query, Some(Shape::of_registrations)).await
    }

    /// The organization units of `organization`.
    pub async fn units(&self, organization: Uuid) -> Result<Vec<OrganizationUnit>, Error> {
        let path = format!("api/v2/organizations/{organization}/organization-units");
        Ok(self.pages(&path, &[], None).await?.0)
    }

    /// The users of `organization`.
    pub async fn users(&self, organization: Uuid) -> Result<Vec<OrganizationUser>, Error> {
        let path = format!("api/v2/organizations/{organization}/users");
        Ok(self.pages(&path, &[], None).await?.0)
    }

    /// The usage role types of `organization`.
    pub async fn role_types(&self, organization: Uuid) -> Result<Vec<RoleType>, Error> {
        let query = [("organizationUuid", organization.to_string())];
        Ok(self.pages("api/v2/it-system-usage-role-types", &query, None).await?.0)
    }

    /// The deletions of `entity_type` (e.g. `"ItSystemUsage"`) since `deleted_since`.
    pub async fn deletions(
        &self,
        entity_type: &str,
        deleted_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeletedEntity>, Error> {
        let mut query = vec![("entityType", entity_type.to_owned())];
        query.extend(deleted_since.map(|at| ("deletedSinceUTC", since(at))));
        Ok(self.pages("api/v2/delta-feed/deleted-entities", &query, None).await?.0)
    }

    /// The catalogue system `uuid`; `None` if Kitos answers 404.
    pub async fn system(&self, uuid: Uuid) -> Result<Option<ItSystem>, Error> {
        let url = self.url(&format!("api/v2/it-systems/{uuid}"), &[])?;
        match self.get(&url).await {
            Ok(bytes) => parse_document(&format!("GET {}", shown(&url)), &bytes).map(Some),
            Err(Error::Status { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Everything `organization`'s import needs (see [`FetchOptions`]). A catalogue system
    /// Kitos no longer has (404) is left out of `systems`, with a warning in the log.
    pub async fn snapshot(&self, organization: Uuid, options: &FetchOptions) -> Result<Snapshot, Error> {
        let (usages, usage_shape) = self.usages_and_shape(organization, options.changed_since).await?;
        let (registrations, dpr_shape) = self.registrations_and_shape(organization, options.changed_since).await?;
        let units = self.units(organization).await?;
        let users = self.users(organization).await?;
        let role_types = if options.role_types { Some(self.role_types(organization).await?) } else { None };
        let deletions = match options.deleted_since {
            Some(at) => Some(self.deletions("ItSystemUsage", Some(at)).await?),
            None => None,
        };
        let wanted: BTreeSet<Uuid> = usages.iter().filter_map(ItSystemUsage::system_uuid).collect();
        let systems = self.systems(wanted).await?;
        Ok(Snapshot {
            shape: usage_shape.and(dpr_shape),
            usages,
            registrations,
            units,
            users,
            systems,
            role_types,
            deletions,
        })
    }

    /// The catalogue systems `uuids`, a few at a time.
    async fn systems(&self, uuids: BTreeSet<Uuid>) -> Result<std::collections::BTreeMap<Uuid, ItSystem>, Error> {
        let mut out = std::collections::BTreeMap::new();
        let mut pending = uuids.into_iter();
        let mut running = tokio::task::JoinSet::new();
        let spawn = |running: &mut tokio::task::JoinSet<_>, uuid: Uuid| {
            let client = self.clone();
            running.spawn(async move { (uuid, client.system(uuid).await) });
        };
        for uuid in pending.by_ref().take(self.inner.concurrency) {
            spawn(&mut running, uuid);
        }
        while let Some(joined) = running.join_next().await {
            let (uuid, fetched) = joined.map_err(|e| Error::Transport {
                method: "GET",
                url: shown(&self.inner.base),
                message: format!("fetching a catalogue system failed: {e}"),
            })?;
            if let Some(system) = fetched? {
                out.insert(uuid, system);
            } else {
                tracing::warn!(%uuid, "Kitos has no catalogue system with this uuid (404)");
            }
            if let Some(next) = pending.next() {
                spawn(&mut running, next);
            }
        }
        Ok(out)
    }

    /// Every page of the list at `path`, until a page shorter than the page size.
    async fn pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        probe: Option<fn(&Value) -> Shape>,
    ) -> Result<(Vec<T>, Shape), Error> {
        let page_size = usize::from(self.inner.page_size);
        let mut items = Vec::new();
        let mut shape = Shape::Undetermined;
        for page in 0..MAX_PAGES {
            let mut paged = query.to_vec();
            paged.push(("page", page.to_string()));
            paged.push(("pageSize", page_size.to_string()));
            let url = self.url(path, &paged)?;
            let bytes = self.get(&url).await?;
            let name = format!("GET {}", shown(&url));
            let batch: Vec<T> = parse_document(&name, &bytes)?;
            if let Some(probe) = probe {
                shape = shape.and(probe(&parse_value(&name, &bytes)?));
            }
            let count = batch.len();
            items.extend(batch);
            if count < page_size {
                return Ok((items, shape));
            }
        }
        Err(Error::Transport {
            method: "GET",
            url: shown(&self.url(path, query)?),
            message: format!("more than {MAX_PAGES} pages: does the server ignore pageSize?"),
        })
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, Error> {
        let mut url = self.inner.base.join(path).map_err(|e| Error::Settings(format!("URL for {path}: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// The body of a successful `GET url`, with the token; after a 401 the token is renewed
    /// and the request sent once more.
    async fn get(&self, url: &Url) -> Result<Vec<u8>, Error> {
        const METHOD: &str = "GET";
        let inner = &self.inner;
        let mut retried = false;
        let mut waits = inner.retry_waits.iter();
        loop {
            let bearer = inner.tokens.bearer(&inner.http, &inner.base).await?;
            tracing::debug!(url = %shown(url), "Kitos GET");
            let sent = inner
                .http
                .get(url.clone())
                .bearer_auth(&bearer.value)
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
            let answered = match sent {
                Ok(response) => {
                    let status = response.status();
                    response.bytes().await.map(|bytes| (status, bytes))
                }
                Err(e) => Err(e),
            };
            // A passing fault (Kitos restarting, a gateway's hiccup) is waited out.
            let passing = match &answered {
                Ok((status, _)) => matches!(status.as_u16(), 500 | 502 | 503 | 504),
                Err(e) => e.is_connect() || e.is_timeout() || e.is_request(),
            };
            if passing && let Some(wait) = waits.next() {
                let said = answered.as_ref().map_or_else(ToString::to_string, |(status, _)| status.to_string());
                tracing::warn!(url = %shown(url), %said, wait_s = wait.as_secs_f64(), "Kitos failed; trying again");
                tokio::time::sleep(*wait).await;
                continue;
            }
            let (status, bytes) = answered.map_err(|e| transport(METHOD, url, e))?;
            if status == reqwest::StatusCode::UNAUTHORIZED && !retried && inner.tokens.can_renew() {
                tracing::info!(url = %shown(url), "Kitos refused the token (401): renewing it once");
                inner.tokens.refused(bearer.generation).await;
                retried = true;
                continue;
            }
            if !status.is_success() {
                return Err(Error::Status {
                    method: METHOD,
                    url: shown(url),
                    status: status.as_u16(),
                    excerpt: excerpt(&bytes),
                });
            }
            return Ok(bytes.to_vec());
        }
    }
}
