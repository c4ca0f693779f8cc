-- The reference's OAuth and integration tables, with Gatehouse's storage rules:
-- token values and verifiers are stored as 64-character lower-case hex keyed digests,
-- secrets as sealed (encrypted) bytes, times as unix seconds, UTC.
--
-- Protocol values are compared byte for byte, so that values differing only in letter
-- case stay distinct: the consumer key, digests and token types are ASCII under ascii_bin.
-- The nonce is VARBINARY, because ascii_bin (like every MySQL collation but the NO PAD
-- ones, which MySQL and MariaDB name differently) ignores trailing spaces, and a nonce may
-- end in one.

-- The reference also makes the consumer secret unique. Sealed secrets are random
-- ciphertexts, so that index could never refuse anything and is dropped.
CREATE TABLE oauth_consumer (
    entity_id BIGINT NOT NULL AUTO_INCREMENT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    `key` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    secret BLOB NOT NULL,
    callback_url TEXT,
    rejected_callback_url TEXT,
    PRIMARY KEY (entity_id),
    CONSTRAINT oauth_consumer_key_key UNIQUE KEY (`key`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;

-- Exactly one owner column is set, and it matches user_type (1 integration, 2 admin,
-- 3 customer). SQLite and PostgreSQL enforce that with a CHECK constraint; MySQL refuses a
-- CHECK on columns that carry a foreign-key action, so here the repository alone keeps it.
CREATE TABLE oauth_token (
    entity_id BIGINT NOT NULL AUTO_INCREMENT,
    consumer_id BIGINT,
    admin_id BIGINT,
    customer_id BIGINT,
    `type` VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    token VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    secret BLOB NOT NULL,
    verifier VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    callback_url TEXT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    authorized BOOLEAN NOT NULL DEFAULT FALSE,
    user_type SMALLINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (entity_id),
    CONSTRAINT oauth_token_token_key UNIQUE KEY (token),
    -- The reference indexes created_at alone; every housekeeping delete also filters on
    -- the user type, so the index leads with it.
    KEY oauth_token_user_type_created_at_idx (user_type, created_at),
    KEY oauth_token_consumer_id_idx (consumer_id),
    KEY oauth_token_admin_id_idx (admin_id),
    KEY oauth_token_customer_id_idx (customer_id),
    CONSTRAINT oauth_token_type_check CHECK (`type` IN ('verifier', 'request', 'access')),
    CONSTRAINT oauth_token_consumer_id_fkey FOREIGN KEY (consumer_id)
        REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE,
    CONSTRAINT oauth_token_admin_id_fkey FOREIGN KEY (admin_id)
        REFERENCES admin_user (user_id) ON DELETE CASCADE,
    CONSTRAINT oauth_token_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customer (entity_id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE oauth_nonce (
    nonce VARBINARY(255) NOT NULL,
    `timestamp` BIGINT NOT NULL,
    consumer_id BIGINT NOT NULL,
    PRIMARY KEY (nonce, consumer_id),
    KEY oauth_nonce_timestamp_idx (`timestamp`),
    KEY oauth_nonce_consumer_id_idx (consumer_id),
    CONSTRAINT oauth_nonce_consumer_id_fkey FOREIGN KEY (consumer_id)
        REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE integration (
    integration_id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    endpoint TEXT,
    identity_link_url TEXT,
    status SMALLINT NOT NULL,
    setup_type SMALLINT NOT NULL,
    consumer_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (integration_id),
    CONSTRAINT integration_name_key UNIQUE KEY (name),
    CONSTRAINT integration_consumer_id_key UNIQUE KEY (consumer_id),
    CONSTRAINT integration_consumer_id_fkey FOREIGN KEY (consumer_id)
        REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;

-- user_type holds Gatehouse's user-type codes (admin 2, customer 3). The reference stores
-- them swapped in this table (customer 2, admin 3); Gatehouse does not.
CREATE TABLE oauth_token_request_log (
    log_id BIGINT NOT NULL AUTO_INCREMENT,
    user_name VARCHAR(255) NOT NULL,
    user_type SMALLINT NOT NULL,
    failures_count INTEGER NOT NULL DEFAULT 0,
    lock_expires_at BIGINT NOT NULL,
    PRIMARY KEY (log_id),
    CONSTRAINT oauth_token_request_log_user_key UNIQUE KEY (user_name, user_type),
    KEY oauth_token_request_log_lock_expires_at_idx (lock_expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;
