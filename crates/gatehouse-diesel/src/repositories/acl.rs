//! ACL roles and their allow rules (`authorization_role`, `authorization_rule`).

use std::collections::BTreeSet;

use diesel::prelude::*;

use gatehouse_domain::repository::{AclRepository, StorageResult};
use gatehouse_domain::{NewRole, Role, RoleId, UserType};

use crate::connection::AnyConnection;
use crate::error::Rules;
use crate::rows::{user_type_code, NewRoleRow, NewRuleRow, RoleRow};
use crate::schema::{authorization_role, authorization_rule};
use crate::store::DieselStore;

const ROLE_RULES: Rules = Rules {
    unique: &[("", "role")],
    reference: "role",
};

/// Rules per multi-row insert; keeps each statement far below every backend's bind limit.
const RULES_PER_INSERT: usize = 500;

/// The only permission Gatehouse stores: a rule row allows its resource.
const ALLOW: &str = "allow";

impl AclRepository for DieselStore {
    fn create_role(&self, role: NewRole) -> StorageResult<Role> {
        let row = NewRoleRow {
            role_name: &role.name,
            user_type: user_type_code(role.user_type),
            user_id: role.user_id,
        };

        // A user has at most one role, so reading back by user finds the row just inserted.
        let created = self.write(ROLE_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(authorization_role::table)
                    .values(&row)
                    .execute(connection)?;
                authorization_role::table
                    .filter(authorization_role::user_type.eq(row.user_type))
                    .filter(authorization_role::user_id.eq(row.user_id))
                    .select(RoleRow::as_select())
                    .get_result(connection)
            })
        })?;
        created.into_domain()
    }

    fn role_for_user(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<Role>> {
        let found = self.run(Rules::NONE, |connection| {
            authorization_role::table
                .filter(authorization_role::user_type.eq(user_type_code(user_type)))
                .filter(authorization_role::user_id.eq(user_id))
                .select(RoleRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(RoleRow::into_domain).transpose()
    }

    fn replace_role_resources(&self, role_id: RoleId, resources: &[String]) -> StorageResult<()> {
        // Each resource once, whatever the caller sent.
        let unique: BTreeSet<&str> = resources.iter().map(String::as_str).collect();
        let rows: Vec<NewRuleRow<'_>> = unique
            .iter()
            .map(|resource_id| NewRuleRow {
                role_id: role_id.0,
                resource_id,
                permission: ALLOW,
            })
            .collect();

        // Delete and insert in one transaction, so readers see the old list or the new one.
        self.write(ROLE_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::delete(
                    authorization_rule::table.filter(authorization_rule::role_id.eq(role_id.0)),
                )
                .execute(connection)?;
                for chunk in rows.chunks(RULES_PER_INSERT) {
                    insert_rules(connection, chunk)?;
                }
                Ok(())
            })
        })
    }

    fn role_resources(&self, role_id: RoleId) -> StorageResult<Vec<String>> {
        let mut resources: Vec<String> = self.run(Rules::NONE, |connection| {
            authorization_rule::table
                .filter(authorization_rule::role_id.eq(role_id.0))
                .filter(authorization_rule::permission.eq(ALLOW))
                .select(authorization_rule::resource_id)
                .load(connection)
        })?;

        // Sorted here rather than by ORDER BY: the database's collation may not be byte order.
        resources.sort_unstable();
        Ok(resources)
    }

    fn delete_role(&self, role_id: RoleId) -> StorageResult<bool> {
        // The rules go with the role through the foreign key's cascade.
        let deleted = self.write(Rules::NONE, |connection| {
            diesel::delete(authorization_role::table.find(role_id.0)).execute(connection)
        })?;
        Ok(deleted > 0)
    }
}

/// Inserts rule rows with one multi-row statement. The `MultiConnection` cannot build
/// multi-row inserts (SQLite's differ), so the statement is run on the inner connection.
fn insert_rules(connection: &mut AnyConnection, rows: &[NewRuleRow<'_>]) -> QueryResult<usize> {
    let statement = || diesel::insert_into(authorization_rule::table).values(rows);
    match connection {
        AnyConnection::Sqlite(connection) => statement().execute(connection),
        AnyConnection::Postgres(connection) => statement().execute(connection),
        AnyConnection::Mysql(connection) => statement().execute(connection),
    }
}
