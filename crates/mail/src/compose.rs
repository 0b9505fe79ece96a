//! A rendered mail as a MIME message: text and HTML alternatives, the calendar attached, and
//! the headers a mail server and a reader expect.

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::{MailError, Rendered};

/// `Auto-Submitted: auto-generated` (RFC 3834): no out-of-office replies, please.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Builds the message from `from` to `to_email` (named `to_name`). The date is now; the
/// Message-ID is made from `id` (the outbox row's) and the sender's domain, so that a message
/// sent again after a lost answer from the server carries the same Message-ID, and the
/// recipient's mail system can tell that it is the same message.
pub fn compose(
    id: &str,
    from: &str,
    to_email: &str,
    to_name: Option<&str>,
    mail: &Rendered,
) -> Result<Message, MailError> {
    let from: Mailbox = from.parse().map_err(|e| MailError::Invalid(format!("from {from:?}: {e}")))?;
    let message_id = format!("<{id}@{}>", from.email.domain());
    let to_address = to_email.parse().map_err(|e| MailError::Invalid(format!("to {to_email:?}: {e}")))?;
    let to = Mailbox::new(to_name.map(str::to_owned), to_address);
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone()));
    let body = match &mail.ics {
        Some(ics) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| MailError::Invalid(e.to_string()))?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new("frister.ics".to_owned()).body(ics.clone(), calendar))
        }
        None => alternative,
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .date_now()
        .message_id(Some(message_id))
        .header(AutoSubmitted)
        .multipart(body)
        .map_err(|e| MailError::Invalid(e.to_string()))
}
