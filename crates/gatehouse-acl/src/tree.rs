//! The ACL resource tree: loaded from `acl.xml` files, merged, and asked about ancestors and
//! descendants.
//!
//! Every tree has the root [`ROOT`] (`Magento_Backend::all`), which the reference never
//! declares in a file: whatever a file declares at its top level (normally
//! `Magento_Backend::admin`) is placed under it.
//!
//! Merging goes by id: a resource that appears in several files is one node. Attributes a later
//! file gives win, attributes it leaves out keep their earlier value, and children are merged.
//! A node stays where it was first declared: a later file that declares a known id under
//! another parent adds attributes and children to it but does not move it, so no merge can
//! make a cycle. `disabled="true"` hides a resource and everything under it, until a later file
//! says `disabled="false"`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::error::AclError;
use crate::parse::{parse_acl_xml, Declaration};
use crate::ROOT;

/// The title of the root when no file names it.
const ROOT_TITLE: &str = "All Resources";

/// The tree Gatehouse ships, in the reference's main areas.
const BUILTIN_ACL_XML: &str = include_str!("acl.xml");

/// One resource as clients see it (`GET /rest/V1/acl/resources`): id, title, sort order and
/// children, which are ordered by sort order and then id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceNode {
    /// `Vendor_Module::thing`.
    pub id: String,
    /// The label shown in the admin's resource tree; empty when no file gave one.
    pub title: String,
    /// Position among siblings; 0 when no file gave one.
    pub sort_order: i64,
    /// The resources under this one.
    pub children: Vec<ResourceNode>,
}

/// A resource as merged so far, with what each file did and did not say.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    title: Option<String>,
    sort_order: Option<i64>,
    disabled: Option<bool>,
    children: Vec<usize>,
}

/// A tree of ACL resources under [`ROOT`].
#[derive(Debug, Clone)]
pub struct ResourceTree {
    /// Every declared resource, disabled ones included; `entries[0]` is the root.
    entries: Vec<Entry>,
    /// Index into `entries` by id.
    positions: HashMap<String, usize>,
    /// The visible tree: the root node alone at the top, children sorted.
    published: Vec<ResourceNode>,
    /// For each visible id, the child indexes that lead to it from the top of `published`.
    paths: HashMap<String, Vec<usize>>,
}

impl Default for ResourceTree {
    /// A tree holding only the root.
    fn default() -> Self {
        let root = Entry {
            id: ROOT.to_string(),
            title: None,
            sort_order: None,
            disabled: None,
            children: Vec::new(),
        };
        let mut tree = Self {
            entries: vec![root],
            positions: HashMap::from([(ROOT.to_string(), 0)]),
            published: Vec::new(),
            paths: HashMap::new(),
        };
        tree.publish();
        tree
    }
}

impl ResourceTree {
    /// The tree Gatehouse ships: the root, `Magento_Backend::admin` and the reference's main
    /// areas (dashboard, sales, catalog, customers, carts, stores, system with integrations and
    /// tokens).
    pub fn builtin() -> Self {
        Self::from_xml("builtin acl.xml", BUILTIN_ACL_XML)
            .expect("the bundled acl.xml is valid: the builtin_tree_is_valid test parses it")
    }

