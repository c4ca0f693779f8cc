//! Known vectors: RFC 5849 §1.2, the oauthlib vectors of oauth1-signing.md, one vector per
//! compatibility-mode rule, and the client-side `Signer` round-tripping through the verifier.

// Helpers outside `#[test]` functions unwrap too: a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod support;

use gatehouse_oauth1::{
    base_string_uri, check_protocol, sign, signature_base_string, verify_signature,
    Canonicalization, Endpoint, OAuth1Error, OAuthRequest, Policy, RequestParts, SignatureMethod,
    Signer,
};

use support::{both_methods, SignedRequest};

const RFC_URL: &str = "http://photos.example.net/photos?file=vacation.jpg&size=original";
const RFC_BASE: &str = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal";

fn rfc_signer(method: SignatureMethod) -> Signer {
    Signer::new(
        "dpf43f3p2l4k3l03",
        "kd94hf93k423kf44",
        method,
        "chapoH",
        137131202,
    )
    .token("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn rfc5849_section_1_2() {
    // The base string the RFC prints, built from the collected request.
    let header = r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#;
    let parts = RequestParts {
        method: "GET",
        base_uri: "http://photos.example.net/photos",
        query: "file=vacation.jpg&size=original",
        authorization: Some(header),
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    assert_eq!(request.realm(), Some("Photos"));
    let params: Vec<(String, String)> = request
        .parameters()
        .map(|p| {
            (
                String::from_utf8(p.name.to_vec()).unwrap(),
                String::from_utf8(p.value.to_vec()).unwrap(),
            )
        })
        .collect();
    let base =
        signature_base_string("GET", parts.base_uri, &params, Canonicalization::Rfc5849).unwrap();
    assert_eq!(base.as_str(), RFC_BASE);

    // The signature the RFC prints.
    let signature = sign(
        SignatureMethod::HmacSha1,
        &base,
        "kd94hf93k423kf44",
        Some("pfkkdhi9sl3r4s00"),
    );
    assert_eq!(signature, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    assert_eq!(request.get("oauth_signature"), Some(signature.as_str()));

    // The same from the client side.
    assert_eq!(
        rfc_signer(SignatureMethod::HmacSha1).signature("GET", RFC_URL, None),
        "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    );
}

#[test]
fn rfc5849_request_is_refused_only_for_its_short_consumer_key() {
    // The reference requires 32-character keys; the RFC's 16-character key fails that check
    // and nothing before it.
    let header = rfc_signer(SignatureMethod::HmacSha1).authorization_header("GET", RFC_URL, None);
    let parts = RequestParts {
        method: "GET",
        base_uri: "http://photos.example.net/photos",
        query: "file=vacation.jpg&size=original",
        authorization: Some(&header),
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    assert_eq!(
        check_protocol(&request, Endpoint::Resource, &both_methods()),
        Err(OAuth1Error::TokenLength)
    );
}

#[test]
fn oauthlib_vectors_with_version() {
    let sha1 = rfc_signer(SignatureMethod::HmacSha1)
        .version(true)
        .signature("GET", RFC_URL, None);
    assert_eq!(sha1, "1IAE9RzK+DqSqVTdQ/0zWANXVzs=");
    let sha256 = rfc_signer(SignatureMethod::HmacSha256)
        .version(true)
        .signature("GET", RFC_URL, None);
    assert_eq!(sha256, "rAAvYu1BQL0v7E7CJl81nKGKZdQr4XFo7E7vbGJxPz4=");
}

#[test]
fn compat_rule_one_value_per_name_the_last() {
    let params = pairs(&[("a", "1"), ("b", "x"), ("a", "2")]);
    let compat = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Compat,
    )
    .unwrap();
    assert_eq!(
        compat.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&a%3D2%26b%3Dx"
    );
    let strict = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Rfc5849,
    )
    .unwrap();
    assert_eq!(
        strict.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&a%3D1%26a%3D2%26b%3Dx"
    );
}

#[test]
fn compat_rule_php_array_keys() {
    let params = pairs(&[
        ("f[]", "x"),
        ("f[]", "y"),
        ("a.b", "1"),
        ("g[k]", "1"),
        ("g[k]", "2"),
    ]);
    let compat = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Compat,
    )
    .unwrap();
    assert_eq!(
        compat.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&a_b%3D1%26f%255B0%255D%3Dx%26f%255B1%255D%3Dy%26g%255Bk%255D%3D2"
    );
    let strict = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Rfc5849,
    )
    .unwrap();
    assert_eq!(
        strict.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&a.b%3D1%26f%255B%255D%3Dx%26f%255B%255D%3Dy%26g%255Bk%255D%3D1%26g%255Bk%255D%3D2"
    );
}

#[test]
fn compat_rule_natural_key_order() {
    let params = pairs(&[("p10", "c"), ("p9", "b"), ("p1", "a")]);
    let compat = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Compat,
    )
    .unwrap();
    assert_eq!(
        compat.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&p1%3Da%26p9%3Db%26p10%3Dc"
    );
    let strict = signature_base_string(
        "GET",
        "http://example.com/r",
        &params,
        Canonicalization::Rfc5849,
    )
    .unwrap();
    assert_eq!(
        strict.as_str(),
        "GET&http%3A%2F%2Fexample.com%2Fr&p1%3Da%26p10%3Dc%26p9%3Db"
    );
}

