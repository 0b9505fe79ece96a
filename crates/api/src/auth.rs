//! Bearer tokens: verifying them, minting them for scripts, and who the caller is.
//!
//! Tokens are HS256 JWTs signed with `SYSTEMEJER_JWT_SECRET`. `exp` is required; `iss` and
//! `aud` are required when configured. The algorithm is fixed by the key, never taken from
//! the token. A token carries `email` (matched to a person in the register) or `client_id`
//! (an integration), and `roles`:
//!
//! | role | may |
//! |---|---|
//! | `admin` | everything |
//! | `auditor` | read everything, including the audit log |
//! | `reader` | read the register (integrations) |
//! | `dpo` | read the register |
//! | (none, a known person) | read the register; change the systems they own or are a delegate for |

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use systemejer_domain::{EmailAddress, Person, System};

use crate::AppState;
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
}

impl Role {
    fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "auditor" => Some(Role::Auditor),
            "reader" => Some(Role::Reader),
            "dpo" => Some(Role::Dpo),
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
        }
    }
}

/// The slice of settings the API needs to check tokens.
#[derive(Clone)]
pub struct JwtSettings {
    /// The HS256 key (at least 32 bytes).
    pub secret: Vec<u8>,
    /// `iss` to require.
    pub issuer: Option<String>,
    /// `aud` to require.
    pub audience: Option<String>,
}

/// The claims of a token this service accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the email or client id.
    pub sub: String,
    /// The person's email, matched to the register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An integration's client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Role names; unknown names are ignored.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
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
    let (sub, email, client_id) = match subject {
        TokenSubject::Person(e) => (e.to_string(), Some(e.to_string()), None),
        TokenSubject::Client(c) => (c.clone(), None, Some(c.clone())),
    };
    let claims = Claims {
        sub,
        email,
        client_id,
        roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        exp: (now + ttl).timestamp(),
        iat: Some(now.timestamp()),
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&settings.secret))
}

/// Verifies tokens.
pub struct Authenticator {
    key: DecodingKey,
    validation: Validation,
}

impl Authenticator {
    /// An authenticator for these settings.
    pub fn new(settings: &JwtSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 60;
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_nbf = true;
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &settings.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        Self { key: DecodingKey::from_secret(&settings.secret), validation }
    }

    /// The claims of a valid token; a 401 that says why otherwise.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map(|d| d.claims).map_err(|e| {
            let why = match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
                ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
                ErrorKind::InvalidSignature => "the token's signature is not valid".to_owned(),
                ErrorKind::InvalidAlgorithm => "the token must be signed with HS256".to_owned(),
                ErrorKind::InvalidIssuer => "the token's issuer (iss) is not accepted".to_owned(),
                ErrorKind::InvalidAudience => "the token's audience (aud) is not accepted".to_owned(),
                ErrorKind::MissingRequiredClaim(c) => format!("the token lacks the claim `{c}`"),
                _ => "the token is malformed".to_owned(),
            };
            ApiError::Unauthorized(why)
        })
    }
}

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, for the audit log: the email, client id or subject.
    pub actor: String,
    /// Their roles.
    pub roles: Vec<Role>,
    /// The person in the register the token's email matches, if any.
    pub person: Option<Person>,
}

impl Caller {
    /// Whether the caller has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Admins only.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.has(Role::Admin) { Ok(()) } else { Err(ApiError::Forbidden("this needs the admin role".into())) }
    }

    /// Anyone with one of `roles` (admins always).
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has(Role::Admin) || roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!("this needs one of the roles: admin, {}", names.join(", "))))
        }
    }

    /// Reading the register: any role, or a person the register knows.
    pub fn require_reader(&self) -> Result<(), ApiError> {
        if !self.roles.is_empty() || self.person.as_ref().is_some_and(|p| p.active) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "the token has no role and its email matches no active person in the register".into(),
            ))
        }
    }

    /// Changing a system: admins, and the system's own owner and delegates.
    pub fn require_system_editor(&self, system: &System) -> Result<(), ApiError> {
        if self.has(Role::Admin) || self.is_owner_or_delegate(system) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only an admin or the system's owner or delegates may change it".into()))
        }
    }

    /// Whether the caller is the active owner or a delegate of `system`.
    pub fn is_owner_or_delegate(&self, system: &System) -> bool {
        self.person.as_ref().is_some_and(|p| p.active && system.is_owned_or_delegated_to(p.id))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_owned));
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let token = match header {
                None => {
                    return Err(ApiError::Unauthorized("send a bearer token: Authorization: Bearer <token>".into()));
                }
                Some(Err(_)) => return Err(ApiError::Unauthorized("the Authorization header is not readable".into())),
                Some(Ok(h)) => match h.split_once(' ') {
                    Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                        token.trim().to_owned()
                    }
                    _ => {
                        return Err(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into()));
                    }
                },
            };
            let claims = state.auth.verify(&token)?;
            let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
            let email = claims.email.as_deref().and_then(|e| EmailAddress::parse(e).ok());
            let person = match email {
                Some(email) => {
                    let store = state.store.clone();
                    web::block(move || store.find_person_by_email(&email)).await??
                }
                None => None,
            };
            let actor = claims.email.or(claims.client_id).unwrap_or(claims.sub);
            Ok(Caller { actor, roles, person })
        })
    }
}
