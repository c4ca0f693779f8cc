//! The whole verification path on an arbitrary request: `OAuthRequest::collect`,
//! `check_protocol`, `check_timestamp`, the signature base string (`base_string_uri`,
//! `signature_base_string`, parameter normalisation in both canonicalizations) and
//! `verify_signature` with fixed secrets, including the body hash. It must return `Ok` or `Err`,
//! never panic or hang.
//!
//! Input: seven lines, `flags`, `method`, `base_uri`, `query`, `authorization` (empty: no
//! header), `content_type` (empty: none), then the body (the rest of the input). The first byte
//! of `flags` (0 when empty) picks the policy: bit 0 the compat canonicalization, bits 1–2 the
//! endpoint (resource, request token, access token, resource), bit 3 `require_body_hash`.
//! Both HMAC-SHA1 and HMAC-SHA256 are allowed, so that both are reached.

#![no_main]

use gatehouse_fuzz::{fields, optional, text, CONSUMER_SECRET, NOW, TOKEN_SECRET};
use gatehouse_oauth1::{
    base_string_uri, check_protocol, check_timestamp, percent_encode, signature_base_string,
    verify_signature, Canonicalization, Endpoint, OAuthRequest, Policy, RequestParts,
    SignatureMethod,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, method, base_uri, query, authorization, content_type, body] = fields::<7>(data);
    let flags = flags.first().copied().unwrap_or(0);
    let canonicalization = if flags & 1 == 0 {
        Canonicalization::Rfc5849
    } else {
        Canonicalization::Compat
    };
    let endpoint = match (flags >> 1) & 3 {
        1 => Endpoint::RequestToken,
        2 => Endpoint::AccessToken,
        _ => Endpoint::Resource,
    };
    let policy = Policy {
        signature_methods: vec![SignatureMethod::HmacSha1, SignatureMethod::HmacSha256],
        timestamp_window_secs: 600,
        canonicalization,
        require_body_hash: flags & 8 != 0,
    };

    let method = text(method);
    let base_uri = text(base_uri);
    let query = text(query);
    let authorization = optional(authorization);
    let content_type = optional(content_type);
    let parts = RequestParts {
        method: &method,
        base_uri: &base_uri,
        query: &query,
        authorization: authorization.as_deref(),
        content_type: content_type.as_deref(),
        body,
    };

    // The URI normalisation alone, in both modes.
    let _ = base_string_uri(&base_uri, Canonicalization::Rfc5849);
    let _ = base_string_uri(&base_uri, Canonicalization::Compat);

    let Ok(request) = OAuthRequest::collect(&parts) else {
        return;
    };

    // The public base-string builder on the collected parameters (as text), in both modes.
    let pairs: Vec<(String, String)> = request
        .parameters()
        .map(|parameter| {
            (
                String::from_utf8_lossy(parameter.name).into_owned(),
                String::from_utf8_lossy(parameter.value).into_owned(),
            )
        })
        .collect();
    for mode in [Canonicalization::Rfc5849, Canonicalization::Compat] {
        if let Ok(base) = signature_base_string(&method, &base_uri, &pairs, mode) {
            // The method goes in as sent, upper-cased but not encoded; every other part is
            // percent-encoded. (HTTP methods are ASCII tokens, so a web layer never passes
            // anything else.)
            if method.is_ascii() {
                assert!(base.is_ascii(), "a base string that is not ASCII");
            }
        }
    }
    for (name, value) in &pairs {
        assert!(percent_encode(name).is_ascii());
        assert!(percent_encode(value).is_ascii());
    }

    let Ok(params) = check_protocol(&request, endpoint, &policy) else {
        return;
    };
    let _ = check_timestamp(params.timestamp, NOW, &policy);
    let token_secret = params.token.is_some().then_some(TOKEN_SECRET);
    let _ = verify_signature(
        &request,
        &parts,
        &params,
        CONSUMER_SECRET,
        token_secret,
        &policy,
    );
});
