//! The `integration.xml` reader (`parse_integration_xml`) on arbitrary text. It must return the
//! integrations or an error, never panic or hang.
//!
//! Input: the XML text (invalid UTF-8 replaced).

#![no_main]

use gatehouse_acl::is_valid_resource_id;
use gatehouse_tokens::integration_config::parse_integration_xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    match parse_integration_xml("fuzz.xml", &xml) {
        Ok(integrations) => {
            // What the reader promises: names unique in a file, resources well shaped and listed
            // once.
            for (index, integration) in integrations.iter().enumerate() {
                assert!(
                    integrations[..index]
                        .iter()
                        .all(|earlier| earlier.name != integration.name),
                    "an integration declared twice was accepted"
                );
                for (position, resource) in integration.resources.iter().enumerate() {
                    assert!(is_valid_resource_id(resource), "a malformed resource id");
                    assert!(
                        !integration.resources[..position].contains(resource),
                        "a resource listed twice"
                    );
                }
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
