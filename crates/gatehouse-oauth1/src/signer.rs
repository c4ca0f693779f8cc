//! The client side: the `Authorization: OAuth` header a third-party client would send, for
//! Gatehouse's own tests, its activation flow and embedders that call other OAuth 1.0a servers.

use std::borrow::Cow;
use std::fmt;

use crate::base_string::{
    base_string_uri, write_base_string_with_uri, Canonicalization, SignedPair,
};
use crate::encoding::{encode_into, encoded_string, form_decode_into};
use crate::signature::{self, SignatureMethod};

/// Signs requests as a client: consumer credentials, optional token credentials, method, nonce
/// and timestamp fixed at construction, so the output is exactly reproducible.
///
/// ```
/// use gatehouse_oauth1::{Signer, SignatureMethod};
///
/// let signer = Signer::new("dpf43f3p2l4k3l03", "kd94hf93k423kf44", SignatureMethod::HmacSha1, "chapoH", 137131202)
///     .token("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")
///     .realm("Photos");
/// let header = signer.authorization_header("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", None);
/// assert_eq!(
///     header,
///     "OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", \
///      oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131202\", oauth_nonce=\"chapoH\", \
///      oauth_signature=\"MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D\""
/// );
/// ```
#[derive(Clone)]
pub struct Signer {
    consumer_key: String,
    consumer_secret: String,
    token: Option<(String, String)>,
    method: SignatureMethod,
    nonce: String,
    timestamp: i64,
    verifier: Option<String>,
    callback: Option<String>,
    version: bool,
    realm: Option<String>,
    body_hash: Option<String>,
    canonicalization: Canonicalization,
}

impl Signer {
    /// A signer with consumer credentials, a method, and the nonce and timestamp to send.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        method: SignatureMethod,
        nonce: impl Into<String>,
        timestamp: i64,
    ) -> Self {
        Self {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            token: None,
            method,
            nonce: nonce.into(),
            timestamp,
            verifier: None,
            callback: None,
            version: false,
            realm: None,
            body_hash: None,
            canonicalization: Canonicalization::Rfc5849,
        }
    }

    /// Adds token credentials: `oauth_token` is sent and its secret joins the key.
    pub fn token(mut self, token: impl Into<String>, token_secret: impl Into<String>) -> Self {
        self.token = Some((token.into(), token_secret.into()));
        self
    }

    /// Sends `oauth_verifier` (the access-token step).
    pub fn verifier(mut self, verifier: impl Into<String>) -> Self {
        self.verifier = Some(verifier.into());
        self
    }

    /// Sends `oauth_callback`.
    pub fn callback(mut self, callback: impl Into<String>) -> Self {
        self.callback = Some(callback.into());
        self
    }

    /// Sends `oauth_version="1.0"` (optional in RFC 5849).
    pub fn version(mut self, send: bool) -> Self {
        self.version = send;
        self
    }

    /// Sends a `realm`, which is never signed.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Sends `oauth_body_hash` (base64 SHA-256) for a body that is not form-encoded (JSON, XML, …).
    pub fn body_hash_of(mut self, body: &[u8]) -> Self {
        self.body_hash = Some(signature::body_hash(body));
        self
    }

    /// Builds the base string the reference's way instead of RFC 5849's, as a PHP client for the
    /// reference platform would.
    pub fn canonicalization(mut self, mode: Canonicalization) -> Self {
        self.canonicalization = mode;
        self
    }

    /// The protocol parameters sent, in header order, without `oauth_signature`.
    pub fn oauth_parameters(&self) -> Vec<(String, String)> {
        let mut params = vec![("oauth_consumer_key".to_owned(), self.consumer_key.clone())];
        if let Some((token, _)) = &self.token {
            params.push(("oauth_token".to_owned(), token.clone()));
        }
        params.push((
            "oauth_signature_method".to_owned(),
            self.method.as_str().to_owned(),
        ));
        params.push(("oauth_timestamp".to_owned(), self.timestamp.to_string()));
        params.push(("oauth_nonce".to_owned(), self.nonce.clone()));
        if self.version {
            params.push(("oauth_version".to_owned(), "1.0".to_owned()));
        }
        let optional = [
            ("oauth_verifier", &self.verifier),
            ("oauth_callback", &self.callback),
            ("oauth_body_hash", &self.body_hash),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                params.push((name.to_owned(), value.clone()));
            }
        }
        params
    }

    /// The base64 `oauth_signature` of a request to `url_with_query` (an absolute URL; its
    /// query is signed) with an optional form body.
    ///
    /// A URL the verifier could not use either (no scheme or host) is signed as given, so the
    /// verifier refuses it.
    pub fn signature(
        &self,
        method: &str,
        url_with_query: &str,
        form_body: Option<&[(String, String)]>,
    ) -> String {
        let (base_uri, query) = split_url(url_with_query);

        // The signed parameters: protocol parameters, then the query decoded as a server
        // decodes it, then the form body.
        let oauth = self.oauth_parameters();
        let mut decoded_query = Vec::new();
        let mut query_spans = Vec::new();
        for piece in query.split('&').filter(|piece| !piece.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let start = decoded_query.len();
            form_decode_into(name.as_bytes(), &mut decoded_query);
            let middle = decoded_query.len();
            form_decode_into(value.as_bytes(), &mut decoded_query);
            query_spans.push((start, middle, decoded_query.len()));
        }
        let query_pairs = query_spans.iter().map(|&(start, middle, end)| {
            SignedPair::new(&decoded_query[start..middle], &decoded_query[middle..end])
        });
        let oauth_pairs = oauth
            .iter()
            .map(|(name, value)| SignedPair::new(name.as_bytes(), value.as_bytes()));
        let body_pairs = form_body
            .unwrap_or_default()
            .iter()
            .map(|(name, value)| SignedPair::new(name.as_bytes(), value.as_bytes()));

        // A URL the verifier could not use either is signed as given.
        let uri =
            base_string_uri(base_uri, self.canonicalization).unwrap_or(Cow::Borrowed(base_uri));

        // The reference merges header, body, then query; RFC 5849 order does not matter.
        let mut base_string = Vec::new();
        match self.canonicalization {
            Canonicalization::Rfc5849 => {
                let pairs = oauth_pairs.chain(query_pairs).chain(body_pairs);
                write_base_string_with_uri(
                    method,
                    &uri,
                    pairs,
                    self.canonicalization,
                    &mut base_string,
                );
            }
            Canonicalization::Compat => {
                let pairs = oauth_pairs.chain(body_pairs).chain(query_pairs);
                write_base_string_with_uri(
                    method,
                    &uri,
                    pairs,
                    self.canonicalization,
                    &mut base_string,
                );
            }
        }

        let token_secret = self.token.as_ref().map(|(_, secret)| secret.as_str());
        signature::sign(
            self.method,
            &encoded_string(base_string),
            &self.consumer_secret,
            token_secret,
        )
    }

    /// The `Authorization` header value for a request: `OAuth realm="…", oauth_consumer_key="…",
    /// …, oauth_signature="…"`, every value §3.6-encoded and quoted (RFC 5849 §3.5.1).
    pub fn authorization_header(
        &self,
        method: &str,
        url_with_query: &str,
        form_body: Option<&[(String, String)]>,
    ) -> String {
        let signature = self.signature(method, url_with_query, form_body);

        let mut header = Vec::with_capacity(320);
        header.extend_from_slice(b"OAuth ");
        let mut first = true;
        let mut push = |name: &str, value: &str| {
            if !first {
                header.extend_from_slice(b", ");
            }
            first = false;
            encode_into(name.as_bytes(), &mut header);
            header.extend_from_slice(b"=\"");
            encode_into(value.as_bytes(), &mut header);
            header.push(b'"');
        };
        if let Some(realm) = &self.realm {
            push("realm", realm);
        }
        for (name, value) in self.oauth_parameters() {
            push(&name, &value);
        }
        push("oauth_signature", &signature);
        encoded_string(header)
    }
}

