//! The signature base string (RFC 5849 §3.4.1): the base string URI, the normalised
//! parameters, and the choice between RFC 5849 and the reference's PHP rules.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

use crate::compat;
use crate::encoding::{
    encode_into, encode_twice_into, encoded_cmp, encoded_prefix_key, encoded_string,
};
use crate::error::OAuth1Error;

/// How the signature base string is built. Chosen per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Canonicalization {
    /// RFC 5849 exactly, as oauthlib, oauth1-request, Postman and most clients sign.
    #[default]
    Rfc5849,
    /// The reference platform's PHP rules, for clients written against it. Each difference
    /// from RFC 5849:
    ///
    /// 1. **One value per name.** Parameters go into a PHP associative array in the order
    ///    header, form body, query, so a repeated name keeps one value: the last one given.
    /// 2. **Array keys.** Query and body names (protocol parameters aside, which are taken
    ///    flat as the reference reads them from the header) are read as PHP's `parse_str` does:
    ///    `a[b]=1` is the key `b` of the array `a`, `a[]=1` appends with the next integer key,
    ///    spaces and dots in the top-level name become `_`, a name is cut at a NUL byte, and an
    ///    unmatched `[` becomes `_`. The arrays are then re-flattened into `a[b]`, `a[0]`, …
    ///    names, each array's entries in insertion order. (The reference's own signer cannot
    ///    encode an array value on PHP 8; the flattening is the one PHP clients sign with.)
    /// 3. **PHP key order.** Top-level keys are sorted by PHP's key sort as the reference calls
    ///    it, `uksort(…, 'strnatcmp')`, on their encoded form: natural order, where digit runs
    ///    compare as numbers, so `p9` sorts before `p10`. Entries of one array keep their order.
    /// 4. **URI as given.** Scheme and host keep their case and an explicit default port
    ///    (`:80`, `:443`) is kept; only the query and fragment are dropped.
    ///
    /// Encoding (RFC 5849 §3.6, PHP's `rawurlencode`), the key and the method upper-casing are
    /// the same in both modes.
    Compat,
}

impl Canonicalization {
    /// The configuration name: `rfc5849` or `compat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rfc5849 => "rfc5849",
            Self::Compat => "compat",
        }
    }

    /// Reads a configuration name (`rfc5849` or `compat`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "rfc5849" => Some(Self::Rfc5849),
            "compat" => Some(Self::Compat),
            _ => None,
        }
    }
}

/// A signature base string: `METHOD&enc(uri)&enc(normalised parameters)`; ASCII whenever the
/// method is (HTTP methods always are).
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureBaseString(String);

impl SignatureBaseString {
    /// The base string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base string, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for SignatureBaseString {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SignatureBaseString {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignatureBaseString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SignatureBaseString {
    // The base string holds the nonce and the token: it is not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureBaseString({} bytes)", self.0.len())
    }
}

/// Builds the signature base string of a request from its method, base URI and decoded
/// parameters, per `mode`.
///
/// `params` are the decoded parameters of every source; `oauth_signature` is left out if
/// present (RFC 5849 §3.4.1.3.1), `realm` is not (only the header's `realm` is unsigned, and
/// the caller knows where each parameter came from). In [`Canonicalization::Compat`] the slice
/// order is the merge order: a later value replaces an earlier one of the same name.
///
/// ```
/// use gatehouse_oauth1::{signature_base_string, Canonicalization};
///
/// let params = [("b".to_owned(), "2 3".to_owned()), ("a".to_owned(), "1".to_owned())];
/// let base = signature_base_string("get", "HTTP://Example.com:80/p", &params, Canonicalization::Rfc5849)?;
/// assert_eq!(base.as_str(), "GET&http%3A%2F%2Fexample.com%2Fp&a%3D1%26b%3D2%25203");
/// # Ok::<(), gatehouse_oauth1::OAuth1Error>(())
/// ```
pub fn signature_base_string(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    mode: Canonicalization,
) -> Result<SignatureBaseString, OAuth1Error> {
    let pairs = params
        .iter()
        .map(|(name, value)| SignedPair::new(name.as_bytes(), value.as_bytes()))
        .filter(|pair| pair.name != b"oauth_signature");
    let mut out = Vec::new();
    write_base_string(method, base_uri, pairs, mode, &mut out)?;
    Ok(SignatureBaseString(encoded_string(out)))
}

