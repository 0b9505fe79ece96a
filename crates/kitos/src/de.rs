//! Serde helpers: a null where Kitos promises a value reads as the empty value.

use serde::{Deserialize, Deserializer};

/// Reads `null` (and, with `#[serde(default)]`, an absent field) as `T::default()`: an empty
/// list, an empty name, a nil uuid, an object with every field empty.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
