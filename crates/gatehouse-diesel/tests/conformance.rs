//! The repository conformance suite of `gatehouse-domain`, against each backend, each case on
//! a database of its own.

mod support;

mod sqlite {
    gatehouse_domain::store_conformance_tests!(super::support::fresh_sqlite());
}

mod postgres {
    gatehouse_domain::store_conformance_tests!(match super::support::fresh_postgres() {
        Some(store) => store,
        None => return,
    });
}

mod mysql {
    gatehouse_domain::store_conformance_tests!(match super::support::fresh_mysql() {
        Some(store) => store,
        None => return,
    });
}
