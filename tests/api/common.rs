//! Shared fixtures (from the support library).

pub use systemejer_e2e::fixtures::{day, obligation, system_in_use, today};
