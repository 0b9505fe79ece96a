//! Who the caller of a request is: the verified token's roles, and the person in the register
//! its email matches (remembered for a moment, see `person_cache`), with what each may do.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use systemejer_domain::{EmailAddress, Person, System};

use crate::auth::{Role, unauthorized};
use crate::error::ApiError;
use crate::state::AppState;

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
        // Any role reads the register but `metrics`, which is for the scraper alone.
        if self.roles.iter().any(|r| *r != Role::Metrics) || self.person.as_ref().is_some_and(|p| p.active) {
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
            let claims = state.auth.verify(&token).await?;
            let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
            let email = claims.email.as_deref().and_then(|e| EmailAddress::parse(e).ok());
            let person = match email {
                Some(email) => {
                    let writes = state.store.writes();
                    if let Some(person) = state.people.get(&email, writes) {
                        person
                    } else {
                        let (store, key) = (state.store.clone(), email.clone());
                        let read_at = std::time::Instant::now();
                        let person = web::block(move || store.find_person_by_email(&key)).await??;
                        state.people.put(email, person.clone(), read_at, writes);
                        person
                    }
                }
                None => None,
            };
            let actor = claims
                .email
                .map(|e| e.to_lowercase())
                .or(claims.client)
                .ok_or_else(|| unauthorized("the token names no one: it needs an email, client_id or sub"))?;
            Ok(Caller { actor, roles, person })
        })
    }
}
