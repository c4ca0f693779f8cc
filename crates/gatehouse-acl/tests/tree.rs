//! Loading, merging and walking resource trees, and the errors malformed files give.

use std::fs;
use std::path::PathBuf;

use gatehouse_acl::{AclError, ResourceTree, ROOT};

/// A file in a per-test folder under the system temp dir, written with `text`.
fn write_file(test: &str, name: &str, text: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("gatehouse-acl-{}-{test}", std::process::id()));
    fs::create_dir_all(&folder).expect("temp folder");
    let path = folder.join(name);
    fs::write(&path, text).expect("write test file");
    path
}

fn acl(resources: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<config xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"urn:magento:framework:Acl/etc/acl.xsd\">\n<acl>\n\
         <resources>\n{resources}\n</resources>\n</acl>\n</config>\n"
    )
}

fn error_text(result: Result<ResourceTree, AclError>) -> String {
    match result {
        Ok(tree) => panic!("expected an error, got {:?}", tree.ids()),
        Err(error) => error.to_string(),
    }
}

const FIRST: &str = r#"
<resource id="Magento_Backend::admin" title="Admin">
  <resource id="Vendor_Shop::orders" title="Orders" sortOrder="20">
    <resource id="Vendor_Shop::orders_view" title="View"/>
  </resource>
  <resource id="Vendor_Shop::carts" title="Carts" sortOrder="10"/>
</resource>"#;

const SECOND: &str = r#"
<resource id="Magento_Backend::admin">
  <!-- same node as in the first file: new title, new child -->
  <resource id="Vendor_Shop::orders" title="Sales Orders">
    <resource id="Vendor_Shop::orders_edit" title="Edit" sortOrder="-1"/>
  </resource>
  <resource id="Vendor_Shop::beta" title="Beta" sortOrder="10"/>
  <resource id="Vendor_Shop::alpha" title="Alpha" sortOrder="10"/>
</resource>"#;

#[test]
fn two_files_merge_into_one_sorted_tree() {
    let first = write_file("merge", "first.xml", &acl(FIRST));
    let second = write_file("merge", "second.xml", &acl(SECOND));

    let tree = ResourceTree::from_files(&[&first, &second]).expect("valid files");

    // One root, one admin node holding both files' children, sorted by sortOrder then id.
    assert_eq!(tree.nodes().len(), 1);
    let root = &tree.nodes()[0];
    assert_eq!(root.id, ROOT);
    assert_eq!(root.children.len(), 1);
    let admin = &root.children[0];
    assert_eq!(
        admin.title, "Admin",
        "the second file gives no title: the first one stays"
    );
    let order: Vec<&str> = admin.children.iter().map(|node| node.id.as_str()).collect();
    assert_eq!(
        order,
        vec![
            "Vendor_Shop::alpha",
            "Vendor_Shop::beta",
            "Vendor_Shop::carts",
            "Vendor_Shop::orders"
        ]
    );

    // The later title wins, the earlier sortOrder stays, children are merged and sorted.
    let orders = tree.node("Vendor_Shop::orders").expect("merged node");
    assert_eq!(orders.title, "Sales Orders");
    assert_eq!(orders.sort_order, 20);
    let children: Vec<&str> = orders
        .children
        .iter()
        .map(|node| node.id.as_str())
        .collect();
    assert_eq!(
        children,
        vec!["Vendor_Shop::orders_edit", "Vendor_Shop::orders_view"]
    );
}

