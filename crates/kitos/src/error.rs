//! The crate's one error type. Each variant names where it happened: the file or document and
//! the JSON path for what does not parse; the method, URL (never a secret) and status for what
//! Kitos refuses. The password and the token appear in none of them.

use std::path::PathBuf;

/// What went wrong reading Kitos.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that must be there is not.
    #[error("{}: missing (a Kitos export needs it)", path.display())]
    MissingFile { path: PathBuf },
    /// A file that cannot be read.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A document that is not the JSON expected: `document` is a file name (or a URL), `path`
    /// the JSON path within it (`[3].general.validity.validFrom`, `.` for the whole).
    #[error("{document}: {path}: {message}{}", location(*line, *column))]
    Json { document: String, path: String, message: String, line: usize, column: usize },
    /// A document name that is none of the known Kitos files.
    #[error("{name}: not a Kitos export file (expected one of {expected})")]
    UnexpectedDocument { name: String, expected: String },
    /// A required part of an upload is absent.
    #[error("{document}: {part} is missing")]
    MissingPart { document: String, part: String },
    /// Kitos answered with an error status.
    #[error("{method} {url}: Kitos answered {status}: {excerpt}")]
    Status { method: &'static str, url: String, status: u16, excerpt: String },
    /// Kitos could not be reached, or the answer could not be read.
    #[error("{method} {url}: {message}")]
    Transport { method: &'static str, url: String, message: String },
    /// Kitos refused the API user's e-mail and password, or answered without a token.
    #[error("Kitos refused the login of {email} ({status}): {message}")]
    Login { email: String, status: u16, message: String },
    /// A setting of the client is not usable.
    #[error("Kitos client: {0}")]
    Settings(String),
}

fn location(line: usize, column: usize) -> String {
    if line == 0 { String::new() } else { format!(" (line {line}, column {column})") }
}