#[test]
fn compat_rule_uri_as_given() {
    let uri = "HTTP://Example.COM:80/r?q=1";
    assert_eq!(
        base_string_uri(uri, Canonicalization::Compat).unwrap(),
        "HTTP://Example.COM:80/r"
    );
    assert_eq!(
        base_string_uri(uri, Canonicalization::Rfc5849).unwrap(),
        "http://example.com/r"
    );
    let compat = signature_base_string("get", uri, &[], Canonicalization::Compat).unwrap();
    assert_eq!(compat.as_str(), "GET&HTTP%3A%2F%2FExample.COM%3A80%2Fr&");
}

fn compat_policy() -> Policy {
    Policy {
        canonicalization: Canonicalization::Compat,
        ..Policy::default()
    }
}

fn signed(
    signer: &Signer,
    method: &str,
    base_uri: &str,
    query: &str,
    form: Option<&[(String, String)]>,
) -> SignedRequest {
    let url = if query.is_empty() {
        base_uri.to_owned()
    } else {
        format!("{base_uri}?{query}")
    };
    SignedRequest {
        method: method.to_owned(),
        base_uri: base_uri.to_owned(),
        query: query.to_owned(),
        authorization: Some(signer.authorization_header(method, &url, form)),
        content_type: form.map(|_| "application/x-www-form-urlencoded".to_owned()),
        body: form
            .map(gatehouse_oauth1::form_urlencode)
            .unwrap_or_default()
            .into_bytes(),
        consumer_secret: "consumer secret".to_owned(),
        token_secret: Some("token&secret".to_owned()),
    }
}

fn api_signer() -> Signer {
    Signer::new(
        "0123456789abcdefghijklmnopqrstuv",
        "consumer secret",
        SignatureMethod::HmacSha256,
        "nonce-1",
        1_700_000_000,
    )
    .token("abcdefghijklmnopqrstuvwxyz012345", "token&secret")
}

#[test]
fn compat_requests_verify_only_in_compat_mode() {
    // Each request differs between the modes in one rule.
    let form = pairs(&[("item[]", "a"), ("item[]", "b")]);
    let requests = [
        (
            "repeated name",
            signed(
                &api_signer().canonicalization(Canonicalization::Compat),
                "GET",
                "https://shop.example.com/rest/V1/x",
                "a=1&a=2",
                None,
            ),
        ),
        (
            "array keys",
            signed(
                &api_signer().canonicalization(Canonicalization::Compat),
                "POST",
                "https://shop.example.com/rest/V1/x",
                "",
                Some(&form),
            ),
        ),
        (
            "natural order",
            signed(
                &api_signer().canonicalization(Canonicalization::Compat),
                "GET",
                "https://shop.example.com/rest/V1/x",
                "p10=1&p9=2",
                None,
            ),
        ),
        (
            "uri as given",
            signed(
                &api_signer().canonicalization(Canonicalization::Compat),
                "GET",
                "https://Shop.Example.com:443/rest/V1/x",
                "",
                None,
            ),
        ),
    ];
    for (rule, request) in requests {
        assert!(request.verify(&compat_policy()).is_ok(), "{rule}: compat");
        assert_eq!(
            request.verify(&Policy::default()).unwrap_err(),
            OAuth1Error::InvalidSignature,
            "{rule}: strict"
        );
    }
}

#[test]
fn compat_merges_header_then_body_then_query() {
    // The same name in the body and the query: the query's value is the one signed.
    let form = pairs(&[("a", "from-body")]);
    let request = signed(
        &api_signer().canonicalization(Canonicalization::Compat),
        "POST",
        "https://shop.example.com/x",
        "a=from-query",
        Some(&form),
    );
    assert!(request.verify(&compat_policy()).is_ok());

    let only_query = pairs(&[("a", "from-query")]);
    let base_with_both = signature_base_string(
        "POST",
        "https://shop.example.com/x",
        &pairs(&[("a", "from-body"), ("a", "from-query")]),
        Canonicalization::Compat,
    )
    .unwrap();
    let base_query_only = signature_base_string(
        "POST",
        "https://shop.example.com/x",
        &only_query,
        Canonicalization::Compat,
    )
    .unwrap();
    assert_eq!(base_with_both, base_query_only);
}

