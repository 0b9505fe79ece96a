//! Delivery: a pooled async SMTP transport (`smtp://`, `smtps://`, STARTTLS with
//! `?tls=required`, credentials in the URL), or `.eml` files in a folder when no mail server is
//! configured (the embedded default).

use std::path::PathBuf;
use std::time::Duration;

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
    /// To an SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Into `.eml` files.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(_, dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

impl Mailer {
    /// A mailer for `settings`; fails on an SMTP URL that cannot be used.
    pub fn new(settings: &MailerSettings) -> Result<Self, MailError> {
        match &settings.smtp_url {
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
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| MailError::Delivery(e.to_string())),
            Mailer::Files(t, _) => t.send(message).await.map(|_| ()).map_err(|e| MailError::Delivery(e.to_string())),
        }
    }
}
