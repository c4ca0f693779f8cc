//! Filled in separately.
