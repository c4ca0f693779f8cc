//! Percent-encoding as RFC 5849 §3.6 defines it, and the two decodings the parameter sources
//! use: plain percent-decoding for the `Authorization` header (§3.5.1) and
//! `application/x-www-form-urlencoded` decoding for the query and the form body (§3.4.1.3.1).

use std::cmp::Ordering;

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// For each byte, whether RFC 5849 §3.6 leaves it as it is: `A-Z a-z 0-9 - . _ ~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~';
        byte += 1;
    }
    table
};

/// Whether RFC 5849 §3.6 leaves `byte` as it is.
pub(crate) fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[usize::from(byte)]
}

/// Percent-encodes `value` as RFC 5849 §3.6 requires: every UTF-8 byte outside
/// `A-Z a-z 0-9 - . _ ~` becomes `%XX` with upper-case hex digits.
///
/// ```
/// assert_eq!(gatehouse_oauth1::percent_encode("a b+c/ü~"), "a%20b%2Bc%2F%C3%BC~");
/// ```
pub fn percent_encode(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + value.len() / 2);
    encode_into(value.as_bytes(), &mut out);
    encoded_string(out)
}

/// Every byte's §3.6 encoding, `%XX` (entries of unreserved bytes are never read).
const ESCAPED_ONCE: [[u8; 3]; 256] = {
    let mut table = [[0u8; 3]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = if UNRESERVED[byte] {
            [byte as u8, 0, 0]
        } else {
            [b'%', UPPER_HEX[byte >> 4], UPPER_HEX[byte & 0x0f]]
        };
        byte += 1;
    }
    table
};

/// Every byte's encoding encoded again, `%25XX` (entries of unreserved bytes are never read).
const ESCAPED_TWICE: [[u8; 5]; 256] = {
    let mut table = [[0u8; 5]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = if UNRESERVED[byte] {
            [byte as u8, 0, 0, 0, 0]
        } else {
            [
                b'%',
                b'2',
                b'5',
                UPPER_HEX[byte >> 4],
                UPPER_HEX[byte & 0x0f],
            ]
        };
        byte += 1;
    }
    table
};

/// Whether `byte` is unreserved, by comparisons rather than a table lookup, so that a loop over
/// a fixed-size chunk of bytes vectorises.
fn is_unreserved_by_comparison(byte: u8) -> bool {
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    letter | digit | (byte == b'-') | (byte == b'.') | (byte == b'_') | (byte == b'~')
}

/// How many bytes at the start of `bytes` are unreserved. Whole 16-byte chunks are tested at
/// once; most names and values are one long run.
pub(crate) fn unreserved_run(bytes: &[u8]) -> usize {
    let mut run = 0;
    for chunk in bytes.chunks_exact(16) {
        let all = chunk
            .iter()
            .fold(true, |all, &byte| all & is_unreserved_by_comparison(byte));
        if !all {
            break;
        }
        run += 16;
    }
    let rest = &bytes[run..];
    run + rest
        .iter()
        .position(|&byte| !is_unreserved(byte))
        .unwrap_or(rest.len())
}

/// Appends `bytes` to `out`, each reserved byte replaced by its `WIDTH`-byte entry in
/// `escapes`, runs of unreserved bytes copied whole.
///
/// This is the verifier's hottest loop: it writes nearly every byte of the base string.
fn escape_into<const WIDTH: usize>(bytes: &[u8], escapes: &[[u8; WIDTH]; 256], out: &mut Vec<u8>) {
    out.reserve(bytes.len() * WIDTH);
    let mut rest = bytes;
    loop {
        let run = unreserved_run(rest);
        out.extend_from_slice(&rest[..run]);
        let Some(&byte) = rest.get(run) else {
            return;
        };
        out.extend_from_slice(&escapes[usize::from(byte)]);
        rest = &rest[run + 1..];
    }
}

/// Appends the §3.6 encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    escape_into(bytes, &ESCAPED_ONCE, out);
}

/// Appends the §3.6 encoding of the §3.6 encoding of `bytes`: a reserved byte becomes `%25XX`.
///
/// The base string encodes the normalised parameters a second time (§3.4.1.1); doing both at
/// once saves writing the intermediate form.
pub(crate) fn encode_twice_into(bytes: &[u8], out: &mut Vec<u8>) {
    escape_into(bytes, &ESCAPED_TWICE, out);
}

