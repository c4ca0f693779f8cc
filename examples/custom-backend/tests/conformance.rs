//! The conformance suite of `gatehouse-domain` against [`TableStore`]: one test per promise
//! of the repository traits, each on a fresh, empty store.

use example_custom_backend::TableStore;

gatehouse_domain::store_conformance_tests!(TableStore::new());
