-- Gatehouse's own minimal user tables: back-office admins and shop customers.
-- Ids are declared INTEGER PRIMARY KEY so that they alias SQLite's 64-bit rowid;
-- AUTOINCREMENT keeps a deleted row's id from ever being handed out again.
-- Times are unix seconds, UTC.

CREATE TABLE admin_user (
    user_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    CONSTRAINT admin_user_username_key UNIQUE (username)
);

CREATE TABLE customer (
    entity_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email VARCHAR(255) NOT NULL,
    firstname VARCHAR(255) NOT NULL,
    lastname VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    CONSTRAINT customer_email_key UNIQUE (email)
);