    /// The files merged in order, later ones winning. The built-in tree is not included; merge
    /// [`ResourceTree::builtin`] first to extend it.
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<Self, AclError> {
        let mut tree = Self::default();

        for path in paths {
            let path = path.as_ref();
            let xml = fs::read_to_string(path).map_err(|source| AclError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            tree.merge(Self::from_xml(&path.display().to_string(), &xml)?);
        }

        Ok(tree)
    }

    /// The tree of one `acl.xml` text; `source_name` names it in errors.
    pub fn from_xml(source_name: &str, xml: &str) -> Result<Self, AclError> {
        let declarations = parse_acl_xml(source_name, xml)?;

        let mut tree = Self::default();
        for declaration in &declarations {
            tree.insert(0, declaration);
        }
        tree.publish();
        Ok(tree)
    }

    /// Adds `other` to this tree: same ids are the same node, `other`'s attributes win where it
    /// gives them, children are merged.
    pub fn merge(&mut self, other: ResourceTree) {
        // Parents come before children in this walk, so each parent is known here by the time
        // its children arrive.
        let mut pending = vec![(0usize, 0usize)];
        while let Some((other_index, parent_index)) = pending.pop() {
            let entry = &other.entries[other_index];
            let index = self.upsert(parent_index, entry_attributes(entry));
            for child in entry.children.iter().rev() {
                pending.push((*child, index));
            }
        }

        self.publish();
    }

    /// Whether `id` is a visible resource of this tree.
    pub fn contains(&self, id: &str) -> bool {
        self.paths.contains_key(id)
    }

    /// The ids above `id`, root first, `id` excluded. Empty for the root and for unknown ids.
    pub fn ancestors(&self, id: &str) -> Vec<&str> {
        let Some(path) = self.paths.get(id) else {
            return Vec::new();
        };

        let mut ancestors = Vec::with_capacity(path.len());
        let mut level = &self.published;
        for index in &path[..path.len() - 1] {
            let node = &level[*index];
            ancestors.push(node.id.as_str());
            level = &node.children;
        }
        ancestors
    }

    /// The reference's rule for resources read from config files: each id preceded by its
    /// ancestors, root first, every id once. Unknown ids are kept, without ancestors.
    pub fn with_ancestors(&self, ids: &[String]) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut expanded = Vec::new();

        for id in ids {
            for candidate in self.ancestors(id).into_iter().chain([id.as_str()]) {
                if seen.insert(candidate) {
                    expanded.push(candidate.to_string());
                }
            }
        }
        expanded
    }

    /// Every visible id under `id`, parents before their children, siblings in order. Empty for
    /// leaves and unknown ids.
    pub fn descendants(&self, id: &str) -> Vec<&str> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };

        let mut descendants = Vec::new();
        let mut pending: Vec<&ResourceNode> = node.children.iter().rev().collect();
        while let Some(next) = pending.pop() {
            descendants.push(next.id.as_str());
            pending.extend(next.children.iter().rev());
        }
        descendants
    }

    /// The visible node with this id.
    pub fn node(&self, id: &str) -> Option<&ResourceNode> {
        let path = self.paths.get(id)?;

        let mut level = &self.published;
        let mut found = None;
        for index in path {
            let node = &level[*index];
            found = Some(node);
            level = &node.children;
        }
        found
    }

    /// The top-level nodes: the root alone, with everything under it.
    pub fn nodes(&self) -> &[ResourceNode] {
        &self.published
    }

    /// Every visible id, root first, parents before children.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids = vec![ROOT];
        ids.extend(self.descendants(ROOT));
        ids
    }

    /// Adds a parsed declaration and its children under `parent_index`.
    fn insert(&mut self, parent_index: usize, declaration: &Declaration) {
        let attributes = Attributes {
            id: &declaration.id,
            title: declaration.title.as_deref(),
            sort_order: declaration.sort_order,
            disabled: declaration.disabled,
        };
        let index = self.upsert(parent_index, attributes);

        for child in &declaration.children {
            self.insert(index, child);
        }
    }

    /// Updates the entry with this id, or creates it under `parent_index`. Returns its index.
    fn upsert(&mut self, parent_index: usize, attributes: Attributes<'_>) -> usize {
        let index = match self.positions.get(attributes.id) {
            Some(index) => *index,
            None => {
                let index = self.entries.len();
                self.entries.push(Entry {
                    id: attributes.id.to_string(),
                    title: None,
                    sort_order: None,
                    disabled: None,
                    children: Vec::new(),
                });
                self.entries[parent_index].children.push(index);
                self.positions.insert(attributes.id.to_string(), index);
                index
            }
        };

        let entry = &mut self.entries[index];
        if let Some(title) = attributes.title {
            entry.title = Some(title.to_string());
        }
        if attributes.sort_order.is_some() {
            entry.sort_order = attributes.sort_order;
        }
        if attributes.disabled.is_some() {
            entry.disabled = attributes.disabled;
        }
        index
    }

    /// Rebuilds the visible tree and its path index from the entries.
    fn publish(&mut self) {
        let root = &self.entries[0];
        let root_node = ResourceNode {
            id: root.id.clone(),
            title: root.title.clone().unwrap_or_else(|| ROOT_TITLE.to_string()),
            sort_order: root.sort_order.unwrap_or(0),
            children: self.published_children(0),
        };

        let mut paths = HashMap::new();
        let mut pending = vec![(&root_node, vec![0usize])];
        while let Some((node, path)) = pending.pop() {
            for (child_index, child) in node.children.iter().enumerate() {
                let mut child_path = path.clone();
                child_path.push(child_index);
                pending.push((child, child_path));
            }
            paths.insert(node.id.clone(), path);
        }

        self.paths = paths;
        self.published = vec![root_node];
    }

    /// The visible children of an entry, sorted by sort order and then id.
    fn published_children(&self, index: usize) -> Vec<ResourceNode> {
        let mut children: Vec<ResourceNode> = self.entries[index]
            .children
            .iter()
            .map(|child| (*child, &self.entries[*child]))
            .filter(|(_, entry)| entry.disabled != Some(true))
            .map(|(child, entry)| ResourceNode {
                id: entry.id.clone(),
                title: entry.title.clone().unwrap_or_default(),
                sort_order: entry.sort_order.unwrap_or(0),
                children: self.published_children(child),
            })
            .collect();

        children.sort_by(|a, b| {
            a.sort_order
                .cmp(&b.sort_order)
                .then_with(|| a.id.cmp(&b.id))
        });
        children
    }
}

