//! Bearer tokens: verifying them, and minting them for scripts.
//!
//! Two kinds of token are accepted. Scripts use HS256 tokens signed with
//! `SYSTEMEJER_JWT_SECRET` (`systemejer token`). People and integrations signed in at the
//! municipality's identity provider (Entra ID, ADFS, Keycloak) bring RS256, PS256 or ES256
//! tokens, verified against the provider's JWKS (`SYSTEMEJER_JWT_JWKS`: a file, or a URL fetched
//! on first use and again, at most once a minute, when a token names an unknown key). The
//! algorithms accepted are fixed by the key, never by the token's header: no `none`, and no
//! HS/RS confusion. `exp` is required, `nbf` honoured, 60 s of clock leeway; `iss` and `aud`
//! are required when configured. The claim holding the roles (`SYSTEMEJER_JWT_ROLES_CLAIM`,
//! dotted paths such as `realm_access.roles`) and the one holding the email
//! (`SYSTEMEJER_JWT_EMAIL_CLAIM`, e.g. `preferred_username`) are configurable; a token without
//! an email is an integration, named by `client_id`, `azp`, `appid` or `sub`.
//!
//! | role | may |
//! |---|---|
//! | `admin` | everything |
//! | `auditor` | read everything, including the audit log |
//! | `reader` | read the register (integrations) |
//! | `dpo` | read the register |
//! | (none, a known person) | read the register; change the systems they own or are a delegate for |

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use systemejer_domain::EmailAddress;

use crate::error::ApiError;

/// What a caller is allowed to do beyond being a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Read everything, including the audit log.
    Auditor,
    /// Read the register: integrations.
    Reader,
    /// The data protection officer.
    Dpo,
    /// Scrapes `/metrics` (Prometheus), and nothing else: it reads no register data.
    Metrics,
}

impl Role {
    pub(crate) fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "auditor" => Some(Role::Auditor),
            "reader" => Some(Role::Reader),
            "dpo" => Some(Role::Dpo),
            "metrics" => Some(Role::Metrics),
            _ => None,
        }
    }

    /// The role's name in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::Reader => "reader",
            Role::Dpo => "dpo",
            Role::Metrics => "metrics",
        }
    }
}

/// The slice of settings the API needs to check tokens.
#[derive(Clone)]
pub struct JwtSettings {
    /// The HS256 key for scripts' tokens (at least 32 bytes).
    pub secret: Vec<u8>,
    /// `iss` to require.
    pub issuer: Option<String>,
    /// `aud` to require.
    pub audience: Option<String>,
    /// The identity provider's JWKS: a file path, or an `https://` URL (`http://` only on the
    /// loopback address, for tests).
    pub jwks: Option<String>,
    /// The claim holding the roles (a dotted path).
    pub roles_claim: String,
    /// The claim holding the email.
    pub email_claim: String,
}

impl JwtSettings {
    /// Settings for HS256 tokens only, with the default claims.
    pub fn hs256(secret: Vec<u8>) -> Self {
        Self {
            secret,
            issuer: None,
            audience: None,
            jwks: None,
            roles_claim: "roles".into(),
            email_claim: "email".into(),
        }
    }
}

/// Who a token is for.
#[derive(Debug, Clone)]
pub enum TokenSubject {
    /// A person, by email.
    Person(EmailAddress),
    /// An integration, by client id.
    Client(String),
}