#[test]
fn signer_round_trips_in_both_modes() {
    let form = pairs(&[
        ("name", "Ünïcödé & co"),
        ("tags[]", "a b"),
        ("tags[]", "+/"),
    ]);
    for mode in [Canonicalization::Rfc5849, Canonicalization::Compat] {
        let policy = Policy {
            canonicalization: mode,
            ..Policy::default()
        };
        let signer = api_signer()
            .canonicalization(mode)
            .realm("Shop")
            .version(true);
        let get = signed(
            &signer,
            "GET",
            "https://shop.example.com/rest/V1/products",
            "searchCriteria%5BpageSize%5D=20&q=a+b",
            None,
        );
        let params = get
            .verify(&policy)
            .unwrap_or_else(|e| panic!("{mode:?} GET: {e:?}"));
        assert_eq!(params.nonce.as_str(), "nonce-1");
        assert_eq!(params.timestamp.seconds(), 1_700_000_000);

        let post = signed(
            &signer,
            "POST",
            "https://shop.example.com/rest/V1/products",
            "x=1",
            Some(&form),
        );
        assert!(post.verify(&policy).is_ok(), "{mode:?} POST");
    }
}

#[test]
fn signer_round_trips_the_token_endpoints() {
    let policy = Policy::default();
    let request_step = Signer::new(
        "0123456789abcdefghijklmnopqrstuv",
        "cs",
        SignatureMethod::HmacSha256,
        "n1",
        1_700_000_000,
    )
    .callback("oob");
    let header = request_step.authorization_header(
        "POST",
        "https://shop.example.com/oauth/token/request",
        None,
    );
    let parts = RequestParts {
        method: "POST",
        base_uri: "https://shop.example.com/oauth/token/request",
        query: "",
        authorization: Some(&header),
        content_type: None,
        body: b"",
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    let params = check_protocol(&request, Endpoint::RequestToken, &policy).unwrap();
    assert_eq!(params.callback.as_deref(), Some("oob"));
    assert_eq!(params.token, None);
    verify_signature(&request, &parts, &params, "cs", None, &policy).unwrap();

    let verifier = "v3rifier0123456789abcdefghijklmn";
    let access_step = Signer::new(
        "0123456789abcdefghijklmnopqrstuv",
        "cs",
        SignatureMethod::HmacSha256,
        "n2",
        1_700_000_001,
    )
    .token("abcdefghijklmnopqrstuvwxyz012345", "request-secret")
    .verifier(verifier);
    // The reference's clients also repeat the verifier in the form body.
    let form = pairs(&[("oauth_verifier", verifier)]);
    let header = access_step.authorization_header(
        "POST",
        "https://shop.example.com/oauth/token/access",
        Some(&form),
    );
    let body = gatehouse_oauth1::form_urlencode(&form);
    let parts = RequestParts {
        method: "POST",
        base_uri: "https://shop.example.com/oauth/token/access",
        query: "",
        authorization: Some(&header),
        content_type: Some("application/x-www-form-urlencoded"),
        body: body.as_bytes(),
    };
    let request = OAuthRequest::collect(&parts).unwrap();
    let params = check_protocol(&request, Endpoint::AccessToken, &policy).unwrap();
    assert_eq!(params.verifier.as_deref(), Some(verifier));
    verify_signature(
        &request,
        &parts,
        &params,
        "cs",
        Some("request-secret"),
        &policy,
    )
    .unwrap();
    assert_eq!(
        verify_signature(
            &request,
            &parts,
            &params,
            "cs",
            Some("other-secret"),
            &policy
        ),
        Err(OAuth1Error::InvalidSignature)
    );
}

#[test]
fn signer_body_hash_round_trips() {
    let body = br#"{"product":{"sku":"AB-1"}}"#;
    let signer = api_signer().body_hash_of(body);
    let url = "https://shop.example.com/rest/V1/products";
    let request = SignedRequest {
        method: "POST".into(),
        base_uri: url.into(),
        query: String::new(),
        authorization: Some(signer.authorization_header("POST", url, None)),
        content_type: Some("application/json".into()),
        body: body.to_vec(),
        consumer_secret: "consumer secret".into(),
        token_secret: Some("token&secret".into()),
    };
    let required = Policy {
        require_body_hash: true,
        ..Policy::default()
    };
    let params = request.verify(&required).unwrap();
    assert_eq!(
        params.body_hash.as_deref(),
        Some(gatehouse_oauth1::body_hash(body).as_str())
    );

    let mut changed = request.clone();
    changed.body = br#"{"product":{"sku":"AB-2"}}"#.to_vec();
    assert_eq!(
        changed.verify(&required).unwrap_err(),
        OAuth1Error::BodyHashMismatch
    );
}
