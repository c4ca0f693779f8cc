//! The README's walk from an empty machine to a signed API call, run as written against the
//! real binary: if a command, a route or a documented answer in it goes stale, this fails.
//!
//! The shell block is taken from `README.md` itself. Only what must differ in a test is
//! replaced, each replacement checked to apply: `gatehouse` is the binary cargo built (not
//! `cargo run`), the server listens on a free port, and the credentials step 4 prints are fed
//! to step 5, where the README asks the reader to paste them. (The variables the test hands
//! the script do not start with `GATEHOUSE_`: the binary would read those as settings.)

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{Scratch, Server, BINARY};

/// The heading of the walk-through in the README.
const HEADING: &str = "### From an empty machine to a signed API call";

/// The shell block under `heading` in `markdown`.
fn shell_block<'m>(markdown: &'m str, heading: &str) -> &'m str {
    let section = markdown
        .split_once(heading)
        .unwrap_or_else(|| panic!("the README has the section {heading:?}"))
        .1;
    let block = section
        .split_once("```sh\n")
        .expect("the section has a shell block")
        .1;
    block
        .split_once("```")
        .expect("the shell block is closed")
        .0
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the README's walk-through should contain {from:?} once; update this test with it"
    );
    text.replacen(from, to, 1)
}

/// The JSON objects the block shows as answers, in comment lines `#    {…}`.
fn documented_answers(block: &str) -> Vec<Value> {
    block
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix('#'))
        .map(str::trim)
        .filter(|text| text.starts_with('{'))
        .map(|text| serde_json::from_str(text).expect("a documented answer is JSON"))
        .collect()
}

#[test]
fn the_readme_walk_through_reaches_a_signed_call() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("the README is readable");
    let block = shell_block(&readme, HEADING);

    // The server runs where the README's commands run, on the default database there.
    let scratch = Scratch::new("readme");
    let server = Server::start(&["--database-url", &scratch.sqlite_url()], "info");
    let base = server.base_url.trim_end_matches('/');

    let script = replace_once(
        block,
        "gatehouse() { cargo run -q --release -p gatehouse -- \"$@\"; }",
        "gatehouse() { \"$WALK_BINARY\" \"$@\"; }",
    );
    let script = replace_once(&script, "BASE=http://127.0.0.1:8080", "BASE=$WALK_BASE");
    // Step 4's answer is kept, and its four credentials go where step 5 has placeholders;
    // a line break ends step 3's answer, so that step 5's is the last line.
    let script = replace_once(
        &script,
        "curl -s -X POST $BASE/rest/V1/integrations/1/activate",
        "CREDENTIALS=$(curl -s -X POST $BASE/rest/V1/integrations/1/activate",
    );
    let script = replace_once(
        &script,
        "-H \"Authorization: Bearer $TOKEN\"\n#    {\"access_token\"",
        "-H \"Authorization: Bearer $TOKEN\")\n\
         echo\n\
         printf '%s\\n' \"$CREDENTIALS\" >&2\n\
         field() { printf '%s' \"$CREDENTIALS\" | sed -E \"s/.*\\\"$1\\\":\\\"([^\\\"]*)\\\".*/\\1/\"; }\n\
         CK=$(field consumer_key) CS=$(field consumer_secret)\n\
         AT=$(field access_token) ATS=$(field access_token_secret)\n\
         #    {\"access_token\"",
    );
    let script = replace_once(
        &script,
        "--consumer-key CK --consumer-secret CS --token AT --token-secret ATS",
        "--consumer-key \"$CK\" --consumer-secret \"$CS\" --token \"$AT\" --token-secret \"$ATS\"",
    );

    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&scratch.path)
        .env("WALK_BINARY", BINARY)
        .env("WALK_BASE", base)
        .env("RUST_LOG", "warn")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walk-through failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
        output.status,
        server.log()
    );

    // Step 4 answered the four credentials the README promises.
    let credentials: Value = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("step 4 answers JSON:\n{stderr}"));
    let answers = documented_answers(block);
    assert_eq!(answers.len(), 2, "the README documents two answers");
    let keys = |value: &Value| {
        let mut keys: Vec<String> = value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&credentials), keys(&answers[0]), "{credentials}");

    // Step 5, the signed call, answered exactly what the README shows.
    let signed: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("the signed call answers JSON:\n{stdout}"));
    assert_eq!(signed, answers[1], "stdout:\n{stdout}");
}
