//! Who is calling and what they may use: principals, the permission check, and the reference's
//! refusal message.

use gatehouse_domain::{AdminId, CustomerId, IntegrationId, Message, SetupType, UserType};

use crate::error::AclError;
use crate::tree::ResourceTree;
use crate::{ANONYMOUS, ROOT, SELF};

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An active integration, with the resources its role grants.
    Integration {
        /// Whose grant this is.
        integration_id: IntegrationId,
        /// The granted resource ids, as stored.
        resources: Vec<String>,
        /// How the integration was made. One declared in a config file may also use the
        /// ancestors of its resources, as the reference grants them (see [`Acl::is_allowed`]).
        setup_type: SetupType,
    },
    /// A back-office admin: every resource.
    Admin(AdminId),
    /// A shop customer: only [`SELF`] and [`ANONYMOUS`] resources.
    Customer(CustomerId),
    /// Nobody authenticated: only [`ANONYMOUS`] resources.
    Guest,
}

impl Principal {
    /// The reference's user type of this caller.
    pub fn user_type(&self) -> UserType {
        match self {
            Self::Integration { .. } => UserType::Integration,
            Self::Admin(_) => UserType::Admin,
            Self::Customer(_) => UserType::Customer,
            Self::Guest => UserType::Guest,
        }
    }

    /// The caller's id (integration, admin or customer id); none for a guest.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Integration { integration_id, .. } => Some(integration_id.0),
            Self::Admin(admin_id) => Some(admin_id.0),
            Self::Customer(customer_id) => Some(customer_id.0),
            Self::Guest => None,
        }
    }

    /// The resources the caller holds, as `GET /rest/V1/integration/self` reports them: an
    /// integration its grant, an admin the root, a customer `self`, a guest `anonymous`.
    pub fn resources(&self) -> Vec<String> {
        match self {
            Self::Integration { resources, .. } => resources.clone(),
            Self::Admin(_) => vec![ROOT.to_string()],
            Self::Customer(_) => vec![SELF.to_string()],
            Self::Guest => vec![ANONYMOUS.to_string()],
        }
    }
}

/// Permission checks against one resource tree.
#[derive(Debug, Clone)]
pub struct Acl {
    tree: ResourceTree,
}

impl Acl {
    /// Checks against `tree`.
    pub fn new(tree: ResourceTree) -> Self {
        Self { tree }
    }

    /// The tree the checks use.
    pub fn tree(&self) -> &ResourceTree {
        &self.tree
    }

    /// Whether `principal` may use `resource`.
    ///
    /// [`ANONYMOUS`] is open to everyone. An admin may use everything. A customer may use only
    /// [`SELF`] besides. An integration may use a resource it was granted or one under a granted
    /// resource; a grant of [`ROOT`] covers every resource but [`SELF`], which is for customers
    /// acting on their own account.
    ///
    /// An integration declared in a config file may also use each ancestor of a granted
    /// resource but [`ROOT`], that ancestor alone: the reference adds the ancestors of
    /// config-declared resources to the grant (from `Magento_Backend::admin` down), and since
    /// its ACL denies every resource not listed, each ancestor is open by itself and not what
    /// lies under it.
    pub fn is_allowed(&self, principal: &Principal, resource: &str) -> bool {
        if resource == ANONYMOUS {
            return true;
        }

        match principal {
            Principal::Admin(_) => true,
            Principal::Customer(_) => resource == SELF,
            Principal::Guest => false,
            Principal::Integration {
                resources,
                setup_type,
                ..
            } => {
                if resource == SELF {
                    return false;
                }

                let granted = |id: &str| resources.iter().any(|granted| granted == id);
                let covered = granted(ROOT)
                    || granted(resource)
                    || self.tree.ancestors(resource).into_iter().any(granted);
                // The reference's ancestors end at the top of its files' tree; Gatehouse's
                // own root above them (every resource) is never opened this way.
                covered
                    || (*setup_type == SetupType::ConfigFile
                        && resource != ROOT
                        && resources
                            .iter()
                            .any(|granted| self.tree.ancestors(granted).contains(&resource)))
            }
        }
    }

    /// Whether `principal` may use every one of `resources`, as a route that lists several
    /// requires.
    pub fn is_allowed_all(&self, principal: &Principal, resources: &[&str]) -> bool {
        resources
            .iter()
            .all(|resource| self.is_allowed(principal, resource))
    }

    /// Succeeds when `principal` may use every one of `resources`; otherwise
    /// [`AclError::Denied`] naming all of them, as the reference's refusal does.
    pub fn authorize(&self, principal: &Principal, resources: &[&str]) -> Result<(), AclError> {
        if self.is_allowed_all(principal, resources) {
            return Ok(());
        }

        Err(AclError::Denied {
            resources: resources
                .iter()
                .map(|resource| resource.to_string())
                .collect(),
        })
    }
}

/// The reference's refusal: `The consumer isn't authorized to access %resources.`, with the ids
/// joined by `, ` in the `resources` parameter.
pub fn unauthorized_message(resources: &[&str]) -> Message {
    Message::new("The consumer isn't authorized to access %resources.")
        .with("resources", resources.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_message_keeps_the_placeholder() {
        let message = unauthorized_message(&["Magento_Sales::sales", "Magento_Cart::cart"]);
        assert_eq!(
            message.template,
            "The consumer isn't authorized to access %resources."
        );
        assert_eq!(
            message.parameters,
            vec![(
                "resources".into(),
                "Magento_Sales::sales, Magento_Cart::cart".to_string()
            )]
        );
        assert_eq!(
            message.render(),
            "The consumer isn't authorized to access Magento_Sales::sales, Magento_Cart::cart."
        );
    }

    #[test]
    fn principal_identity() {
        let integration = Principal::Integration {
            integration_id: IntegrationId(7),
            resources: vec!["Magento_Sales::sales".into()],
            setup_type: SetupType::Manual,
        };
        assert_eq!(integration.user_type().code(), 1);
        assert_eq!(integration.user_id(), Some(7));
        assert_eq!(integration.resources(), vec!["Magento_Sales::sales"]);
        assert_eq!(Principal::Admin(AdminId(3)).resources(), vec![ROOT]);
        assert_eq!(Principal::Customer(CustomerId(9)).user_type().code(), 3);
        assert_eq!(Principal::Customer(CustomerId(9)).resources(), vec![SELF]);
        assert_eq!(Principal::Guest.user_id(), None);
        assert_eq!(Principal::Guest.user_type().code(), 4);
    }
}