/// A decoded name and value to sign, each with whether it is known to consist of unreserved
/// bytes only (RFC 5849 §3.6). Such text is its own encoding: it is copied into the base string
/// as it is and sorted by its bytes. `false` only means "not known".
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignedPair<'p> {
    pub(crate) name: &'p [u8],
    pub(crate) value: &'p [u8],
    pub(crate) name_plain: bool,
    pub(crate) value_plain: bool,
}

impl<'p> SignedPair<'p> {
    /// A pair whose text is not known to be plain.
    pub(crate) fn new(name: &'p [u8], value: &'p [u8]) -> Self {
        Self {
            name,
            value,
            name_plain: false,
            value_plain: false,
        }
    }
}

/// Writes the base string of `pairs` (already without `oauth_signature`) onto `out`.
pub(crate) fn write_base_string<'p>(
    method: &str,
    base_uri: &str,
    pairs: impl Iterator<Item = SignedPair<'p>>,
    mode: Canonicalization,
    out: &mut Vec<u8>,
) -> Result<(), OAuth1Error> {
    let uri = base_string_uri(base_uri, mode)?;
    write_base_string_with_uri(method, &uri, pairs, mode, out);
    Ok(())
}

/// Writes the base string of `pairs` with a base string URI already normalised.
pub(crate) fn write_base_string_with_uri<'p>(
    method: &str,
    uri: &str,
    pairs: impl Iterator<Item = SignedPair<'p>>,
    mode: Canonicalization,
    out: &mut Vec<u8>,
) {
    // RFC 5849 §3.4.1.1: the method upper-cased, then the encoded URI, then the encoded
    // normalised parameters, joined by `&`.
    out.reserve(method.len() + uri.len() * 2 + 256);
    out.extend(method.bytes().map(|byte| byte.to_ascii_uppercase()));
    out.push(b'&');
    encode_uri_into(uri, out);
    out.push(b'&');
    match mode {
        Canonicalization::Rfc5849 => write_rfc5849_parameters(pairs, out),
        Canonicalization::Compat => {
            compat::write_parameters(pairs.map(|pair| (pair.name, pair.value)), out);
        }
    }
}

/// Appends the §3.6 encoding of a base string URI. Nearly every one starts `https://` or
/// `http://`, whose encodings are constants; the rest goes through the encoder.
fn encode_uri_into(uri: &str, out: &mut Vec<u8>) {
    let rest = if let Some(rest) = uri.strip_prefix("https://") {
        out.extend_from_slice(b"https%3A%2F%2F");
        rest
    } else if let Some(rest) = uri.strip_prefix("http://") {
        out.extend_from_slice(b"http%3A%2F%2F");
        rest
    } else {
        uri
    };
    encode_into(rest.as_bytes(), out);
}

/// Compares the §3.6 encodings of `a` and `b`: plain text is its own encoding, so two plain
/// texts compare by their bytes.
fn compare_encoded(a: &[u8], a_plain: bool, b: &[u8], b_plain: bool) -> Ordering {
    if a_plain && b_plain {
        a.cmp(b)
    } else {
        encoded_cmp(a, b)
    }
}

/// Appends the §3.6 encoding of the §3.6 encoding of `bytes`: plain text is copied.
fn write_encoded_twice(bytes: &[u8], plain: bool, out: &mut Vec<u8>) {
    if plain {
        out.extend_from_slice(bytes);
    } else {
        encode_twice_into(bytes, out);
    }
}

