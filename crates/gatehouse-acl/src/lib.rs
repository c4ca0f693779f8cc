//! gatehouse-acl.