impl fmt::Debug for Signer {
    // Secrets, the token and the nonce stay out of debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("consumer_key", &self.consumer_key)
            .field("method", &self.method)
            .field("timestamp", &self.timestamp)
            .field("canonicalization", &self.canonicalization)
            .finish_non_exhaustive()
    }
}

/// Splits an absolute URL into the part before the query and the query (the fragment dropped).
fn split_url(url: &str) -> (&str, &str) {
    let url = url.split('#').next().unwrap_or_default();
    url.split_once('?').unwrap_or((url, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(split_url("http://h/p?a=1#f"), ("http://h/p", "a=1"));
        assert_eq!(split_url("http://h/p#f?x"), ("http://h/p", ""));
        assert_eq!(split_url("http://h/p"), ("http://h/p", ""));
    }

    #[test]
    fn optional_parameters_appear_only_when_set() {
        let signer = Signer::new("ck", "cs", SignatureMethod::HmacSha256, "n", 5);
        let names: Vec<String> = signer
            .oauth_parameters()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "oauth_consumer_key",
                "oauth_signature_method",
                "oauth_timestamp",
                "oauth_nonce"
            ]
        );

        let signer = signer
            .token("t", "ts")
            .verifier("v")
            .callback("oob")
            .version(true)
            .body_hash_of(b"{}");
        let names: Vec<String> = signer
            .oauth_parameters()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "oauth_consumer_key",
                "oauth_token",
                "oauth_signature_method",
                "oauth_timestamp",
                "oauth_nonce",
                "oauth_version",
                "oauth_verifier",
                "oauth_callback",
                "oauth_body_hash"
            ]
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let signer = Signer::new(
            "ck",
            "consumer-secret",
            SignatureMethod::HmacSha256,
            "the-nonce",
            5,
        )
        .token("tok", "token-secret");
        let printed = format!("{signer:?}");
        assert!(!printed.contains("consumer-secret"));
        assert!(!printed.contains("token-secret"));
        assert!(!printed.contains("the-nonce"));
    }

    #[test]
    fn signs_the_url_as_given_when_it_cannot_be_normalised() {
        let signer = Signer::new("ck", "cs", SignatureMethod::HmacSha256, "n", 5);
        let signature = signer.signature("GET", "not a url", None);
        let base = "GET&not%20a%20url&oauth_consumer_key%3Dck%26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D5";
        assert_eq!(
            signature,
            signature::sign(SignatureMethod::HmacSha256, base, "cs", None)
        );
    }
}
