//! A visitor of the pages over plain HTTP: keeps cookies as a browser does, follows redirects
//! and the link page's refresh, and reads the forms a page offers. (The headless browser suite
//! checks what HTTP cannot: rendering, accessibility, no JavaScript.)

use reqwest::StatusCode;

/// A page as fetched: where it ended up, its status and its HTML.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The URL it ended up at, after redirects.
    pub url: String,
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: reqwest::header::HeaderMap,
    /// Its body.
    pub html: String,
}

impl Seen {
    /// The value of the first `name="NAME" value="..."` after `from` (a form's action).
    pub fn field_after(&self, from: &str, name: &str) -> Option<String> {
        let start = self.html.find(from)?;
        let rest = &self.html[start..];
        let at = rest.find(&format!("name=\"{name}\" value=\""))?;
        let value = &rest[at + name.len() + 15..];
        Some(unescape(&value[..value.find('"')?]))
    }

    /// The forms' actions, in order.
    pub fn actions(&self) -> Vec<String> {
        self.html.split("action=\"").skip(1).filter_map(|s| s.split('"').next()).map(unescape).collect()
    }

    /// The text of the first `<h1>`.
    pub fn h1(&self) -> String {
        self.html.split("<h1>").nth(1).and_then(|s| s.split("</h1>").next()).map(unescape).unwrap_or_default()
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&").replace("&#34;", "\"").replace("&quot;", "\"").replace("&#39;", "'")
}

/// A visitor with its own cookies.
pub struct Visitor {
    base: String,
    client: reqwest::Client,
}

impl Visitor {
    /// A new visitor of the service at `base`, with no cookies.
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Self { base: base.to_owned(), client }
    }

    async fn seen(response: reqwest::Response) -> Seen {
        Seen {
            url: response.url().to_string(),
            status: response.status(),
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    /// Opens `url` (absolute, or a path), following redirects and the link page's refresh.
    pub async fn open(&self, url: &str) -> Seen {
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.base) };
        let seen = Self::seen(self.client.get(&url).send().await.unwrap()).await;
        match refresh_target(&seen.html) {
            Some(to) => Box::pin(self.open(&to)).await,
            None => seen,
        }
    }

    /// Posts a form to `action` with `fields`, following the answer's redirect.
    pub async fn post(&self, action: &str, fields: &[(&str, &str)]) -> Seen {
        let url = format!("{}{action}", self.base);
        Self::seen(self.client.post(url).form(fields).send().await.unwrap()).await
    }
}

/// Where a `<meta http-equiv="refresh">` sends the browser.
fn refresh_target(html: &str) -> Option<String> {
    let at = html.find("http-equiv=\"refresh\" content=\"0; url=")?;
    let rest = &html[at + 37..];
    Some(unescape(&rest[..rest.find('"')?]))
}
