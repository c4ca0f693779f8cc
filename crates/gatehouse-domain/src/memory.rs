//! An in-memory [`Store`](crate::Store), filled in separately.
