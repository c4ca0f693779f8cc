//! The refusals of behaviour.md §4 that belong to the protocol core (items 1, 2, 3, 4, 5's
//! length check, 6's timestamp check and 8), in the reference's order, with its wording and
//! class; and the refusals Gatehouse adds (malformed header, duplicates, nonce format, body
//! hash).

// Helpers outside `#[test]` functions unwrap too: a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod support;

use gatehouse_domain::ErrorClass;
use gatehouse_oauth1::{
    check_protocol, check_timestamp, verify_signature, Endpoint, OAuth1Error, OAuthRequest, Policy,
    ProtocolParams, RequestParts, SignatureMethod, Signer,
};

const KEY: &str = "0123456789abcdefghijklmnopqrstuv";
const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz012345";
const URI: &str = "https://shop.example.com/oauth/token/request";

/// A complete, valid set of protocol parameters for the header; tests remove or change some.
fn header(overrides: &[(&str, Option<&str>)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("oauth_consumer_key", KEY),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_nonce", "abc"),
        ("oauth_timestamp", "1700000000"),
        ("oauth_signature", "c2lnbmF0dXJl"),
    ];
    for &(name, value) in overrides {
        params.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            params.push((name, value));
        }
    }
    let list: Vec<String> = params
        .iter()
        .map(|(n, v)| format!("{n}=\"{}\"", gatehouse_oauth1::percent_encode(v)))
        .collect();
    format!("OAuth {}", list.join(", "))
}

fn check(header: &str, endpoint: Endpoint) -> Result<ProtocolParams, OAuth1Error> {
    let parts = RequestParts {
        method: "POST",
        base_uri: URI,
        query: "",
        authorization: Some(header),
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts)?;
    check_protocol(&request, endpoint, &Policy::default())
}

fn refusal(header: &str, endpoint: Endpoint) -> (String, ErrorClass) {
    let error = check(header, endpoint).unwrap_err();
    (error.message().render(), error.class())
}

#[test]
fn a_complete_request_passes_the_checks() {
    let params = check(&header(&[]), Endpoint::RequestToken).unwrap();
    assert_eq!(params.consumer_key.as_str(), KEY);
    assert_eq!(params.signature_method, SignatureMethod::HmacSha256);
    assert_eq!(params.nonce.as_str(), "abc");
    assert_eq!(params.timestamp.seconds(), 1_700_000_000);
    assert_eq!(params.signature, "c2lnbmF0dXJl");
}

#[test]
fn item_1_version() {
    let (message, class) = refusal(
        &header(&[("oauth_version", Some("2.0"))]),
        Endpoint::RequestToken,
    );
    assert_eq!(message, "The \"2.0\" Oauth version isn't supported.");
    assert_eq!(class, ErrorClass::Input);
    assert!(check(
        &header(&[("oauth_version", Some("1.0"))]),
        Endpoint::RequestToken
    )
    .is_ok());

    // The version is checked first, before anything is found missing.
    let (message, _) = refusal(
        &header(&[("oauth_version", Some("1")), ("oauth_nonce", None)]),
        Endpoint::RequestToken,
    );
    assert_eq!(message, "The \"1\" Oauth version isn't supported.");
}

