//! What the fuzz targets share: how an input is cut into the fields of a request, and the fixed
//! secrets, keys and clock every target uses so that each run is deterministic.
//!
//! Inputs are text-like on purpose, so that the seed corpora stay readable: a request is one
//! field per line, the last field (the body) taking the rest of the input, newlines included.
//! `examples/make_seeds.rs` writes the seed corpora in these formats.

use std::borrow::Cow;

/// The consumer key of the seed requests (32 characters, as `check_protocol` wants).
pub const CONSUMER_KEY: &str = "c0nsumerkey0123456789abcdefghijk";
/// The consumer secret `oauth_verify` verifies every request with.
pub const CONSUMER_SECRET: &str = "consumer-secret";
/// The access token of the seed requests (32 characters).
pub const TOKEN: &str = "t0ken0123456789abcdefghijklmnopq";
/// The token secret `oauth_verify` verifies with when the request carries a token.
pub const TOKEN_SECRET: &str = "token-secret";
/// "Now" for timestamp and expiry checks: 2023-11-14T22:13:20Z, the seeds' timestamp.
pub const NOW: i64 = 1_700_000_000;
/// The crypt key of `jwt_read`: two entries (an old one, then the current one), the same as the
/// tokens crate's PyJWT fixture, so that its tokens are valid seeds.
pub const CRYPT_KEY: &str = "4c0ffee2reference0old0key0entry1\n9f3a1d7e5b2c8a6f4e0d1c3b5a7f9e2d";

/// Cuts `data` into `N` fields at the first `N - 1` newlines; missing fields are empty. The last
/// field keeps everything after the last cut, newlines included.
pub fn fields<const N: usize>(data: &[u8]) -> [&[u8]; N] {
    let mut out: [&[u8]; N] = [&[]; N];
    let mut pieces = data.splitn(N, |&byte| byte == b'\n');
    for slot in out.iter_mut() {
        match pieces.next() {
            Some(piece) => *slot = piece,
            None => break,
        }
    }
    out
}

/// The field as text, invalid UTF-8 replaced (an HTTP layer hands the verifier `&str`).
pub fn text(field: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(field)
}

/// `None` for an empty field (the header is absent), the text otherwise.
pub fn optional(field: &[u8]) -> Option<Cow<'_, str>> {
    (!field.is_empty()).then(|| text(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_cut_at_the_first_newlines_only() {
        let [a, b, c] = fields::<3>(b"one\ntwo\nthree\nfour");
        assert_eq!((a, b, c), (&b"one"[..], &b"two"[..], &b"three\nfour"[..]));
        let [a, b, c] = fields::<3>(b"only");
        assert_eq!((a, b, c), (&b"only"[..], &b""[..], &b""[..]));
    }
}
