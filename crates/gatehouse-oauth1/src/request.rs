//! The request as the verifier sees it ([`RequestParts`]) and the parameters collected from it
//! ([`OAuthRequest`]): RFC 5849 §3.4.1.3.1 sources, §3.5.1 header syntax, and the duplicate
//! rules of the protocol parameters.

use std::fmt;
use std::ops::Range;

use crate::base_string::SignedPair;
use crate::encoding::{
    escape_at, form_decode_into, percent_decode_into, percent_decode_str_into, unreserved_run,
    InvalidEscape,
};
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

/// Where a decoded name or value is, and what is known of it.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    /// In [`OAuthRequest::bytes`] (not known to be UTF-8) rather than [`OAuthRequest::text`].
    in_bytes: bool,
    /// Known to consist of unreserved bytes only (RFC 5849 §3.6). Such text is its own
    /// encoding: the base string copies it and sorts it by its bytes.
    plain: bool,
}

impl Span {
    /// Where `raw` is in a copy of its source that starts at `base`.
    fn copied(base: usize, raw: Range<usize>, in_bytes: bool, plain: bool) -> Self {
        Self {
            start: base + raw.start,
            end: base + raw.end,
            in_bytes,
            plain,
        }
    }

    /// A decoded copy, which is not known to be plain.
    fn decoded(range: Range<usize>, in_bytes: bool) -> Self {
        Self {
            start: range.start,
            end: range.end,
            in_bytes,
            plain: false,
        }
    }

    fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// A parameter's name and value.
#[derive(Clone)]
struct Entry {
    name: Span,
    value: Span,
    source: Source,
    /// Whether it is `oauth_signature`, which is never signed (noted by
    /// [`OAuthRequest::check_protocol_parameters`]).
    is_signature: bool,
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
    /// The names and values known to be UTF-8: copies of the header's parameter list and of the
    /// query (both `&str`), whose names and values without escapes are read in place, then the
    /// decoded copies of the others that decode to UTF-8. Reading them as `&str` costs nothing.
    text: String,
    /// The other names and values: a copy of the form body (any bytes) and decoded copies that
    /// may not be UTF-8.
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    realm: Option<Span>,
    /// For each [`Protocol`] parameter, the entry where it first occurs.
    first: [Option<usize>; Protocol::COUNT],
    has_oauth_header: bool,
    has_non_form_body: bool,
}

/// A name or value of a form piece, while it is read.
struct FormPart {
    /// Where it starts in the input.
    start: usize,
    /// Whether no reserved byte was met in it so far.
    plain: bool,
    /// Once an escape was met: where its decoded copy starts, and up to where the input is
    /// copied into it.
    decoded: Option<(usize, usize)>,
    /// Whether it is text with an escape from 0x80 up, decoded into the bytes at its end.
    not_ascii: bool,
}

impl FormPart {
    fn at(start: usize) -> Self {
        Self {
            start,
            plain: true,
            decoded: None,
            not_ascii: false,
        }
    }
}

/// A form-encoded source: the query is text, a body may be any bytes.
#[derive(Clone, Copy)]
enum FormInput<'i> {
    Text(&'i str),
    Bytes(&'i [u8]),
}

impl FormInput<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
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
        let has_form_body = parts.has_form_body();
        let text_length = parts.authorization.map_or(0, str::len) + parts.query.len();
        let form_length = if has_form_body { parts.body.len() } else { 0 };
        let mut request = OAuthRequest {
            // Raw copies of the sources, then decoded copies of the values that had escapes.
            text: String::with_capacity(text_length * 2),
            bytes: Vec::with_capacity(form_length * 2),
            entries: Vec::with_capacity(16),
            realm: None,
            first: [None; Protocol::COUNT],
            has_oauth_header: false,
            has_non_form_body: false,
        };

        if let Some(authorization) = parts.authorization {
            request.parse_header(authorization)?;
        }

        request.parse_form(FormInput::Text(parts.query), Source::Query);

        if has_form_body {
            request.parse_form(FormInput::Bytes(parts.body), Source::Body);
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
            .find(|entry| self.bytes_of(entry.name) == name.as_bytes())?;
        self.str_of(entry.value)
    }

    /// The first value of a protocol parameter: `Ok(None)` when absent, an error when it is
    /// not UTF-8.
    #[inline]
    pub(crate) fn protocol(&self, which: Protocol) -> Result<Option<&str>, OAuth1Error> {
        let Some(index) = self.first[which as usize] else {
            return Ok(None);
        };
        let entry = &self.entries[index];
        // RFC 5849 §3.6: values are UTF-8 text before encoding; a protocol value that does not
        // decode to UTF-8 cannot be one.
        match self.str_of(entry.value) {
            Some(value) => Ok(Some(value)),
            None => Err(OAuth1Error::MalformedParameter {
                name: String::from_utf8_lossy(self.bytes_of(entry.name)).into_owned(),
            }),
        }
    }

    /// Whether the request carried an `Authorization` header with the `OAuth` scheme.
    pub fn has_oauth_header(&self) -> bool {
        self.has_oauth_header
    }

    /// The `realm` of the `OAuth` header, if given (it is never signed).
    pub fn realm(&self) -> Option<&str> {
        self.str_of(self.realm?)
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
            name: self.bytes_of(entry.name),
            value: self.bytes_of(entry.value),
            source: entry.source,
        })
    }

    /// The parameters that enter the signature base string: all but `oauth_signature`
    /// (RFC 5849 §3.4.1.3.1).
    pub(crate) fn signed_parameters(&self) -> impl Iterator<Item = Parameter<'_>> + '_ {
        self.parameters()
            .filter(|parameter| parameter.name != b"oauth_signature")
    }

    /// The parameters that enter the signature base string, as [`Self::signed_parameters`],
    /// each part with whether it is known to be its own encoding.
    pub(crate) fn signed_pairs(&self) -> impl Iterator<Item = SignedPair<'_>> + '_ {
        self.entries
            .iter()
            .filter(|entry| !entry.is_signature)
            .map(|entry| SignedPair {
                name: self.bytes_of(entry.name),
                value: self.bytes_of(entry.value),
                name_plain: entry.name.plain,
                value_plain: entry.value.plain,
            })
    }

    /// The bytes of a name or value.
    #[inline]
    fn bytes_of(&self, span: Span) -> &[u8] {
        if span.in_bytes {
            &self.bytes[span.range()]
        } else {
            &self.text.as_bytes()[span.range()]
        }
    }

    /// A name or value as text, if it is UTF-8: known without a check for those in `text`.
    #[inline]
    fn str_of(&self, span: Span) -> Option<&str> {
        if span.in_bytes {
            std::str::from_utf8(&self.bytes[span.range()]).ok()
        } else {
            Some(&self.text[span.range()])
        }
    }

    fn push(&mut self, name: Span, value: Span, source: Source) {
        self.entries.push(Entry {
            name,
            value,
            source,
            is_signature: false,
        });
    }

    /// Parses an `Authorization` header; a scheme other than `OAuth` is left alone.
    fn parse_header(&mut self, header: &str) -> Result<(), OAuth1Error> {
        let Some(list) = oauth_parameter_list(header) else {
            return Ok(());
        };
        self.has_oauth_header = true;

        // The list is copied whole; names and values without escapes are used in place.
        let base = self.text.len();
        self.text.push_str(list);

        let mut cursor = HeaderCursor {
            input: list,
            position: 0,
        };
        while let Some(raw) = cursor.next_parameter(&mut self.text)? {
            // RFC 5849 §3.5.1: names and values are encoded per §3.6, so a bad escape is an error.
            // Names and values without escapes are read in the copy.
            let name = if raw.name.escaped {
                self.header_decoded(&list[raw.name.range])
                    .map_err(|_| malformed("bad escape in a name"))?
            } else {
                Span::copied(base, raw.name.range, false, raw.name.plain)
            };
            let bad_value = || malformed("bad escape in a value");
            let value = match raw.value.decoded {
                None if !raw.value.escaped => {
                    Span::copied(base, raw.value.range, false, raw.value.plain)
                }
                // A bare token value with escapes.
                None => self
                    .header_decoded(&list[raw.value.range])
                    .map_err(|_| bad_value())?,
                Some(Decoded::Text(range)) => Span::decoded(range, false),
                Some(Decoded::NotAscii) => {
                    let start = self.bytes.len();
                    percent_decode_into(list[raw.value.range].as_bytes(), &mut self.bytes)
                        .map_err(|_| bad_value())?;
                    Span::decoded(start..self.bytes.len(), true)
                }
                Some(Decoded::BadEscape) => return Err(bad_value()),
            };

            // RFC 5849 §3.4.1.3.1: `realm` is excluded from the signed parameters.
            if self.bytes_of(name) == b"realm" {
                if self.realm.is_none() {
                    self.realm = Some(value);
                }
                continue;
            }
            self.push(name, value, Source::Header);
        }
        Ok(())
    }

    /// A decoded copy of `raw` (a name or value of the header, sliced at its ASCII
    /// delimiters), appended to the text; or, when an escape is a byte from 0x80 up, to the
    /// bytes.
    fn header_decoded(&mut self, raw: &str) -> Result<Span, InvalidEscape> {
        let start = self.text.len();
        if percent_decode_str_into(raw, &mut self.text)? {
            return Ok(Span::decoded(start..self.text.len(), false));
        }
        let start = self.bytes.len();
        percent_decode_into(raw.as_bytes(), &mut self.bytes)?;
        Ok(Span::decoded(start..self.bytes.len(), true))
    }

    /// Parses `application/x-www-form-urlencoded` pairs: `&`-separated, empty pieces skipped,
    /// a piece without `=` a name with an empty value.
    fn parse_form(&mut self, input: FormInput<'_>, source: Source) {
        // The input is copied whole; names and values without `+` or `%` are used in place.
        let (base, in_bytes) = match input {
            FormInput::Text(text) => {
                let base = self.text.len();
                self.text.push_str(text);
                (base, false)
            }
            FormInput::Bytes(bytes) => {
                let base = self.bytes.len();
                self.bytes.extend_from_slice(bytes);
                (base, true)
            }
        };

        // One pass. Runs of unreserved bytes (most of the text) are skipped in bulk; each byte
        // between them ends a piece (`&`), splits it (the first `=`), is decoded (`%XX`, `+`)
        // or simply makes its part (the name, then the value) not plain.
        let bytes = input.as_bytes();
        let mut piece_start = 0;
        let mut name: Option<Span> = None;
        let mut part = FormPart::at(0);
        let mut index = 0;
        loop {
            index += unreserved_run(&bytes[index..]);
            match bytes.get(index) {
                None | Some(b'&') => {
                    if index > piece_start {
                        let last = self.finish_form_part(input, base, part, index);
                        let (name, value) = match name.take() {
                            Some(name) => (name, last),
                            None => (last, Span::copied(base, index..index, in_bytes, true)),
                        };
                        self.push(name, value, source);
                    }
                    if index >= bytes.len() {
                        return;
                    }
                    index += 1;
                    piece_start = index;
                    name = None;
                    part = FormPart::at(index);
                }
                Some(b'=') if name.is_none() => {
                    name = Some(self.finish_form_part(input, base, part, index));
                    index += 1;
                    part = FormPart::at(index);
                }
                Some(b'+') => {
                    self.decode_form_byte(input, &mut part, index..index + 1, b' ');
                    index += 1;
                }
                Some(b'%') => match escape_at(bytes, index) {
                    Some(byte) => {
                        self.decode_form_byte(input, &mut part, index..index + 3, byte);
                        index += 3;
                    }
                    // A `%` without two hex digits stays a literal `%`.
                    None => {
                        part.plain = false;
                        index += 1;
                    }
                },
                // Any other reserved byte, a second `=` among them, is kept as it is.
                Some(_) => {
                    part.plain = false;
                    index += 1;
                }
            }
        }
    }

    /// Decodes the escape at `escape` (`%XX` or `+`) of the part being read into `byte`,
    /// starting the part's decoded copy at its first escape. The copy goes to the text while
    /// the escapes of a text part are ASCII (the text between them is a `str`'s, so the copy is
    /// UTF-8); past one from 0x80 up, the part is decoded into the bytes at its end instead.
    fn decode_form_byte(
        &mut self,
        input: FormInput<'_>,
        part: &mut FormPart,
        escape: Range<usize>,
        byte: u8,
    ) {
        part.plain = false;
        if part.not_ascii {
            return;
        }
        let (start, copied) = match part.decoded {
            Some(decoded) => decoded,
            None => match input {
                FormInput::Text(_) => (self.text.len(), part.start),
                FormInput::Bytes(_) => (self.bytes.len(), part.start),
            },
        };
        match input {
            FormInput::Text(_) if !byte.is_ascii() => {
                self.text.truncate(start);
                part.not_ascii = true;
                return;
            }
            // The text between escapes ends at ASCII bytes, so it slices the `str`.
            FormInput::Text(text) => {
                self.text.push_str(&text[copied..escape.start]);
                self.text.push(char::from(byte));
            }
            FormInput::Bytes(bytes) => {
                self.bytes.extend_from_slice(&bytes[copied..escape.start]);
                self.bytes.push(byte);
            }
        }
        part.decoded = Some((start, escape.end));
    }

    /// The span of a part of a form piece that ends at `end`: in the copy of the input at
    /// `base` when it had no escape, else its decoded copy, completed here.
    fn finish_form_part(
        &mut self,
        input: FormInput<'_>,
        base: usize,
        part: FormPart,
        end: usize,
    ) -> Span {
        if part.not_ascii {
            let start = self.bytes.len();
            form_decode_into(&input.as_bytes()[part.start..end], &mut self.bytes);
            return Span::decoded(start..self.bytes.len(), true);
        }
        let Some((start, copied)) = part.decoded else {
            let in_bytes = matches!(input, FormInput::Bytes(_));
            return Span::copied(base, part.start..end, in_bytes, part.plain);
        };
        match input {
            FormInput::Text(text) => {
                self.text.push_str(&text[copied..end]);
                Span::decoded(start..self.text.len(), false)
            }
            FormInput::Bytes(bytes) => {
                self.bytes.extend_from_slice(&bytes[copied..end]);
                Span::decoded(start..self.bytes.len(), true)
            }
        }
    }

    /// Enforces the duplicate rules, and notes where each protocol parameter the checks read
    /// first occurs.
    fn check_protocol_parameters(&mut self) -> Result<(), OAuth1Error> {
        let mut seen_in = [0u8; Protocol::COUNT];
        // Other `oauth_` names are rare: they are compared pairwise, or sorted when many.
        let mut others: Vec<usize> = Vec::new();

        for index in 0..self.entries.len() {
            let name = self.bytes_of(self.entries[index].name);
            if !name.starts_with(b"oauth_") {
                continue;
            }
            let Some(which) = Protocol::from_name(name) else {
                others.push(index);
                continue;
            };
            // RFC 5849 §3.4.1.3.1: `oauth_signature` is never signed, in whichever source.
            self.entries[index].is_signature = which == Protocol::Signature;

            let entry = &self.entries[index];
            let slot = which as usize;
            let bit = source_bit(entry.source);
            match self.first[slot] {
                None => self.first[slot] = Some(index),
                Some(first) => {
                    // RFC 5849 §3.1: a protocol parameter MUST NOT appear more than once. The
                    // one exception tolerated is the same value repeated in another source.
                    let first_value = self.bytes_of(self.entries[first].value);
                    if seen_in[slot] & bit != 0 || first_value != self.bytes_of(entry.value) {
                        return Err(OAuth1Error::DuplicateParameter {
                            name: String::from_utf8_lossy(self.bytes_of(entry.name)).into_owned(),
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
        self.bytes_of(self.entries[index].name)
    }

    /// Refuses entry `later` if it repeats the protocol parameter of entry `earlier` in a way
    /// RFC 5849 forbids.
    fn check_repetition(&self, earlier: usize, later: usize) -> Result<(), OAuth1Error> {
        let (first, second) = (&self.entries[earlier], &self.entries[later]);
        if self.bytes_of(first.name) != self.bytes_of(second.name) {
            return Ok(());
        }

        // RFC 5849 §3.1: a protocol parameter MUST NOT appear more than once. The one
        // exception tolerated is the same value repeated in another source.
        let same_value = self.bytes_of(first.value) == self.bytes_of(second.value);
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

/// Where a name or a value is in the header's parameter list, still percent-encoded.
struct RawText {
    range: Range<usize>,
    /// Whether it holds a `%` escape (and so must be decoded).
    escaped: bool,
    /// Whether it holds unreserved bytes only (and so is no escape and its own encoding).
    plain: bool,
    /// For a quoted value with escapes, how its decoding, done while it was read, went.
    decoded: Option<Decoded>,
}

/// The decoding of a quoted header value, done while the value is read.
enum Decoded {
    /// Decoded into this range of the text: its escapes are all ASCII, so it is UTF-8.
    Text(Range<usize>),
    /// An escape is a byte from 0x80 up, which the text cannot hold alone: the value is to be
    /// decoded into the bytes.
    NotAscii,
    /// A `%` is not followed by two hex digits.
    BadEscape,
}

/// A name and a value of the header's parameter list.
struct RawParameter {
    name: RawText,
    value: RawText,
}

/// Walks the `name="value"` list of an `OAuth` header.
struct HeaderCursor<'h> {
    input: &'h str,
    position: usize,
}

impl<'h> HeaderCursor<'h> {
    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    /// The token at the cursor (possibly empty), whether it holds a `%` escape and whether it
    /// is plain: one pass finds all three.
    fn take_token(&mut self) -> RawText {
        let start = self.position;
        let rest = &self.input.as_bytes()[start..];

        // Unreserved bytes (nearly all of a name) are token characters and no escape: they are
        // skipped in bulk, the rest byte by byte.
        let run = unreserved_run(rest);
        let mut length = run;
        let mut escaped = false;
        for &byte in &rest[length..] {
            if !is_token_char(byte) {
                break;
            }
            escaped |= byte == b'%';
            length += 1;
        }

        self.position += length;
        RawText {
            range: start..self.position,
            escaped,
            plain: length == run,
            decoded: None,
        }
    }

    /// The next raw (still encoded) name and value; `None` at the end of the list. A quoted
    /// value with escapes is also decoded into `text` (see [`Self::take_quoted`]).
    fn next_parameter(&mut self, text: &mut String) -> Result<Option<RawParameter>, OAuth1Error> {
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
        let name = self.take_token();
        if name.range.is_empty() {
            return Err(malformed("a parameter name is expected"));
        }
        self.skip_whitespace();
        if self.peek() != Some(b'=') {
            return Err(malformed("a parameter has no value"));
        }
        self.position += 1;
        self.skip_whitespace();

        let value = if self.peek() == Some(b'"') {
            self.position += 1;
            self.take_quoted(text)?
        } else {
            // RFC 2617 also allows a bare token as value; some clients send one.
            self.take_token()
        };

        self.skip_whitespace();
        match self.peek() {
            None | Some(b',') => Ok(Some(RawParameter { name, value })),
            Some(_) => Err(malformed("parameters must be separated by commas")),
        }
    }

    /// The rest of a quoted value, up to its closing quote (consumed), whether it holds a `%`
    /// escape and whether it is plain. §3.6 encoding leaves no quote or backslash in a value,
    /// so a backslash (a quoted-pair) is refused rather than unescaped.
    ///
    /// A value with escapes is percent-decoded (RFC 5849 §3.5.1) onto `text` in the same pass,
    /// as long as its escapes are ASCII. A bad escape is only noted: the header's syntax is
    /// checked to its end first, and the escape refused after.
    fn take_quoted(&mut self, text: &mut String) -> Result<RawText, OAuth1Error> {
        let start = self.position;
        let rest = &self.input.as_bytes()[start..];
        let mut offset = 0;
        let mut plain = true;
        // From the first escape: how the decoding goes, and up to where the value is copied.
        let mut decoded: Option<Decoded> = None;
        let mut copied = start;
        loop {
            // Unreserved bytes (nearly all of a §3.6-encoded value) are plain: they are skipped
            // in bulk, and only the bytes between runs are classified.
            offset += unreserved_run(&rest[offset..]);
            let Some(&byte) = rest.get(offset) else {
                return Err(malformed("a quoted value is not closed"));
            };
            match QUOTED_CLASSES[usize::from(byte)] {
                QUOTED_PLAIN => plain = false,
                QUOTED_ESCAPE => {
                    plain = false;
                    let escape = start + offset;
                    let output = decoded.get_or_insert(Decoded::Text(text.len()..text.len()));
                    if let Decoded::Text(range) = output {
                        match escape_at(self.input.as_bytes(), escape) {
                            // The text between escapes ends at ASCII bytes: it slices the `str`.
                            Some(byte) if byte.is_ascii() => {
                                text.push_str(&self.input[copied..escape]);
                                text.push(char::from(byte));
                                copied = escape + 3;
                            }
                            Some(_) => {
                                text.truncate(range.start);
                                *output = Decoded::NotAscii;
                            }
                            None => {
                                text.truncate(range.start);
                                *output = Decoded::BadEscape;
                            }
                        }
                    }
                }
                QUOTED_END => {
                    let end = start + offset;
                    if let Some(Decoded::Text(range)) = &mut decoded {
                        text.push_str(&self.input[copied..end]);
                        range.end = text.len();
                    }
                    self.position = end + 1;
                    return Ok(RawText {
                        range: start..end,
                        escaped: decoded.is_some(),
                        plain,
                        decoded,
                    });
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
    fn header_values_are_decoded_while_read() {
        // ASCII escapes go to the text; others to the bytes, which may or may not be UTF-8.
        let header = r#"OAuth a="x%2By%3D", b="%C3%A9t%C3%A9", oauth_nonce="%FF%2B", c=d%21"#;
        let request = OAuthRequest::collect(&parts(Some(header), "", b"")).unwrap();
        assert_eq!(request.get("a"), Some("x+y="));
        assert_eq!(request.get("b"), Some("été"));
        assert_eq!(request.get("c"), Some("d!"));
        assert_eq!(
            request
                .parameters()
                .find(|p| p.name == b"oauth_nonce")
                .map(|p| p.value),
            Some(&b"\xff+"[..])
        );
        assert_nonce_is_malformed(&request, header);

        // A bad escape is refused, after the syntax of the rest of the header is checked.
        for (header, reason) in [
            (r#"OAuth a="x%2", b="1""#, "bad escape in a value"),
            (r#"OAuth a="%C3%zz""#, "bad escape in a value"),
            (r#"OAuth a="%zz%C3""#, "bad escape in a value"),
            (
                r#"OAuth a="%zz" b="1""#,
                "parameters must be separated by commas",
            ),
            (r#"OAuth a="%zz", b="1"#, "bad escape in a value"),
            (r#"OAuth a="1", b="%zz"#, "a quoted value is not closed"),
            (r#"OAuth a%zz="%zz""#, "bad escape in a name"),
        ] {
            let error = OAuthRequest::collect(&parts(Some(header), "", b"")).unwrap_err();
            assert_eq!(error, OAuth1Error::MalformedHeader { reason }, "{header}");
        }
    }

    /// Every collected name and value, in order.
    fn pairs_of(request: &OAuthRequest) -> Vec<(Vec<u8>, Vec<u8>)> {
        request
            .parameters()
            .map(|p| (p.name.to_vec(), p.value.to_vec()))
            .collect()
    }

    /// The protocol check refuses the request's `oauth_nonce` as malformed (not UTF-8).
    #[track_caller]
    fn assert_nonce_is_malformed(request: &OAuthRequest, input: impl fmt::Debug) {
        let error = crate::check_protocol(
            request,
            crate::Endpoint::RequestToken,
            &crate::Policy::default(),
        )
        .unwrap_err();
        assert_eq!(
            error,
            OAuth1Error::MalformedParameter {
                name: "oauth_nonce".into()
            },
            "{input:?}"
        );
    }

    /// The pairs of a form-encoded text as a plain reference decoder reads them.
    fn reference_form_pairs(input: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let decode = |text: &[u8]| {
            let mut out = Vec::new();
            form_decode_into(text, &mut out);
            out
        };
        input
            .split(|&byte| byte == b'&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| match piece.iter().position(|&byte| byte == b'=') {
                Some(equals) => (decode(&piece[..equals]), decode(&piece[equals + 1..])),
                None => (decode(piece), Vec::new()),
            })
            .collect()
    }

    #[test]
    fn form_text_is_decoded_while_read() {
        // Plain text is read in place; escapes are decoded into the text while they are ASCII
        // and into the bytes past one that is not, whether that decodes to UTF-8 or not.
        for query in [
            "a=1&b=x+y&c=%41%42c&&d&=e&f==g",
            "x=%zz%4&y=100%&z=%",
            "p%5B0%5D=%5B%5D&e=%C3%A9t%C3%A9&n=%FFa&m=a%2B%FF%2B",
            "é=ü+é&raw=a%2Fé",
            "&&",
            "",
        ] {
            let request = OAuthRequest::collect(&parts(None, query, b"")).unwrap();
            assert_eq!(
                pairs_of(&request),
                reference_form_pairs(query.as_bytes()),
                "{query}"
            );

            // The same text as a body (any bytes), with bytes that are not UTF-8 as well.
            let mut body = query.as_bytes().to_vec();
            body.extend_from_slice(b"&q=\xff%41\xfe");
            let request = OAuthRequest::collect(&parts(None, "", &body)).unwrap();
            assert_eq!(pairs_of(&request), reference_form_pairs(&body), "{query}");
        }

        let request = OAuthRequest::collect(&parts(None, "e=%C3%A9t%C3%A9&n=%FF", b"")).unwrap();
        assert_eq!(request.get("e"), Some("été"));
        assert_eq!(request.get("n"), None);
    }

    #[test]
    fn protocol_values_from_a_body_must_be_utf8_too() {
        for body in [
            &b"oauth_nonce=%FF"[..],
            b"oauth_nonce=\xff",
            b"oauth_nonce=a\xc3",
        ] {
            let request = OAuthRequest::collect(&parts(None, "", body)).unwrap();
            assert_nonce_is_malformed(&request, body);
        }
        // A body value that is UTF-8 is read as text, though the body is not known to be.
        let request =
            OAuthRequest::collect(&parts(None, "", b"oauth_nonce=%C3%A9\xc3\xa9")).unwrap();
        assert_eq!(request.protocol(Protocol::Nonce), Ok(Some("éé")));
    }

    #[test]
    fn plain_parts_are_marked_and_signatures_left_out() {
        let header = r#"OAuth oauth_nonce="abc", oauth_signature="x%3D", oauth_token="a b""#;
        let query = "p=1&q%20r=s&t=u+v&w=~.-_&oauth_signature=x%3D";
        let request = OAuthRequest::collect(&parts(Some(header), query, b"z=%41")).unwrap();
        let flags: Vec<(String, bool, bool)> = request
            .signed_pairs()
            .map(|pair| {
                (
                    String::from_utf8_lossy(pair.name).into_owned(),
                    pair.name_plain,
                    pair.value_plain,
                )
            })
            .collect();
        // Plain means "known to be its own encoding": a decoded `%41` is not known to be.
        assert_eq!(
            flags,
            [
                ("oauth_nonce".to_owned(), true, true),
                ("oauth_token".to_owned(), true, false),
                ("p".to_owned(), true, true),
                ("q r".to_owned(), false, true),
                ("t".to_owned(), true, false),
                ("w".to_owned(), true, true),
                ("z".to_owned(), true, false),
            ]
        );
        for pair in request.signed_pairs() {
            for (text, plain) in [(pair.name, pair.name_plain), (pair.value, pair.value_plain)] {
                if plain {
                    assert!(text
                        .iter()
                        .all(|&byte| crate::encoding::is_unreserved(byte)));
                }
            }
        }
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
