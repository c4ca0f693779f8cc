//! gatehouse-actix.
