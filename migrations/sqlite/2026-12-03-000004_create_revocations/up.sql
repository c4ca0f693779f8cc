-- Bearer-token revocations: the reference's per-user watermark, and Gatehouse's per-token
-- list keyed by the token's id claim. Both are cleaned once the tokens they cover expire.

CREATE TABLE jwt_auth_revoked (
    user_type_id SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    revoke_before BIGINT NOT NULL,
    PRIMARY KEY (user_type_id, user_id)
);
CREATE INDEX jwt_auth_revoked_revoke_before_idx ON jwt_auth_revoked (revoke_before);

CREATE TABLE jwt_auth_revoked_token (
    token_id VARCHAR(255) PRIMARY KEY NOT NULL,
    user_type_id SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX jwt_auth_revoked_token_expires_at_idx ON jwt_auth_revoked_token (expires_at);