/// What one declaration says about a resource.
struct Attributes<'a> {
    id: &'a str,
    title: Option<&'a str>,
    sort_order: Option<i64>,
    disabled: Option<bool>,
}

fn entry_attributes(entry: &Entry) -> Attributes<'_> {
    Attributes {
        id: &entry.id,
        title: entry.title.as_deref(),
        sort_order: entry.sort_order,
        disabled: entry.disabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tree_is_valid() {
        let tree = ResourceTree::from_xml("builtin acl.xml", BUILTIN_ACL_XML);
        let tree = tree.expect("the bundled acl.xml parses");
        assert!(tree.contains("Magento_Backend::admin"));
        assert_eq!(tree.nodes().len(), 1);
        assert_eq!(tree.nodes()[0].id, ROOT);
    }

    #[test]
    fn empty_tree_has_only_the_root() {
        let tree = ResourceTree::default();
        assert!(tree.contains(ROOT));
        assert_eq!(tree.ids(), vec![ROOT]);
        assert_eq!(tree.nodes()[0].title, ROOT_TITLE);
        assert!(tree.ancestors(ROOT).is_empty());
        assert!(tree.descendants(ROOT).is_empty());
    }

    #[test]
    fn disabled_resources_are_hidden_until_enabled_again() {
        let base = r#"<config><acl><resources>
            <resource id="Magento_Backend::admin">
              <resource id="Vendor_Shop::top"><resource id="Vendor_Shop::leaf"/></resource>
            </resource></resources></acl></config>"#;
        let disable = r#"<config><acl><resources>
            <resource id="Vendor_Shop::top" disabled="true"/></resources></acl></config>"#;
        let enable = r#"<config><acl><resources>
            <resource id="Vendor_Shop::top" disabled="false"/></resources></acl></config>"#;

        let mut tree = ResourceTree::from_xml("base.xml", base).expect("valid");
        tree.merge(ResourceTree::from_xml("disable.xml", disable).expect("valid"));
        assert!(!tree.contains("Vendor_Shop::top"));
        assert!(!tree.contains("Vendor_Shop::leaf"));
        assert_eq!(tree.descendants(ROOT), vec!["Magento_Backend::admin"]);

        tree.merge(ResourceTree::from_xml("enable.xml", enable).expect("valid"));
        assert_eq!(
            tree.ancestors("Vendor_Shop::leaf"),
            vec![ROOT, "Magento_Backend::admin", "Vendor_Shop::top"]
        );
    }
}
