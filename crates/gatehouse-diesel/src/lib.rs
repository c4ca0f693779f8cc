//! gatehouse-diesel.