/// Writes the normalised parameters of RFC 5849 §3.4.1.3.2, already encoded a second time for
/// the base string: names and values encoded, sorted by encoded name then encoded value in
/// byte order, duplicates kept, joined as `name=value` pairs with `&`.
fn write_rfc5849_parameters<'p>(pairs: impl Iterator<Item = SignedPair<'p>>, out: &mut Vec<u8>) {
    // A typical request fits the arrays on the stack.
    const ON_STACK: usize = 24;
    let mut stack = [SignedPair::new(&[], &[]); ON_STACK];
    let mut count = 0;
    let mut spilled: Vec<SignedPair<'p>> = Vec::new();
    for pair in pairs {
        if count < ON_STACK {
            stack[count] = pair;
            count += 1;
        } else {
            if spilled.is_empty() {
                spilled.extend_from_slice(&stack);
            }
            spilled.push(pair);
        }
    }
    let pairs = if spilled.is_empty() {
        &stack[..count]
    } else {
        &spilled[..]
    };

    // Sorting must follow the encoded form, which does not keep byte order. What is sorted is
    // each pair's index under the first eight bytes of its encoded name, as a number (see
    // `encoded_prefix_key`): most names differ there (`oauth_co…`, `oauth_no…`, …), so most
    // comparisons compare numbers; equal keys fall back to comparing the encodings, which
    // `encoded_cmp` does without writing them.
    let mut stack_order = [(0u64, 0usize); ON_STACK];
    let mut spilled_order: Vec<(u64, usize)> = Vec::new();
    let order = if pairs.len() <= ON_STACK {
        &mut stack_order[..pairs.len()]
    } else {
        spilled_order.resize(pairs.len(), (0, 0));
        &mut spilled_order[..]
    };
    for (slot, (index, pair)) in order.iter_mut().zip(pairs.iter().enumerate()) {
        *slot = (encoded_prefix_key(pair.name, pair.name_plain), index);
    }
    order.sort_unstable_by(|&(a_key, a), &(b_key, b)| {
        a_key.cmp(&b_key).then_with(|| {
            let (a, b) = (&pairs[a], &pairs[b]);
            compare_encoded(a.name, a.name_plain, b.name, b.name_plain)
                .then_with(|| compare_encoded(a.value, a.value_plain, b.value, b.value_plain))
        })
    });

    for (position, &(_, index)) in order.iter().enumerate() {
        if position > 0 {
            out.extend_from_slice(b"%26");
        }
        let pair = &pairs[index];
        write_encoded_twice(pair.name, pair.name_plain, out);
        out.extend_from_slice(b"%3D");
        write_encoded_twice(pair.value, pair.value_plain, out);
    }
}

/// The base string URI of `base_uri` under `mode`.
///
/// RFC 5849 §3.4.1.2: scheme and host lower-cased, the default port of the scheme (80 for
/// `http`, 443 for `https`) dropped, user information dropped, the path as sent (`/` when
/// empty), no query and no fragment. In [`Canonicalization::Compat`] the URI is taken as given,
/// less any query or fragment.
///
/// ```
/// use gatehouse_oauth1::{base_string_uri, Canonicalization};
///
/// let uri = base_string_uri("HTTPS://Shop.Example.COM:443/rest/V1/x?a=1", Canonicalization::Rfc5849)?;
/// assert_eq!(uri, "https://shop.example.com/rest/V1/x");
/// # Ok::<(), gatehouse_oauth1::OAuth1Error>(())
/// ```
pub fn base_string_uri(
    base_uri: &str,
    mode: Canonicalization,
) -> Result<Cow<'_, str>, OAuth1Error> {
    // Most requests arrive normalised already, and nearly all in this simple form.
    if mode == Canonicalization::Rfc5849 && is_plainly_normalised(base_uri) {
        return Ok(Cow::Borrowed(base_uri));
    }
    parse_base_string_uri(base_uri, mode)
}