/// Mints a token for scripts and integrations (`systemejer token`).
pub fn mint_token(
    settings: &JwtSettings,
    subject: &TokenSubject,
    roles: &[Role],
    ttl: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, jsonwebtoken::errors::Error> {
    let mut claims = serde_json::json!({"exp": (now + ttl).timestamp(), "iat": now.timestamp()});
    match subject {
        TokenSubject::Person(e) => {
            claims["sub"] = e.to_string().into();
            set_claim(&mut claims, &settings.email_claim, e.to_string().into());
        }
        TokenSubject::Client(c) => {
            claims["sub"] = c.clone().into();
            claims["client_id"] = c.clone().into();
        }
    }
    // The roles go where this service reads them (`SYSTEMEJER_JWT_ROLES_CLAIM`).
    let names: Vec<serde_json::Value> = roles.iter().map(|r| r.as_str().into()).collect();
    set_claim(&mut claims, &settings.roles_claim, names.into());
    if let Some(iss) = &settings.issuer {
        claims["iss"] = iss.clone().into();
    }
    if let Some(aud) = &settings.audience {
        claims["aud"] = aud.clone().into();
    }
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&settings.secret))
}

/// Sets the claim at a dotted path, making the objects on the way.
fn set_claim(claims: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut at = claims;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at[part] = value;
            return;
        }
        if !at[part].is_object() {
            at[part] = serde_json::json!({});
        }
        at = &mut at[part];
    }
}

/// What a verified token says.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The person's email, if the token names one.
    pub email: Option<String>,
    /// The integration's id, or the subject.
    pub client: Option<String>,
    /// Role names; unknown names are ignored.
    pub roles: Vec<String>,
}

/// Keys published by the identity provider, by key id, with the algorithms each allows.
#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, (DecodingKey, Vec<Algorithm>)>,
    refreshed: Option<Instant>,
}

/// The least time between two fetches of the JWKS.
const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Verifies tokens.
pub struct Authenticator {
    hs: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    jwks: Option<String>,
    keys: RwLock<KeySet>,
    client: reqwest::Client,
    roles_claim: String,
    email_claim: String,
}

pub(crate) fn unauthorized(why: impl Into<String>) -> ApiError {
    ApiError::Unauthorized(why.into())
}

/// The algorithms a published key allows: its own `alg` if given, else those of its type.
fn algorithms_of(jwk: &jsonwebtoken::jwk::Jwk) -> Vec<Algorithm> {
    let declared = match jwk.common.key_algorithm {
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(_) => return Vec::new(),
        None => None,
    };
    match (&jwk.algorithm, declared) {
        (AlgorithmParameters::RSA(_), Some(a @ (Algorithm::RS256 | Algorithm::PS256))) => vec![a],
        (AlgorithmParameters::RSA(_), None) => vec![Algorithm::RS256, Algorithm::PS256],
        (AlgorithmParameters::EllipticCurve(_), Some(Algorithm::ES256) | None) => vec![Algorithm::ES256],
        _ => Vec::new(),
    }
}

/// The value at a dotted path in the claims.
fn claim<'a>(claims: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(claims, |v, key| v.get(key))
}

impl Authenticator {
    /// An authenticator for these settings. A JWKS file is read now, so that a wrong path
    /// fails at start; a JWKS URL is fetched when the first token needs it.
    pub fn new(settings: &JwtSettings) -> std::io::Result<Self> {
        let auth = Self {
            hs: DecodingKey::from_secret(&settings.secret),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            jwks: settings.jwks.clone(),
            keys: RwLock::new(KeySet::default()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(std::io::Error::other)?,
            roles_claim: settings.roles_claim.clone(),
            email_claim: settings.email_claim.clone(),
        };
        if let Some(source) = settings.jwks.as_deref().filter(|s| !s.contains("://")) {
            let text = std::fs::read_to_string(source)
                .map_err(|e| std::io::Error::new(e.kind(), format!("SYSTEMEJER_JWT_JWKS {source}: {e}")))?;
            auth.install(&text).map_err(std::io::Error::other)?;
        }
        Ok(auth)
    }

    fn install(&self, text: &str) -> Result<usize, String> {
        let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
        let mut by_kid = HashMap::new();
        for jwk in &set.keys {
            let algorithms = algorithms_of(jwk);
            let (Some(kid), false) = (jwk.common.key_id.clone(), algorithms.is_empty()) else { continue };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                by_kid.insert(kid, (key, algorithms));
            }
        }
        let count = by_kid.len();
        let mut keys = self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *keys = KeySet { by_kid, refreshed: Some(Instant::now()) };
        Ok(count)
    }

