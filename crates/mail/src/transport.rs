//! Delivery: pooled SMTP connections (`smtp://`, `smtps://`, STARTTLS with `?tls=required`,
//! credentials in the URL), or `.eml` files in a folder when no mail server is configured (the
//! embedded default).
//!
//! For `smtp://` (plain or STARTTLS) the connections are our own, opened with `TCP_NODELAY`:
//! lettre 0.11.23's transport leaves Nagle's algorithm on, and since it writes the end-of-data
//! marker as a second small write, every message waits for the server's delayed ACK (40 ms on
//! Linux): 22 messages/s at best. lettre has merged the fix (pull request 1159) but not yet
//! released it; `smtps://` (TLS from the first byte) still goes through lettre's transport
//! until then.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::MailError;

/// Where mail goes.
#[derive(Debug, Clone)]
pub struct MailerSettings {
    /// The SMTP server's URL; `None` writes `.eml` files into `outbox_dir`.
    pub smtp_url: Option<String>,
    /// The folder for `.eml` files.
    pub outbox_dir: PathBuf,
    /// How long one delivery may take before it counts as failed.
    pub timeout: Duration,
}

/// Sends messages.
#[derive(Clone)]
pub enum Mailer {
    /// To an SMTP server, over our own pooled connections (`smtp://`).
    Relay(Arc<Relay>),
    /// To an SMTP server, through lettre's transport (`smtps://`).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Into `.eml` files.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Relay(r) => write!(f, "Mailer::Relay({}:{})", r.host, r.port),
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(_, dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

impl Mailer {
    /// A mailer for `settings`; fails on an SMTP URL that cannot be used.
    pub fn new(settings: &MailerSettings) -> Result<Self, MailError> {
        match &settings.smtp_url {
            Some(url) if url.starts_with("smtp://") => {
                Ok(Mailer::Relay(Arc::new(Relay::parse(url, settings.timeout)?)))
            }
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Invalid(format!("SMTP URL: {e}")))?
                    .timeout(Some(settings.timeout))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    MailError::Delivery(format!("cannot create {}: {e}", settings.outbox_dir.display()))
                })?;
                Ok(Mailer::Files(AsyncFileTransport::new(&settings.outbox_dir), settings.outbox_dir.clone()))
            }
        }
    }

    /// Delivers one message.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        match self {
            Mailer::Relay(r) => r.send(message).await,
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| MailError::from_smtp(&e)),
            Mailer::Files(t, _) => t.send(message).await.map(|_| ()).map_err(|e| MailError::Delivery(e.to_string())),
        }
    }
}

/// An SMTP server reached over plain TCP (with STARTTLS where the URL asks for it), and the
/// idle connections to it.
pub struct Relay {
    host: String,
    port: u16,
    starttls: Option<TlsParameters>,
    /// `?tls=required` (refuse to send in the clear) rather than `?tls=opportunistic`.
    tls_required: bool,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    idle: tokio::sync::Mutex<Vec<AsyncSmtpConnection>>,
}

/// Connections kept open between messages.
const IDLE_CONNECTIONS: usize = 4;

impl Relay {
    /// Reads `smtp://[user:password@]host[:port][/hello-name][?tls=required|opportunistic]`.
    fn parse(text: &str, timeout: Duration) -> Result<Self, MailError> {
        let invalid = |why: String| MailError::Invalid(format!("SMTP URL: {why}"));
        let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
        let host = url.host_str().ok_or_else(|| invalid("it names no host".into()))?.to_owned();
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (default_port, starttls, tls_required) = match tls.as_deref() {
            None => (25, false, false),
            Some("required") => (587, true, true),
            Some("opportunistic") => (587, true, false),
            Some(other) => return Err(invalid(format!("tls={other}: use required or opportunistic"))),
        };
        let starttls =
            if starttls { Some(TlsParameters::new(host.clone()).map_err(|e| invalid(e.to_string()))?) } else { None };
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let credentials = url.password().map(|password| Credentials::new(decode(url.username()), decode(password)));
        let name = url.path().trim_matches('/');
        let hello = if name.is_empty() { ClientId::default() } else { ClientId::Domain(name.to_owned()) };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            starttls,
            tls_required,
            credentials,
            hello,
            timeout,
            idle: tokio::sync::Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            MailError::Delivery(format!("{what} {}:{}: {e}", self.host, self.port))
        };
        let tcp = tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect((self.host.as_str(), self.port)))
            .await
            .map_err(|_| failed("connecting to", &"timed out"))?
            .map_err(|e| failed("connecting to", &e))?;
        tcp.set_nodelay(true).map_err(|e| failed("setting TCP_NODELAY for", &e))?;
        let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
            .await
            .map_err(|e| failed("greeting", &e))?;
        if let Some(tls) = &self.starttls {
            if connection.can_starttls() {
                connection.starttls(tls.clone(), &self.hello).await.map_err(|e| failed("STARTTLS with", &e))?;
            } else if self.tls_required {
                connection.abort().await;
                return Err(failed(
                    "sending in the clear to",
                    &"the server offers no STARTTLS, and the URL requires TLS",
                ));
            }
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| failed("authenticating with", &e))?;
        }
        Ok(connection)
    }

    /// Delivers one message over an idle connection that still answers, or a new one.
    async fn send(&self, message: Message) -> Result<(), MailError> {
        let delivery = |e: lettre::transport::smtp::Error| MailError::from_smtp(&e);
        let reused = loop {
            let Some(mut connection) = self.idle.lock().await.pop() else { break None };
            if connection.test_connected().await {
                break Some(connection);
            }
            connection.abort().await;
        };
        let mut connection = match reused {
            Some(c) => c,
            None => self.connect().await?,
        };
        let sent = connection.send(message.envelope(), &message.formatted()).await;
        match sent {
            Ok(_) if !connection.has_broken() => {
                let mut idle = self.idle.lock().await;
                if idle.len() < IDLE_CONNECTIONS {
                    idle.push(connection);
                } else {
                    drop(idle);
                    let _ = connection.quit().await;
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => {
                connection.abort().await;
                Err(delivery(e))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn relay(url: &str) -> Result<Relay, MailError> {
        Relay::parse(url, Duration::from_secs(5))
    }

    #[test]
    fn smtp_urls_name_port_tls_and_credentials() {
        let plain = relay("smtp://mail.kommune.dk").unwrap();
        assert_eq!((plain.host.as_str(), plain.port, plain.starttls.is_some()), ("mail.kommune.dk", 25, false));
        assert!(plain.credentials.is_none());
        let starttls = relay("smtp://svc%40kommune.dk:p%C3%A6ss%2Fx@relay.kommune.dk?tls=required").unwrap();
        assert_eq!((starttls.port, starttls.starttls.is_some(), starttls.tls_required), (587, true, true));
        assert_eq!(
            starttls.credentials,
            Some(Credentials::new("svc@kommune.dk".into(), "pæss/x".into())),
            "user and password are percent-decoded"
        );
        let opportunistic = relay("smtp://relay:2525/systemejer.kommune.dk?tls=opportunistic").unwrap();
        assert_eq!((opportunistic.port, opportunistic.tls_required), (2525, false));
        assert_eq!(opportunistic.hello, ClientId::Domain("systemejer.kommune.dk".into()));
        assert!(
            matches!(relay("smtp://relay?tls=sometimes"), Err(MailError::Invalid(m)) if m.contains("tls=sometimes"))
        );
        assert!(matches!(relay("smtp://"), Err(MailError::Invalid(_))));
    }
}