/// Compares the §3.6 encodings of `a` and `b` in byte order, without encoding them.
///
/// Up to the first differing byte the encodings agree. There, two unreserved bytes compare as
/// themselves; two reserved bytes both start `%` and compare by their hex digits, which is
/// their value; and a reserved byte (`%`, 0x25) sorts before any unreserved one (all above
/// 0x2C).
pub(crate) fn encoded_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let common = common_prefix(a, b);
    match (a.get(common), b.get(common)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(&x), Some(&y)) => match (is_unreserved(x), is_unreserved(y)) {
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            _ => x.cmp(&y),
        },
    }
}

/// The first eight bytes of the §3.6 encoding of `bytes`, as a big-endian number, zero-padded
/// when the encoding is shorter; `plain` says `bytes` is known to be its own encoding.
///
/// Two such keys compare as the first eight bytes of the encodings do (an encoding holds no
/// zero byte, so the padding sorts a shorter encoding first, as byte order does): when keys
/// differ, so do the encodings, in the same order.
pub(crate) fn encoded_prefix_key(bytes: &[u8], plain: bool) -> u64 {
    // Unreserved bytes are their own encoding's first bytes (most names start `oauth_`).
    if let Some(first) = bytes.first_chunk::<8>() {
        if plain || first.iter().all(|&byte| is_unreserved(byte)) {
            return u64::from_be_bytes(*first);
        }
    } else if plain {
        return bytes.iter().enumerate().fold(0, |key, (index, &byte)| {
            key | u64::from(byte) << (56 - 8 * index)
        });
    }

    let mut prefix = [0u8; 8];
    let mut length = 0;
    for &byte in bytes {
        let encoded: &[u8] = if is_unreserved(byte) {
            &[byte]
        } else {
            &ESCAPED_ONCE[usize::from(byte)]
        };
        for &each in encoded {
            if length == 8 {
                return u64::from_be_bytes(prefix);
            }
            prefix[length] = each;
            length += 1;
        }
    }
    u64::from_be_bytes(prefix)
}

