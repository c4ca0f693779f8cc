//! Admin users and customers.

use diesel::prelude::*;

use gatehouse_domain::repository::{AdminRepository, CustomerRepository, StorageResult};
use gatehouse_domain::{AdminId, AdminUser, Customer, CustomerId, NewAdminUser, NewCustomer};

use crate::error::Rules;
use crate::rows::{AdminRow, CustomerRow, NewAdminRow, NewCustomerRow};
use crate::schema::{admin_user, customer};
use crate::store::DieselStore;

const ADMIN_RULES: Rules = Rules {
    unique: &[("", "admin username")],
    reference: "admin",
};

const CUSTOMER_RULES: Rules = Rules {
    unique: &[("", "customer email")],
    reference: "customer",
};

impl AdminRepository for DieselStore {
    fn create_admin(&self, admin: NewAdminUser) -> StorageResult<AdminUser> {
        let row = NewAdminRow {
            username: &admin.username,
            email: &admin.email,
            password_hash: &admin.password_hash,
            is_active: admin.is_active,
            created_at: admin.created_at,
        };

        // The username is unique, so reading back by it finds the row just inserted.
        let created = self.write(ADMIN_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(admin_user::table)
                    .values(&row)
                    .execute(connection)?;
                admin_user::table
                    .filter(admin_user::username.eq(row.username))
                    .select(AdminRow::as_select())
                    .get_result(connection)
            })
        })?;
        Ok(created.into_domain())
    }

    fn admin_by_id(&self, id: AdminId) -> StorageResult<Option<AdminUser>> {
        let found = self.run(Rules::NONE, |connection| {
            admin_user::table
                .find(id.0)
                .select(AdminRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        Ok(found.map(AdminRow::into_domain))
    }

    fn admin_by_username(&self, username: &str) -> StorageResult<Option<AdminUser>> {
        let found = self.run(Rules::NONE, |connection| {
            admin_user::table
                .filter(admin_user::username.eq(username))
                .select(AdminRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        Ok(found.map(AdminRow::into_domain))
    }

    fn set_admin_active(&self, id: AdminId, active: bool) -> StorageResult<bool> {
        let updated = self.write(Rules::NONE, |connection| {
            diesel::update(admin_user::table.find(id.0))
                .set(admin_user::is_active.eq(active))
                .execute(connection)
        })?;
        Ok(updated > 0)
    }
}

impl CustomerRepository for DieselStore {
    fn create_customer(&self, new: NewCustomer) -> StorageResult<Customer> {
        let row = NewCustomerRow {
            email: &new.email,
            firstname: &new.firstname,
            lastname: &new.lastname,
            password_hash: &new.password_hash,
            is_active: new.is_active,
            created_at: new.created_at,
        };

        // The email is unique, so reading back by it finds the row just inserted.
        let created = self.write(CUSTOMER_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(customer::table)
                    .values(&row)
                    .execute(connection)?;
                customer::table
                    .filter(customer::email.eq(row.email))
                    .select(CustomerRow::as_select())
                    .get_result(connection)
            })
        })?;
        Ok(created.into_domain())
    }

    fn customer_by_id(&self, id: CustomerId) -> StorageResult<Option<Customer>> {
        let found = self.run(Rules::NONE, |connection| {
            customer::table
                .find(id.0)
                .select(CustomerRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        Ok(found.map(CustomerRow::into_domain))
    }

    fn customer_by_email(&self, email: &str) -> StorageResult<Option<Customer>> {
        let found = self.run(Rules::NONE, |connection| {
            customer::table
                .filter(customer::email.eq(email))
                .select(CustomerRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        Ok(found.map(CustomerRow::into_domain))
    }

    fn set_customer_active(&self, id: CustomerId, active: bool) -> StorageResult<bool> {
        let updated = self.write(Rules::NONE, |connection| {
            diesel::update(customer::table.find(id.0))
                .set(customer::is_active.eq(active))
                .execute(connection)
        })?;
        Ok(updated > 0)
    }
}
