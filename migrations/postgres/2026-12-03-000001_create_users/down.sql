DROP TABLE customer;
DROP TABLE admin_user;
