-- The reference's OAuth and integration tables, with Gatehouse's storage rules:
-- token values and verifiers are stored as 64-character lower-case hex keyed digests,
-- secrets as sealed (encrypted) bytes, times as unix seconds, UTC.

-- The reference also makes the consumer secret unique. Sealed secrets are random
-- ciphertexts, so that index could never refuse anything and is dropped.
CREATE TABLE oauth_consumer (
    entity_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    "key" VARCHAR(32) NOT NULL,
    secret BLOB NOT NULL,
    callback_url TEXT,
    rejected_callback_url TEXT,
    CONSTRAINT oauth_consumer_key_key UNIQUE ("key")
);

-- Exactly one owner column is set, and it matches user_type (1 integration, 2 admin,
-- 3 customer).
CREATE TABLE oauth_token (
    entity_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    consumer_id BIGINT REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE,
    admin_id BIGINT REFERENCES admin_user (user_id) ON DELETE CASCADE,
    customer_id BIGINT REFERENCES customer (entity_id) ON DELETE CASCADE,
    "type" VARCHAR(16) NOT NULL,
    token VARCHAR(64) NOT NULL,
    secret BLOB NOT NULL,
    verifier VARCHAR(64),
    callback_url TEXT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    authorized BOOLEAN NOT NULL DEFAULT FALSE,
    user_type SMALLINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT oauth_token_token_key UNIQUE (token),
    CONSTRAINT oauth_token_type_check CHECK ("type" IN ('verifier', 'request', 'access')),
    CONSTRAINT oauth_token_owner_check CHECK (
        (user_type = 1 AND consumer_id IS NOT NULL AND admin_id IS NULL AND customer_id IS NULL)
        OR (user_type = 2 AND admin_id IS NOT NULL AND consumer_id IS NULL AND customer_id IS NULL)
        OR (user_type = 3 AND customer_id IS NOT NULL AND consumer_id IS NULL AND admin_id IS NULL)
    )
);
CREATE INDEX oauth_token_consumer_id_idx ON oauth_token (consumer_id);
CREATE INDEX oauth_token_admin_id_idx ON oauth_token (admin_id);
CREATE INDEX oauth_token_customer_id_idx ON oauth_token (customer_id);
-- The reference indexes created_at alone; every housekeeping delete also filters on the
-- user type, so the index leads with it.
CREATE INDEX oauth_token_user_type_created_at_idx ON oauth_token (user_type, created_at);

CREATE TABLE oauth_nonce (
    nonce VARCHAR(255) NOT NULL,
    "timestamp" BIGINT NOT NULL,
    consumer_id BIGINT NOT NULL REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE,
    PRIMARY KEY (nonce, consumer_id)
);
CREATE INDEX oauth_nonce_timestamp_idx ON oauth_nonce ("timestamp");
CREATE INDEX oauth_nonce_consumer_id_idx ON oauth_nonce (consumer_id);

CREATE TABLE integration (
    integration_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    endpoint TEXT,
    identity_link_url TEXT,
    status SMALLINT NOT NULL,
    setup_type SMALLINT NOT NULL,
    consumer_id BIGINT REFERENCES oauth_consumer (entity_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT integration_name_key UNIQUE (name),
    CONSTRAINT integration_consumer_id_key UNIQUE (consumer_id)
);

-- user_type holds Gatehouse's user-type codes (admin 2, customer 3). The reference stores
-- them swapped in this table (customer 2, admin 3); Gatehouse does not.
CREATE TABLE oauth_token_request_log (
    log_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_name VARCHAR(255) NOT NULL,
    user_type SMALLINT NOT NULL,
    failures_count INTEGER NOT NULL DEFAULT 0,
    lock_expires_at BIGINT NOT NULL,
    CONSTRAINT oauth_token_request_log_user_key UNIQUE (user_name, user_type)
);
CREATE INDEX oauth_token_request_log_lock_expires_at_idx
    ON oauth_token_request_log (lock_expires_at);
