//! gatehouse-oauth1.
