//! `OAuthRequest::collect` on an arbitrary `Authorization` header, query, content type and
//! body: the header parser (RFC 5849 §3.5.1), form decoding of the query and body, and the
//! duplicate rules. It must return `Ok` or `Err`, never panic or hang.
//!
//! Input: four lines, `authorization` (empty: no header), `query`, `content_type` (empty: none),
//! then the body (the rest of the input).

#![no_main]

use gatehouse_fuzz::{fields, optional, text};
use gatehouse_oauth1::{OAuthRequest, RequestParts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [authorization, query, content_type, body] = fields::<4>(data);
    let authorization = optional(authorization);
    let query = text(query);
    let content_type = optional(content_type);
    let parts = RequestParts {
        method: "POST",
        base_uri: "https://shop.example.com/rest/V1/products",
        query: &query,
        authorization: authorization.as_deref(),
        content_type: content_type.as_deref(),
        body,
    };

    let Ok(request) = OAuthRequest::collect(&parts) else {
        return;
    };

    // What `collect` promises about an accepted request: `get` finds every protocol parameter
    // whose name and value are text, and a protocol parameter given twice comes from two sources with one
    // value. (A value that is not UTF-8 is refused later, by `check_protocol`, as bad input.)
    let mut protocol: Vec<_> = request
        .parameters()
        .filter(|parameter| parameter.is_protocol())
        .collect();
    for parameter in &protocol {
        let text_value = std::str::from_utf8(parameter.value).is_ok();
        if let (Ok(name), true) = (std::str::from_utf8(parameter.name), text_value) {
            assert!(
                request.get(name).is_some(),
                "get does not find a protocol parameter"
            );
        }
    }
    protocol.sort_by(|a, b| a.name.cmp(b.name));
    for pair in protocol.windows(2) {
        if pair[0].name == pair[1].name {
            assert_ne!(pair[0].source, pair[1].source, "a duplicate in one source");
            assert_eq!(
                pair[0].value, pair[1].value,
                "a duplicate with another value"
            );
        }
    }

    let _ = request.realm();
    let _ = request.has_oauth_header();
    let _ = request.has_non_form_body();
    let _ = format!("{request:?}");
});
