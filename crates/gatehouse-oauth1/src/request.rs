//! The request as the verifier sees it ([`RequestParts`]) and the parameters collected from it
//! ([`OAuthRequest`]): RFC 5849 §3.4.1.3.1 sources, §3.5.1 header syntax, and the duplicate
//! rules of the protocol parameters.

use std::fmt;
use std::ops::Range;

use crate::encoding::{form_decode_into, percent_decode_into, unreserved_run, InvalidEscape};
use crate::error::OAuth1Error;

/// Everything about an HTTP request the verifier needs, borrowed from the web framework's
/// request. Nothing here is owned, so building one costs nothing.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// The HTTP method as received (`GET`, `post`, …); the base string upper-cases it.
    pub method: &'a str,
    /// The absolute URL without query: `scheme://host[:port]/path` as the client addressed it.
    /// Behind a reverse proxy the caller resolves the public scheme, host and port first.
    pub base_uri: &'a str,
    /// The raw query string, without the `?`; empty when there is none.
    pub query: &'a str,
    /// The raw `Authorization` header value, if any.
    pub authorization: Option<&'a str>,
    /// The raw `Content-Type` header value, if any.
    pub content_type: Option<&'a str>,
    /// The request body (only read when it is `application/x-www-form-urlencoded`, or to check
    /// `oauth_body_hash`).
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    /// Whether the body is a parameter source: its content type is
    /// `application/x-www-form-urlencoded` (any parameters, such as a charset, ignored).
    pub fn has_form_body(&self) -> bool {
        let Some(content_type) = self.content_type else {
            return false;
        };
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
    }
}

/// Where a parameter came from (RFC 5849 §3.4.1.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The `Authorization: OAuth` header.
    Header,
    /// The query string.
    Query,
    /// A form-encoded body.
    Body,
}

/// One decoded parameter of a request, borrowed from its [`OAuthRequest`].
///
/// Names and values are bytes: a query may carry `%FF`, which is no UTF-8 but still signs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Parameter<'r> {
    /// The decoded name.
    pub name: &'r [u8],
    /// The decoded value.
    pub value: &'r [u8],
    /// Where it was found.
    pub source: Source,
}

impl Parameter<'_> {
    /// Whether the name starts with `oauth_`, which makes it a protocol parameter (RFC 5849
    /// §3.4.1.3.1 and the reference both use this prefix rule).
    pub fn is_protocol(&self) -> bool {
        self.name.starts_with(b"oauth_")
    }
}

impl fmt::Debug for Parameter<'_> {
    // Values may be nonces, tokens or signatures: only names and sources are printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parameter")
            .field("name", &String::from_utf8_lossy(self.name))
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A parameter's name and value as ranges into [`OAuthRequest::text`].
#[derive(Clone)]
struct Entry {
    name: Range<usize>,
    value: Range<usize>,
    source: Source,
}

/// The protocol parameters the checks read. [`OAuthRequest`] notes where each first occurs, so
/// the checks find them without searching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Version,
    ConsumerKey,
    Token,
    Verifier,
    SignatureMethod,
    Signature,
    Nonce,
    Timestamp,
    BodyHash,
    Callback,
}

impl Protocol {
    pub(crate) const COUNT: usize = 10;

    /// Every protocol parameter the checks read, in the order of their discriminants.
    #[cfg(test)]
    pub(crate) const ALL: [Self; Self::COUNT] = [
        Self::Version,
        Self::ConsumerKey,
        Self::Token,
        Self::Verifier,
        Self::SignatureMethod,
        Self::Signature,
        Self::Nonce,
        Self::Timestamp,
        Self::BodyHash,
        Self::Callback,
    ];

