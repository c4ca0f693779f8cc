//! Helpers shared by the integration tests: a request held by value, the full verification
//! pipeline, and byte-level encoders to rebuild mutated requests.

#![allow(dead_code)]

use gatehouse_oauth1::{
    check_protocol, verify_signature, Endpoint, OAuth1Error, OAuthRequest, Policy, ProtocolParams,
    RequestParts, SignatureMethod,
};

/// A request and the secrets to verify it with, owned so tests can mutate it.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub method: String,
    pub base_uri: String,
    pub query: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub consumer_secret: String,
    pub token_secret: Option<String>,
}

impl SignedRequest {
    pub fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            base_uri: &self.base_uri,
            query: &self.query,
            authorization: self.authorization.as_deref(),
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }

    /// collect, check_protocol and verify_signature, as a server runs them.
    pub fn verify(&self, policy: &Policy) -> Result<ProtocolParams, OAuth1Error> {
        let parts = self.parts();
        let request = OAuthRequest::collect(&parts)?;
        let endpoint = if request.get("oauth_token").is_some() {
            Endpoint::Resource
        } else {
            Endpoint::RequestToken
        };
        let params = check_protocol(&request, endpoint, policy)?;
        verify_signature(
            &request,
            &parts,
            &params,
            &self.consumer_secret,
            self.token_secret.as_deref(),
            policy,
        )?;
        Ok(params)
    }
}

/// A policy that accepts both HMAC methods.
pub fn both_methods() -> Policy {
    Policy {
        signature_methods: vec![SignatureMethod::HmacSha1, SignatureMethod::HmacSha256],
        ..Policy::default()
    }
}

/// Changes one byte: the first one, to another character of the same kind.
pub fn mutate(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let Some(first) = out.first_mut() else {
        return b"x".to_vec();
    };
    *first = match *first {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => *first + 1,
        b'9' => b'8',
        b'z' => b'y',
        b'Z' => b'Y',
        _ => b'x',
    };
    out
}

/// Changes one byte of a string, keeping it a string (non-ASCII first characters are
/// replaced whole).
pub fn mutate_str(text: &str) -> String {
    match text.chars().next() {
        None => "x".to_owned(),
        Some(first) if !first.is_ascii() => format!("x{}", &text[first.len_utf8()..]),
        Some(_) => String::from_utf8(mutate(text.as_bytes())).expect("ascii change keeps utf-8"),
    }
}

/// RFC 5849 §3.6 encoding of raw bytes.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

/// Percent-decoding; `plus_is_space` for form encoding.
pub fn decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if index + 2 < bytes.len()
                && hex(bytes[index + 1]).is_some()
                && hex(bytes[index + 2]).is_some() =>
            {
                out.push(hex(bytes[index + 1]).unwrap() << 4 | hex(bytes[index + 2]).unwrap());
                index += 2;
            }
            other => out.push(other),
        }
        index += 1;
    }
    out
}

/// Splits a form string into decoded pairs.
pub fn form_pairs(form: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    form.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(name, true), decode(value, true))
        })
        .collect()
}

/// Joins decoded pairs back into a form string.
pub fn form_string(pairs: &[(Vec<u8>, Vec<u8>)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits an `OAuth k="v", …` header into decoded pairs.
pub fn header_pairs(header: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let list = header.strip_prefix("OAuth ").expect("an OAuth header");
    list.split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').expect("name=value");
            (decode(name, false), decode(value.trim_matches('"'), false))
        })
        .collect()
}

/// Joins decoded pairs back into an `OAuth` header.
pub fn header_string(pairs: &[(Vec<u8>, Vec<u8>)]) -> String {
    let list: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}=\"{}\"", encode(name), encode(value)))
        .collect();
    format!("OAuth {}", list.join(", "))
}

/// Every variant of `request` with one parameter's name or value changed by one byte, labelled.
/// `realm` is skipped: it is not signed.
pub fn parameter_mutations(request: &SignedRequest) -> Vec<(String, SignedRequest)> {
    let mut variants = Vec::new();

    if let Some(header) = &request.authorization {
        let pairs = header_pairs(header);
        for index in 0..pairs.len() {
            if pairs[index].0 == b"realm" {
                continue;
            }
            for part in [0, 1] {
                let mut changed = pairs.clone();
                let target = if part == 0 {
                    &mut changed[index].0
                } else {
                    &mut changed[index].1
                };
                *target = mutate(target);
                let mut variant = request.clone();
                variant.authorization = Some(header_string(&changed));
                let label = format!(
                    "header {} {}",
                    String::from_utf8_lossy(&pairs[index].0),
                    ["name", "value"][part]
                );
                variants.push((label, variant));
            }
        }
    }

    let query = form_pairs(&request.query);
    for index in 0..query.len() {
        for part in [0, 1] {
            let mut changed = query.clone();
            let target = if part == 0 {
                &mut changed[index].0
            } else {
                &mut changed[index].1
            };
            *target = mutate(target);
            let mut variant = request.clone();
            variant.query = form_string(&changed);
            let label = format!(
                "query {} {}",
                String::from_utf8_lossy(&query[index].0),
                ["name", "value"][part]
            );
            variants.push((label, variant));
        }
    }

    let is_form = request
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let body = form_pairs(std::str::from_utf8(&request.body).expect("utf-8 form body"));
        for index in 0..body.len() {
            for part in [0, 1] {
                let mut changed = body.clone();
                let target = if part == 0 {
                    &mut changed[index].0
                } else {
                    &mut changed[index].1
                };
                *target = mutate(target);
                let mut variant = request.clone();
                variant.body = form_string(&changed).into_bytes();
                let label = format!(
                    "body {} {}",
                    String::from_utf8_lossy(&body[index].0),
                    ["name", "value"][part]
                );
                variants.push((label, variant));
            }
        }
    }
    variants
}

/// Variants with the method, the URI path, the URI host or a secret changed by one byte.
pub fn request_mutations(request: &SignedRequest) -> Vec<(String, SignedRequest)> {
    let mut variants = Vec::new();

    let mut variant = request.clone();
    let method = variant.method.clone();
    variant.method = format!(
        "{}{}",
        &method[..method.len() - 1],
        mutate_str(&method[method.len() - 1..])
    );
    variants.push(("method".to_owned(), variant));

    let mut variant = request.clone();
    let last = variant.base_uri.pop().expect("a base uri");
    variant.base_uri.push_str(&mutate_str(&last.to_string()));
    variants.push(("uri path".to_owned(), variant));

    let mut variant = request.clone();
    let host_start = variant.base_uri.find("://").expect("scheme") + 3;
    let (head, tail) = variant.base_uri.split_at(host_start);
    variant.base_uri = format!("{head}{}", mutate_str(tail));
    variants.push(("uri host".to_owned(), variant));

    let mut variant = request.clone();
    variant.consumer_secret = mutate_str(&variant.consumer_secret);
    variants.push(("consumer secret".to_owned(), variant));

    let mut variant = request.clone();
    variant.token_secret = Some(match &request.token_secret {
        Some(secret) => mutate_str(secret),
        None => "x".to_owned(),
    });
    variants.push(("token secret".to_owned(), variant));

    variants
}