/// The length of the common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Turns encoder output into a `String`.
pub(crate) fn encoded_string(bytes: Vec<u8>) -> String {
    // Callers pass the encoders' output (ASCII), joined at most with an HTTP method taken from a
    // `&str` (UTF-8, upper-cased byte-wise): the bytes are always UTF-8.
    String::from_utf8(bytes).expect("encoded text and a method from a str are UTF-8")
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

/// The byte of the escape `%XY` starting at `input[index]`, if it is one.
pub(crate) fn escape_at(input: &[u8], index: usize) -> Option<u8> {
    let high = hex_value(*input.get(index + 1)?)?;
    let low = hex_value(*input.get(index + 2)?)?;
    Some(high << 4 | low)
}

/// A `%` not followed by two hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidEscape;

/// Percent-decodes `input` onto `out`, refusing a `%` that is not followed by two hex digits.
///
/// This is the decoding of `Authorization` header names and values (RFC 5849 §3.5.1): `+` is a
/// plus sign there, not a space.
pub(crate) fn percent_decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), InvalidEscape> {
    let mut rest = input;
    while let Some(percent) = rest.iter().position(|&byte| byte == b'%') {
        out.extend_from_slice(&rest[..percent]);
        out.push(escape_at(rest, percent).ok_or(InvalidEscape)?);
        rest = &rest[percent + 3..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Percent-decodes `input` onto `out` as [`percent_decode_into`] does, as long as every
/// escape is an ASCII byte. A `String` cannot take a lone byte from 0x80 up: at the first such
/// escape `out` is put back as it was and `Ok(false)` returned, to decode as bytes instead.
/// (Between escapes `input` is copied as it is, so with ASCII escapes the output is UTF-8.)
pub(crate) fn percent_decode_str_into(
    input: &str,
    out: &mut String,
) -> Result<bool, InvalidEscape> {
    let start = out.len();
    let bytes = input.as_bytes();
    // Escapes are reserved bytes: unreserved runs are skipped in bulk to find them.
    let (mut copied, mut index) = (0, 0);
    loop {
        index += unreserved_run(&bytes[index..]);
        match bytes.get(index) {
            None => break,
            Some(b'%') => {
                let byte = escape_at(bytes, index).ok_or(InvalidEscape)?;
                if !byte.is_ascii() {
                    out.truncate(start);
                    return Ok(false);
                }
                // The text between escapes ends at ASCII bytes, so it slices the `str`.
                out.push_str(&input[copied..index]);
                out.push(char::from(byte));
                index += 3;
                copied = index;
            }
            Some(_) => index += 1,
        }
    }
    out.push_str(&input[copied..]);
    Ok(true)
}

/// Decodes one `application/x-www-form-urlencoded` name or value onto `out`: `+` is a space,
/// `%XX` is a byte, and a `%` without two hex digits stays a literal `%` (as browsers, PHP and
/// the WHATWG URL standard read it).
pub(crate) fn form_decode_into(input: &[u8], out: &mut Vec<u8>) {
    let mut rest = input;
    while let Some(special) = rest.iter().position(|&byte| byte == b'+' || byte == b'%') {
        out.extend_from_slice(&rest[..special]);
        if rest[special] == b'+' {
            out.push(b' ');
            rest = &rest[special + 1..];
            continue;
        }
        match escape_at(rest, special) {
            Some(byte) => {
                out.push(byte);
                rest = &rest[special + 3..];
            }
            None => {
                out.push(b'%');
                rest = &rest[special + 1..];
            }
        }
    }
    out.extend_from_slice(rest);
}

/// Encodes pairs as an `application/x-www-form-urlencoded` body or query string, with the
/// RFC 5849 §3.6 encoding (a space is `%20`), which every form decoder reads back unchanged.
///
/// ```
/// let pairs = [("q".to_owned(), "a b&c".to_owned()), ("empty".to_owned(), String::new())];
/// assert_eq!(gatehouse_oauth1::form_urlencode(&pairs), "q=a%20b%26c&empty=");
/// ```
pub fn form_urlencode(pairs: &[(String, String)]) -> String {
    let mut out = Vec::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push(b'&');
        }
        encode_into(name.as_bytes(), &mut out);
        out.push(b'=');
        encode_into(value.as_bytes(), &mut out);
    }
    encoded_string(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_header(input: &str) -> Result<Vec<u8>, InvalidEscape> {
        let mut out = Vec::new();
        percent_decode_into(input.as_bytes(), &mut out).map(|()| out)
    }

    fn decode_form(input: &str) -> Vec<u8> {
        let mut out = Vec::new();
        form_decode_into(input.as_bytes(), &mut out);
        out
    }

    #[test]
    fn text_decoding_matches_byte_decoding_while_escapes_are_ascii() {
        for input in [
            "a%2Bb+c%2f",
            "%C3%A9",
            "plain",
            "",
            "x%20y",
            "é%21",
            "bad%2",
            "%zz",
        ] {
            let mut text = String::from("kept");
            let mut bytes = b"kept".to_vec();
            match (
                percent_decode_str_into(input, &mut text),
                percent_decode_into(input.as_bytes(), &mut bytes),
            ) {
                (Ok(true), Ok(())) => assert_eq!(text.as_bytes(), bytes, "{input}"),
                // Only an escape from 0x80 up sends the text to the byte decoder.
                (Ok(false), Ok(())) => {
                    assert_eq!(input, "%C3%A9");
                    assert_eq!(text, "kept");
                }
                (Err(InvalidEscape), Err(InvalidEscape)) => {
                    assert!(input.starts_with("bad") || input == "%zz")
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn encodes_everything_but_unreserved_with_upper_case_hex() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            percent_encode(" !*'()+,/:;=?@[]&%"),
            "%20%21%2A%27%28%29%2B%2C%2F%3A%3B%3D%3F%40%5B%5D%26%25"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("\u{7f}\n"), "%7F%0A");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn header_decoding_is_strict_and_keeps_plus() {
        assert_eq!(decode_header("a%2Bb+c%2f").as_deref(), Ok(&b"a+b+c/"[..]));
        assert_eq!(decode_header("%C3%A9").as_deref(), Ok("é".as_bytes()));
        assert_eq!(decode_header("bad%2"), Err(InvalidEscape));
        assert_eq!(decode_header("bad%zz"), Err(InvalidEscape));
        assert_eq!(decode_header("%"), Err(InvalidEscape));
    }

    #[test]
    fn form_decoding_reads_plus_as_space_and_keeps_stray_percent() {
        assert_eq!(decode_form("a+b%20c%2B"), b"a b c+");
        assert_eq!(decode_form("100%"), b"100%");
        assert_eq!(decode_form("%zz%4"), b"%zz%4");
        assert_eq!(decode_form("%ff"), [0xff]);
    }

    #[test]
    fn both_unreserved_tests_agree() {
        for byte in 0..=255u8 {
            assert_eq!(
                is_unreserved_by_comparison(byte),
                is_unreserved(byte),
                "{byte:#04x}"
            );
        }
        // Runs longer than a chunk, and breaks inside and after one.
        let long = "abcdefghijklmnopqrstuvwxyz0123456789-._~ABC";
        assert_eq!(unreserved_run(long.as_bytes()), long.len());
        assert_eq!(unreserved_run(b"abcdefghijklmnopq rest"), 17);
        assert_eq!(unreserved_run(b"abc/def"), 3);
        assert_eq!(unreserved_run(b""), 0);
    }

    #[test]
    fn double_encoding_is_encoding_twice() {
        let mut once = Vec::new();
        encode_into("a b%~é".as_bytes(), &mut once);
        let mut twice = Vec::new();
        encode_into(&once, &mut twice);
        let mut direct = Vec::new();
        encode_twice_into("a b%~é".as_bytes(), &mut direct);
        assert_eq!(direct, twice);
        assert_eq!(direct, b"a%2520b%2525~%25C3%25A9");
    }

    #[test]
    fn common_prefix_counts_equal_leading_bytes() {
        assert_eq!(common_prefix(b"oauth_consumer_key", b"oauth_nonce"), 6);
        assert_eq!(common_prefix(b"oauth_token", b"oauth_token"), 11);
        assert_eq!(common_prefix(b"abcdefghij", b"abcdefghiX"), 9);
        assert_eq!(common_prefix(b"abcdefgh", b"abcdefghij"), 8);
        assert_eq!(common_prefix(b"Xbc", b"abc"), 0);
        assert_eq!(common_prefix(b"", b"abc"), 0);
    }

    #[test]
    fn encoded_cmp_agrees_with_comparing_encodings() {
        let samples: [&[u8]; 14] = [
            b"",
            b"a",
            b"A",
            b"~",
            b"!",
            b"%",
            b"a!",
            b"a~",
            b"ab",
            b"a",
            b"\xff",
            b"-",
            b"0",
            " é".as_bytes(),
        ];
        for a in samples {
            for b in samples {
                let (mut ea, mut eb) = (Vec::new(), Vec::new());
                encode_into(a, &mut ea);
                encode_into(b, &mut eb);
                assert_eq!(encoded_cmp(a, b), ea.cmp(&eb), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn prefix_keys_are_the_first_bytes_of_the_encoding() {
        let samples: [&[u8]; 12] = [
            b"",
            b"a",
            b"fields",
            b"oauth_consumer_key",
            b"oauth_nonce",
            b"abcdefgh",
            b"abcdefg!",
            b"a b",
            b"searchCriteria[pageSize]",
            b"[x]",
            b"\xff\xfe",
            "é~é".as_bytes(),
        ];
        for bytes in samples {
            let mut encoded = Vec::new();
            encode_into(bytes, &mut encoded);
            let mut expected = [0u8; 8];
            let length = encoded.len().min(8);
            expected[..length].copy_from_slice(&encoded[..length]);
            let key = encoded_prefix_key(bytes, false);
            assert_eq!(key, u64::from_be_bytes(expected), "{bytes:?}");
            if encoded == bytes {
                assert_eq!(encoded_prefix_key(bytes, true), key, "{bytes:?}");
            }
        }
        // Keys that differ order their texts as their encodings do.
        for a in samples {
            for b in samples {
                let (key_a, key_b) = (encoded_prefix_key(a, false), encoded_prefix_key(b, false));
                if key_a != key_b {
                    assert_eq!(key_a.cmp(&key_b), encoded_cmp(a, b), "{a:?} vs {b:?}");
                }
            }
        }
    }

    #[test]
    fn form_urlencode_round_trips_through_form_decoding() {
        let pairs = vec![("a b".to_owned(), "x+y/ü".to_owned())];
        let encoded = form_urlencode(&pairs);
        assert_eq!(encoded, "a%20b=x%2By%2F%C3%BC");
        let (name, value) = encoded.split_once('=').expect("one pair");
        assert_eq!(decode_form(name), b"a b");
        assert_eq!(decode_form(value), "x+y/ü".as_bytes());
    }
}