/// [`base_string_uri`] by the full parse of `base_uri`.
fn parse_base_string_uri(
    base_uri: &str,
    mode: Canonicalization,
) -> Result<Cow<'_, str>, OAuth1Error> {
    let end = base_uri
        .bytes()
        .position(|byte| byte == b'?' || byte == b'#');
    let without_query = match end {
        Some(end) => &base_uri[..end],
        None => base_uri,
    };
    if mode == Canonicalization::Compat {
        return Ok(Cow::Borrowed(without_query));
    }

    // RFC 5849 §3.4.1.2: the base string URI is built from an absolute URI's scheme, authority
    // and path (RFC 3986 §3), so a URI without them cannot be signed.
    let colon = without_query.find(':').ok_or(OAuth1Error::InvalidBaseUri)?;
    let (scheme, rest) = (&without_query[..colon], &without_query[colon + 1..]);
    let rest = rest.strip_prefix("//").ok_or(OAuth1Error::InvalidBaseUri)?;
    let scheme_is_valid = scheme
        .bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'));
    if !scheme_is_valid {
        return Err(OAuth1Error::InvalidBaseUri);
    }

    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let host_and_port = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let (host, port) = split_host_port(host_and_port)?;
    // RFC 5849 §3.4.1.2: the host is part of the base string URI; an empty one is no URI.
    if host.is_empty() {
        return Err(OAuth1Error::InvalidBaseUri);
    }

    let default_port = if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else {
        None
    };
    let port = port.filter(|&(number, _)| Some(number) != default_port);

    // Most requests arrive normalised already: then the URI is used as it is.
    let has_upper = |text: &str| text.bytes().any(|byte| byte.is_ascii_uppercase());
    let normalised = !has_upper(scheme)
        && !has_upper(host)
        && host_and_port.len() == authority.len()
        && rest.len() > authority.len()
        && port.is_none_or(|(number, text)| text.len() == decimal_length(number))
        && host.len() + port.map_or(0, |(_, text)| text.len() + 1) == authority.len();
    if normalised {
        return Ok(Cow::Borrowed(without_query));
    }

    let mut uri = String::with_capacity(without_query.len());
    uri.push_str(&scheme.to_ascii_lowercase());
    uri.push_str("://");
    uri.push_str(&host.to_ascii_lowercase());
    if let Some((number, _)) = port {
        uri.push(':');
        uri.push_str(&number.to_string());
    }
    uri.push_str(path);
    Ok(Cow::Owned(uri))
}

/// Whether `uri` is, as it is, the base string URI RFC 5849 §3.4.1.2 would build from it, in
/// the form nearly all requests take: `http://` or `https://`, a host name of lower-case
/// letters, digits, `-` and `.`, then a path; no user information, port, query or fragment.
/// One pass decides it, without splitting the URI into its parts. (Other normalised URIs are
/// recognised too, by the full parse.)
fn is_plainly_normalised(uri: &str) -> bool {
    let Some(rest) = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
    else {
        return false;
    };
    let host_length = rest
        .bytes()
        .position(|byte| {
            !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'-' | b'.'))
        })
        .unwrap_or(rest.len());
    let path = &rest[host_length..];
    host_length > 0
        && path.starts_with('/')
        && !path.bytes().any(|byte| matches!(byte, b'?' | b'#'))
}

/// How many decimal digits `number` has.
fn decimal_length(number: u16) -> usize {
    number.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// A port: its number and how it was written.
type Port<'u> = (u16, &'u str);

