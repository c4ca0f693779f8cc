//! Properties: a request signed by `Signer` verifies whatever its parameters; any one changed
//! parameter makes it fail; parsing never panics on arbitrary input.

// Helpers outside `#[test]` functions unwrap too: a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod support;

use proptest::prelude::*;

use gatehouse_oauth1::{
    form_urlencode, Canonicalization, OAuthRequest, Policy, RequestParts, SignatureMethod, Signer,
};

use support::{mutate_str, SignedRequest};

const BASE_URI: &str = "https://shop.example.com/rest/V1/things";

/// A parameter: a name that is not a protocol parameter, a value of any text, and whether it
/// travels in the query (else in the form body).
fn parameter() -> impl Strategy<Value = (String, String, bool)> {
    let name = "[a-zA-Z0-9 _.~!*'()\\[\\]%+&=/é-]{1,8}"
        .prop_filter("not a protocol parameter", |name| {
            !name.starts_with("oauth_")
        });
    (name, "\\PC{0,12}", any::<bool>())
}

fn method() -> impl Strategy<Value = SignatureMethod> {
    prop_oneof![
        Just(SignatureMethod::HmacSha1),
        Just(SignatureMethod::HmacSha256)
    ]
}

fn build(
    params: &[(String, String, bool)],
    method: SignatureMethod,
    mode: Canonicalization,
    secrets: (&str, &str),
) -> SignedRequest {
    let query_pairs: Vec<(String, String)> = params
        .iter()
        .filter(|p| p.2)
        .map(|p| (p.0.clone(), p.1.clone()))
        .collect();
    let body_pairs: Vec<(String, String)> = params
        .iter()
        .filter(|p| !p.2)
        .map(|p| (p.0.clone(), p.1.clone()))
        .collect();
    let query = form_urlencode(&query_pairs);
    let has_body = !body_pairs.is_empty();
    let http_method = if has_body { "POST" } else { "GET" };
    let url = if query.is_empty() {
        BASE_URI.to_owned()
    } else {
        format!("{BASE_URI}?{query}")
    };

    let signer = Signer::new(
        "0123456789abcdefghijklmnopqrstuv",
        secrets.0,
        method,
        "nonce",
        1_700_000_000,
    )
    .token("abcdefghijklmnopqrstuvwxyz012345", secrets.1)
    .canonicalization(mode);
    SignedRequest {
        method: http_method.to_owned(),
        base_uri: BASE_URI.to_owned(),
        query,
        authorization: Some(signer.authorization_header(
            http_method,
            &url,
            has_body.then_some(&body_pairs[..]),
        )),
        content_type: has_body.then(|| "application/x-www-form-urlencoded".to_owned()),
        body: form_urlencode(&body_pairs).into_bytes(),
        consumer_secret: secrets.0.to_owned(),
        token_secret: Some(secrets.1.to_owned()),
    }
}

fn policy(mode: Canonicalization) -> Policy {
    Policy {
        signature_methods: vec![SignatureMethod::HmacSha1, SignatureMethod::HmacSha256],
        canonicalization: mode,
        ..Policy::default()
    }
}

proptest! {
    #[test]
    fn signed_requests_verify(
        params in prop::collection::vec(parameter(), 0..8),
        method in method(),
        compat in any::<bool>(),
        consumer_secret in "\\PC{0,10}",
        token_secret in "\\PC{0,10}",
    ) {
        let mode = if compat { Canonicalization::Compat } else { Canonicalization::Rfc5849 };
        let request = build(&params, method, mode, (&consumer_secret, &token_secret));
        let verified = request.verify(&policy(mode));
        prop_assert!(verified.is_ok(), "{:?}", verified);
    }

    #[test]
    fn one_changed_parameter_fails(
        params in prop::collection::vec(parameter(), 1..8),
        method in method(),
        pick in any::<prop::sample::Index>(),
        change_name in any::<bool>(),
    ) {
        let mode = Canonicalization::Rfc5849;
        let original = build(&params, method, mode, ("cs", "ts"));
        prop_assert!(original.verify(&policy(mode)).is_ok());

        // The client signed `params`; the server receives one of them changed.
        let index = pick.index(params.len());
        let mut changed = params.clone();
        if change_name {
            changed[index].0 = mutate_str(&changed[index].0);
        } else {
            changed[index].1 = mutate_str(&changed[index].1);
        }
        let received = build(&changed, method, mode, ("cs", "ts"));
        let mut tampered = original.clone();
        tampered.query = received.query;
        tampered.body = received.body;
        tampered.content_type = received.content_type;
        tampered.method = received.method;
        prop_assert!(tampered.verify(&policy(mode)).is_err());
    }

    #[test]
    fn header_parsing_never_panics(header in "\\PC{0,64}") {
        for authorization in [header.clone(), format!("OAuth {header}")] {
            let parts = RequestParts { method: "GET", base_uri: BASE_URI, query: "", authorization: Some(&authorization), content_type: None, body: b"" };
            let _ = OAuthRequest::collect(&parts);
        }
    }

    #[test]
    fn header_parsing_never_panics_near_valid_input(header in "[a-z_=\",% \\t\\\\0-9A-F]{0,48}") {
        let authorization = format!("OAuth {header}");
        let parts = RequestParts { method: "GET", base_uri: BASE_URI, query: "", authorization: Some(&authorization), content_type: None, body: b"" };
        if let Ok(request) = OAuthRequest::collect(&parts) {
            prop_assert!(request.has_oauth_header());
        }
    }

    #[test]
    fn collect_never_panics_on_any_query_or_body(query in "\\PC{0,64}", body in prop::collection::vec(any::<u8>(), 0..64)) {
        let parts = RequestParts {
            method: "POST",
            base_uri: BASE_URI,
            query: &query,
            authorization: None,
            content_type: Some("application/x-www-form-urlencoded"),
            body: &body,
        };
        if let Ok(request) = OAuthRequest::collect(&parts) {
            // Whatever was collected, both base strings can be built from it.
            for mode in [Canonicalization::Rfc5849, Canonicalization::Compat] {
                let pairs: Vec<(String, String)> = request
                    .parameters()
                    .map(|p| (String::from_utf8_lossy(p.name).into_owned(), String::from_utf8_lossy(p.value).into_owned()))
                    .collect();
                prop_assert!(gatehouse_oauth1::signature_base_string("POST", BASE_URI, &pairs, mode).is_ok());
            }
        }
    }
}