#[test]
fn item_2_required_parameters() {
    let (message, class) = refusal(&header(&[("oauth_nonce", None)]), Endpoint::RequestToken);
    assert_eq!(message, "\"oauth_nonce\" is required. Enter and try again.");
    assert_eq!(class, ErrorClass::Input);

    // Several missing names are joined with ", " in the reference's order.
    let error = check("OAuth oauth_consumer_key=\"x\"", Endpoint::AccessToken).unwrap_err();
    assert_eq!(
        error.message().parameters,
        vec![(
            "fieldName".into(),
            "oauth_signature, oauth_signature_method, oauth_nonce, oauth_timestamp, oauth_token, oauth_verifier".to_owned()
        )]
    );
    assert_eq!(
        error.message().template,
        "\"%fieldName\" is required. Enter and try again."
    );

    // A signed API request needs the token; the request-token step does not.
    let (message, _) = refusal(&header(&[]), Endpoint::Resource);
    assert_eq!(message, "\"oauth_token\" is required. Enter and try again.");

    // No OAuth header at all: everything is missing.
    let parts = RequestParts {
        method: "GET",
        base_uri: URI,
        query: "",
        authorization: None,
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    let error = check_protocol(&request, Endpoint::RequestToken, &Policy::default()).unwrap_err();
    assert_eq!(error, OAuth1Error::MissingParameters {
        names: "oauth_consumer_key, oauth_signature, oauth_signature_method, oauth_nonce, oauth_timestamp".into()
    });
}

#[test]
fn item_3_token_length() {
    let (message, class) = refusal(
        &header(&[("oauth_token", Some("short"))]),
        Endpoint::Resource,
    );
    assert_eq!(
        message,
        "The token length is invalid. Check the length and try again."
    );
    assert_eq!(class, ErrorClass::Input);
    // A token on the request-token step is checked too.
    assert_eq!(
        check(
            &header(&[("oauth_token", Some("short"))]),
            Endpoint::RequestToken
        ),
        Err(OAuth1Error::TokenLength)
    );
    // Length is checked before the signature method.
    let both = header(&[
        ("oauth_token", Some("short")),
        ("oauth_signature_method", Some("PLAINTEXT")),
    ]);
    assert_eq!(
        check(&both, Endpoint::Resource),
        Err(OAuth1Error::TokenLength)
    );
    assert!(check(&header(&[("oauth_token", Some(TOKEN))]), Endpoint::Resource).is_ok());
}

#[test]
fn item_4_signature_method() {
    for method in ["HMAC-SHA1", "PLAINTEXT", "RSA-SHA1", "hmac-sha256"] {
        let (message, class) = refusal(
            &header(&[("oauth_signature_method", Some(method))]),
            Endpoint::RequestToken,
        );
        assert_eq!(
            message,
            format!("Signature method {method} is not supported")
        );
        assert_eq!(class, ErrorClass::Input);
    }
    // Checked before the consumer key.
    let both = header(&[
        ("oauth_signature_method", Some("PLAINTEXT")),
        ("oauth_consumer_key", Some("short")),
    ]);
    assert!(matches!(
        check(&both, Endpoint::RequestToken),
        Err(OAuth1Error::UnsupportedSignatureMethod { .. })
    ));
}

#[test]
fn item_5_consumer_key_length() {
    for key in ["short", "0123456789abcdefghijklmnopqrstuvw", ""] {
        let (message, class) = refusal(
            &header(&[("oauth_consumer_key", Some(key))]),
            Endpoint::RequestToken,
        );
        assert_eq!(message, "Consumer key is not the correct length");
        assert_eq!(class, ErrorClass::Input);
    }
}

#[test]
fn item_6_timestamp_format_and_window() {
    for timestamp in ["0", "-5", "12a", "", "1.5", "99999999999999999999"] {
        let (message, class) = refusal(
            &header(&[("oauth_timestamp", Some(timestamp))]),
            Endpoint::RequestToken,
        );
        assert_eq!(
            message, "Incorrect timestamp value in the oauth_timestamp parameter",
            "{timestamp:?}"
        );
        assert_eq!(class, ErrorClass::Input);
    }

    // The window, on both sides of each boundary, with a fixed now.
    let params = check(&header(&[]), Endpoint::RequestToken).unwrap();
    let timestamp = params.timestamp;
    let policy = Policy::default();
    let ts = timestamp.seconds();
    for (now, accepted) in [
        (ts, true),
        (ts + 599, true),
        (ts + 600, true),
        (ts + 601, false),
        (ts - 599, true),
        (ts - 600, true),
        (ts - 601, false),
    ] {
        let result = check_timestamp(timestamp, now, &policy);
        assert_eq!(result.is_ok(), accepted, "now = ts {:+}", now - ts);
        if let Err(error) = result {
            assert_eq!(
                error.message().render(),
                "Incorrect timestamp value in the oauth_timestamp parameter"
            );
            assert_eq!(error.class(), ErrorClass::Input);
        }
    }
    let narrow = Policy {
        timestamp_window_secs: 30,
        ..Policy::default()
    };
    assert!(check_timestamp(timestamp, ts + 30, &narrow).is_ok());
    assert!(check_timestamp(timestamp, ts - 31, &narrow).is_err());
}

#[test]
fn nonce_format() {
    for nonce in ["", "tab\there", &"n".repeat(256)] {
        let error = check(
            &header(&[("oauth_nonce", Some(nonce))]),
            Endpoint::RequestToken,
        )
        .unwrap_err();
        assert_eq!(error, OAuth1Error::InvalidNonce, "{nonce:?}");
        assert_eq!(
            error.message().render(),
            "Invalid nonce value in the oauth_nonce parameter"
        );
        assert_eq!(error.class(), ErrorClass::Input);
    }
    assert!(check(
        &header(&[("oauth_nonce", Some("with space ~"))]),
        Endpoint::RequestToken
    )
    .is_ok());
}

#[test]
fn item_8_signature() {
    let signer = Signer::new(
        KEY,
        "secret",
        SignatureMethod::HmacSha256,
        "n",
        1_700_000_000,
    );
    let header = signer.authorization_header("POST", URI, None);
    let parts = RequestParts {
        method: "POST",
        base_uri: URI,
        query: "",
        authorization: Some(&header),
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    let params = check_protocol(&request, Endpoint::RequestToken, &Policy::default()).unwrap();

    let error =
        verify_signature(&request, &parts, &params, "wrong", None, &Policy::default()).unwrap_err();
    assert_eq!(
        error.message().render(),
        "The signature is invalid. Verify and try again."
    );
    assert_eq!(error.class(), ErrorClass::Authentication);

    // A signature that is not base64 is just as invalid.
    let mut broken = params.clone();
    broken.signature = "%%%".into();
    assert_eq!(
        verify_signature(
            &request,
            &parts,
            &broken,
            "secret",
            None,
            &Policy::default()
        ),
        Err(OAuth1Error::InvalidSignature)
    );
    assert!(verify_signature(
        &request,
        &parts,
        &params,
        "secret",
        None,
        &Policy::default()
    )
    .is_ok());
}

#[test]
fn malformed_header_and_duplicates_are_input_errors() {
    let error = check(
        "OAuth oauth_consumer_key=\"unterminated",
        Endpoint::RequestToken,
    )
    .unwrap_err();
    assert!(matches!(error, OAuth1Error::MalformedHeader { .. }));
    assert_eq!(
        error.message().render(),
        "The OAuth Authorization header is malformed."
    );
    assert_eq!(error.class(), ErrorClass::Input);

    let twice = format!("{}, oauth_nonce=\"other\"", header(&[]));
    let error = check(&twice, Endpoint::RequestToken).unwrap_err();
    assert_eq!(
        error,
        OAuth1Error::DuplicateParameter {
            name: "oauth_nonce".into()
        }
    );
    assert_eq!(
        error.message().render(),
        "The \"oauth_nonce\" parameter is given more than once."
    );
    assert_eq!(error.class(), ErrorClass::Input);
}

#[test]
fn body_hash_required_and_checked() {
    let body = br#"{"a":1}"#;
    let required = Policy {
        require_body_hash: true,
        ..Policy::default()
    };
    let parts = |authorization, content_type| RequestParts {
        method: "POST",
        base_uri: URI,
        query: "",
        authorization: Some(authorization),
        content_type,
        body,
    };
    let without = header(&[]);
    let without = without.as_str();

    // Missing on a JSON body when required: a missing parameter (400).
    let request = OAuthRequest::collect(&parts(without, Some("application/json"))).unwrap();
    let error = check_protocol(&request, Endpoint::RequestToken, &required).unwrap_err();
    assert_eq!(
        error.message().render(),
        "\"oauth_body_hash\" is required. Enter and try again."
    );
    assert_eq!(error.class(), ErrorClass::Input);
    // Not required by default, nor for form bodies.
    assert!(check_protocol(&request, Endpoint::RequestToken, &Policy::default()).is_ok());
    let form =
        OAuthRequest::collect(&parts(without, Some("application/x-www-form-urlencoded"))).unwrap();
    assert!(check_protocol(&form, Endpoint::RequestToken, &required).is_ok());

    // Present but wrong: refused after the signature, as an authentication failure (401).
    let signer = Signer::new(
        KEY,
        "secret",
        SignatureMethod::HmacSha256,
        "n",
        1_700_000_000,
    )
    .body_hash_of(b"{}");
    let signed = signer.authorization_header("POST", URI, None);
    let parts = parts(&signed, Some("application/json"));
    let request = OAuthRequest::collect(&parts).unwrap();
    let params = check_protocol(&request, Endpoint::RequestToken, &required).unwrap();
    let error = verify_signature(&request, &parts, &params, "secret", None, &required).unwrap_err();
    assert_eq!(error, OAuth1Error::BodyHashMismatch);
    assert_eq!(
        error.message().render(),
        "The body hash is invalid. Verify and try again."
    );
    assert_eq!(error.class(), ErrorClass::Authentication);
    // With a bad signature, the signature is what is reported.
    assert_eq!(
        verify_signature(&request, &parts, &params, "wrong", None, &required),
        Err(OAuth1Error::InvalidSignature)
    );
}
