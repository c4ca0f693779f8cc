//! The whole repository conformance suite, run against the in-memory store.

gatehouse_domain::store_conformance_tests!(gatehouse_domain::memory::MemoryStore::new());