#[test]
fn merge_keeps_the_first_placement_and_later_attributes() {
    let mut tree = ResourceTree::from_xml("first.xml", &acl(FIRST)).expect("valid");

    // A later file declares a known id at its top level: it gets the new sortOrder, stays put.
    let moved = acl(r#"<resource id="Vendor_Shop::orders_view" sortOrder="5" title="Look"/>"#);
    tree.merge(ResourceTree::from_xml("later.xml", &moved).expect("valid"));

    assert_eq!(
        tree.ancestors("Vendor_Shop::orders_view"),
        vec![ROOT, "Magento_Backend::admin", "Vendor_Shop::orders"]
    );
    let view = tree.node("Vendor_Shop::orders_view").expect("still there");
    assert_eq!((view.title.as_str(), view.sort_order), ("Look", 5));
    assert_eq!(tree.ids().len(), 5);
}

#[test]
fn a_file_declaring_the_root_is_merged_into_it() {
    let xml = acl(r#"<resource id="Magento_Backend::all" title="Everything">
             <resource id="Magento_Backend::admin"/>
           </resource>"#);
    let tree = ResourceTree::from_xml("root.xml", &xml).expect("valid");
    assert_eq!(tree.nodes().len(), 1);
    assert_eq!(tree.nodes()[0].title, "Everything");
    assert_eq!(tree.descendants(ROOT), vec!["Magento_Backend::admin"]);
}

#[test]
fn ancestors_descendants_and_with_ancestors() {
    let tree = ResourceTree::from_xml("first.xml", &acl(FIRST)).expect("valid");

    assert_eq!(
        tree.ancestors("Vendor_Shop::orders_view"),
        vec![ROOT, "Magento_Backend::admin", "Vendor_Shop::orders"]
    );
    assert_eq!(tree.ancestors("Magento_Backend::admin"), vec![ROOT]);
    assert!(tree.ancestors(ROOT).is_empty());
    assert!(tree.ancestors("Vendor_Shop::unknown").is_empty());

    assert_eq!(
        tree.descendants("Magento_Backend::admin"),
        vec![
            "Vendor_Shop::carts",
            "Vendor_Shop::orders",
            "Vendor_Shop::orders_view"
        ]
    );
    assert!(tree.descendants("Vendor_Shop::carts").is_empty());

    let expanded = tree.with_ancestors(&[
        "Vendor_Shop::orders_view".to_string(),
        "Vendor_Shop::carts".to_string(),
        "Vendor_Shop::orders".to_string(),
    ]);
    assert_eq!(
        expanded,
        vec![
            ROOT,
            "Magento_Backend::admin",
            "Vendor_Shop::orders",
            "Vendor_Shop::orders_view",
            "Vendor_Shop::carts",
        ]
    );
}

#[test]
fn builtin_tree_has_the_reference_areas() {
    let tree = ResourceTree::builtin();

    for id in [
        ROOT,
        "Magento_Backend::admin",
        "Magento_Backend::dashboard",
        "Magento_Sales::sales",
        "Magento_Sales::sales_operation",
        "Magento_Sales::sales_order",
        "Magento_Sales::actions_view",
        "Magento_Catalog::catalog",
        "Magento_Catalog::catalog_inventory",
        "Magento_Catalog::products",
        "Magento_Catalog::categories",
        "Magento_Customer::customer",
        "Magento_Customer::manage",
        "Magento_Cart::cart",
        "Magento_Backend::stores",
        "Magento_Backend::stores_settings",
        "Magento_Config::config",
        "Magento_Backend::system",
        "Magento_Integration::extensions",
        "Magento_Integration::integrations",
        "Magento_Integration::tokens",
    ] {
        assert!(tree.contains(id), "{id} is missing from the built-in tree");
    }
    assert!(!tree.contains("anonymous"));
    assert!(!tree.contains("self"));

    assert_eq!(
        tree.ancestors("Magento_Integration::integrations"),
        vec![
            ROOT,
            "Magento_Backend::admin",
            "Magento_Backend::system",
            "Magento_Integration::extensions"
        ]
    );
    assert_eq!(
        tree.ancestors("Magento_Sales::actions_view"),
        vec![
            ROOT,
            "Magento_Backend::admin",
            "Magento_Sales::sales",
            "Magento_Sales::sales_operation",
            "Magento_Sales::sales_order",
            "Magento_Sales::actions"
        ]
    );
}

#[test]
fn builtin_tree_can_be_extended_by_files() {
    let extension = write_file(
        "extend",
        "acl.xml",
        &acl(r#"<resource id="Magento_Backend::admin">
                  <resource id="Magento_Sales::sales" title="Sales and Returns">
                    <resource id="Vendor_Rma::returns" title="Returns" sortOrder="5"/>
                  </resource>
                </resource>"#),
    );

    let mut tree = ResourceTree::builtin();
    tree.merge(ResourceTree::from_files(&[extension]).expect("valid"));

    assert_eq!(
        tree.node("Magento_Sales::sales").map(|n| n.title.as_str()),
        Some("Sales and Returns")
    );
    assert_eq!(
        tree.ancestors("Vendor_Rma::returns"),
        vec![ROOT, "Magento_Backend::admin", "Magento_Sales::sales"]
    );
    let first_child = &tree.node("Magento_Sales::sales").expect("sales").children[0];
    assert_eq!(
        first_child.id, "Vendor_Rma::returns",
        "sortOrder 5 comes before 10"
    );
    assert!(
        tree.contains("Magento_Sales::sales_order"),
        "the built-in children stay"
    );
}

#[test]
fn nodes_serialize_to_the_documented_json_shape() {
    let xml = acl(r#"<resource id="Magento_Backend::admin" title="Admin" sortOrder="10"/>"#);
    let tree = ResourceTree::from_xml("shape.xml", &xml).expect("valid");

    let json = serde_json::to_value(tree.nodes()).expect("serializable");
    assert_eq!(
        json,
        serde_json::json!([{
            "id": "Magento_Backend::all",
            "title": "All Resources",
            "sort_order": 0,
            "children": [{
                "id": "Magento_Backend::admin",
                "title": "Admin",
                "sort_order": 10,
                "children": []
            }]
        }])
    );
}

#[test]
fn missing_file_names_the_path() {
    let missing = std::env::temp_dir().join("gatehouse-acl-no-such-dir/acl.xml");
    let text = error_text(ResourceTree::from_files(&[&missing]));
    assert_eq!(text, format!("cannot read acl file {}", missing.display()));
}

#[test]
fn malformed_xml_names_file_and_line() {
    let broken = write_file(
        "malformed",
        "broken.xml",
        "<config>\n  <acl>\n    <resources>\n    </acl>\n</config>\n",
    );
    let text = error_text(ResourceTree::from_files(&[&broken]));
    let expected_start = format!("{}:4: malformed xml:", broken.display());
    assert!(text.starts_with(&expected_start), "{text}");
    assert!(text.contains("resources"), "{text}");

    let unterminated = "<config>\n<acl>\n<resources>\n<resource id=\"Ab_Cd::x\" title=\"oops";
    let text = error_text(ResourceTree::from_xml("cut.xml", unterminated));
    assert!(text.starts_with("cut.xml:4: malformed xml:"), "{text}");
}

#[test]
fn resource_without_id_names_file_and_line() {
    let xml = acl(
        "<resource id=\"Magento_Backend::admin\">\n  <resource title=\"Nameless\"/>\n</resource>",
    );
    let text = error_text(ResourceTree::from_xml("noid.xml", &xml));
    assert_eq!(text, "noid.xml:6: <resource> has no id attribute");
}

#[test]
fn badly_shaped_id_names_file_line_and_reason() {
    let xml = acl(
        "\n<resource id=\"Magento_Backend::admin\">\n<resource id=\"sales orders\"/>\n</resource>",
    );
    let path = write_file("badid", "badid.xml", &xml);
    let text = error_text(ResourceTree::from_files(&[&path]));
    assert_eq!(
        text,
        format!(
            "{}:7: resource id \"sales orders\" is not shaped Vendor_Module::thing",
            path.display()
        )
    );
}

#[test]
fn an_error_in_a_later_file_names_that_file() {
    let good = write_file("later", "good.xml", &acl(FIRST));
    let bad = write_file("later", "bad.xml", "<config><acl><resources><resource/>");
    let text = error_text(ResourceTree::from_files(&[good, bad.clone()]));
    assert_eq!(
        text,
        format!("{}:1: <resource> has no id attribute", bad.display())
    );
}

#[test]
fn a_byte_order_mark_is_tolerated() {
    let xml = format!("\u{feff}{}", acl(FIRST));
    let path = write_file("bom", "bom.xml", &xml);
    let tree = ResourceTree::from_files(&[path]).expect("a BOM is not content");
    assert!(tree.contains("Vendor_Shop::orders_view"));
}
