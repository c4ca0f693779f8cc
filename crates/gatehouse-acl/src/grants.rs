//! Integration grants, stored through [`AclRepository`]: one role per integration (named after
//! the integration id, user type 1) whose allow rules are the granted resource ids.

use std::collections::HashSet;

use gatehouse_domain::{
    AclRepository, IntegrationId, NewRole, Role, SetupType, StorageError, StorageResult, UserType,
};

use crate::check::Principal;
use crate::error::AclError;
use crate::tree::ResourceTree;
use crate::ROOT;

/// Reads and writes the grants of integrations, checking ids against a resource tree.
pub struct Grants<'a, R: AclRepository + ?Sized> {
    repo: &'a R,
    tree: &'a ResourceTree,
}

impl<'a, R: AclRepository + ?Sized> Grants<'a, R> {
    /// Grants stored in `repo`, with resource ids checked against `tree`.
    pub fn new(repo: &'a R, tree: &'a ResourceTree) -> Self {
        Self { repo, tree }
    }

    /// Grants every resource (the root), replacing the previous grant.
    pub fn grant_all(&self, integration_id: IntegrationId) -> Result<(), AclError> {
        let role = self.ensure_role(integration_id)?;
        self.repo
            .replace_role_resources(role.id, &[ROOT.to_string()])?;
        Ok(())
    }

    /// Grants exactly `resources`, replacing the previous grant. Ids the tree does not know are
    /// refused with [`AclError::UnknownResources`] naming them, and nothing is changed.
    /// Duplicates are stored once; the list is stored as given, ancestors are not added.
    pub fn grant(
        &self,
        integration_id: IntegrationId,
        resources: &[String],
    ) -> Result<(), AclError> {
        let mut unknown: Vec<String> = Vec::new();
        for id in resources {
            if !self.tree.contains(id) && !unknown.contains(id) {
                unknown.push(id.clone());
            }
        }
        if !unknown.is_empty() {
            return Err(AclError::UnknownResources { ids: unknown });
        }

        let mut seen = HashSet::new();
        let distinct: Vec<String> = resources
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .cloned()
            .collect();

        let role = self.ensure_role(integration_id)?;
        self.repo.replace_role_resources(role.id, &distinct)?;
        Ok(())
    }

    /// The granted resource ids, sorted; empty when the integration has no role.
    pub fn resources_of(&self, integration_id: IntegrationId) -> Result<Vec<String>, AclError> {
        Ok(granted_resources(self.repo, integration_id)?)
    }

    /// Whether the integration is granted every resource (its grant holds the root).
    pub fn is_granted_all(&self, integration_id: IntegrationId) -> Result<bool, AclError> {
        let resources = self.resources_of(integration_id)?;
        Ok(resources.iter().any(|id| id == ROOT))
    }

    /// Deletes the integration's role and its rules. Returns whether there was one.
    pub fn remove(&self, integration_id: IntegrationId) -> Result<bool, AclError> {
        let Some(role) = self.role(integration_id)? else {
            return Ok(false);
        };

        Ok(self.repo.delete_role(role.id)?)
    }

    /// The integration as a caller, with its stored grant; `setup_type` is how it was made.
    pub fn principal(
        &self,
        integration_id: IntegrationId,
        setup_type: SetupType,
    ) -> Result<Principal, AclError> {
        Ok(integration_principal(
            self.repo,
            integration_id,
            setup_type,
        )?)
    }

    fn role(&self, integration_id: IntegrationId) -> Result<Option<Role>, AclError> {
        Ok(self
            .repo
            .role_for_user(UserType::Integration, integration_id.0)?)
    }

    /// The integration's role, created if it has none yet.
    fn ensure_role(&self, integration_id: IntegrationId) -> Result<Role, AclError> {
        if let Some(role) = self.role(integration_id)? {
            return Ok(role);
        }

        let new_role = NewRole {
            name: integration_id.to_string(),
            user_type: UserType::Integration,
            user_id: integration_id.0,
        };
        match self.repo.create_role(new_role) {
            Ok(role) => Ok(role),
            // Another writer created it between the read and the insert: use theirs.
            Err(StorageError::Conflict { .. }) => self.role(integration_id)?.ok_or_else(|| {
                AclError::Storage(StorageError::internal(
                    "role creation conflicted but no role exists",
                ))
            }),
            Err(error) => Err(error.into()),
        }
    }
}

/// An integration as a caller, with the grant stored for it in `repo`: what
/// [`Grants::principal`] answers, for callers that hold no resource tree (reading a stored
/// grant needs none). `setup_type` is how the integration was made.
pub fn integration_principal<R: AclRepository + ?Sized>(
    repo: &R,
    integration_id: IntegrationId,
    setup_type: SetupType,
) -> StorageResult<Principal> {
    Ok(Principal::Integration {
        integration_id,
        resources: granted_resources(repo, integration_id)?,
        setup_type,
    })
}

/// The resource ids granted to the integration, sorted; empty when it has no role.
fn granted_resources<R: AclRepository + ?Sized>(
    repo: &R,
    integration_id: IntegrationId,
) -> StorageResult<Vec<String>> {
    match repo.role_for_user(UserType::Integration, integration_id.0)? {
        Some(role) => repo.role_resources(role.id),
        None => Ok(Vec::new()),
    }
}
