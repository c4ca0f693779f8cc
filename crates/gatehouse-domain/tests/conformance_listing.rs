//! Housekeeping: every case of the conformance suite is run by `store_conformance_tests!`.
//!
//! A case written but left out of the macro would silently never run against any backend;
//! this test reads the suite's sources and fails naming the forgotten case.

use std::fs;
use std::path::Path;

/// The names of the public case functions (`pub fn name<S: Store…>`) in one source file.
fn case_names(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("pub fn "))
        .filter(|rest| rest.contains("<S: Store"))
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_case_is_in_the_macro() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let macro_source = fs::read_to_string(crate_root.join("src/conformance.rs")).unwrap();
    let listed: Vec<&str> = macro_source
        .lines()
        .map(|line| line.trim().trim_end_matches(','))
        .collect();

    let mut cases = Vec::new();
    for entry in fs::read_dir(crate_root.join("src/conformance")).unwrap() {
        let path = entry.unwrap().path();
        cases.extend(case_names(&fs::read_to_string(&path).unwrap()));
    }

    assert!(cases.len() >= 50, "the case scan found only {cases:?}");
    for case in &cases {
        assert!(
            listed.contains(&case.as_str()),
            "the case {case} is missing from store_conformance_tests!"
        );
    }
}
