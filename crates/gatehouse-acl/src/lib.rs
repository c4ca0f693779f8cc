//! Gatehouse's access control: the tree of ACL resources (read from the reference's `acl.xml`
//! files, or the built-in one), the callers a request can come from, the check of whether a
//! caller may use a resource, and the grants of integrations kept through
//! [`gatehouse_domain::AclRepository`].
//!
//! Architecture invariant: this crate does no network I/O and knows nothing of HTTP, SQL or
//! logging. Its only I/O is reading ACL files in [`ResourceTree::from_files`].
//!
//! Besides the tree, two resources are understood by the checks without being part of it:
//! [`ANONYMOUS`] (open to every caller) and [`SELF`] (a customer acting on their own account).

mod check;
mod error;
mod grants;
mod lines;
mod parse;
mod tree;

pub use check::{unauthorized_message, Acl, Principal};
pub use error::AclError;
pub use grants::{integration_principal, Grants};
pub use lines::LineIndex;
pub use parse::{is_valid_resource_id, MAX_DEPTH};
pub use tree::{ResourceNode, ResourceTree};

/// The root of every resource tree; a grant of it covers everything.
pub const ROOT: &str = "Magento_Backend::all";

/// The resource of routes open to every caller, guests included.
pub const ANONYMOUS: &str = "anonymous";

/// The resource of routes where a customer acts on their own account.
pub const SELF: &str = "self";
