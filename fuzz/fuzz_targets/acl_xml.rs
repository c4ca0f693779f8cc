//! The `acl.xml` reader (`ResourceTree::from_xml`) on arbitrary text, then the tree's walks and
//! a merge into the built-in tree. It must return a tree or an error, never panic or hang.
//!
//! Input: the XML text (invalid UTF-8 replaced).

#![no_main]

use std::sync::OnceLock;

use gatehouse_acl::{Acl, Principal, ResourceTree};
use gatehouse_domain::{IntegrationId, SetupType};
use libfuzzer_sys::fuzz_target;

fn builtin() -> &'static ResourceTree {
    static BUILTIN: OnceLock<ResourceTree> = OnceLock::new();
    BUILTIN.get_or_init(ResourceTree::builtin)
}

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    let tree = match ResourceTree::from_xml("fuzz.xml", &xml) {
        Ok(tree) => tree,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };

    let ids: Vec<String> = tree.ids().into_iter().map(str::to_owned).collect();
    for id in &ids {
        assert!(tree.contains(id), "a listed id the tree does not contain");
        let _ = tree.ancestors(id);
        let _ = tree.descendants(id);
        let _ = tree.node(id);
    }
    let _ = tree.with_ancestors(&ids);

    let mut merged = builtin().clone();
    merged.merge(tree);
    for id in &ids {
        let _ = merged.ancestors(id);
    }
    let acl = Acl::new(merged);
    for setup_type in [SetupType::Manual, SetupType::ConfigFile] {
        let integration = Principal::Integration {
            integration_id: IntegrationId(1),
            resources: ids.iter().take(8).cloned().collect(),
            setup_type,
        };
        for id in ids.iter().take(8) {
            let _ = acl.is_allowed(&integration, id);
        }
        let _ = acl.is_allowed(&integration, "Magento_Backend::admin");
    }
});
