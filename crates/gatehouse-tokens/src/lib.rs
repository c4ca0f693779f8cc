//! gatehouse-tokens.
