//! [`AdminRepository`] and [`CustomerRepository`] for [`TableStore`]: the two account tables,
//! each with a unique index on its login name.

use gatehouse_domain::{
    AdminId, AdminRepository, AdminUser, Customer, CustomerId, CustomerRepository, NewAdminUser,
    NewCustomer, StorageResult,
};

use crate::store::{conflict, read, write, TableStore};

impl AdminRepository for TableStore {
    fn create_admin(&self, admin: NewAdminUser) -> StorageResult<AdminUser> {
        let mut admins = write(&self.admins);

        if admins.by_username.contains_key(&admin.username) {
            return Err(conflict("admin username"));
        }

        let row = AdminUser {
            id: admins.table.next_id(),
            username: admin.username,
            email: admin.email,
            password_hash: admin.password_hash,
            is_active: admin.is_active,
            created_at: admin.created_at,
        };
        admins.by_username.insert(row.username.clone(), row.id);
        admins.table.rows.insert(row.id, row.clone());
        Ok(row)
    }

    fn admin_by_id(&self, id: AdminId) -> StorageResult<Option<AdminUser>> {
        Ok(read(&self.admins).table.rows.get(&id).cloned())
    }

    fn admin_by_username(&self, username: &str) -> StorageResult<Option<AdminUser>> {
        let admins = read(&self.admins);
        let found = admins
            .by_username
            .get(username)
            .and_then(|id| admins.table.rows.get(id));
        Ok(found.cloned())
    }

    fn set_admin_active(&self, id: AdminId, active: bool) -> StorageResult<bool> {
        let mut admins = write(&self.admins);
        let Some(admin) = admins.table.rows.get_mut(&id) else {
            return Ok(false);
        };
        admin.is_active = active;
        Ok(true)
    }
}

impl CustomerRepository for TableStore {
    fn create_customer(&self, customer: NewCustomer) -> StorageResult<Customer> {
        let mut customers = write(&self.customers);

        if customers.by_email.contains_key(&customer.email) {
            return Err(conflict("customer email"));
        }

        let row = Customer {
            id: customers.table.next_id(),
            email: customer.email,
            firstname: customer.firstname,
            lastname: customer.lastname,
            password_hash: customer.password_hash,
            is_active: customer.is_active,
            created_at: customer.created_at,
        };
        customers.by_email.insert(row.email.clone(), row.id);
        customers.table.rows.insert(row.id, row.clone());
        Ok(row)
    }

    fn customer_by_id(&self, id: CustomerId) -> StorageResult<Option<Customer>> {
        Ok(read(&self.customers).table.rows.get(&id).cloned())
    }

    fn customer_by_email(&self, email: &str) -> StorageResult<Option<Customer>> {
        let customers = read(&self.customers);
        let found = customers
            .by_email
            .get(email)
            .and_then(|id| customers.table.rows.get(id));
        Ok(found.cloned())
    }

    fn set_customer_active(&self, id: CustomerId, active: bool) -> StorageResult<bool> {
        let mut customers = write(&self.customers);
        let Some(customer) = customers.table.rows.get_mut(&id) else {
            return Ok(false);
        };
        customer.is_active = active;
        Ok(true)
    }
}
