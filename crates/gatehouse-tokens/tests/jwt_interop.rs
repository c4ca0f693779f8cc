//! User tokens cross between Gatehouse and the reference: tokens minted with PyJWT under the
//! reference's key derivation verify in Gatehouse, tokens Gatehouse issues verify in PyJWT,
//! and forged or altered tokens are refused.
//!
//! The fixture `tests/fixtures/jwt/jwt_fixture.json` is made by `make_jwt_fixture.py` beside
//! it. The PyJWT round trip runs `python3`; without python3 or PyJWT it is skipped loudly,
//! except under CI (`CI` set), where it fails.

#![allow(
    clippy::unwrap_used,
    reason = "scenarios and helpers run only under #[test]: a failed unwrap is a failed test"
)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde::Deserialize;

use gatehouse_domain::UserType;
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::jwt::{
    JwtAlgorithm, JwtCodec, UserTokenClaims, EXPIRED_TOKEN, UNREADABLE_TOKEN,
};

const FIXTURE: &str = include_str!("fixtures/jwt/jwt_fixture.json");

#[derive(Deserialize)]
struct Fixture {
    crypt_key: String,
    tokens: Vec<FixtureToken>,
}

#[derive(Deserialize)]
struct FixtureToken {
    name: String,
    token: String,
    alg: String,
    valid: bool,
    claims: FixtureClaims,
}

#[derive(Deserialize)]
struct FixtureClaims {
    uid: i64,
    utypid: u8,
    iat: i64,
    exp: i64,
    jti: Option<String>,
}

fn fixture() -> Fixture {
    serde_json::from_str(FIXTURE).expect("the fixture is valid JSON")
}

fn codec(crypt_key: &str, alg: &str) -> JwtCodec {
    JwtCodec::new(
        &CryptKeys::parse(crypt_key).unwrap(),
        alg.parse::<JwtAlgorithm>().unwrap(),
    )
}

#[test]
fn reference_tokens_verify_inside_their_validity_window() {
    let fixture = fixture();
    let valid: Vec<&FixtureToken> = fixture.tokens.iter().filter(|token| token.valid).collect();
    assert_eq!(valid.len(), 6);

    for token in valid {
        let codec = codec(&fixture.crypt_key, &token.alg);
        let expected = UserTokenClaims {
            user_type: UserType::from_code(token.claims.utypid).unwrap(),
            user_id: token.claims.uid,
            issued_at: token.claims.iat,
            expires_at: token.claims.exp,
            token_id: token.claims.jti.clone(),
        };

        for now in [token.claims.iat, token.claims.iat + 1800, token.claims.exp] {
            assert_eq!(
                codec.read(&token.token, now).unwrap(),
                expected,
                "{} at {now}",
                token.name
            );
        }

        let expired = codec.read(&token.token, token.claims.exp + 1).unwrap_err();
        assert_eq!(expired.message().render(), EXPIRED_TOKEN, "{}", token.name);
    }
}

#[test]
fn forged_and_altered_tokens_are_refused() {
    let fixture = fixture();
    let invalid: Vec<&FixtureToken> = fixture.tokens.iter().filter(|token| !token.valid).collect();
    assert_eq!(invalid.len(), 6);

    for token in invalid {
        let codec = codec(&fixture.crypt_key, &token.alg);

        let refused = codec.read(&token.token, token.claims.iat + 1).unwrap_err();

        assert_eq!(
            refused.message().render(),
            UNREADABLE_TOKEN,
            "{}",
            token.name
        );
    }
}

#[test]
fn tokens_of_a_rotated_out_entry_are_refused() {
    let fixture = fixture();
    let current_only = fixture.crypt_key.split_whitespace().last().unwrap();
    let codec = codec(current_only, "HS256");
    let old = fixture
        .tokens
        .iter()
        .find(|token| token.name == "signed with the older entry")
        .unwrap();
    let current = fixture
        .tokens
        .iter()
        .find(|token| token.name == "customer HS256")
        .unwrap();

    assert!(codec.read(&old.token, old.claims.iat).is_err());
    assert!(codec.read(&current.token, current.claims.iat).is_ok());
}

#[test]
fn gatehouse_signs_as_the_reference_would() {
    // With the same claims and no jti, Gatehouse's token differs from PyJWT's only in the
    // header's key order, so re-signing PyJWT's header and payload must give its signature.
    let fixture = fixture();
    let reference = fixture
        .tokens
        .iter()
        .find(|token| token.name == "admin HS256")
        .unwrap();
    let key = CryptKeys::parse(&fixture.crypt_key)
        .unwrap()
        .jwt_signing_key();

    let (signing_input, signature) = reference.token.rsplit_once('.').unwrap();
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        signing_input.as_bytes(),
    );

    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref()),
        signature
    );
}

