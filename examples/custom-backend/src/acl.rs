//! [`AclRepository`] for [`TableStore`]: roles, one per user, and their allow rules, replaced
//! as a whole.

use std::collections::BTreeSet;

use gatehouse_domain::{AclRepository, NewRole, Role, RoleId, StorageResult, UserType};

use crate::store::{conflict, missing, read, write, TableStore};

impl AclRepository for TableStore {
    fn create_role(&self, role: NewRole) -> StorageResult<Role> {
        let mut roles = write(&self.roles);

        let user = (role.user_type, role.user_id);
        if roles.by_user.contains_key(&user) {
            return Err(conflict("role"));
        }

        let row = Role {
            id: roles.table.next_id(),
            name: role.name,
            user_type: role.user_type,
            user_id: role.user_id,
        };
        roles.by_user.insert(user, row.id);
        roles.table.rows.insert(row.id, row.clone());
        Ok(row)
    }

    fn role_for_user(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<Role>> {
        let roles = read(&self.roles);
        let found = roles
            .by_user
            .get(&(user_type, user_id))
            .and_then(|id| roles.table.rows.get(id));
        Ok(found.cloned())
    }

    fn replace_role_resources(&self, role_id: RoleId, resources: &[String]) -> StorageResult<()> {
        // The new set is built before the lock is taken, then swapped in with one insert: a
        // reader holding the read lock sees the old list or the new one, never a mix.
        let replacement: BTreeSet<String> = resources.iter().cloned().collect();

        let mut roles = write(&self.roles);
        if !roles.table.rows.contains_key(&role_id) {
            return Err(missing("role"));
        }
        roles.rules.insert(role_id, replacement);
        Ok(())
    }

    fn role_resources(&self, role_id: RoleId) -> StorageResult<Vec<String>> {
        // A `BTreeSet<String>` iterates in byte order, which is the order the trait promises.
        let roles = read(&self.roles);
        let resources = roles
            .rules
            .get(&role_id)
            .map(|rules| rules.iter().cloned().collect())
            .unwrap_or_default();
        Ok(resources)
    }

    fn delete_role(&self, role_id: RoleId) -> StorageResult<bool> {
        let mut roles = write(&self.roles);
        let Some(role) = roles.table.rows.remove(&role_id) else {
            return Ok(false);
        };
        roles.by_user.remove(&(role.user_type, role.user_id));
        roles.rules.remove(&role_id);
        Ok(true)
    }
}