    /// The parameter's name, `oauth_` prefix included.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Version => "oauth_version",
            Self::ConsumerKey => "oauth_consumer_key",
            Self::Token => "oauth_token",
            Self::Verifier => "oauth_verifier",
            Self::SignatureMethod => "oauth_signature_method",
            Self::Signature => "oauth_signature",
            Self::Nonce => "oauth_nonce",
            Self::Timestamp => "oauth_timestamp",
            Self::BodyHash => "oauth_body_hash",
            Self::Callback => "oauth_callback",
        }
    }

    /// The protocol parameter called `name`, if the checks read it.
    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        let protocol = match name.strip_prefix(b"oauth_")? {
            b"version" => Self::Version,
            b"consumer_key" => Self::ConsumerKey,
            b"token" => Self::Token,
            b"verifier" => Self::Verifier,
            b"signature_method" => Self::SignatureMethod,
            b"signature" => Self::Signature,
            b"nonce" => Self::Nonce,
            b"timestamp" => Self::Timestamp,
            b"body_hash" => Self::BodyHash,
            b"callback" => Self::Callback,
            _ => return None,
        };
        Some(protocol)
    }
}

/// The bit of a source in a set of sources.
fn source_bit(source: Source) -> u8 {
    match source {
        Source::Header => 1,
        Source::Query => 2,
        Source::Body => 4,
    }
}

/// The parameters of a request, from every source, each kept with its source and in the order
/// received: header first, then query, then form body.
///
/// Made by [`OAuthRequest::collect`], which also enforces the duplicate rules. `realm` is kept
/// apart (it is not signed) and `oauth_signature` is kept in the list but never signed.
#[derive(Clone)]
pub struct OAuthRequest {
    /// Every decoded name and value, back to back; entries point into it.
    text: Vec<u8>,
    entries: Vec<Entry>,
    realm: Option<Range<usize>>,
    /// For each [`Protocol`] parameter, the entry where it first occurs.
    first: [Option<usize>; Protocol::COUNT],
    has_oauth_header: bool,
    has_non_form_body: bool,
}

impl OAuthRequest {
    /// Collects the parameters of a request from its three sources (RFC 5849 §3.4.1.3.1): the
    /// `Authorization: OAuth` header (§3.5.1, values percent-decoded, `realm` set apart), the
    /// query and, when the content type says so, the form body (both form-decoded).
    ///
    /// An `Authorization` header of another scheme (`Bearer …`) is not a source and is no
    /// error. Refused, as 400s: a malformed OAuth header, a protocol parameter twice in one
    /// source, or twice with different values in two sources. (A protocol value that is not
    /// UTF-8 is refused by [`check_protocol`](crate::check_protocol).) The same value in two sources is tolerated, because the reference's own clients
    /// send `oauth_verifier` in the header and in the body; both occurrences are then signed.
    pub fn collect(parts: &RequestParts<'_>) -> Result<OAuthRequest, OAuth1Error> {
        let form_length = if parts.has_form_body() {
            parts.body.len()
        } else {
            0
        };
        let capacity = parts.authorization.map_or(0, str::len) + parts.query.len() + form_length;
        let mut request = OAuthRequest {
            // Raw copies of the sources, then decoded copies of the values that had escapes.
            text: Vec::with_capacity(capacity * 2),
            entries: Vec::with_capacity(16),
            realm: None,
            first: [None; Protocol::COUNT],
            has_oauth_header: false,
            has_non_form_body: false,
        };

        if let Some(authorization) = parts.authorization {
            request.parse_header(authorization)?;
        }

        request.parse_form(parts.query.as_bytes(), Source::Query);

        if parts.has_form_body() {
            request.parse_form(parts.body, Source::Body);
        } else {
            request.has_non_form_body = !parts.body.is_empty();
        }

        request.check_protocol_parameters()?;
        Ok(request)
    }