/// Decodes tokens with PyJWT: reads `{"key": <latin-1 key>, "tokens": [[token, alg], …]}`
/// on stdin, prints `[{"header": …, "claims": …}, …]`.
const PYJWT_DECODE: &str = r#"
import json, sys
import jwt
request = json.load(sys.stdin)
key = request["key"].encode("latin-1")
out = []
for token, alg in request["tokens"]:
    claims = jwt.decode(token, key, algorithms=[alg], options={"verify_exp": False})
    out.append({"header": jwt.get_unverified_header(token), "claims": claims})
json.dump(out, sys.stdout)
"#;

/// Whether python3 with PyJWT can run here. Missing tools skip the test loudly on a
/// developer's machine and fail it under CI.
#[allow(clippy::print_stderr)]
fn pyjwt_available() -> bool {
    let probe = Command::new("python3")
        .args(["-c", "import jwt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if matches!(probe, Ok(status) if status.success()) {
        return true;
    }

    assert!(
        std::env::var_os("CI").is_none(),
        "python3 with PyJWT is required under CI (pip install pyjwt)"
    );
    eprintln!();
    eprintln!("!!!!!!!! SKIPPED: python3 with PyJWT is not installed; the PyJWT round trip did not run !!!!!!!!");
    eprintln!();
    false
}

#[test]
fn gatehouse_tokens_verify_with_pyjwt() {
    if !pyjwt_available() {
        return;
    }
    let crypt_key = "an0older0entry0000000000000000000 k7g2m9x4p1w8c5v3b6n0q2r4t6y8u1i3";
    let keys = CryptKeys::parse(crypt_key).unwrap();
    let claims = UserTokenClaims {
        user_type: UserType::Customer,
        user_id: 42,
        issued_at: 1_700_000_000,
        expires_at: 1_700_003_600,
        token_id: Some("z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4".into()),
    };
    let algorithms = [
        JwtAlgorithm::Hs256,
        JwtAlgorithm::Hs384,
        JwtAlgorithm::Hs512,
    ];
    let tokens: Vec<(String, &str)> = algorithms
        .iter()
        .map(|&alg| (JwtCodec::new(&keys, alg).issue(&claims), alg.as_str()))
        .collect();

    // The key is ASCII, so latin-1 carries it to Python byte for byte.
    let key = String::from_utf8(keys.jwt_signing_key()).unwrap();
    let request = serde_json::json!({ "key": key, "tokens": tokens });
    let decoded = run_python(PYJWT_DECODE, &request.to_string());
    let decoded: Vec<serde_json::Value> = serde_json::from_str(&decoded).unwrap();

    assert_eq!(decoded.len(), 3);
    for (answer, alg) in decoded.iter().zip(algorithms) {
        assert_eq!(
            answer["header"],
            serde_json::json!({ "kid": "1", "alg": alg.as_str() })
        );
        assert_eq!(
            answer["claims"],
            serde_json::json!({
                "uid": 42,
                "utypid": 3,
                "iat": 1_700_000_000,
                "exp": 1_700_003_600,
                "jti": "z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4",
            })
        );
    }
}

#[test]
fn pyjwt_refuses_a_gatehouse_token_signed_with_another_key() {
    if !pyjwt_available() {
        return;
    }
    let signer = CryptKeys::parse("k7g2m9x4p1w8c5v3b6n0q2r4t6y8u1i3").unwrap();
    let other = CryptKeys::parse("some0other0crypt0key000000000000").unwrap();
    let token = JwtCodec::new(&signer, JwtAlgorithm::Hs256).issue(&UserTokenClaims {
        user_type: UserType::Admin,
        user_id: 1,
        issued_at: 1_700_000_000,
        expires_at: 1_700_003_600,
        token_id: None,
    });

    let check = r#"
import json, sys
import jwt
request = json.load(sys.stdin)
try:
    jwt.decode(request["token"], request["key"].encode("latin-1"), algorithms=["HS256"],
               options={"verify_exp": False})
    print("accepted")
except jwt.InvalidSignatureError:
    print("refused")
"#;
    let key = String::from_utf8(other.jwt_signing_key()).unwrap();
    let request = serde_json::json!({ "key": key, "token": token });

    assert_eq!(run_python(check, &request.to_string()).trim(), "refused");
}

fn run_python(script: &str, stdin: &str) -> String {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
