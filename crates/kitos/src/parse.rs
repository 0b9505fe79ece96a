//! Parses one JSON document into a shape, naming the document and the JSON path on failure.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses `bytes` (a UTF-8 BOM is allowed) as `T`; `name` names the document in errors.
pub fn parse_document<T: DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<T, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        json_error(name, path, error.inner())
    })?;
    deserializer.end().map_err(|error| json_error(name, ".".to_owned(), &error))?;
    Ok(value)
}

/// Reads `bytes` as untyped JSON (to see which keys are present).
pub(crate) fn parse_value(name: &str, bytes: &[u8]) -> Result<serde_json::Value, Error> {
    parse_document(name, bytes)
}

fn json_error(document: &str, path: String, error: &serde_json::Error) -> Error {
    let (line, column) = (error.line(), error.column());
    let text = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    Error::Json { document: document.to_owned(), path, message, line, column }
}
