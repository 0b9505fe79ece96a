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

/// Text from the register (a system's name, a subscription's description) made safe for a
/// header: control characters are spaces, runs of space one, and `=?` is broken with an
/// invisible word joiner (U+2060), so that a reader never decodes a name that looks like an
/// RFC 2047 encoded word (`=?utf-8?b?…?=`) into other text than the register holds: the word
/// is then encoded as a whole and shown as written.
pub fn header_text(raw: &str) -> String {
    let spaced: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").replace("=?", "=\u{2060}?")
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
    let to = Mailbox::new(to_name.map(header_text), to_address);
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
        .subject(header_text(&mail.subject))
        .date_now()
        .message_id(Some(message_id))
        .header(AutoSubmitted)
        .multipart(body)
        .map_err(|e| MailError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_that_looks_encoded_is_read_as_written() {
        let mail = Rendered {
            subject: "Webhook turned off: =?utf-8?b?SGFzdGVy?=\r\nBcc: x@y.dk".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            ics: None,
        };
        let name = "=?utf-8?q?Direkt=C3=B8r?=";
        let message = compose("1", "systemejer@kommune.dk", "ejer@kommune.dk", Some(name), &mail).unwrap();
        let bytes = message.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let subject = parsed.subject().unwrap();
        assert_eq!(subject.replace('\u{2060}', ""), "Webhook turned off: =?utf-8?b?SGFzdGVy?= Bcc: x@y.dk");
        assert!(!subject.contains("Haster"), "{subject}");
        assert!(parsed.bcc().is_none(), "no header from the text");
        let to = parsed.to().and_then(|a| a.first()).and_then(|a| a.name()).unwrap().replace('\u{2060}', "");
        assert_eq!(to, name);
    }
}
