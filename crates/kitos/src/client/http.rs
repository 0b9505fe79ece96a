//! What the client says about a request that failed: the URL without secrets, a short excerpt
//! of the body, and the transport error with its causes.

use url::Url;

use crate::error::Error;

/// The longest excerpt of an error body kept in an error.
const EXCERPT_CHARS: usize = 300;

/// `url` as it may be shown: without a user name or password (the token and the API user's
/// password are never in a URL; the query holds only uuids, dates and paging).
pub(crate) fn shown(url: &Url) -> String {
    let mut url = url.clone();
    // Both fail only for URLs that cannot carry credentials, which have none to hide.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// The start of a body, on one line.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > EXCERPT_CHARS {
        out = out.chars().take(EXCERPT_CHARS).collect::<String>() + "…";
    }
    if out.is_empty() { "(empty body)".to_owned() } else { out }
}

/// A request that got no answer, or whose answer could not be read.
pub(crate) fn transport(method: &'static str, url: &Url, error: reqwest::Error) -> Error {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport { method, url: shown(url), message }
}
