//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/`:
//!
//! ```text
//! cd fuzz && cargo run --example make_seeds
//! ```
//!
//! The seeds are realistic inputs in each target's format (see `src/lib.rs` and each target's
//! doc): requests signed by the crate's own `Signer` with the secrets `oauth_verify` verifies
//! with (each one checked to verify), headers signed by oauthlib (the oauth1 crate's fixture),
//! JWTs issued by `JwtCodec` and by PyJWT (the tokens crate's fixture), and the crates' own XML
//! files. Each write replaces the file of the same name; nothing else is touched.

use std::fs;
use std::path::{Path, PathBuf};

use gatehouse_domain::UserType;
use gatehouse_fuzz::{
    fields, optional, text, CONSUMER_KEY, CONSUMER_SECRET, CRYPT_KEY, NOW, TOKEN, TOKEN_SECRET,
};
use gatehouse_oauth1::{
    check_protocol, check_timestamp, verify_signature, Canonicalization, Endpoint, OAuthRequest,
    Policy, RequestParts, SignatureMethod, Signer,
};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::jwt::{JwtAlgorithm, JwtCodec, UserTokenClaims};

const FORM: &str = "application/x-www-form-urlencoded";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = root().join("corpus").join(target);
    fs::create_dir_all(&dir).expect("create the corpus folder");
    fs::write(dir.join(name), data).expect("write a seed");
    println!("{target}/{name}: {} bytes", data.len());
}

