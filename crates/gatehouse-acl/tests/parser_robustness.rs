//! The `acl.xml` reader never panics, whatever it is given: it answers with a tree or an error
//! that names the source and a line inside the text.

use gatehouse_acl::{AclError, ResourceTree};
use proptest::prelude::*;

/// Checks the outcome of parsing `xml`: a tree whose walks work, or an error pointing inside it.
fn check(xml: &str) {
    match ResourceTree::from_xml("fuzz.xml", xml) {
        Ok(tree) => {
            for id in tree.ids() {
                assert!(tree.contains(id));
                let _ = tree.ancestors(id);
            }
        }
        Err(AclError::Invalid { file, line, .. }) => {
            assert_eq!(file, "fuzz.xml");
            assert!(
                line >= 1 && line <= xml.lines().count().max(1) + 1,
                "line {line}"
            );
        }
        Err(other) => panic!("unexpected error kind {other:?}"),
    }
}

/// Fragments of the format, so that generated input often gets deep into the reader.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<config>".to_string()),
        Just("</config>".to_string()),
        Just("<acl>".to_string()),
        Just("</acl>".to_string()),
        Just("<resources>".to_string()),
        Just("</resources>".to_string()),
        Just("</resource>".to_string()),
        Just("<resource/>".to_string()),
        Just("<!-- c -->".to_string()),
        Just("<![CDATA[x]]>".to_string()),
        Just("&amp;".to_string()),
        Just("\n".to_string()),
        "[A-Z][a-z]{1,3}_[A-Z][a-z]{1,3}::[a-z_]{1,4}"
            .prop_map(|id| format!("<resource id=\"{id}\" sortOrder=\"3\">")),
        "[ -~]{0,12}".prop_map(|id| format!("<resource id=\"{id}\">")),
        "\\PC{0,8}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(xml in "\\PC{0,200}") {
        check(&xml);
    }

    #[test]
    fn format_fragments_never_panic(parts in prop::collection::vec(fragment(), 0..40)) {
        check(&parts.concat());
    }
}

#[test]
fn adversarial_inputs_are_errors() {
    let deep = format!(
        "<config><acl><resources>{}",
        "<resource id=\"Ab_Cd::x\">".repeat(10_000)
    );
    let cases = [
        "".to_string(),
        "<".to_string(),
        "<?xml version=\"1.0\"?>".to_string(),
        "<config".to_string(),
        "<config><acl><resources><resource id=\"Ab_Cd::x\" id=\"Ab_Cd::y\"/>".to_string(),
        "<config><acl><resources><resource id=\"Ab_Cd::&bogus;\"/>".to_string(),
        "<config><acl><resources><resource id=Ab_Cd::x/>".to_string(),
        "<config></acl></config>".to_string(),
        "<!DOCTYPE config [<!ENTITY a \"aaaa\">]><config>&a;</config>".to_string(),
        "<config><acl><resources><resource id=\"Ab_Cd::x\" sortOrder=\"99999999999999999999\"/>"
            .to_string(),
        "\u{feff}<config/>\u{0}".to_string(),
        deep,
    ];

    for xml in &cases {
        check(xml);
        assert!(
            ResourceTree::from_xml("fuzz.xml", xml).is_err(),
            "{xml:.80}"
        );
    }
}
