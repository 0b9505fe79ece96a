//! The API user's token: fetched with `POST api/authorize/GetToken`, kept, renewed before it
//! expires and once after a 401. Neither the password nor the token is ever logged.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use super::http::{excerpt, shown, transport};
use crate::error::Error;
use crate::time::Timestamp;

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// An API user's e-mail and password: the client fetches tokens and renews them.
    Password { email: String, password: String },
    /// A token fetched elsewhere, used as is (a 401 is then an error).
    Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password { email, .. } => {
                f.debug_struct("Password").field("email", email).field("password", &"…").finish()
            }
            Credentials::Token(_) => f.debug_tuple("Token").field(&"…").finish(),
        }
    }
}

/// A token to send, and which one it is (to renew it only once when several requests fail).
pub(crate) struct Bearer {
    pub(crate) value: String,
    pub(crate) generation: u64,
}

struct Held {
    value: String,
    /// When Kitos says it expires, less the renewal margin; `None` if not said.
    renew_at: Option<DateTime<Utc>>,
}

/// The current token, shared by the client's requests.
pub(crate) struct TokenCache {
    credentials: Credentials,
    margin: chrono::Duration,
    state: tokio::sync::Mutex<(Option<Held>, u64)>,
}

impl TokenCache {
    pub(crate) fn new(credentials: Credentials, margin: chrono::Duration) -> Self {
        let held = match &credentials {
            Credentials::Token(token) => Some(Held { value: token.clone(), renew_at: None }),
            Credentials::Password { .. } => None,
        };
        TokenCache { credentials, margin, state: tokio::sync::Mutex::new((held, 0)) }
    }

    /// Whether a refused token can be replaced.
    pub(crate) fn can_renew(&self) -> bool {
        matches!(self.credentials, Credentials::Password { .. })
    }

    /// The token to send now: the one held, unless there is none or it is due for renewal.
    pub(crate) async fn bearer(&self, http: &reqwest::Client, base: &Url) -> Result<Bearer, Error> {
        let mut state = self.state.lock().await;
        let (held, generation) = &mut *state;
        let due = held.as_ref().is_none_or(|held| held.renew_at.is_some_and(|at| Utc::now() >= at));
        if due && let Credentials::Password { email, password } = &self.credentials {
            let (value, expires) = login(http, base, email, password).await?;
            let now = Utc::now();
            // A token that lives shorter than twice the margin is renewed at half its life.
            let renew_at = expires.map(|expires| expires - self.margin.min((expires - now) / 2));
            *held = Some(Held { value, renew_at });
            *generation += 1;
            tracing::info!(email = %email, expires = ?expires, "fetched a Kitos token");
        }
        match held {
            Some(held) => Ok(Bearer { value: held.value.clone(), generation: *generation }),
            None => Err(Error::Settings("no token".to_owned())),
        }
    }

    /// Forgets the token `generation` after Kitos refused it, so that the next request fetches
    /// another (unless another request has already done so).
    pub(crate) async fn refused(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state.1 == generation && self.can_renew() {
            state.0 = None;
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginAnswer {
    msg: Option<String>,
    response: Option<LoginResponse>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LoginResponse {
    token: Option<String>,
    login_successful: Option<bool>,
    expires: Option<Timestamp>,
}

/// `POST api/authorize/GetToken`: the token and when it expires.
async fn login(
    http: &reqwest::Client,
    base: &Url,
    email: &str,
    password: &str,
) -> Result<(String, Option<DateTime<Utc>>), Error> {
    const METHOD: &str = "POST";
    let url = base.join("api/authorize/GetToken").map_err(|e| Error::Settings(format!("base URL: {e}")))?;
    let body = serde_json::json!({ "email": email, "password": password });
    let response = http.post(url.clone()).json(&body).send().await.map_err(|e| transport(METHOD, &url, e))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| transport(METHOD, &url, e))?;
    let answer: Option<LoginAnswer> = serde_json::from_slice(&bytes).ok();
    let refused = |message: String| Error::Login { email: email.to_owned(), status: status.as_u16(), message };
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::BAD_REQUEST {
        return Err(refused(answer.and_then(|a| a.msg).filter(|m| !m.is_empty()).unwrap_or_else(|| excerpt(&bytes))));
    }
    if !status.is_success() {
        return Err(Error::Status {
            method: METHOD,
            url: shown(&url),
            status: status.as_u16(),
            excerpt: excerpt(&bytes),
        });
    }
    let Some(response) = answer.and_then(|answer| answer.response) else {
        return Err(refused("the answer is not a GetToken answer".to_owned()));
    };
    match response.token.filter(|token| !token.is_empty()) {
        Some(token) if response.login_successful != Some(false) => {
            Ok((token, response.expires.map(Timestamp::instant)))
        }
        _ => Err(refused("the answer holds no token".to_owned())),
    }
}