fn read_json(relative: &str) -> serde_json::Value {
    let path = root().join("..").join(relative);
    let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// One request for `oauth_verify`, signed with the fixed secrets.
struct Request {
    name: &'static str,
    flags: u8,
    method: &'static str,
    url: &'static str,
    content_type: Option<&'static str>,
    body: &'static str,
    signer: Signer,
}

fn signer(method: SignatureMethod, nonce: &str) -> Signer {
    Signer::new(CONSUMER_KEY, CONSUMER_SECRET, method, nonce, NOW)
}

fn form_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Form decoding for the seed bodies below (plain ASCII, `+` and `%XX` only).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                index += 2;
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

fn oauth_verify_seed(request: &Request) -> Vec<u8> {
    let form = (request.content_type == Some(FORM)).then(|| form_pairs(request.body));
    let header = request
        .signer
        .authorization_header(request.method, request.url, form.as_deref());
    let (base_uri, query) = request.url.split_once('?').unwrap_or((request.url, ""));
    let seed = [
        &[request.flags][..],
        request.method.as_bytes(),
        base_uri.as_bytes(),
        query.as_bytes(),
        header.as_bytes(),
        request.content_type.unwrap_or_default().as_bytes(),
        request.body.as_bytes(),
    ]
    .join(&b'\n');
    check_verifies(&seed, request.name);
    seed
}

/// Runs a seed through the same steps as the `oauth_verify` target and insists that it passes
/// them all: the seeds are meant to reach the end of the verification path.
fn check_verifies(seed: &[u8], name: &str) {
    let [flags, method, base_uri, query, authorization, content_type, body] = fields::<7>(seed);
    let flags = flags[0];
    let policy = Policy {
        signature_methods: vec![SignatureMethod::HmacSha1, SignatureMethod::HmacSha256],
        timestamp_window_secs: 600,
        canonicalization: if flags & 1 == 0 {
            Canonicalization::Rfc5849
        } else {
            Canonicalization::Compat
        },
        require_body_hash: flags & 8 != 0,
    };
    let endpoint = match (flags >> 1) & 3 {
        1 => Endpoint::RequestToken,
        2 => Endpoint::AccessToken,
        _ => Endpoint::Resource,
    };
    let (method, base_uri, query) = (text(method), text(base_uri), text(query));
    let (authorization, content_type) = (optional(authorization), optional(content_type));
    let parts = RequestParts {
        method: &method,
        base_uri: &base_uri,
        query: &query,
        authorization: authorization.as_deref(),
        content_type: content_type.as_deref(),
        body,
    };
    let outcome = OAuthRequest::collect(&parts).and_then(|request| {
        let params = check_protocol(&request, endpoint, &policy)?;
        check_timestamp(params.timestamp, NOW, &policy)?;
        let token_secret = params.token.is_some().then_some(TOKEN_SECRET);
        verify_signature(
            &request,
            &parts,
            &params,
            CONSUMER_SECRET,
            token_secret,
            &policy,
        )
    });
    assert_eq!(outcome, Ok(()), "seed {name} does not verify");
}

fn oauth_seeds() {
    let sha256 = SignatureMethod::HmacSha256;
    let requests = [
        Request {
            name: "get_search_criteria",
            flags: b'0',
            method: "GET",
            url: "https://shop.example.com/rest/V1/products?searchCriteria%5BpageSize%5D=10&searchCriteria%5BcurrentPage%5D=1",
            content_type: None,
            body: "",
            signer: signer(sha256, "n0nce0001").token(TOKEN, TOKEN_SECRET),
        },
        Request {
            name: "request_token",
            flags: b'2',
            method: "POST",
            url: "https://shop.example.com/oauth/token/request",
            content_type: None,
            body: "",
            signer: signer(sha256, "n0nce0002").version(true).callback("oob"),
        },
        Request {
            name: "access_token",
            flags: b'4',
            method: "POST",
            url: "https://shop.example.com/oauth/token/access",
            content_type: None,
            body: "",
            signer: signer(sha256, "n0nce0003")
                .token(TOKEN, TOKEN_SECRET)
                .verifier("v3rifier0123456789abcdefghijklmn"),
        },
        Request {
            name: "post_form_hmac_sha1_realm",
            flags: b'0',
            method: "POST",
            url: "http://Shop.Example.com:80/rest/default/V1/carts/mine/items?store=default",
            content_type: Some(FORM),
            body: "cartItem%5Bsku%5D=AB-1&cartItem%5Bqty%5D=2&note=two+words",
            signer: signer(SignatureMethod::HmacSha1, "n0nce0004")
                .token(TOKEN, TOKEN_SECRET)
                .realm("Shop"),
        },
        Request {
            name: "put_json_body_hash_required",
            flags: b'8',
            method: "PUT",
            url: "https://shop.example.com:8443/rest/V1/products/AB-1",
            content_type: Some("application/json"),
            body: "{\"product\":{\"price\":10}}",
            signer: signer(sha256, "n0nce0005")
                .token(TOKEN, TOKEN_SECRET)
                .body_hash_of(b"{\"product\":{\"price\":10}}"),
        },
        Request {
            name: "compat_php_arrays",
            flags: b'1',
            method: "get",
            url: "HTTPS://shop.example.com:443/rest/V1/orders?a%5Bb%5D=1&a%5B%5D=2&p9=x&p10=y&c.d=3",
            content_type: None,
            body: "",
            signer: signer(sha256, "n0nce0006")
                .token(TOKEN, TOKEN_SECRET)
                .canonicalization(Canonicalization::Compat),
        },
    ];
    for request in &requests {
        write("oauth_verify", request.name, &oauth_verify_seed(request));
        // The same request in `oauth_header`'s format: authorization, query, content type, body.
        let seed = oauth_verify_seed(request);
        let [_, _, _, query, authorization, content_type, body] = fields::<7>(&seed);
        let header_seed = [authorization, query, content_type, body].join(&b'\n');
        write("oauth_header", request.name, &header_seed);
    }

    // Headers signed by oauthlib (another implementation), with their query and body.
    let fixture = read_json("crates/gatehouse-oauth1/tests/fixtures/oauthlib_signed.json");
    let wanted = [
        "get_unicode/HMAC-SHA256/token",
        "post_form_and_query/HMAC-SHA256/token",
        "query_signature/HMAC-SHA256",
        "body_signature/HMAC-SHA1",
        "realm/HMAC-SHA256",
        "verifier_in_header_and_body/HMAC-SHA256",
    ];
    let cases = fixture["cases"].as_array().expect("cases");
    for name in wanted {
        let case = cases
            .iter()
            .find(|case| case["name"] == name)
            .unwrap_or_else(|| panic!("oauthlib case {name}"));
        let field = |key: &str| case[key].as_str().unwrap_or_default().as_bytes().to_vec();
        let seed = [
            field("authorization"),
            field("query"),
            field("content_type"),
            field("body"),
        ]
        .join(&b'\n');
        write(
            "oauth_header",
            &format!("oauthlib_{}", name.replace('/', "_")),
            &seed,
        );
    }

    // Header syntax edges: another scheme, and stray commas and whitespace.
    write("oauth_header", "bearer_scheme", b"Bearer abc.def.ghi\n\n\n");
    write(
        "oauth_header",
        "commas_and_spaces",
        b"oauth\t, oauth_consumer_key = \"a%20b\" ,, realm=\"x\", oauth_token=\"\"\nq=1&&oauth_token=\n\n",
    );
}

fn jwt_seeds() {
    // PyJWT's tokens from the tokens crate's fixture (valid and refused ones).
    let fixture = read_json("crates/gatehouse-tokens/tests/fixtures/jwt/jwt_fixture.json");
    assert_eq!(
        fixture["crypt_key"], CRYPT_KEY,
        "the fuzz crypt key is the fixture's"
    );
    let wanted = [
        "admin HS256",
        "admin with jti",
        "signed with the older entry",
        "customer HS512",
        "alg none",
        "integration user type",
    ];
    let tokens = fixture["tokens"].as_array().expect("tokens");
    for name in wanted {
        let token = tokens
            .iter()
            .find(|token| token["name"] == name)
            .unwrap_or_else(|| panic!("jwt case {name}"));
        let text = token["token"].as_str().expect("token");
        write(
            "jwt_read",
            &format!("pyjwt_{}", name.replace(' ', "_")),
            text.as_bytes(),
        );
    }

    // A token issued by Gatehouse itself, with a `jti`, valid at `NOW`.
    let keys = CryptKeys::parse(CRYPT_KEY).expect("crypt key");
    let codec = JwtCodec::new(&keys, JwtAlgorithm::Hs384);
    let claims = UserTokenClaims {
        user_type: UserType::Customer,
        user_id: 42,
        issued_at: NOW - 60,
        expires_at: NOW + 3600,
        token_id: Some("k3v9q0w2e8r7t6y5u4i3o2p1a0s9d8f7".into()),
    };
    let token = codec.issue(&claims);
    assert_eq!(codec.read(&token, NOW).ok(), Some(claims));
    write("jwt_read", "gatehouse_hs384_customer_jti", token.as_bytes());

    // `header\npayload` inputs, which the target signs itself.
    write(
        "jwt_read",
        "signed_admin",
        br#"{"kid":"1","alg":"HS256"}
{"uid":1,"utypid":2,"iat":1699999000,"exp":1700003600,"jti":"abc"}"#,
    );
    write(
        "jwt_read",
        "signed_crit_and_big_numbers",
        br#"{"alg":"HS256","crit":["exp"],"typ":"JWT"}
{"uid":-9223372036854775808,"utypid":3,"iat":0,"exp":9223372036854775807}"#,
    );
}

fn xml_seeds() {
    let copies = [
        (
            "acl_xml",
            "builtin_acl.xml",
            "crates/gatehouse-acl/src/acl.xml",
        ),
        (
            "integration_xml",
            "integration.xml",
            "crates/gatehouse-tokens/tests/fixtures/integration/integration.xml",
        ),
        (
            "integration_xml",
            "integration_changed.xml",
            "crates/gatehouse-tokens/tests/fixtures/integration/integration_changed.xml",
        ),
        (
            "integration_xml",
            "unknown_resource.xml",
            "crates/gatehouse-tokens/tests/fixtures/integration/unknown_resource.xml",
        ),
        (
            "integration_xml",
            "broken.xml",
            "crates/gatehouse-tokens/tests/fixtures/integration/broken.xml",
        ),
    ];
    for (target, name, source) in copies {
        let data = fs::read(root().join("..").join(source)).expect("read an XML fixture");
        write(target, name, &data);
    }

    // An extension's acl.xml: a known id again (attributes win, children merge), a disabled
    // branch, entities and a comment.
    write(
        "acl_xml",
        "extension_acl.xml",
        br#"<?xml version="1.0"?>
<config>
  <acl>
    <resources>
      <resource id="Magento_Backend::admin">
        <resource id="Magento_Sales::sales" title="Sales &amp; Orders" sortOrder="25">
          <resource id="Vendor_Bridge::shipments" title="Shipments" sortOrder="-3"/>
        </resource>
        <!-- hidden until enabled -->
        <resource id="Vendor_Bridge::beta" title="Beta" disabled="true">
          <resource id="Vendor_Bridge::beta_x" title="&lt;x&gt;"/>
        </resource>
      </resource>
    </resources>
  </acl>
</config>
"#,
    );
    write(
        "acl_xml",
        "refused_bad_id.xml",
        b"<config><acl><resources><resource id=\"not an id\" sortOrder=\"x\"/></resources></acl></config>",
    );
    write(
        "integration_xml",
        "minimal_cdata.xml",
        b"<config><integration name=\"A\"><email><![CDATA[a@example.com]]></email><resources><resource name=\"Magento_Backend::admin\"/></resources></integration><integration name=\"B\"/></config>",
    );
}

fn main() {
    oauth_seeds();
    jwt_seeds();
    xml_seeds();
}
