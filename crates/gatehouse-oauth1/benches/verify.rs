//! Cost of verifying a typical signed API request (a GET with three query parameters and the
//! six protocol parameters: collect, check, verify) against the raw HMAC-SHA256 of its base
//! string.

// `criterion_group!` defines a public function it cannot document.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ring::hmac;

use gatehouse_oauth1::{
    check_protocol, signature_base_string, verify_signature, Endpoint, OAuthRequest, Policy,
    RequestParts, SignatureMethod, Signer,
};

const CONSUMER_KEY: &str = "7fjq2ocv0c9ug4ulpkbs2wvylqbhxwzd";
const CONSUMER_SECRET: &str = "yq3d0f86ks3lsn25z4bcr0hsxrjh1xbc";
const TOKEN: &str = "q1rc8lwxqkwl7xqwm1v6b9g4i0pmuvkn";
const TOKEN_SECRET: &str = "xr2ml0fd6mu7jst8b9ldn4jy2cm0bl1n";
const BASE_URI: &str = "https://shop.example.com/rest/V1/products";
const QUERY: &str = "searchCriteria%5BpageSize%5D=20&searchCriteria%5BcurrentPage%5D=1&fields=items%5Bsku%2Cname%5D";

fn bench_verify(c: &mut Criterion) {
    let url = format!("{BASE_URI}?{QUERY}");
    let header = Signer::new(
        CONSUMER_KEY,
        CONSUMER_SECRET,
        SignatureMethod::HmacSha256,
        "k3j4h5g6f7d8s9a0",
        1_700_000_000,
    )
    .token(TOKEN, TOKEN_SECRET)
    .version(true)
    .authorization_header("GET", &url, None);
    let parts = RequestParts {
        method: "GET",
        base_uri: BASE_URI,
        query: QUERY,
        authorization: Some(&header),
        content_type: None,
        body: b"",
    };
    let policy = Policy::default();

    // The same request must verify before it is measured.
    let request = OAuthRequest::collect(&parts).expect("collect");
    let params = check_protocol(&request, Endpoint::Resource, &policy).expect("check");
    verify_signature(
        &request,
        &parts,
        &params,
        CONSUMER_SECRET,
        Some(TOKEN_SECRET),
        &policy,
    )
    .expect("verify");

    let signed: Vec<(String, String)> = request
        .parameters()
        .filter(|p| p.name != b"oauth_signature")
        .map(|p| {
            (
                String::from_utf8_lossy(p.name).into_owned(),
                String::from_utf8_lossy(p.value).into_owned(),
            )
        })
        .collect();
    let base_string = signature_base_string("GET", BASE_URI, &signed, policy.canonicalization)
        .expect("base string");
    let key_material = format!("{CONSUMER_SECRET}&{TOKEN_SECRET}");

    let mut group = c.benchmark_group("oauth1");
    group.throughput(Throughput::Elements(1));
    group.bench_function("collect_check_verify", |b| {
        b.iter(|| {
            let parts = black_box(&parts);
            let request = OAuthRequest::collect(parts).expect("collect");
            let params = check_protocol(&request, Endpoint::Resource, &policy).expect("check");
            verify_signature(
                &request,
                parts,
                &params,
                CONSUMER_SECRET,
                Some(TOKEN_SECRET),
                &policy,
            )
            .expect("verify");
        })
    });
    group.bench_function("raw_hmac_sha256", |b| {
        b.iter(|| {
            let key = hmac::Key::new(hmac::HMAC_SHA256, black_box(key_material.as_bytes()));
            hmac::sign(&key, black_box(base_string.as_bytes()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
