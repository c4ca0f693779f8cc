//! The JWT reader (`JwtCodec::read`, `read_ignoring_expiry`) on arbitrary bearer tokens, with a
//! fixed two-entry crypt key and a fixed "now", for each of HS256, HS384 and HS512. It must
//! return `Ok` or `Err`, never panic or hang.
//!
//! Two kinds of input, so that the claims decoder behind the signature check is reached too:
//! - no newline: the input is the token, as a client sends it;
//! - `header\npayload`: two JSON texts (or anything) that the target encodes and signs with
//!   the current key, HS256, before reading the token.

#![no_main]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use gatehouse_fuzz::{CRYPT_KEY, NOW};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::jwt::{JwtAlgorithm, JwtCodec};
use libfuzzer_sys::fuzz_target;
use ring::hmac;

struct Fixture {
    codecs: [JwtCodec; 3],
    signing_key: hmac::Key,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys = CryptKeys::parse(CRYPT_KEY).expect("the fuzz crypt key parses");
        Fixture {
            codecs: [
                JwtAlgorithm::Hs256,
                JwtAlgorithm::Hs384,
                JwtAlgorithm::Hs512,
            ]
            .map(|algorithm| JwtCodec::new(&keys, algorithm)),
            signing_key: hmac::Key::new(hmac::HMAC_SHA256, &keys.jwt_signing_key()),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let token = match data.iter().position(|&byte| byte == b'\n') {
        None => String::from_utf8_lossy(data).into_owned(),
        Some(newline) => {
            let mut token = URL_SAFE_NO_PAD.encode(&data[..newline]);
            token.push('.');
            URL_SAFE_NO_PAD.encode_string(&data[newline + 1..], &mut token);
            let signature = hmac::sign(&fixture.signing_key, token.as_bytes());
            token.push('.');
            URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
            token
        }
    };

    for codec in &fixture.codecs {
        let read = codec.read(&token, NOW);
        let ignoring_expiry = codec.read_ignoring_expiry(&token);
        if let Ok(claims) = &read {
            // An accepted token is not expired, and reading without the expiry check agrees.
            assert!(claims.expires_at >= NOW, "an expired token was accepted");
            assert_eq!(ignoring_expiry.as_ref().ok(), Some(claims));
        }
        if let Ok(claims) = ignoring_expiry {
            // What the codec accepts, it can issue again, and reads back the same.
            let again = codec.issue(&claims);
            assert_eq!(codec.read_ignoring_expiry(&again).ok(), Some(claims));
        }
    }
});
