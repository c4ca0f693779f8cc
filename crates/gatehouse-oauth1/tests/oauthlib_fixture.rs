//! Requests signed by Python's oauthlib (tests/fixtures/oauthlib_signed.json, written by
//! make_oauthlib_fixture.py) verify, build oauthlib's own base string, and stop verifying when
//! any signed part changes by one byte.

// Helpers outside `#[test]` functions unwrap too: a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;

use gatehouse_oauth1::{signature_base_string, Canonicalization, OAuth1Error, OAuthRequest};

use support::{both_methods, parameter_mutations, request_mutations, SignedRequest};

const FIXTURE: &str = include_str!("fixtures/oauthlib_signed.json");

struct Case {
    name: String,
    request: SignedRequest,
    base_string: String,
}

fn text(case: &Value, field: &str) -> Option<String> {
    case[field].as_str().map(str::to_owned)
}

fn cases() -> Vec<Case> {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("fixture is json");
    fixture["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| Case {
            name: text(case, "name").expect("name"),
            base_string: text(case, "base_string").expect("base_string"),
            request: SignedRequest {
                method: text(case, "method").expect("method"),
                base_uri: text(case, "base_uri").expect("base_uri"),
                query: text(case, "query").expect("query"),
                authorization: text(case, "authorization"),
                content_type: text(case, "content_type"),
                body: text(case, "body").expect("body").into_bytes(),
                consumer_secret: text(case, "consumer_secret").expect("consumer_secret"),
                token_secret: text(case, "token_secret"),
            },
        })
        .collect()
}

#[test]
fn fixture_has_the_cases_asked_for() {
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for kind in [
        "HMAC-SHA1",
        "HMAC-SHA256",
        "no-token",
        "/token",
        "get_",
        "post_form",
        "get_unicode",
        "get_repeated",
        "get_empty_values",
        "get_brackets",
        "get_spaces",
    ] {
        assert!(
            cases.iter().any(|case| case.name.contains(kind)),
            "no case {kind}"
        );
    }
}

#[test]
fn every_oauthlib_request_verifies() {
    let policy = both_methods();
    for case in cases() {
        let params = case
            .request
            .verify(&policy)
            .unwrap_or_else(|error| panic!("{}: {error:?}", case.name));
        assert_eq!(
            params.consumer_key.as_str(),
            "c0nsumerkey0123456789abcdefghijk",
            "{}",
            case.name
        );
        assert_eq!(
            params.token.is_some(),
            case.request.token_secret.is_some(),
            "{}",
            case.name
        );
    }
}

#[test]
fn base_strings_match_oauthlib() {
    for case in cases() {
        let parts = case.request.parts();
        let request = OAuthRequest::collect(&parts).expect("collect");
        let params: Vec<(String, String)> = request
            .parameters()
            .map(|p| {
                (
                    String::from_utf8(p.name.to_vec()).unwrap(),
                    String::from_utf8(p.value.to_vec()).unwrap(),
                )
            })
            .collect();
        let base = signature_base_string(
            parts.method,
            parts.base_uri,
            &params,
            Canonicalization::Rfc5849,
        )
        .expect("base string");
        assert_eq!(base.as_str(), case.base_string, "{}", case.name);
    }
}

#[test]
fn one_changed_byte_anywhere_fails() {
    let policy = both_methods();
    let mut checked = 0;
    for case in cases() {
        let mut variants = parameter_mutations(&case.request);
        variants.extend(request_mutations(&case.request));
        for (label, variant) in variants {
            let result = variant.verify(&policy);
            assert!(
                result.is_err(),
                "{} with {label} changed still verifies",
                case.name
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} mutations");
}

#[test]
fn a_changed_parameter_value_is_a_signature_failure() {
    // A value change that keeps every protocol check happy must fail at the signature, with 401.
    let policy = both_methods();
    let case = cases()
        .into_iter()
        .find(|case| case.name == "get_query/HMAC-SHA256/token")
        .expect("case");
    let mut variant = case.request.clone();
    variant.query = variant.query.replace("b=2", "b=3");
    assert_eq!(
        variant.verify(&policy).unwrap_err(),
        OAuth1Error::InvalidSignature
    );
}

#[test]
fn realm_is_not_signed() {
    let policy = both_methods();
    for case in cases()
        .into_iter()
        .filter(|case| case.name.starts_with("realm/"))
    {
        let header = case.request.authorization.clone().expect("header");
        assert!(header.contains("realm=\"Shop Realm\""), "{header}");
        let mut variant = case.request.clone();
        variant.authorization = Some(header.replace("Shop Realm", "Other"));
        assert!(variant.verify(&policy).is_ok(), "{}", case.name);
    }
}

#[test]
fn sha1_requests_fail_under_the_default_policy() {
    let policy = gatehouse_oauth1::Policy::default();
    for case in cases() {
        let result = case.request.verify(&policy);
        if case.name.contains("HMAC-SHA1") {
            assert_eq!(
                result.unwrap_err(),
                OAuth1Error::UnsupportedSignatureMethod {
                    method: "HMAC-SHA1".into()
                },
                "{}",
                case.name
            );
        } else {
            assert!(result.is_ok(), "{}", case.name);
        }
    }
}

#[test]
fn a_changed_json_body_fails_the_body_hash() {
    // oauthlib adds oauth_body_hash (SHA-1) to non-form bodies; a changed body must be refused.
    let policy = both_methods();
    let json_cases: Vec<Case> = cases()
        .into_iter()
        .filter(|case| case.name.contains("_json/"))
        .collect();
    assert!(!json_cases.is_empty());
    for case in json_cases {
        let mut variant = case.request.clone();
        variant.body[0] = b' ';
        let error = variant.verify(&policy).unwrap_err();
        assert_eq!(error, OAuth1Error::BodyHashMismatch, "{}", case.name);
        assert_eq!(error.class(), gatehouse_domain::ErrorClass::Authentication);
    }
}