/// Splits `host[:port]` (or `[v6]:port`) into the host and the port, as a number and as
/// written; an empty port counts as absent (RFC 3986 §3.2.3).
fn split_host_port(host_and_port: &str) -> Result<(&str, Option<Port<'_>>), OAuth1Error> {
    let (host, port) = if host_and_port.starts_with('[') {
        let close = host_and_port.find(']').ok_or(OAuth1Error::InvalidBaseUri)?;
        let after = &host_and_port[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => port,
            None if after.is_empty() => "",
            None => return Err(OAuth1Error::InvalidBaseUri),
        };
        (&host_and_port[..=close], port)
    } else {
        match host_and_port.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (host_and_port, ""),
        }
    };

    if port.is_empty() {
        return Ok((host, None));
    }
    // RFC 3986 §3.2.3: a port is decimal digits (and must fit TCP's 16 bits).
    if !port.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(OAuth1Error::InvalidBaseUri);
    }
    let number = port
        .parse::<u16>()
        .map_err(|_| OAuth1Error::InvalidBaseUri)?;
    Ok((host, Some((number, port))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict_uri(uri: &str) -> Result<String, OAuth1Error> {
        base_string_uri(uri, Canonicalization::Rfc5849).map(Cow::into_owned)
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rfc5849_base_string_uri_examples() {
        // RFC 5849 §3.4.1.2 examples.
        assert_eq!(
            strict_uri("HTTP://EXAMPLE.COM:80/r%20v/X?id=123").unwrap(),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            strict_uri("https://www.example.net:8080/?q=1").unwrap(),
            "https://www.example.net:8080/"
        );
        assert_eq!(
            strict_uri("https://example.com:443").unwrap(),
            "https://example.com/"
        );
        assert_eq!(
            strict_uri("http://example.com:443/").unwrap(),
            "http://example.com:443/"
        );
        assert_eq!(
            strict_uri("http://user:pw@example.com:/a#frag").unwrap(),
            "http://example.com/a"
        );
        assert_eq!(
            strict_uri("http://[::1]:8080/a").unwrap(),
            "http://[::1]:8080/a"
        );
        assert_eq!(strict_uri("http://[::1]:80").unwrap(), "http://[::1]/");
        assert_eq!(
            strict_uri("http://example.com:080/").unwrap(),
            "http://example.com/"
        );
    }

    #[test]
    fn normalised_uris_are_borrowed_and_others_rebuilt() {
        for uri in [
            "https://shop.example.com/rest/V1/x",
            "http://h:8080/",
            "http://[::1]:81/a",
        ] {
            let normalised = base_string_uri(uri, Canonicalization::Rfc5849).unwrap();
            assert!(matches!(normalised, Cow::Borrowed(_)), "{uri}");
            assert_eq!(normalised, uri);
        }
        for (uri, expected) in [
            ("http://h:08080/", "http://h:8080/"),
            ("http://h:/", "http://h/"),
            ("http://u@h/", "http://h/"),
            ("http://h", "http://h/"),
            ("http://H/", "http://h/"),
            ("Http://h/", "http://h/"),
            ("https://h:443/", "https://h/"),
        ] {
            let normalised = base_string_uri(uri, Canonicalization::Rfc5849).unwrap();
            assert!(matches!(normalised, Cow::Owned(_)), "{uri}");
            assert_eq!(normalised, expected);
        }
    }

    #[test]
    fn unusable_base_uris_are_refused() {
        for uri in [
            "",
            "/path",
            "example.com/x",
            "://x/",
            "1http://x/",
            "http:///x",
            "http://x:port/",
            "http://x:70000/",
            "http://[::1/",
        ] {
            assert_eq!(strict_uri(uri), Err(OAuth1Error::InvalidBaseUri), "{uri}");
        }
    }

    #[test]
    fn parameters_sort_by_encoded_name_then_value() {
        // RFC 5849 §3.4.1.3.2 example parameters.
        let params = owned(&[
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
            ("oauth_signature", "ignored"),
        ]);
        let base = signature_base_string(
            "post",
            "http://example.com/request",
            &params,
            Canonicalization::Rfc5849,
        )
        .unwrap();
        assert_eq!(
            base.as_str(),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn encoded_order_differs_from_raw_order() {
        // '~' (0x7E) stays as is, '!' becomes "%21": raw order puts '!' first, encoded order last.
        let params = owned(&[("a", "!"), ("a", "~")]);
        let base =
            signature_base_string("GET", "http://h/", &params, Canonicalization::Rfc5849).unwrap();
        assert!(base.ends_with("a%3D%2521%26a%3D~"), "{base}");
    }

    #[test]
    fn many_parameters_sort_like_few() {
        // More parameters than fit on the stack take the spilled path; the order is the same.
        let params: Vec<(String, String)> = (0..70)
            .rev()
            .map(|i| (format!("p{}", i % 35), format!("v{i}!")))
            .collect();
        let base =
            signature_base_string("GET", "http://h/", &params, Canonicalization::Rfc5849).unwrap();

        let mut expected: Vec<(String, String)> = params
            .iter()
            .map(|(n, v)| (crate::percent_encode(n), crate::percent_encode(v)))
            .collect();
        expected.sort();
        let joined: Vec<String> = expected.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let expected = format!(
            "GET&http%3A%2F%2Fh%2F&{}",
            crate::percent_encode(&joined.join("&"))
        );
        assert_eq!(base.as_str(), expected);
    }

    #[test]
    fn plainly_normalised_uris_take_the_shortcut_and_agree() {
        for (uri, shortcut) in [
            ("https://shop.example.com/rest/V1/x", true),
            ("http://h-1.example/a%20b/~c", true),
            ("http://h/", true),
            ("https://Shop.example.com/x", false),
            ("HTTPS://h/x", false),
            ("https://h:8080/x", false),
            ("https://h:443/x", false),
            ("https://u@h/x", false),
            ("https://h/x?a=1", false),
            ("https://h/x#f", false),
            ("https://h", false),
            ("https:///x", false),
            ("https://[::1]/x", false),
            ("ftp://h/x", false),
        ] {
            assert_eq!(is_plainly_normalised(uri), shortcut, "{uri}");
            // Either way the result is the full parse's, and a shortcut only for a URI the
            // full parse finds normalised.
            let full = parse_base_string_uri(uri, Canonicalization::Rfc5849);
            assert_eq!(
                base_string_uri(uri, Canonicalization::Rfc5849),
                full,
                "{uri}"
            );
            if shortcut {
                assert!(matches!(full, Ok(Cow::Borrowed(_))), "{uri}");
            }
        }
    }

    #[test]
    fn plain_pairs_sort_and_encode_as_any_others() {
        // Pairs marked plain (their text is its own encoding) give the base string of the same
        // pairs with nothing known about them.
        let texts: [&[u8]; 8] = [
            b"a",
            b"b",
            b"oauth_nonce",
            b"oauth_no",
            b"~",
            b"A",
            b"",
            b"a-b.c_d",
        ];
        let marked: Vec<SignedPair<'_>> = texts
            .iter()
            .flat_map(|&name| texts.iter().map(move |&value| (name, value)))
            .map(|(name, value)| SignedPair {
                name,
                value,
                name_plain: true,
                value_plain: true,
            })
            .collect();
        let mut with_flags = Vec::new();
        write_rfc5849_parameters(marked.iter().rev().copied(), &mut with_flags);
        let mut without = Vec::new();
        write_rfc5849_parameters(
            marked
                .iter()
                .map(|pair| SignedPair::new(pair.name, pair.value)),
            &mut without,
        );
        assert_eq!(with_flags, without);

        // Mixed: a plain text against one with reserved bytes.
        for (a, b) in [
            (&b"a"[..], &b"a!"[..]),
            (b"a~", b"a!"),
            (b"ab", b"a b"),
            (b"", b" "),
        ] {
            assert_eq!(compare_encoded(a, true, b, false), encoded_cmp(a, b));
            assert_eq!(compare_encoded(b, false, a, true), encoded_cmp(b, a));
        }
    }

    #[test]
    fn uris_encode_alike_with_and_without_the_scheme_shortcut() {
        for uri in [
            "https://shop.example.com/rest/V1/x",
            "http://h:8080/a b",
            "https:/x",
            "httpx://h/",
            "ftp://h/",
            "",
        ] {
            let (mut shortcut, mut plain) = (Vec::new(), Vec::new());
            encode_uri_into(uri, &mut shortcut);
            encode_into(uri.as_bytes(), &mut plain);
            assert_eq!(shortcut, plain, "{uri}");
        }
    }

    #[test]
    fn canonicalization_names_round_trip() {
        for mode in [Canonicalization::Rfc5849, Canonicalization::Compat] {
            assert_eq!(Canonicalization::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(Canonicalization::parse("RFC5849"), None);
        assert_eq!(Canonicalization::default(), Canonicalization::Rfc5849);
    }
}