    /// The first value of parameter `name`, from any source; `None` when absent or when that
    /// value is not UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        let entry = self
            .entries
            .iter()
            .find(|entry| &self.text[entry.name.clone()] == name.as_bytes())?;
        std::str::from_utf8(&self.text[entry.value.clone()]).ok()
    }

    /// The first value of a protocol parameter: `Ok(None)` when absent, an error when it is
    /// not UTF-8.
    pub(crate) fn protocol(&self, which: Protocol) -> Result<Option<&str>, OAuth1Error> {
        let Some(index) = self.first[which as usize] else {
            return Ok(None);
        };
        let entry = &self.entries[index];
        // RFC 5849 §3.6: values are UTF-8 text before encoding; a protocol value that does not
        // decode to UTF-8 cannot be one.
        match std::str::from_utf8(&self.text[entry.value.clone()]) {
            Ok(value) => Ok(Some(value)),
            Err(_) => Err(OAuth1Error::MalformedParameter {
                name: String::from_utf8_lossy(&self.text[entry.name.clone()]).into_owned(),
            }),
        }
    }

    /// Whether the request carried an `Authorization` header with the `OAuth` scheme.
    pub fn has_oauth_header(&self) -> bool {
        self.has_oauth_header
    }

    /// The `realm` of the `OAuth` header, if given (it is never signed).
    pub fn realm(&self) -> Option<&str> {
        let range = self.realm.clone()?;
        std::str::from_utf8(&self.text[range]).ok()
    }

    /// Whether the request has a body that is not a parameter source (JSON, XML, …), the case
    /// `oauth_body_hash` covers.
    pub fn has_non_form_body(&self) -> bool {
        self.has_non_form_body
    }

    /// Every parameter, in the order collected: header, query, body. `realm` is not among
    /// them; `oauth_signature` is.
    pub fn parameters(&self) -> impl Iterator<Item = Parameter<'_>> + '_ {
        self.entries.iter().map(|entry| Parameter {
            name: &self.text[entry.name.clone()],
            value: &self.text[entry.value.clone()],
            source: entry.source,
        })
    }

    /// The parameters that enter the signature base string: all but `oauth_signature`
    /// (RFC 5849 §3.4.1.3.1).
    pub(crate) fn signed_parameters(&self) -> impl Iterator<Item = Parameter<'_>> + '_ {
        self.parameters()
            .filter(|parameter| parameter.name != b"oauth_signature")
    }

    fn push(&mut self, name: Range<usize>, value: Range<usize>, source: Source) {
        self.entries.push(Entry {
            name,
            value,
            source,
        });
    }

    /// Parses an `Authorization` header; a scheme other than `OAuth` is left alone.
    fn parse_header(&mut self, header: &str) -> Result<(), OAuth1Error> {
        let Some(list) = oauth_parameter_list(header) else {
            return Ok(());
        };
        self.has_oauth_header = true;

        // The list is copied whole; names and values without escapes are used in place.
        let input = list.as_bytes();
        let base = self.text.len();
        self.text.extend_from_slice(input);

        let mut cursor = HeaderCursor { input, position: 0 };
        while let Some(raw) = cursor.next_parameter()? {
            // RFC 5849 §3.5.1: names and values are encoded per §3.6, so a bad escape is an error.
            let name = self
                .header_text(input, base, raw.name, raw.name_escaped)
                .map_err(|_| malformed("bad escape in a name"))?;
            let value = self
                .header_text(input, base, raw.value, raw.value_escaped)
                .map_err(|_| malformed("bad escape in a value"))?;

            // RFC 5849 §3.4.1.3.1: `realm` is excluded from the signed parameters.
            if &self.text[name.clone()] == b"realm" {
                if self.realm.is_none() {
                    self.realm = Some(value);
                }
                continue;
            }
            self.push(name, value, Source::Header);
        }
        Ok(())
    }

    /// The decoded text of `input[raw]`: the copy at `base` when it has no escape, else a
    /// decoded copy appended to the text.
    fn header_text(
        &mut self,
        input: &[u8],
        base: usize,
        raw: Range<usize>,
        escaped: bool,
    ) -> Result<Range<usize>, InvalidEscape> {
        if !escaped {
            return Ok(base + raw.start..base + raw.end);
        }
        let start = self.text.len();
        percent_decode_into(&input[raw], &mut self.text)?;
        Ok(start..self.text.len())
    }

    /// Parses `application/x-www-form-urlencoded` pairs: `&`-separated, empty pieces skipped,
    /// a piece without `=` a name with an empty value.
    fn parse_form(&mut self, input: &[u8], source: Source) {
        // The input is copied whole; names and values without `+` or `%` are used in place.
        let base = self.text.len();
        self.text.extend_from_slice(input);

        // One pass: each byte is classified once, pieces end at `&`, the first `=` splits.
        let mut piece_start = 0;
        let mut equals: Option<usize> = None;
        let mut name_encoded = false;
        let mut value_encoded = false;
        for index in 0..=input.len() {
            let class = input
                .get(index)
                .map_or(FORM_SEPARATOR, |&byte| FORM_CLASSES[usize::from(byte)]);
            match class {
                FORM_PLAIN => {}
                FORM_ENCODED => match equals {
                    None => name_encoded = true,
                    Some(_) => value_encoded = true,
                },
                FORM_EQUALS if equals.is_none() => equals = Some(index),
                FORM_EQUALS => {}
                _ => {
                    if index > piece_start {
                        let (raw_name, raw_value) = match equals {
                            Some(equals) => (piece_start..equals, equals + 1..index),
                            None => (piece_start..index, index..index),
                        };
                        let name = self.form_text(input, base, raw_name, name_encoded);
                        let value = self.form_text(input, base, raw_value, value_encoded);
                        self.push(name, value, source);
                    }
                    piece_start = index + 1;
                    equals = None;
                    name_encoded = false;
                    value_encoded = false;
                }
            }
        }
    }

    /// The decoded text of `input[raw]`: the copy at `base` when nothing needs decoding, else
    /// a decoded copy appended to the text.
    fn form_text(
        &mut self,
        input: &[u8],
        base: usize,
        raw: Range<usize>,
        encoded: bool,
    ) -> Range<usize> {
        if !encoded {
            return base + raw.start..base + raw.end;
        }
        let start = self.text.len();
        form_decode_into(&input[raw], &mut self.text);
        start..self.text.len()
    }

    /// Enforces the duplicate rules, and notes where each protocol parameter the checks read
    /// first occurs.
    fn check_protocol_parameters(&mut self) -> Result<(), OAuth1Error> {
        let mut seen_in = [0u8; Protocol::COUNT];
        // Other `oauth_` names are rare: they are compared pairwise, or sorted when many.
        let mut others: Vec<usize> = Vec::new();

        for index in 0..self.entries.len() {
            let entry = &self.entries[index];
            let name = &self.text[entry.name.clone()];
            if !name.starts_with(b"oauth_") {
                continue;
            }
            let Some(which) = Protocol::from_name(name) else {
                others.push(index);
                continue;
            };
            let slot = which as usize;
            let bit = source_bit(entry.source);
            match self.first[slot] {
                None => self.first[slot] = Some(index),
                Some(first) => {
                    // RFC 5849 §3.1: a protocol parameter MUST NOT appear more than once. The
                    // one exception tolerated is the same value repeated in another source.
                    let first_value = &self.text[self.entries[first].value.clone()];
                    if seen_in[slot] & bit != 0 || *first_value != self.text[entry.value.clone()] {
                        return Err(OAuth1Error::DuplicateParameter {
                            name: String::from_utf8_lossy(name).into_owned(),
                        });
                    }
                }
            }
            seen_in[slot] |= bit;
        }
        self.check_other_repetitions(others)
    }

    /// The duplicate rules among `oauth_` parameters the checks do not read.
    fn check_other_repetitions(&self, mut others: Vec<usize>) -> Result<(), OAuth1Error> {
        const PAIRWISE_LIMIT: usize = 16;
        if others.len() <= PAIRWISE_LIMIT {
            for (position, &later) in others.iter().enumerate() {
                for &earlier in &others[..position] {
                    self.check_repetition(earlier, later)?;
                }
            }
            return Ok(());
        }

        // Sorting by name, then position, puts every repetition side by side. Entries are in
        // source order, so along one name's occurrences the source never goes back: comparing
        // neighbours finds every repeated source and every differing value.
        others.sort_by(|&a, &b| self.name_of(a).cmp(self.name_of(b)).then(a.cmp(&b)));
        for pair in others.windows(2) {
            self.check_repetition(pair[0], pair[1])?;
        }
        Ok(())
    }

    fn name_of(&self, index: usize) -> &[u8] {
        &self.text[self.entries[index].name.clone()]
    }

    /// Refuses entry `later` if it repeats the protocol parameter of entry `earlier` in a way
    /// RFC 5849 forbids.
    fn check_repetition(&self, earlier: usize, later: usize) -> Result<(), OAuth1Error> {
        let (first, second) = (&self.entries[earlier], &self.entries[later]);
        if self.text[first.name.clone()] != self.text[second.name.clone()] {
            return Ok(());
        }

        // RFC 5849 §3.1: a protocol parameter MUST NOT appear more than once. The one
        // exception tolerated is the same value repeated in another source.
        let same_value = self.text[first.value.clone()] == self.text[second.value.clone()];
        if first.source == second.source || !same_value {
            return Err(OAuth1Error::DuplicateParameter {
                name: String::from_utf8_lossy(self.name_of(earlier)).into_owned(),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for OAuthRequest {
    // Values may be nonces, tokens or signatures: only names and sources are printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthRequest")
            .field("parameters", &self.parameters().collect::<Vec<_>>())
            .field("has_oauth_header", &self.has_oauth_header)
            .field("has_non_form_body", &self.has_non_form_body)
            .finish_non_exhaustive()
    }
}

fn malformed(reason: &'static str) -> OAuth1Error {
    OAuth1Error::MalformedHeader { reason }
}

/// The parameter list of an `OAuth` credentials header, or `None` for another scheme.
///
/// The scheme name is case-insensitive (RFC 2617 §1.2, which RFC 5849 §3.5.1 builds on) and is
/// followed by whitespace or nothing.
fn oauth_parameter_list(header: &str) -> Option<&str> {
    let header = header.trim_start_matches([' ', '\t']);
    let scheme = header.get(..5)?;
    if !scheme.eq_ignore_ascii_case("oauth") {
        return None;
    }
    let rest = &header[5..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some(rest)
}

/// Byte classes of `application/x-www-form-urlencoded` text, for the one-pass parser.
const FORM_PLAIN: u8 = 0;
const FORM_SEPARATOR: u8 = 1;
const FORM_EQUALS: u8 = 2;
const FORM_ENCODED: u8 = 3;
const FORM_CLASSES: [u8; 256] = {
    let mut table = [FORM_PLAIN; 256];
    table[b'&' as usize] = FORM_SEPARATOR;
    table[b'=' as usize] = FORM_EQUALS;
    table[b'%' as usize] = FORM_ENCODED;
    table[b'+' as usize] = FORM_ENCODED;
    table
};

/// Byte classes inside a quoted header value: anything else is plain.
const QUOTED_PLAIN: u8 = 0;
const QUOTED_END: u8 = 1;
const QUOTED_ESCAPE: u8 = 2;
const QUOTED_BACKSLASH: u8 = 3;
const QUOTED_CLASSES: [u8; 256] = {
    let mut table = [QUOTED_PLAIN; 256];
    table[b'"' as usize] = QUOTED_END;
    table[b'%' as usize] = QUOTED_ESCAPE;
    table[b'\\' as usize] = QUOTED_BACKSLASH;
    table
};

/// For each byte, whether it may appear in an HTTP token (RFC 7230 §3.2.6).
const TOKEN_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        byte += 1;
    }
    table
};

/// Whether `byte` may appear in an HTTP token.
fn is_token_char(byte: u8) -> bool {
    TOKEN_CHARS[usize::from(byte)]
}

/// Where a name and a value are in the header's parameter list, still percent-encoded.
struct RawParameter {
    name: Range<usize>,
    /// Whether the name holds a `%` escape (and so must be decoded).
    name_escaped: bool,
    value: Range<usize>,
    /// Whether the value holds a `%` escape (and so must be decoded).
    value_escaped: bool,
}

/// Walks the `name="value"` list of an `OAuth` header.
struct HeaderCursor<'h> {
    input: &'h [u8],
    position: usize,
}

impl<'h> HeaderCursor<'h> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    /// The token at the cursor (possibly empty), and whether it holds a `%` escape: one pass
    /// finds both.
    fn take_token(&mut self) -> (Range<usize>, bool) {
        let start = self.position;
        let rest = &self.input[start..];

        // Unreserved bytes (nearly all of a name) are token characters and no escape: they are
        // skipped in bulk, the rest byte by byte.
        let mut length = unreserved_run(rest);
        let mut escaped = false;
        for &byte in &rest[length..] {
            if !is_token_char(byte) {
                break;
            }
            escaped |= byte == b'%';
            length += 1;
        }

        self.position += length;
        (start..self.position, escaped)
    }

    /// The next raw (still encoded) name and value; `None` at the end of the list.
    fn next_parameter(&mut self) -> Result<Option<RawParameter>, OAuth1Error> {
        // RFC 2617 §1.2 lists (#rule) allow empty elements, so stray commas are skipped.
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => return Ok(None),
                Some(b',') => self.position += 1,
                Some(_) => break,
            }
        }

        // RFC 5849 §3.5.1: each parameter is `name="value"`, the name a §3.6-encoded token.
        let (name, name_escaped) = self.take_token();
        if name.is_empty() {
            return Err(malformed("a parameter name is expected"));
        }
        self.skip_whitespace();
        if self.peek() != Some(b'=') {
            return Err(malformed("a parameter has no value"));
        }
        self.position += 1;
        self.skip_whitespace();

        let (value, value_escaped) = if self.peek() == Some(b'"') {
            self.position += 1;
            self.take_quoted()?
        } else {
            // RFC 2617 also allows a bare token as value; some clients send one.
            self.take_token()
        };

        self.skip_whitespace();
        match self.peek() {
            None | Some(b',') => Ok(Some(RawParameter {
                name,
                name_escaped,
                value,
                value_escaped,
            })),
            Some(_) => Err(malformed("parameters must be separated by commas")),
        }
    }

    /// The rest of a quoted value, up to its closing quote (consumed), and whether it holds a
    /// `%` escape. §3.6 encoding leaves no quote or backslash in a value, so a backslash (a
    /// quoted-pair) is refused rather than unescaped.
    fn take_quoted(&mut self) -> Result<(Range<usize>, bool), OAuth1Error> {
        let start = self.position;
        let rest = &self.input[start..];
        let mut offset = 0;
        let mut escaped = false;
        loop {
            // Unreserved bytes (nearly all of a §3.6-encoded value) are plain: they are skipped
            // in bulk, and only the bytes between runs are classified.
            offset += unreserved_run(&rest[offset..]);
            let Some(&byte) = rest.get(offset) else {
                return Err(malformed("a quoted value is not closed"));
            };
            match QUOTED_CLASSES[usize::from(byte)] {
                QUOTED_PLAIN => {}
                QUOTED_ESCAPE => escaped = true,
                QUOTED_END => {
                    self.position = start + offset + 1;
                    return Ok((start..start + offset, escaped));
                }
                _ => return Err(malformed("a value contains a backslash")),
            }
            offset += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(
        authorization: Option<&'a str>,
        query: &'a str,
        body: &'a [u8],
    ) -> RequestParts<'a> {
        RequestParts {
            method: "POST",
            base_uri: "https://shop.example.com/oauth/token/request",
            query,
            authorization,
            content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
            body,
        }
    }

    fn pairs(request: &OAuthRequest) -> Vec<(String, String, Source)> {
        request
            .parameters()
            .map(|p| {
                (
                    String::from_utf8_lossy(p.name).into_owned(),
                    String::from_utf8_lossy(p.value).into_owned(),
                    p.source,
                )
            })
            .collect()
    }

    #[test]
    fn collects_header_query_and_body_in_order() {
        let header =
            r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03",oauth_nonce="a%20b%2B""#;
        let request =
            OAuthRequest::collect(&parts(Some(header), "q=a+b&x=%2F", b"c=d%21&e")).unwrap();

        assert!(request.has_oauth_header());
        assert_eq!(request.realm(), Some("Photos"));
        assert_eq!(
            pairs(&request),
            vec![
                (
                    "oauth_consumer_key".into(),
                    "dpf43f3p2l4k3l03".into(),
                    Source::Header
                ),
                ("oauth_nonce".into(), "a b+".into(), Source::Header),
                ("q".into(), "a b".into(), Source::Query),
                ("x".into(), "/".into(), Source::Query),
                ("c".into(), "d!".into(), Source::Body),
                ("e".into(), "".into(), Source::Body),
            ]
        );
        assert_eq!(request.get("oauth_nonce"), Some("a b+"));
        assert_eq!(request.get("missing"), None);
    }

    #[test]
    fn body_is_a_source_only_when_form_encoded() {
        let mut json = parts(None, "", b"a=b");
        json.content_type = Some("application/json");
        let request = OAuthRequest::collect(&json).unwrap();
        assert_eq!(request.get("a"), None);
        assert!(request.has_non_form_body());

        let form = OAuthRequest::collect(&parts(None, "", b"a=b")).unwrap();
        assert_eq!(form.get("a"), Some("b"));
        assert!(!form.has_non_form_body());
    }

    #[test]
    fn other_schemes_are_not_sources() {
        let request = OAuthRequest::collect(&parts(Some("Bearer abc"), "", b"")).unwrap();
        assert!(!request.has_oauth_header());
        assert_eq!(request.parameters().count(), 0);

        let request = OAuthRequest::collect(&parts(Some("OAuthX a=\"b\""), "", b"")).unwrap();
        assert!(!request.has_oauth_header());

        let request = OAuthRequest::collect(&parts(Some("oauth"), "", b"")).unwrap();
        assert!(request.has_oauth_header());
    }

    #[test]
    fn header_tolerates_spacing_and_empty_elements() {
        let header = "OAuth  ,a=\"1\" ,\tb = \"2\",, c=3 ,";
        let request = OAuthRequest::collect(&parts(Some(header), "", b"")).unwrap();
        assert_eq!(request.get("a"), Some("1"));
        assert_eq!(request.get("b"), Some("2"));
        assert_eq!(request.get("c"), Some("3"));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            "OAuth a",
            "OAuth a=\"1",
            "OAuth a=\"1\" b=\"2\"",
            "OAuth =\"1\"",
            "OAuth a=\"%zz\"",
            "OAuth a%2=\"1\"",
            "OAuth a=\"x\\\"\"",
            "OAuth \"a\"=\"1\"",
        ] {
            let error = OAuthRequest::collect(&parts(Some(header), "", b"")).unwrap_err();
            assert!(
                matches!(error, OAuth1Error::MalformedHeader { .. }),
                "{header}: {error:?}"
            );
            assert_eq!(error.class(), gatehouse_domain::ErrorClass::Input);
        }
    }

    #[test]
    fn protocol_duplicates_follow_the_source_rules() {
        // The same value in the header and the body: the reference's clients do this.
        let header = r#"OAuth oauth_verifier="abc""#;
        let request =
            OAuthRequest::collect(&parts(Some(header), "", b"oauth_verifier=abc")).unwrap();
        assert_eq!(
            request
                .parameters()
                .filter(|p| p.name == b"oauth_verifier")
                .count(),
            2
        );

        // Different values across sources.
        let error =
            OAuthRequest::collect(&parts(Some(header), "oauth_verifier=xyz", b"")).unwrap_err();
        assert_eq!(
            error,
            OAuth1Error::DuplicateParameter {
                name: "oauth_verifier".into()
            }
        );

        // Twice in one source, even with the same value.
        let error =
            OAuthRequest::collect(&parts(None, "oauth_nonce=1&oauth_nonce=1", b"")).unwrap_err();
        assert_eq!(
            error,
            OAuth1Error::DuplicateParameter {
                name: "oauth_nonce".into()
            }
        );
        let twice = r#"OAuth oauth_nonce="1", oauth_nonce="2""#;
        assert!(OAuthRequest::collect(&parts(Some(twice), "", b"")).is_err());

        // Ordinary parameters may repeat freely.
        let request = OAuthRequest::collect(&parts(None, "a=1&a=2&a=1", b"a=3")).unwrap();
        assert_eq!(request.parameters().count(), 4);
    }

    #[test]
    fn duplicates_are_found_among_many_protocol_parameters() {
        // Past the pairwise limit the sorted path takes over; it must find the same repetitions.
        let many: Vec<String> = (0..20).map(|i| format!("oauth_x{i}={i}")).collect();
        let query = many.join("&");
        assert!(OAuthRequest::collect(&parts(None, &query, b"")).is_ok());

        let repeated_early = format!("{query}&oauth_x3=other");
        let error = OAuthRequest::collect(&parts(None, &repeated_early, b"")).unwrap_err();
        assert_eq!(
            error,
            OAuth1Error::DuplicateParameter {
                name: "oauth_x3".into()
            }
        );

        let repeated_late = format!("{query}&oauth_x19=19");
        let error = OAuthRequest::collect(&parts(None, &repeated_late, b"")).unwrap_err();
        assert_eq!(
            error,
            OAuth1Error::DuplicateParameter {
                name: "oauth_x19".into()
            }
        );

        let header = r#"OAuth oauth_x18="18""#;
        assert!(OAuthRequest::collect(&parts(Some(header), &query, b"")).is_ok());
        let header = r#"OAuth oauth_x18="other""#;
        assert!(OAuthRequest::collect(&parts(Some(header), &query, b"")).is_err());
    }

    #[test]
    fn protocol_values_must_be_utf8() {
        let request = OAuthRequest::collect(&parts(None, "oauth_nonce=%FF", b"")).unwrap();
        let error = crate::check_protocol(
            &request,
            crate::Endpoint::RequestToken,
            &crate::Policy::default(),
        )
        .unwrap_err();
        assert_eq!(error.class(), gatehouse_domain::ErrorClass::Input);
        assert_eq!(
            error,
            OAuth1Error::MalformedParameter {
                name: "oauth_nonce".into()
            }
        );

        let request = OAuthRequest::collect(&parts(None, "a=%FF", b"")).unwrap();
        assert_eq!(request.get("a"), None);
        assert_eq!(
            request.parameters().next().map(|p| p.value),
            Some(&[0xff][..])
        );
    }

    #[test]
    fn protocol_names_round_trip() {
        for (index, which) in Protocol::ALL.into_iter().enumerate() {
            assert_eq!(which as usize, index);
            assert_eq!(Protocol::from_name(which.name().as_bytes()), Some(which));
        }
        assert_eq!(Protocol::from_name(b"oauth_other"), None);
        assert_eq!(Protocol::from_name(b"nonce"), None);
    }

    #[test]
    fn debug_output_hides_values() {
        let header = r#"OAuth oauth_signature="sekrit%3D""#;
        let request = OAuthRequest::collect(&parts(Some(header), "", b"")).unwrap();
        let printed = format!("{request:?}");
        assert!(printed.contains("oauth_signature"));
        assert!(!printed.contains("sekrit"));
    }
}
