//! The repository conformance suite, filled in separately.