    /// Fetches the JWKS again, unless that was done less than a minute ago.
    async fn refresh(&self) {
        let Some(source) = &self.jwks else { return };
        {
            let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            if keys.refreshed.is_some_and(|at| at.elapsed() < JWKS_REFRESH_INTERVAL) {
                return;
            }
        }
        let text = if source.contains("://") {
            let loopback = source.starts_with("http://127.0.0.1") || source.starts_with("http://localhost");
            if !(source.starts_with("https://") || loopback) {
                tracing::error!(%source, "the JWKS URL must be https");
                return;
            }
            match self.client.get(source).send().await.and_then(reqwest::Response::error_for_status) {
                Ok(r) => r.text().await.ok(),
                Err(e) => {
                    tracing::warn!(%source, error = %e, "fetching the JWKS failed");
                    None
                }
            }
        } else {
            std::fs::read_to_string(source).ok()
        };
        match text.map(|t| self.install(&t)) {
            Some(Ok(n)) => tracing::info!(%source, keys = n, "JWKS loaded"),
            Some(Err(e)) => tracing::warn!(%source, error = %e, "the JWKS could not be read"),
            None => {
                // Count the failed attempt too, so a provider that is down is not hammered.
                self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner).refreshed = Some(Instant::now());
            }
        }
    }

    fn published(&self, kid: Option<&str>) -> Option<(DecodingKey, Vec<Algorithm>)> {
        let keys = self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        match kid {
            Some(kid) => keys.by_kid.get(kid).cloned(),
            None if keys.by_kid.len() == 1 => keys.by_kid.values().next().cloned(),
            None => None,
        }
    }

    fn validation(&self, algorithms: Vec<Algorithm>) -> Validation {
        let mut validation = Validation::new(algorithms.first().copied().unwrap_or(Algorithm::HS256));
        validation.algorithms = algorithms;
        validation.leeway = 60;
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_nbf = true;
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        validation
    }

    /// What a valid token says; a 401 that says why otherwise.
    pub async fn verify(&self, token: &str) -> Result<Verified, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let header = jsonwebtoken::decode_header(token).map_err(|_| unauthorized("the token is malformed"))?;
        let (key, algorithms) = if header.alg == Algorithm::HS256 && header.kid.is_none() {
            (self.hs.clone(), vec![Algorithm::HS256])
        } else {
            let kid = header.kid.as_deref();
            if let Some(found) = self.published(kid) {
                found
            } else {
                self.refresh().await;
                self.published(kid)
                    .ok_or_else(|| unauthorized("the token is signed with a key this service does not know"))?
            }
        };
        let data =
            jsonwebtoken::decode::<serde_json::Value>(token, &key, &self.validation(algorithms)).map_err(|e| {
                unauthorized(match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
                    ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
                    ErrorKind::InvalidSignature => "the token's signature is not valid".to_owned(),
                    ErrorKind::InvalidAlgorithm => "the token's algorithm does not match its key".to_owned(),
                    ErrorKind::InvalidIssuer => "the token's issuer (iss) is not accepted".to_owned(),
                    ErrorKind::InvalidAudience => "the token's audience (aud) is not accepted".to_owned(),
                    ErrorKind::MissingRequiredClaim(c) => format!("the token lacks the claim `{c}`"),
                    _ => "the token is malformed".to_owned(),
                })
            })?;
        let claims = data.claims;
        let roles = match claim(&claims, &self.roles_claim) {
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect()
            }
            Some(serde_json::Value::String(one)) => one.split_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        let email = claim(&claims, &self.email_claim).and_then(|v| v.as_str()).map(str::to_owned);
        let client = ["client_id", "azp", "appid", "sub"]
            .iter()
            .find_map(|c| claims.get(*c).and_then(|v| v.as_str()))
            .map(str::to_owned);
        Ok(Verified { email, client, roles })
    }
}
